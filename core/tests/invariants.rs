//! DESIGN §7 invariants 1–5, on real SQLite files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use proptest::prelude::*;
use rusqlite::params;
use serde_json::json;
use std::path::Path;
use vallum::{Context, ErrorCode, Scope, SetOptions, Subject, Vallum};

fn alice() -> Context {
    Context::new("acme")
        .with_user("alice")
        .with_session("s1")
        .with_permission(vallum::memory::GLOBAL_WRITE)
}

fn seed(v: &Vallum) {
    let m = v.memory();
    for scope in [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Global,
    ] {
        m.set(
            &alice(),
            scope,
            "card",
            json!("PLAINTEXT-4111111111111111"),
            &SetOptions::default(),
        )
        .unwrap();
        m.set(
            &alice(),
            scope,
            "note",
            json!({"text": "PLAINTEXT-note"}),
            &SetOptions::default().encrypt(false),
        )
        .unwrap();
    }
}

fn file_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Invariant 1: no encrypted value and no key material reaches storage.
#[test]
fn no_plaintext_value_or_key_in_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("i.db"));
    seed(&v);
    let bytes = file_bytes(dir.path());
    assert!(
        !contains(&bytes, b"PLAINTEXT-4111111111111111"),
        "encrypted value leaked"
    );
    assert!(
        contains(&bytes, b"PLAINTEXT-note"),
        "the encrypt:false control is visible"
    );
    assert!(!contains(&bytes, &KEY), "master key leaked");
    // Errors name what failed, never the value.
    let p = dir.path().join("i.db");
    sql(
        &p,
        "UPDATE entries SET value = substr(value, 2) WHERE key = 'card'",
    );
    drop(v);
    let e = open(&p)
        .memory()
        .get(&alice(), Scope::User, "card")
        .unwrap_err();
    assert!(!e.to_string().contains("PLAINTEXT"), "{e}");
    assert!(e.to_string().contains("card"), "{e}");
}

/// Invariant 2: any flipped byte in a stored row or wrapped key is detected.
#[test]
fn random_byte_flips_in_rows_and_wrapped_keys_give_decryption_failed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("i.db");
    seed(&open(&p));
    let originals = rows(&p);
    let c = rusqlite::Connection::open(&p).unwrap();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut checked = 0;
    for (scope, owner, key, value) in &originals {
        for _ in 0..25 {
            let mut bad = value.clone();
            let i = (next() % bad.len() as u64) as usize;
            bad[i] ^= (next() % 255 + 1) as u8;
            c.execute(
                "UPDATE entries SET value = ?1 WHERE scope = ?2 AND owner = ?3 AND key = ?4",
                params![bad, scope, owner, key],
            )
            .unwrap();
            let v = open(&p);
            let got = v.memory().get(&alice(), Scope::parse(scope).unwrap(), key);
            assert_eq!(
                got.unwrap_err().code(),
                ErrorCode::DecryptionFailed,
                "{scope}/{key} byte {i}"
            );
            checked += 1;
        }
        c.execute(
            "UPDATE entries SET value = ?1 WHERE scope = ?2 AND owner = ?3 AND key = ?4",
            params![value, scope, owner, key],
        )
        .unwrap();
    }
    assert_eq!(checked, originals.len() * 25);

    let keys: Vec<(String, String, u32, Vec<u8>)> = c
        .prepare("SELECT scope, owner, key_id, wrapped FROM data_keys")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(keys.len(), 4);
    for (scope, owner, id, wrapped) in &keys {
        for i in 0..wrapped.len() {
            let mut bad = wrapped.clone();
            bad[i] ^= (next() % 255 + 1) as u8;
            c.execute(
                "UPDATE data_keys SET wrapped = ?1 WHERE scope = ?2 AND owner = ?3 AND key_id = ?4",
                params![bad, scope, owner, id],
            )
            .unwrap();
            let v = open(&p);
            let e = v
                .memory()
                .get(&alice(), Scope::parse(scope).unwrap(), "card")
                .unwrap_err();
            assert_eq!(
                e.code(),
                ErrorCode::DecryptionFailed,
                "{scope} wrapped byte {i}"
            );
        }
        c.execute(
            "UPDATE data_keys SET wrapped = ?1 WHERE scope = ?2 AND owner = ?3 AND key_id = ?4",
            params![wrapped, scope, owner, id],
        )
        .unwrap();
    }
    // Restored, everything reads again: detection never destroyed data.
    let v = open(&p);
    for scope in [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Global,
    ] {
        assert_eq!(
            v.memory().get(&alice(), scope, "card").unwrap(),
            Some(json!("PLAINTEXT-4111111111111111"))
        );
    }
}

/// Invariant 3: a row moved to another owner, scope or key name fails to decrypt.
#[test]
fn rows_copied_in_sql_to_another_owner_scope_or_key_fail() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("i.db");
    let v = open(&p);
    seed(&v);
    let bob = Context::new("acme").with_user("bob").with_session("s2");
    // Bob has his own keys (same key id 1) so the copy meets a real key.
    for scope in [Scope::Session, Scope::User] {
        v.memory()
            .set(&bob, scope, "mine", json!(1), &SetOptions::default())
            .unwrap();
    }
    drop(v);
    let copies = [
        // another owner, same scope and key
        "INSERT INTO entries SELECT scope, 'acme'||char(31)||'bob', key, value, tags, size, created_at, updated_at, expires_at FROM entries WHERE scope='user' AND key='card'",
        "INSERT INTO entries SELECT scope, 'acme'||char(31)||'bob', 'note', value, tags, size, created_at, updated_at, expires_at FROM entries WHERE scope='user' AND key='note'",
        // another scope, same owner string shape
        "INSERT INTO entries SELECT 'session', 'acme'||char(31)||'alice'||char(31)||'s1', 'moved', value, tags, size, created_at, updated_at, expires_at FROM entries WHERE scope='user' AND key='card' AND owner = 'acme'||char(31)||'alice'",
        // another key name
        "INSERT INTO entries SELECT scope, owner, 'renamed', value, tags, size, created_at, updated_at, expires_at FROM entries WHERE scope='user' AND key='card' AND owner = 'acme'||char(31)||'alice'",
        "INSERT INTO entries SELECT scope, owner, 'renamed-note', value, tags, size, created_at, updated_at, expires_at FROM entries WHERE scope='user' AND key='note'",
        // another organization (no keys there at all)
        "INSERT INTO entries SELECT scope, 'beta', key, value, tags, size, created_at, updated_at, expires_at FROM entries WHERE scope='organization' AND key='card'",
    ];
    for stmt in copies {
        sql(&p, stmt);
    }
    let v = open(&p);
    let m = v.memory();
    let beta = Context::new("beta");
    let cases = [
        (bob.clone(), Scope::User, "card"),
        (bob.clone(), Scope::User, "note"),
        (alice(), Scope::Session, "moved"),
        (alice(), Scope::User, "renamed"),
        (alice(), Scope::User, "renamed-note"),
        (beta, Scope::Organization, "card"),
    ];
    for (ctx, scope, key) in cases {
        assert_eq!(
            m.get(&ctx, scope, key).unwrap_err().code(),
            ErrorCode::DecryptionFailed,
            "{scope}/{key}"
        );
    }
    assert_eq!(m.get(&bob, Scope::User, "mine").unwrap(), Some(json!(1)));
}

/// Invariant 4: after forget, copies of the owner's rows taken before cannot
/// be decrypted with the current keyring.
#[test]
fn rows_copied_before_forget_are_unreadable_after() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("i.db");
    let v = open(&p);
    seed(&v);
    let backup = dir.path().join("rows-backup.db");
    sql(
        &p,
        &format!(
            "ATTACH '{}' AS b; CREATE TABLE b.entries AS SELECT * FROM entries; DETACH b;",
            backup.display()
        ),
    );
    let report = v.memory().forget(&alice(), Subject::User).unwrap();
    assert_eq!(report.entries, 4, "user + session rows");
    assert_eq!(report.keys, 2);
    drop(v);
    // Put the old rows back into the live store.
    sql(&p, &format!(
        "ATTACH '{}' AS b; INSERT OR REPLACE INTO entries SELECT * FROM b.entries WHERE scope IN ('user','session'); DETACH b;",
        backup.display()
    ));
    let v = open(&p);
    for scope in [Scope::User, Scope::Session] {
        for key in ["card", "note"] {
            let e = v.memory().get(&alice(), scope, key).unwrap_err();
            assert_eq!(e.code(), ErrorCode::DecryptionFailed, "{scope}/{key}");
        }
    }
    // Organization and global data were not the user's and are intact.
    assert_eq!(
        v.memory()
            .get(&alice(), Scope::Organization, "card")
            .unwrap(),
        Some(json!("PLAINTEXT-4111111111111111"))
    );
    // Even a fresh key for the same user (new id 1) does not open old rows.
    v.memory()
        .set(
            &alice(),
            Scope::User,
            "fresh",
            json!(1),
            &SetOptions::default(),
        )
        .unwrap();
    assert_eq!(
        v.memory()
            .get(&alice(), Scope::User, "card")
            .unwrap_err()
            .code(),
        ErrorCode::DecryptionFailed
    );
}

#[derive(Debug, Clone)]
enum Op {
    Set {
        org: usize,
        user: usize,
        scope: Scope,
        key: usize,
    },
    Remove {
        org: usize,
        user: usize,
        scope: Scope,
        key: usize,
    },
    Clear {
        org: usize,
        user: usize,
        scope: Scope,
    },
    Forget {
        org: usize,
        user: usize,
    },
}

const ORGS: [&str; 2] = ["acme", "beta"];
const USERS: [&str; 2] = ["u1", "u2"];

fn ctx_of(org: usize, user: usize) -> Context {
    // The same user and session ids exist in both organizations.
    Context::new(ORGS[org])
        .with_user(USERS[user])
        .with_session("s")
}

fn scope_strategy() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Session),
        Just(Scope::User),
        Just(Scope::Organization),
        Just(Scope::Ephemeral)
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..2usize, 0..2usize, scope_strategy(), 0..3usize).prop_map(|(org, user, scope, key)| Op::Set { org, user, scope, key }),
        2 => (0..2usize, 0..2usize, scope_strategy(), 0..3usize).prop_map(|(org, user, scope, key)| Op::Remove { org, user, scope, key }),
        1 => (0..2usize, 0..2usize, scope_strategy()).prop_map(|(org, user, scope)| Op::Clear { org, user, scope }),
        1 => (0..2usize, 0..2usize).prop_map(|(org, user)| Op::Forget { org, user }),
    ]
}

/// Every value read through any API from a context of organization `org`
/// must have been written by that organization.
fn assert_isolated(v: &Vallum, org: usize, user: usize) -> Result<(), TestCaseError> {
    let ctx = ctx_of(org, user);
    let m = v.memory();
    let own = |val: &serde_json::Value| val["org"] == json!(ORGS[org]);
    for scope in [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Ephemeral,
    ] {
        for k in 0..3 {
            if let Some(val) = m.get(&ctx, scope, &format!("k{k}")).unwrap() {
                prop_assert!(own(&val), "get leaked {val}");
            }
        }
        for val in m
            .get_batch(&ctx, scope, &["k0", "k1", "k2"])
            .unwrap()
            .values()
        {
            prop_assert!(own(val), "get_batch leaked {val}");
        }
        for e in m
            .search(&ctx, scope, &vallum::SearchQuery::default())
            .unwrap()
        {
            prop_assert!(own(&e.value), "search leaked {}", e.value);
        }
    }
    for k in 0..3 {
        if let Some(r) = m.resolve(&ctx, &format!("k{k}")).unwrap() {
            prop_assert!(own(&r.value), "resolve leaked {}", r.value);
        }
    }
    for subject in [Subject::Session, Subject::User, Subject::Organization] {
        let out = m.export(&ctx, subject).unwrap();
        for e in out["entries"].as_array().unwrap() {
            prop_assert!(own(&e["value"]), "export leaked {}", e["value"]);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Invariant 5: an owner in one organization never reads another's data.
    #[test]
    fn organizations_are_isolated_through_every_api(ops in proptest::collection::vec(op_strategy(), 1..40)) {
        let v = Vallum::builder().in_memory().master_key(key()).build().unwrap();
        let m = v.memory();
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Set { org, user, scope, key } => {
                    let val = json!({"org": ORGS[org], "user": USERS[user], "i": i});
                    m.set(&ctx_of(org, user), scope, &format!("k{key}"), val, &SetOptions::default()).unwrap();
                }
                Op::Remove { org, user, scope, key } => {
                    m.remove(&ctx_of(org, user), scope, &format!("k{key}")).unwrap();
                }
                Op::Clear { org, user, scope } => {
                    m.clear_scope(&ctx_of(org, user), scope).unwrap();
                }
                Op::Forget { org, user } => {
                    m.forget(&ctx_of(org, user), Subject::User).unwrap();
                }
            }
        }
        for org in 0..2 {
            for user in 0..2 {
                assert_isolated(&v, org, user)?;
            }
        }
    }
}

#[test]
fn isolation_holds_on_sqlite_too() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("iso.db"));
    for (org, org_id) in ORGS.iter().enumerate() {
        for (user, user_id) in USERS.iter().enumerate() {
            for scope in [Scope::Session, Scope::User, Scope::Organization] {
                let val = json!({"org": org_id, "user": user_id});
                v.memory()
                    .set(&ctx_of(org, user), scope, "k0", val, &SetOptions::default())
                    .unwrap();
            }
        }
    }
    v.memory()
        .forget(&ctx_of(1, 0), Subject::Organization)
        .unwrap();
    for org in 0..2 {
        for user in 0..2 {
            assert_isolated(&v, org, user).unwrap();
        }
    }
    assert_eq!(
        v.memory().get(&ctx_of(1, 0), Scope::User, "k0").unwrap(),
        None
    );
    assert!(v
        .memory()
        .get(&ctx_of(0, 0), Scope::User, "k0")
        .unwrap()
        .is_some());
}
