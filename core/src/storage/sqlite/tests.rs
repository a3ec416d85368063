use super::*;
use crate::storage::Durability;
use rusqlite::Connection;

#[test]
fn conforms() {
    let dir = tempfile::tempdir().unwrap();
    let b = SqliteBackend::open(dir.path().join("t.db"), Durability::Durable).unwrap();
    super::super::conformance::run(&b);
    b.integrity_check().unwrap();
}

#[test]
fn reopen_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    {
        let b = SqliteBackend::open(&p, Durability::Fast).unwrap();
        b.apply(&[Op::PutMeta {
            name: "x".into(),
            value: vec![1],
        }])
        .unwrap();
    }
    let b = SqliteBackend::open(&p, Durability::Durable).unwrap();
    assert_eq!(b.meta("x").unwrap(), Some(vec![1]));
}

#[test]
fn rejects_non_sqlite_foreign_and_newer_files() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x42u8; 8192]).unwrap();
    let e = SqliteBackend::open(&junk, Durability::Durable).unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::CorruptStore, "{e}");
    // The file is left untouched.
    assert_eq!(std::fs::read(&junk).unwrap(), vec![0x42u8; 8192]);

    let foreign = dir.path().join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let e = SqliteBackend::open(&foreign, Durability::Durable).unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::CorruptStore);

    let newer = dir.path().join("newer.db");
    drop(SqliteBackend::open(&newer, Durability::Durable).unwrap());
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let e = SqliteBackend::open(&newer, Durability::Durable).unwrap_err();
    assert!(e.to_string().contains("newer"), "{e}");
}
