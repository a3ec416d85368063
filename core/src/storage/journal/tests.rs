#![allow(clippy::unwrap_used, reason = "tests")]
use super::*;
use std::collections::BTreeMap;

#[test]
fn conforms() {
    super::super::conformance::run(&JournaledBackend::new());
}

/// A key-value store fed only by `take_changes`, as IndexedDB is.
fn mirror(b: &JournaledBackend, kv: &mut BTreeMap<String, Vec<u8>>) {
    for c in b.take_changes().unwrap() {
        match c.value {
            Some(v) => kv.insert(c.id, v),
            None => kv.remove(&c.id),
        };
    }
}

fn restored(kv: &BTreeMap<String, Vec<u8>>) -> JournaledBackend {
    JournaledBackend::restore(kv.iter().map(|(k, v)| (k.as_str(), v.as_slice()))).unwrap()
}

#[test]
fn the_conformance_run_survives_a_round_trip_through_its_rows() {
    let b = JournaledBackend::new();
    super::super::conformance::run(&b);
    let mut kv = BTreeMap::new();
    mirror(&b, &mut kv);
    assert!(!b.has_changes());
    let r = restored(&kv);
    assert_eq!(r.all_keys().unwrap(), b.all_keys().unwrap());
    assert_eq!(
        r.audit_after(0, usize::MAX).unwrap(),
        b.audit_after(0, usize::MAX).unwrap()
    );
    assert_eq!(
        r.usage_between(i64::MIN, i64::MAX).unwrap(),
        b.usage_between(i64::MIN, i64::MAX).unwrap()
    );
    for scope in Scope::ALL {
        assert_eq!(r.usage(scope).unwrap(), b.usage(scope).unwrap());
    }
}

#[test]
fn deletions_reach_the_mirror() {
    let b = JournaledBackend::new();
    let e = |owner: &str, key: &str| StoredEntry {
        scope: Scope::User,
        owner: owner.into(),
        key: key.into(),
        value: vec![1, 2, 3],
        tags: vec!["t".into()],
        created_at: 1,
        updated_at: 2,
        expires_at: None,
    };
    b.apply(&[
        Op::PutEntry(e("acme/u1", "a")),
        Op::PutEntry(e("acme/u1", "b")),
        Op::PutEntry(e("acme/u2", "c")),
        Op::PutMeta {
            name: "m".into(),
            value: vec![9],
        },
    ])
    .unwrap();
    let mut kv = BTreeMap::new();
    mirror(&b, &mut kv);
    assert_eq!(kv.len(), 4);
    b.apply(&[Op::ClearOwner {
        scope: Scope::User,
        owner: "acme/u1".into(),
    }])
    .unwrap();
    mirror(&b, &mut kv);
    assert_eq!(kv.len(), 2);
    let r = restored(&kv);
    assert!(r.get(Scope::User, "acme/u1", "a").unwrap().is_none());
    assert_eq!(
        r.get(Scope::User, "acme/u2", "c").unwrap().unwrap(),
        e("acme/u2", "c")
    );
    assert_eq!(r.meta("m").unwrap(), Some(vec![9]));
    // An entry written then deleted before a flush leaves a deletion only.
    b.apply(&[Op::PutEntry(e("acme/u3", "x"))]).unwrap();
    b.apply(&[Op::DeleteEntry {
        scope: Scope::User,
        owner: "acme/u3".into(),
        key: "x".into(),
    }])
    .unwrap();
    let changes = b.take_changes().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].value, None);
}

#[test]
fn a_corrupt_row_is_named() {
    let err = JournaledBackend::restore([("[\"meta\",\"x\"]", &b"{not json"[..])]).unwrap_err();
    assert_eq!(err.code(), crate::error::ErrorCode::CorruptStore);
    assert!(err.to_string().contains("[\"meta\",\"x\"]"), "{err}");
    let bad = br#"{"kind":"meta","name":"x","value":"***"}"#;
    let err = JournaledBackend::restore([("m", &bad[..])]).unwrap_err();
    assert!(err.to_string().contains("not base64"), "{err}");
}
