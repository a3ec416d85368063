//! The audit log on real SQLite files: every kind of tampering is found and
//! named, truncation is caught by a checkpoint, retention keeps the rest
//! verifiable, and memory erasure, export and key rotation leave records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::json;
use std::sync::Arc;
use vallum::audit::{AuditEntry, TamperKind};
use vallum::storage::{AuditFilter, AuditRow};
use vallum::{Context, ErrorCode, ManualClock, Scope, SetOptions, Subject, Vallum};

fn log(v: &Vallum, n: u64) {
    for i in 1..=n {
        let e = AuditEntry::new(
            format!("user{}", i % 3),
            if i % 2 == 0 {
                "policy.decision"
            } else {
                "memory.read"
            },
            format!("res/{i}"),
            "success",
        )
        .details(json!({"i": i, "nested": {"b": 2, "a": 1}}));
        assert_eq!(v.audit().append(e).unwrap(), i);
    }
}

fn broken(v: &Vallum) -> (u64, TamperKind) {
    let r = v.audit().verify().unwrap();
    assert!(!r.ok);
    let b = r.broken.unwrap();
    (b.seq, b.kind)
}

#[test]
fn an_untouched_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("a.db"));
    log(&v, 50);
    let r = v.audit().verify().unwrap();
    assert!(r.ok && r.broken.is_none());
    assert_eq!(r.checked, 50);
    assert_eq!(r.head.unwrap().0, 50);
}

#[test]
fn modified_content_mac_or_link_is_detected() {
    for stmt in [
        "UPDATE audit SET outcome = 'denied' WHERE seq = 7",
        "UPDATE audit SET details = '{\"i\":8}' WHERE seq = 7",
        "UPDATE audit SET ts = ts + 1 WHERE seq = 7",
        "UPDATE audit SET mac = '00' || substr(mac, 3) WHERE seq = 7",
        "UPDATE audit SET prev_hash = (SELECT mac FROM audit WHERE seq = 2) WHERE seq = 7",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.db");
        let v = open(&p);
        log(&v, 12);
        sql(&p, stmt);
        assert_eq!(broken(&v), (7, TamperKind::Modified), "{stmt}");
    }
}

#[test]
fn deleted_records_are_detected_and_truncation_needs_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.db");
    let v = open(&p);
    log(&v, 12);
    let cp = v.audit().checkpoint().unwrap();
    assert_eq!(cp.seq, 12);
    sql(&p, "DELETE FROM audit WHERE seq IN (5, 6)");
    let r = v.audit().verify().unwrap();
    let b = r.broken.unwrap();
    assert_eq!((b.seq, b.kind), (7, TamperKind::Deleted));
    assert!(b.detail.contains("#5–#6"), "{}", b.detail);

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    let v = open(&p);
    log(&v, 12);
    let cp = v.audit().checkpoint().unwrap();
    sql(&p, "DELETE FROM audit WHERE seq > 9");
    assert!(
        v.audit().verify().unwrap().ok,
        "a cut tail alone looks like a shorter log"
    );
    let r = v.audit().verify_against(&cp).unwrap();
    assert_eq!(r.broken.unwrap().kind, TamperKind::Truncated);
    // A forged checkpoint is refused.
    let mut forged = cp.clone();
    forged.seq = 9;
    assert_eq!(
        v.audit().verify_against(&forged).unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
    // The stored copy round-trips.
    assert_eq!(v.audit().stored_checkpoint().unwrap(), Some(cp));
}

#[test]
fn reordered_and_inserted_records_in_an_export_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("a.db"));
    log(&v, 10);
    let doc: serde_json::Value =
        serde_json::from_str(&v.audit().export_json(&AuditFilter::default()).unwrap()).unwrap();
    let rows: Vec<AuditRow> = serde_json::from_value(doc["records"].clone()).unwrap();
    let zero = "0".repeat(64);
    assert!(
        v.audit().verify_records(&rows, 1, &zero).unwrap().ok,
        "the export verifies offline"
    );

    let mut swapped = rows.clone();
    swapped.swap(3, 4);
    let b = v
        .audit()
        .verify_records(&swapped, 1, &zero)
        .unwrap()
        .broken
        .unwrap();
    assert_eq!((b.seq, b.kind), (5, TamperKind::Reordered));

    let mut forged = rows.clone();
    let mut fake = rows[4].clone();
    fake.actor = "mallory".into();
    forged.insert(5, fake);
    let b = v
        .audit()
        .verify_records(&forged, 1, &zero)
        .unwrap()
        .broken
        .unwrap();
    assert_eq!(b.kind, TamperKind::Inserted);

    // A record from another log (another key) spliced in.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Vallum::builder()
        .sqlite(other_dir.path().join("o.db"))
        .master_key(vallum::MasterKey::from_bytes(b"vallum-test-key/09-0123456789abc").unwrap())
        .build()
        .unwrap();
    log(&other, 3);
    let alien: Vec<AuditRow> = other.audit().query(&AuditFilter::default()).unwrap();
    let mut spliced = rows.clone();
    spliced.insert(2, alien[1].clone());
    assert_eq!(
        v.audit()
            .verify_records(&spliced, 1, &zero)
            .unwrap()
            .broken
            .unwrap()
            .kind,
        TamperKind::Inserted
    );
}

#[test]
fn retention_purges_old_records_and_the_rest_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.db");
    let clock = Arc::new(ManualClock::new(T0));
    let cfg = config(r#"{"enterpriseSecurity": {"audit": {"enabled": true, "retention": 30}}}"#);
    let v = open_with(&p, cfg.clone(), clock.clone());
    log(&v, 5);
    clock.advance(20 * 86_400_000);
    log_more(&v, 5);
    clock.advance(15 * 86_400_000); // the first five are now 35 days old
    assert_eq!(v.audit().purge_expired().unwrap(), 5);
    assert_eq!(v.audit().query(&AuditFilter::default()).unwrap().len(), 5);
    let r = v.audit().verify().unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.checked, 5);
    // Appending continues the chain from the anchor.
    assert_eq!(
        v.audit()
            .append(AuditEntry::new("a", "b", "c", "success"))
            .unwrap(),
        11
    );
    assert!(v.audit().verify().unwrap().ok);
    // A tampered anchor is refused rather than trusted.
    drop(v);
    sql(&p, "UPDATE meta SET value = CAST(replace(CAST(value AS TEXT), '\"seq\":5', '\"seq\":4') AS BLOB) WHERE name = 'audit_anchor'");
    let v = open_with(&p, cfg, clock);
    assert_eq!(
        v.audit().verify().unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
}

fn log_more(v: &Vallum, n: u64) {
    for _ in 0..n {
        v.audit()
            .append(AuditEntry::new("later", "memory.read", "x", "success"))
            .unwrap();
    }
}

#[test]
fn query_export_csv_and_memory_operations_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.db");
    let v = open(&p);
    let ctx = Context::new("acme").with_user("alice");
    v.memory()
        .set(
            &ctx,
            Scope::User,
            "k",
            json!("secret value"),
            &SetOptions::default(),
        )
        .unwrap();
    v.memory().export(&ctx, Subject::User).unwrap();
    v.memory().rotate_data_key(&ctx, Scope::User).unwrap();
    v.memory().forget(&ctx, Subject::User).unwrap();
    let new_key = vallum::MasterKey::from_bytes(b"vallum-test-key/42-0123456789abc").unwrap();
    v.rotate_master_key(&new_key).unwrap();
    let actions: Vec<String> = v
        .audit()
        .query(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        vec![
            "memory.export",
            "key.rotate_data",
            "memory.forget",
            "key.rotate_master"
        ]
    );
    let by_alice = v
        .audit()
        .query(&AuditFilter {
            actor: Some("acme/alice".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_alice.len(), 3);
    let csv = v
        .audit()
        .export_csv(&AuditFilter {
            action: Some("memory.forget".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(csv.starts_with("seq,ts,actor,action,resource,outcome,details,prev_hash,mac\n"));
    assert!(
        csv.contains("\"memory.forget\",\"user\",\"success\""),
        "{csv}"
    );
    // No value ever reaches the audit log.
    assert!(!v
        .audit()
        .export_json(&AuditFilter::default())
        .unwrap()
        .contains("secret value"));
    // The chain survives the master-key rotation (its key was re-wrapped).
    drop(v);
    let v = Vallum::builder()
        .sqlite(&p)
        .master_key(new_key)
        .build()
        .unwrap();
    assert!(v.audit().verify().unwrap().ok);
}

#[test]
fn disabled_audit_writes_nothing() {
    let cfg = config(r#"{"enterpriseSecurity": {"audit": {"enabled": false}}}"#);
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .build()
        .unwrap();
    assert!(!v.audit().enabled());
    assert_eq!(
        v.audit()
            .append(AuditEntry::new("a", "b", "c", "d"))
            .unwrap(),
        0
    );
    assert!(v.audit().query(&AuditFilter::default()).unwrap().is_empty());
}
