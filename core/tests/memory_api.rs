//! Round trips of every memory API call in every scope, on a real SQLite file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::json;
use std::sync::{Arc, Mutex};
use vallum::events::MemoryAction;
use vallum::{Config, Context, ErrorCode, Scope, SearchQuery, SetOptions, Subject};

fn ctx() -> Context {
    Context::new("acme")
        .with_user("alice")
        .with_session("s1")
        .with_permission(vallum::memory::GLOBAL_WRITE)
}

#[test]
fn set_get_remove_in_every_scope() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    for scope in Scope::ALL {
        let value =
            json!({"scope": scope.as_str(), "n": 1, "nested": [1, "two", null, {"x": true}]});
        m.set(&ctx(), scope, "k", value.clone(), &SetOptions::default())
            .unwrap();
        assert_eq!(m.get(&ctx(), scope, "k").unwrap(), Some(value), "{scope}");
    }
    // The same key in each scope holds its own value.
    for scope in Scope::ALL {
        assert_eq!(
            m.get(&ctx(), scope, "k").unwrap().unwrap()["scope"],
            json!(scope.as_str())
        );
        assert!(m.remove(&ctx(), scope, "k").unwrap());
        assert!(!m.remove(&ctx(), scope, "k").unwrap());
        assert_eq!(m.get(&ctx(), scope, "k").unwrap(), None);
    }
}

#[test]
fn values_survive_reopen_and_cache_is_not_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.db");
    {
        let v = open(&p);
        for scope in [
            Scope::Session,
            Scope::User,
            Scope::Organization,
            Scope::Global,
        ] {
            v.memory()
                .set(
                    &ctx(),
                    scope,
                    "persist",
                    json!(scope.as_str()),
                    &SetOptions::default(),
                )
                .unwrap();
        }
        v.memory()
            .set(
                &ctx(),
                Scope::Ephemeral,
                "persist",
                json!("gone"),
                &SetOptions::default(),
            )
            .unwrap();
    }
    let v = open(&p);
    for scope in [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Global,
    ] {
        assert_eq!(
            v.memory().get(&ctx(), scope, "persist").unwrap(),
            Some(json!(scope.as_str()))
        );
    }
    // Ephemeral data is never persisted.
    assert_eq!(
        v.memory().get(&ctx(), Scope::Ephemeral, "persist").unwrap(),
        None
    );
    assert!(rows(&p).iter().all(|r| r.0 != "ephemeral"));
}

#[test]
fn entry_metadata_tags_and_encryption_flag() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let v = open_with(&dir.path().join("m.db"), Config::default(), clock.clone());
    let m = v.memory();
    m.set(
        &ctx(),
        Scope::User,
        "a",
        json!(1),
        &SetOptions::default().tag("pref").ttl(1000),
    )
    .unwrap();
    clock.advance(10);
    m.set(
        &ctx(),
        Scope::User,
        "a",
        json!(2),
        &SetOptions::default().tag("pref").encrypt(false),
    )
    .unwrap();
    let e = m.get_entry(&ctx(), Scope::User, "a").unwrap().unwrap();
    assert_eq!(e.value, json!(2));
    assert_eq!(e.tags, vec!["pref".to_string()]);
    assert_eq!(e.created_at, T0, "created_at survives an overwrite");
    assert_eq!(e.updated_at, T0 + 10);
    assert_eq!(e.expires_at, None);
    assert!(!e.encrypted);
    m.set(&ctx(), Scope::User, "a", json!(3), &SetOptions::default())
        .unwrap();
    assert!(
        m.get_entry(&ctx(), Scope::User, "a")
            .unwrap()
            .unwrap()
            .encrypted
    );
}

#[test]
fn ttl_expires_with_the_manual_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let v = open_with(&dir.path().join("m.db"), Config::default(), clock.clone());
    let m = v.memory();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let _sub = m.subscribe(move |e| sink.lock().unwrap().push((e.action, e.key.clone())));
    m.set(
        &ctx(),
        Scope::User,
        "short",
        json!("x"),
        &SetOptions::default().ttl(1_000),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::User,
        "long",
        json!("y"),
        &SetOptions::default().ttl(10_000),
    )
    .unwrap();
    clock.advance(999);
    assert_eq!(
        m.get(&ctx(), Scope::User, "short").unwrap(),
        Some(json!("x"))
    );
    clock.advance(1);
    assert_eq!(
        m.get(&ctx(), Scope::User, "short").unwrap(),
        None,
        "expired at exactly ttl"
    );
    assert_eq!(
        m.get_batch(&ctx(), Scope::User, &["short", "long"])
            .unwrap()
            .len(),
        1
    );
    clock.advance(9_000);
    let report = m.optimize().unwrap();
    assert_eq!(report.expired_removed, 1, "long was purged by optimize");
    assert!(report.bytes_after.is_some());
    let ev = events.lock().unwrap().clone();
    assert!(ev.contains(&(MemoryAction::Expire, Some("short".into()))));
    assert!(ev.contains(&(MemoryAction::Expire, Some("long".into()))));
}

#[test]
fn scope_max_age_is_the_default_ttl() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let cfg = config(
        r#"{"enterpriseMemory":{"retention":{"policies":{"session":{"maxAge":28800000}}}}}"#,
    );
    let v = open_with(&dir.path().join("m.db"), cfg, clock.clone());
    let m = v.memory();
    m.set(
        &ctx(),
        Scope::Session,
        "k",
        json!(1),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(&ctx(), Scope::User, "k", json!(1), &SetOptions::default())
        .unwrap();
    assert_eq!(
        m.get_entry(&ctx(), Scope::Session, "k")
            .unwrap()
            .unwrap()
            .expires_at,
        Some(T0 + 28_800_000)
    );
    clock.advance(28_800_000);
    assert_eq!(m.get(&ctx(), Scope::Session, "k").unwrap(), None);
    assert_eq!(
        m.get(&ctx(), Scope::User, "k").unwrap(),
        Some(json!(1)),
        "user scope has no maxAge"
    );
    // Ephemeral defaults to one hour.
    m.set(
        &ctx(),
        Scope::Ephemeral,
        "e",
        json!(1),
        &SetOptions::default(),
    )
    .unwrap();
    clock.advance(3_600_000);
    assert_eq!(m.get(&ctx(), Scope::Ephemeral, "e").unwrap(), None);
}

#[test]
fn batch_calls() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    let items: Vec<(String, serde_json::Value)> = (0..100)
        .map(|i| (format!("k{i}"), json!({"i": i})))
        .collect();
    m.set_batch(&ctx(), Scope::Organization, items, &SetOptions::default())
        .unwrap();
    let got = m
        .get_batch(&ctx(), Scope::Organization, &["k0", "k99", "missing"])
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got["k99"], json!({"i": 99}));
    // A batch with one bad key stores nothing.
    let bad = vec![("ok".to_string(), json!(1)), (String::new(), json!(2))];
    let err = m
        .set_batch(&ctx(), Scope::Organization, bad, &SetOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert_eq!(m.get(&ctx(), Scope::Organization, "ok").unwrap(), None);
    assert_eq!(m.clear_scope(&ctx(), Scope::Organization).unwrap(), 100);
    assert!(m
        .get_batch(&ctx(), Scope::Organization, &["k0"])
        .unwrap()
        .is_empty());
}

#[test]
fn clear_scope_only_touches_that_owner() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    let bob = Context::new("acme").with_user("bob");
    m.set(
        &ctx(),
        Scope::User,
        "k",
        json!("alice"),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(&bob, Scope::User, "k", json!("bob"), &SetOptions::default())
        .unwrap();
    m.set(
        &ctx(),
        Scope::Session,
        "k",
        json!("session"),
        &SetOptions::default(),
    )
    .unwrap();
    assert_eq!(m.clear_scope(&ctx(), Scope::User).unwrap(), 1);
    assert_eq!(m.get(&ctx(), Scope::User, "k").unwrap(), None);
    assert_eq!(m.get(&bob, Scope::User, "k").unwrap(), Some(json!("bob")));
    assert_eq!(
        m.get(&ctx(), Scope::Session, "k").unwrap(),
        Some(json!("session"))
    );
}

#[test]
fn search_by_text_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    m.set(
        &ctx(),
        Scope::User,
        "conv/1",
        json!({"title": "Quarterly Budget"}),
        &SetOptions::default().tag("chat"),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::User,
        "conv/2",
        json!({"title": "Holiday plans"}),
        &SetOptions::default().tag("chat"),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::User,
        "budget-note",
        json!("n/a"),
        &SetOptions::default(),
    )
    .unwrap();
    let hits = m
        .search(&ctx(), Scope::User, &SearchQuery::text("budget"))
        .unwrap();
    let keys: Vec<_> = hits.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, vec!["budget-note", "conv/1"]);
    let tagged = m
        .search(
            &ctx(),
            Scope::User,
            &SearchQuery::text("budget").tag("chat"),
        )
        .unwrap();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].value["title"], json!("Quarterly Budget"));
    let all_chat = m
        .search(&ctx(), Scope::User, &SearchQuery::default().tag("chat"))
        .unwrap();
    assert_eq!(all_chat.len(), 2);
    // Another user's entries are never searched.
    let bob = Context::new("acme").with_user("bob");
    assert!(m
        .search(&bob, Scope::User, &SearchQuery::text("budget"))
        .unwrap()
        .is_empty());
}

#[test]
fn resolve_prefers_the_most_specific_scope() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    m.set(
        &ctx(),
        Scope::Global,
        "tone",
        json!("neutral"),
        &SetOptions::default(),
    )
    .unwrap();
    let r = m.resolve(&ctx(), "tone").unwrap().unwrap();
    assert_eq!((r.scope, r.value), (Scope::Global, json!("neutral")));
    m.set(
        &ctx(),
        Scope::Organization,
        "tone",
        json!("formal"),
        &SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        m.resolve(&ctx(), "tone").unwrap().unwrap().scope,
        Scope::Organization
    );
    m.set(
        &ctx(),
        Scope::User,
        "tone",
        json!("casual"),
        &SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        m.resolve(&ctx(), "tone").unwrap().unwrap().value,
        json!("casual")
    );
    m.set(
        &ctx(),
        Scope::Session,
        "tone",
        json!("terse"),
        &SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        m.resolve(&ctx(), "tone").unwrap().unwrap().scope,
        Scope::Session
    );
    // A context without a session or user falls through to the organization.
    assert_eq!(
        m.resolve(&Context::new("acme"), "tone")
            .unwrap()
            .unwrap()
            .value,
        json!("formal")
    );
    assert_eq!(m.resolve(&ctx(), "absent").unwrap(), None);
}

#[test]
fn export_covers_the_user_and_their_sessions_only() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    m.set(
        &ctx(),
        Scope::User,
        "name",
        json!("Alice"),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::Session,
        "draft",
        json!("hello"),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::Organization,
        "policy",
        json!("org data"),
        &SetOptions::default(),
    )
    .unwrap();
    let bob = Context::new("acme").with_user("bob");
    m.set(
        &bob,
        Scope::User,
        "name",
        json!("Bob"),
        &SetOptions::default(),
    )
    .unwrap();
    let out = m.export(&ctx(), Subject::User).unwrap();
    assert_eq!(out["format"], json!("vallum.export.v1"));
    let entries = out["entries"].as_array().unwrap();
    let mut got: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["scope"].as_str().unwrap().to_string(),
                e["value"].to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("session".into(), "\"hello\"".into()),
            ("user".into(), "\"Alice\"".into())
        ]
    );
    let org = m.export(&ctx(), Subject::Organization).unwrap();
    assert_eq!(org["entries"].as_array().unwrap().len(), 4);
}

#[test]
fn forget_shreds_user_and_sessions_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    let bob = Context::new("acme").with_user("bob");
    m.set(&ctx(), Scope::User, "a", json!(1), &SetOptions::default())
        .unwrap();
    m.set(
        &ctx(),
        Scope::Session,
        "b",
        json!(2),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::Ephemeral,
        "c",
        json!(3),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(&bob, Scope::User, "a", json!("bob"), &SetOptions::default())
        .unwrap();
    m.set(
        &ctx(),
        Scope::Organization,
        "o",
        json!("org"),
        &SetOptions::default(),
    )
    .unwrap();
    let r = m.forget(&ctx(), Subject::User).unwrap();
    assert_eq!(r.entries, 3);
    assert_eq!(r.keys, 3);
    for scope in [Scope::User, Scope::Session, Scope::Ephemeral] {
        assert!(
            m.get_batch(&ctx(), scope, &["a", "b", "c"])
                .unwrap()
                .is_empty(),
            "{scope}"
        );
    }
    assert_eq!(m.get(&bob, Scope::User, "a").unwrap(), Some(json!("bob")));
    assert_eq!(
        m.get(&ctx(), Scope::Organization, "o").unwrap(),
        Some(json!("org"))
    );
    // The user can start over with a fresh key.
    m.set(
        &ctx(),
        Scope::User,
        "a",
        json!("new"),
        &SetOptions::default(),
    )
    .unwrap();
    assert_eq!(m.get(&ctx(), Scope::User, "a").unwrap(), Some(json!("new")));
}

#[test]
fn stats_and_optimize() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("m.db"));
    let m = v.memory();
    m.set(
        &ctx(),
        Scope::User,
        "a",
        json!("x".repeat(100)),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(
        &Context::new("acme").with_user("bob"),
        Scope::User,
        "a",
        json!(1),
        &SetOptions::default(),
    )
    .unwrap();
    let stats = m.stats(Some(Scope::User)).unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!((stats[0].entries, stats[0].owners), (2, 2));
    assert!(stats[0].bytes > 100);
    assert_eq!(m.stats(None).unwrap().len(), 5);
    m.get(&ctx(), Scope::User, "a").unwrap();
    assert!(m.stats(None).unwrap()[0].cache_hits >= 1);
    assert_eq!(m.optimize().unwrap().expired_removed, 0);
}

#[test]
fn events_for_set_remove_clear_and_forget() {
    let v = vallum::Vallum::builder()
        .in_memory()
        .master_key(key())
        .build()
        .unwrap();
    let m = v.memory();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let sub = m.subscribe(move |e| {
        sink.lock()
            .unwrap()
            .push((e.action, e.scope, e.key.clone(), e.owner.user.clone()))
    });
    m.set(&ctx(), Scope::User, "k", json!(1), &SetOptions::default())
        .unwrap();
    m.remove(&ctx(), Scope::User, "k").unwrap();
    m.clear_scope(&ctx(), Scope::User).unwrap();
    m.forget(&ctx(), Subject::User).unwrap();
    drop(sub);
    m.set(
        &ctx(),
        Scope::User,
        "after",
        json!(1),
        &SetOptions::default(),
    )
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    let alice = Some("alice".to_string());
    assert_eq!(
        seen,
        vec![
            (
                MemoryAction::Set,
                Scope::User,
                Some("k".into()),
                alice.clone()
            ),
            (
                MemoryAction::Remove,
                Scope::User,
                Some("k".into()),
                alice.clone()
            ),
            (MemoryAction::Clear, Scope::User, None, alice.clone()),
            (MemoryAction::Forget, Scope::User, None, alice),
        ]
    );
    // Events carry no values.
    let json = serde_json::to_string(&vallum::Event::KeyRotated(
        vallum::events::KeyRotatedEvent {
            key: vallum::events::RotatedKey::Master,
            scope: None,
            owner: None,
            count: 0,
            at: 0,
        },
    ))
    .unwrap();
    assert!(json.contains("key_rotated"));
}

#[test]
fn compression_shrinks_large_values_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.db");
    let cfg = config(
        r#"{"enterpriseMemory":{"retention":{"compression":true,"compressionThreshold":256}}}"#,
    );
    let v = open_with(&p, cfg, clock());
    let m = v.memory();
    let big = json!("abcdefgh".repeat(2000));
    m.set(
        &ctx(),
        Scope::User,
        "big",
        big.clone(),
        &SetOptions::default(),
    )
    .unwrap();
    m.set(
        &ctx(),
        Scope::User,
        "secret",
        big.clone(),
        &SetOptions::default().secret(),
    )
    .unwrap();
    let sizes: std::collections::HashMap<String, usize> =
        rows(&p).into_iter().map(|r| (r.2, r.3.len())).collect();
    assert!(sizes["big"] < 1_000, "compressed: {}", sizes["big"]);
    assert!(
        sizes["secret"] > 16_000,
        "secrets are never compressed: {}",
        sizes["secret"]
    );
    drop(v);
    let v = open(&p);
    assert_eq!(
        v.memory().get(&ctx(), Scope::User, "big").unwrap(),
        Some(big.clone())
    );
    assert_eq!(
        v.memory().get(&ctx(), Scope::User, "secret").unwrap(),
        Some(big)
    );
}

#[test]
fn disabled_scopes_are_refused() {
    let cfg = config(
        r#"{"enterpriseMemory":{"scopes":{"enabled":["session","user"],"default":"user"}}}"#,
    );
    let v = vallum::Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .build()
        .unwrap();
    let e = v
        .memory()
        .set(&ctx(), Scope::Global, "k", json!(1), &SetOptions::default())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ScopeDisabled);
    assert_eq!(v.memory().config().default_scope(), Scope::User);
}

#[test]
fn data_key_rotation_reencrypts_and_destroys_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.db");
    let v = open(&p);
    let m = v.memory();
    for i in 0..10 {
        m.set(
            &ctx(),
            Scope::User,
            &format!("k{i}"),
            json!(i),
            &SetOptions::default(),
        )
        .unwrap();
    }
    let before = rows(&p);
    assert_eq!(m.rotate_data_key(&ctx(), Scope::User).unwrap(), 10);
    let after = rows(&p);
    for (b, a) in before.iter().zip(&after) {
        assert_ne!(b.3, a.3, "row {} was re-encrypted", b.2);
    }
    drop(v);
    let v = open(&p);
    for i in 0..10 {
        assert_eq!(
            v.memory()
                .get(&ctx(), Scope::User, &format!("k{i}"))
                .unwrap(),
            Some(json!(i))
        );
    }
    // An old ciphertext restored into the table no longer decrypts.
    let (_, owner, key, old) = before[0].clone();
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute(
        "UPDATE entries SET value = ?1 WHERE scope = 'user' AND owner = ?2 AND key = ?3",
        rusqlite::params![old, owner, key],
    )
    .unwrap();
    drop(v);
    let v = open(&p);
    assert_eq!(
        v.memory()
            .get(&ctx(), Scope::User, &key)
            .unwrap_err()
            .code(),
        ErrorCode::DecryptionFailed
    );
}

#[test]
fn data_keys_retire_before_their_use_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.db");
    let build = || {
        vallum::Vallum::builder()
            .sqlite(&p)
            .master_key(key())
            .data_key_use_limit(5)
            .build()
            .unwrap()
    };
    let v = build();
    for i in 0..12 {
        v.memory()
            .set(
                &ctx(),
                Scope::User,
                &format!("k{i}"),
                json!(i),
                &SetOptions::default(),
            )
            .unwrap();
    }
    let c = rusqlite::Connection::open(&p).unwrap();
    let keys: Vec<(u32, bool)> = c
        .prepare("SELECT key_id, retired FROM data_keys WHERE scope = 'user' ORDER BY key_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(keys, vec![(1, true), (2, true), (3, false)]);
    drop(v);
    // After a restart the count resumes past the reservation, so the key
    // that had 2 uses left is not reused beyond its budget.
    let v = build();
    for i in 0..12 {
        assert_eq!(
            v.memory()
                .get(&ctx(), Scope::User, &format!("k{i}"))
                .unwrap(),
            Some(json!(i))
        );
    }
    v.memory()
        .set(
            &ctx(),
            Scope::User,
            "more",
            json!(1),
            &SetOptions::default(),
        )
        .unwrap();
    let n: u32 = c
        .query_row("SELECT max(key_id) FROM data_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4);
}

#[test]
fn master_key_rotation_rewraps_and_old_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.db");
    let v = open(&p);
    v.memory()
        .set(&ctx(), Scope::User, "k", json!("v"), &SetOptions::default())
        .unwrap();
    v.memory()
        .set(
            &ctx(),
            Scope::Organization,
            "k",
            json!("o"),
            &SetOptions::default(),
        )
        .unwrap();
    let new_key = vallum::MasterKey::from_bytes(b"vallum-test-key/22-0123456789abc").unwrap();
    let old_id = v.master_key_id();
    assert_eq!(v.rotate_master_key(&new_key).unwrap(), 2);
    assert_ne!(v.master_key_id(), old_id);
    assert_eq!(
        v.memory().get(&ctx(), Scope::User, "k").unwrap(),
        Some(json!("v"))
    );
    drop(v);
    let e = vallum::Vallum::builder()
        .sqlite(&p)
        .master_key(key())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyMismatch);
    let v = vallum::Vallum::builder()
        .sqlite(&p)
        .master_key(new_key)
        .build()
        .unwrap();
    assert_eq!(
        v.memory().get(&ctx(), Scope::Organization, "k").unwrap(),
        Some(json!("o"))
    );
}
