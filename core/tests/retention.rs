//! Quotas and eviction order (LRU and TinyLFU), with the manual clock.

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
use vallum::{Context, ErrorCode, Scope, SetOptions};

fn ctx() -> Context {
    Context::new("acme").with_user("alice")
}

/// A value whose stored size is exact with encryption off: format byte, key
/// id (4), flags byte, 98 bytes of JSON, HMAC tag (32) — plus a 2-byte key.
const UNIT: u64 = 2 + 1 + 4 + 1 + 98 + 32;

fn val() -> serde_json::Value {
    json!("x".repeat(96))
}

fn plain() -> SetOptions {
    SetOptions::default().encrypt(false)
}

fn quota_cfg(policy: &str, max: u64) -> vallum::Config {
    config(&format!(
        r#"{{"enterpriseMemory":{{"retention":{{"policies":{{"user":{{"maxSize":{max},"evictionPolicy":"{policy}"}}}}}}}}}}"#
    ))
}

fn present(v: &vallum::Vallum, keys: &[&str]) -> Vec<String> {
    let mut got: Vec<String> = v
        .memory()
        .get_batch(&ctx(), Scope::User, keys)
        .unwrap()
        .into_keys()
        .collect();
    got.sort();
    got
}

#[test]
fn lru_evicts_least_recently_used_first() {
    let dir = tempfile::tempdir().unwrap();
    // Room for three entries.
    let v = open_with(
        &dir.path().join("q.db"),
        quota_cfg("lru", 3 * UNIT),
        clock(),
    );
    let evicted = Arc::new(Mutex::new(Vec::new()));
    let sink = evicted.clone();
    let _s = v.memory().subscribe(move |e| {
        if e.action == MemoryAction::Evict {
            sink.lock().unwrap().push(e.key.clone().unwrap());
        }
    });
    let m = v.memory();
    for k in ["k1", "k2", "k3"] {
        m.set(&ctx(), Scope::User, k, val(), &plain()).unwrap();
    }
    // Touch k1 so k2 becomes the least recently used.
    m.get(&ctx(), Scope::User, "k1").unwrap();
    m.set(&ctx(), Scope::User, "k4", val(), &plain()).unwrap();
    assert_eq!(
        present(&v, &["k1", "k2", "k3", "k4"]),
        vec!["k1", "k3", "k4"]
    );
    m.set(&ctx(), Scope::User, "k5", val(), &plain()).unwrap();
    assert_eq!(
        present(&v, &["k1", "k2", "k3", "k4", "k5"]),
        vec!["k1", "k4", "k5"]
    );
    assert_eq!(
        *evicted.lock().unwrap(),
        vec!["k2".to_string(), "k3".to_string()]
    );
    // Quota is per owner: bob is unaffected by alice's usage.
    let bob = Context::new("acme").with_user("bob");
    m.set(&bob, Scope::User, "k1", val(), &plain()).unwrap();
    assert_eq!(m.get(&bob, Scope::User, "k1").unwrap(), Some(val()));
}

#[test]
fn lru_order_is_rebuilt_from_storage_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.db");
    let clock = clock();
    {
        let v = open_with(&p, quota_cfg("lru", 3 * UNIT), clock.clone());
        for k in ["k1", "k2", "k3"] {
            clock.advance(1);
            v.memory()
                .set(&ctx(), Scope::User, k, val(), &plain())
                .unwrap();
        }
    }
    let v = open_with(&p, quota_cfg("lru", 3 * UNIT), clock.clone());
    v.memory()
        .set(&ctx(), Scope::User, "k4", val(), &plain())
        .unwrap();
    assert_eq!(
        present(&v, &["k1", "k2", "k3", "k4"]),
        vec!["k2", "k3", "k4"]
    );
}

#[test]
fn lowered_quota_is_enforced_on_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.db");
    {
        let v = open_with(&p, quota_cfg("lru", 10 * UNIT), clock());
        for i in 0..6 {
            v.memory()
                .set(&ctx(), Scope::User, &format!("k{i}"), val(), &plain())
                .unwrap();
        }
    }
    let v = open_with(&p, quota_cfg("lru", 2 * UNIT), clock());
    v.memory()
        .set(&ctx(), Scope::User, "k9", val(), &plain())
        .unwrap();
    let stats = v.memory().stats(Some(Scope::User)).unwrap();
    assert!(stats[0].bytes <= 2 * UNIT, "{}", stats[0].bytes);
    assert_eq!(
        v.memory().get(&ctx(), Scope::User, "k9").unwrap(),
        Some(val())
    );
}

/// Two hot entries read often, one cold entry read last, then six new writes
/// into a quota of four entries. Returns which of the three originals survive.
fn frequency_pattern(policy: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let v = open_with(
        &dir.path().join("q.db"),
        quota_cfg(policy, 4 * UNIT),
        clock(),
    );
    let m = v.memory();
    for k in ["hot", "wrm", "k3"] {
        m.set(&ctx(), Scope::User, k, val(), &plain()).unwrap();
    }
    for _ in 0..20 {
        m.get(&ctx(), Scope::User, "hot").unwrap();
        m.get(&ctx(), Scope::User, "wrm").unwrap();
    }
    // k3 is the most recently used but the least frequently used.
    m.get(&ctx(), Scope::User, "k3").unwrap();
    for i in 0..6 {
        m.set(&ctx(), Scope::User, &format!("n{i}"), val(), &plain())
            .unwrap();
    }
    let stats = m.stats(Some(Scope::User)).unwrap();
    assert!(
        stats[0].bytes <= 4 * UNIT,
        "{policy} over quota: {}",
        stats[0].bytes
    );
    present(&v, &["hot", "wrm", "k3"])
}

#[test]
fn lfu_keeps_frequently_used_entries_over_recent_ones() {
    let lfu = frequency_pattern("lfu");
    assert!(
        lfu.contains(&"hot".to_string()) && lfu.contains(&"wrm".to_string()),
        "{lfu:?}"
    );
    // The same pattern under LRU evicts the frequently used entries first.
    let lru = frequency_pattern("lru");
    assert!(lru.is_empty(), "{lru:?}");
}

#[test]
fn an_entry_larger_than_the_quota_is_refused_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let v = open_with(&dir.path().join("q.db"), quota_cfg("lru", 150), clock());
    let m = v.memory();
    m.set(&ctx(), Scope::User, "small", json!(1), &plain())
        .unwrap();
    let e = m
        .set(&ctx(), Scope::User, "big", json!("y".repeat(500)), &plain())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::QuotaExceeded);
    assert_eq!(m.get(&ctx(), Scope::User, "small").unwrap(), Some(json!(1)));
    assert_eq!(m.get(&ctx(), Scope::User, "big").unwrap(), None);
}

#[test]
fn invalid_quota_config_is_rejected_with_path() {
    let e = vallum::Config::from_json_str(
        r#"{"enterpriseMemory":{"retention":{"policies":{"user":{"maxSize":0}}}}}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("$.enterpriseMemory.retention.policies.user.maxSize"),
        "{e}"
    );
    let e = vallum::Config::from_json_str(
        r#"{"enterpriseMemory":{"retention":{"policies":{"user":{"evictionPolicy":"fifo"}}}}}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("$.enterpriseMemory.retention.policies.user.evictionPolicy"),
        "{e}"
    );
    let e = vallum::Config::from_json_str(
        r#"{"enterpriseMemory":{"retention":{"policies":{"team":{}}}}}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("$.enterpriseMemory.retention.policies.team"),
        "{e}"
    );
}
