//! Bad input gives a typed error, never a panic, and never changes stored data.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::json;
use vallum::{Config, Context, ErrorCode, MasterKey, Scope, SetOptions, Subject, Vallum};

fn ctx() -> Context {
    Context::new("acme").with_user("alice").with_session("s1")
}

#[test]
fn invalid_config_names_the_path() {
    let cases = [
        (
            r#"{"enterpriseMemory": {"encryption": {"enabled": "yes"}}}"#,
            "$.enterpriseMemory.encryption.enabled",
        ),
        (
            r#"{"enterpriseSecurity": {"threatDetection": {"sensitivity": "extreme"}}}"#,
            "$.enterpriseSecurity.threatDetection.sensitivity",
        ),
        (
            r#"{"enterprise": {"integrations": {"api": {"rateLimit": {"requests": -1}}}}}"#,
            "$.enterprise.integrations.api.rateLimit.requests",
        ),
        (
            r#"{"enterprise": {"integrations": {"webhooks": [{"id": "a", "retryPolicy": {"maxRetries": 1, "backof": 1}}]}}}"#,
            "$.enterprise.integrations.webhooks[0].retryPolicy.backof",
        ),
        (
            r#"{"enterpriseMemory": {"storage": {"durability": "eventually"}}}"#,
            "$.enterpriseMemory.storage.durability",
        ),
        (
            r#"{"enterpriseMemory": {"maxValueSize": 0}}"#,
            "$.enterpriseMemory.maxValueSize",
        ),
        (r#"{"name": 42}"#, "$.name"),
    ];
    for (json, path) in cases {
        let err = Vallum::builder().config_json(json).map(|_| ()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{json}");
        match err {
            vallum::Error::InvalidConfig { path: p, .. } => assert_eq!(p, path, "{json}"),
            other => panic!("{other:?}"),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.json");
    std::fs::write(&f, "{\"enterpriseMemory\": ").unwrap();
    assert_eq!(
        Config::from_path(&f).unwrap_err().code(),
        ErrorCode::InvalidConfig
    );
    assert_eq!(
        Config::from_path(dir.path().join("none.json"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidConfig
    );
}

#[test]
fn the_complete_spec_example_loads() {
    let cfg =
        Config::from_json_str(include_str!("../../tests/vectors/config-enterprise.json")).unwrap();
    let mem = cfg.memory();
    assert_eq!(mem.default_scope(), Scope::Organization);
    assert_eq!(
        mem.retention_for(Scope::Session).max_age,
        Some(8 * 60 * 60 * 1000)
    );
    assert_eq!(
        mem.retention_for(Scope::User).max_size,
        Some(500 * 1024 * 1024)
    );
    assert!(mem.retention.compression);
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .build()
        .unwrap();
    // The spec enables session, user and organization only.
    let e = v
        .memory()
        .set(&ctx(), Scope::Global, "k", json!(1), &SetOptions::default())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ScopeDisabled);
}

#[test]
fn wrong_master_key_is_key_mismatch_and_data_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("k.db");
    open(&p)
        .memory()
        .set(&ctx(), Scope::User, "k", json!("v"), &SetOptions::default())
        .unwrap();
    let before = rows(&p);
    let e = Vallum::builder()
        .sqlite(&p)
        .master_key(MasterKey::from_bytes(b"vallum-test-key/99-0123456789abc").unwrap())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyMismatch);
    assert!(e.to_string().contains("Nothing was read or changed"), "{e}");
    assert_eq!(rows(&p), before);
    assert_eq!(
        open(&p).memory().get(&ctx(), Scope::User, "k").unwrap(),
        Some(json!("v"))
    );
}

#[test]
fn missing_or_malformed_master_keys() {
    assert_eq!(
        Vallum::builder().in_memory().build().unwrap_err().code(),
        ErrorCode::InvalidKey
    );
    assert_eq!(
        MasterKey::from_bytes(b"short").unwrap_err().code(),
        ErrorCode::InvalidKey
    );
    let e = Vallum::builder()
        .in_memory()
        .master_key_from_env("VALLUM_TEST_KEY_THAT_IS_NOT_SET")
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidKey);
    assert!(e.to_string().contains("VALLUM_TEST_KEY_THAT_IS_NOT_SET"));
    struct Failing;
    impl vallum::KeyProvider for Failing {
        fn master_key(&self) -> vallum::Result<MasterKey> {
            Err(vallum::Error::InvalidKey {
                message: "KMS unreachable".into(),
            })
        }
    }
    let e = Vallum::builder()
        .in_memory()
        .key_provider(std::sync::Arc::new(Failing))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("KMS unreachable"));
}

#[test]
fn corrupt_and_foreign_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&text).unwrap();
    let e = Vallum::builder()
        .sqlite(&text)
        .master_key(key())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::CorruptStore, "{e}");
    assert_eq!(
        std::fs::read(&text).unwrap(),
        before,
        "the file was not modified"
    );

    // A Vallum database whose pages were damaged.
    let p = dir.path().join("d.db");
    {
        let v = open(&p);
        let items: Vec<(String, serde_json::Value)> = (0..200)
            .map(|i| (format!("k{i}"), json!("x".repeat(500))))
            .collect();
        v.memory()
            .set_batch(&ctx(), Scope::User, items, &SetOptions::default())
            .unwrap();
    }
    sql(&p, "PRAGMA wal_checkpoint(TRUNCATE)");
    let mut bytes = std::fs::read(&p).unwrap();
    for b in bytes.iter_mut().skip(4096).take(8192) {
        *b = 0xFF;
    }
    std::fs::write(&p, &bytes).unwrap();
    let res = Vallum::builder()
        .sqlite(&p)
        .master_key(key())
        .build()
        .and_then(|v| {
            for i in 0..200 {
                v.memory().get(&ctx(), Scope::User, &format!("k{i}"))?;
            }
            Ok(())
        });
    let e = res.unwrap_err();
    assert!(
        matches!(
            e.code(),
            ErrorCode::CorruptStore | ErrorCode::DecryptionFailed
        ),
        "{e}"
    );
}

#[test]
fn oversized_values_empty_and_bad_keys_and_contexts() {
    let cfg = config(r#"{"enterpriseMemory":{"maxValueSize":1024}}"#);
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .build()
        .unwrap();
    let m = v.memory();
    let e = m
        .set(
            &ctx(),
            Scope::User,
            "big",
            json!("x".repeat(2000)),
            &SetOptions::default(),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValueTooLarge);
    assert!(e.to_string().contains("1024"));
    let long_key = "k".repeat(2000);
    for key in ["", "line\nbreak", long_key.as_str()] {
        assert_eq!(
            m.set(&ctx(), Scope::User, key, json!(1), &SetOptions::default())
                .unwrap_err()
                .code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            m.get(&ctx(), Scope::User, key).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            m.remove(&ctx(), Scope::User, key).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
    }
    let no_user = Context::new("acme");
    assert_eq!(
        m.set(&no_user, Scope::User, "k", json!(1), &SetOptions::default())
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        m.forget(&no_user, Subject::Session).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        m.get(&Context::new(""), Scope::Organization, "k")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
    let e = m
        .set(
            &ctx(),
            Scope::User,
            "k",
            json!(1),
            &SetOptions::default().ttl(0),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    let e = m
        .set(
            &ctx(),
            Scope::User,
            "k",
            json!(1),
            &SetOptions::default().secret().encrypt(false),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    let e = m
        .set(
            &ctx(),
            Scope::User,
            "k",
            json!(1),
            &SetOptions::default().tag(""),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert_eq!(
        Scope::parse("team").unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    // Nothing was stored by any of the refused calls.
    assert_eq!(m.stats(Some(Scope::User)).unwrap()[0].entries, 0);
}

#[test]
fn a_newer_schema_is_refused_without_changes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n.db");
    open(&p)
        .memory()
        .set(&ctx(), Scope::User, "k", json!(1), &SetOptions::default())
        .unwrap();
    sql(&p, "PRAGMA user_version = 42");
    let e = Vallum::builder()
        .sqlite(&p)
        .master_key(key())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::CorruptStore);
    assert!(e.to_string().contains("newer"), "{e}");
}
