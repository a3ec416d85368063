//! Compliance reports for a compliant and a non-compliant configuration.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::json;
use vallum::compliance::Status;
use vallum::{Context, Scope, SetOptions};

const COMPLIANT: &str = r#"{
  "enterpriseMemory": {"encryption": {"enabled": true, "algorithm": "AES-256-GCM"},
                       "retention": {"policies": {"session": {"maxAge": 28800000}}}},
  "enterpriseSecurity": {
    "audit": {"enabled": true, "retention": 2555},
    "threatDetection": {"enabled": true, "sensitivity": "medium"},
    "rbac": {"roles": {"analyst": {"permissions": ["reports:read"]}}},
    "rateLimits": {"api": {"requests": 100, "window": 60}},
    "piiProtection": {"enabled": true, "autoDetection": true, "maskingRules": ["email-masking", "ssn-encryption"]}
  }
}"#;

const LAX: &str = r#"{
  "enterpriseMemory": {"encryption": {"enabled": false}},
  "enterpriseSecurity": {"audit": {"enabled": true, "retention": 30}, "threatDetection": {"enabled": false}}
}"#;

fn failed(r: &vallum::compliance::ComplianceReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| f.control.clone())
        .collect()
}

#[test]
fn a_compliant_configuration_passes_what_the_sdk_can_see() {
    let dir = tempfile::tempdir().unwrap();
    let v = open_with(&dir.path().join("c.db"), config(COMPLIANT), clock());
    let ctx = Context::new("acme").with_user("u");
    v.memory()
        .set(&ctx, Scope::User, "k", json!("v"), &SetOptions::default())
        .unwrap();
    v.rotate_master_key(
        &vallum::MasterKey::from_bytes(b"vallum-test-key/33-0123456789abc").unwrap(),
    )
    .unwrap();
    for fw in ["sox", "hipaa", "pci_dss", "soc2", "gdpr"] {
        let r = v.compliance_check(fw).unwrap();
        assert!(failed(&r).is_empty(), "{fw}: {:?}", failed(&r));
        assert_eq!(r.score, 100, "{fw}");
    }
    // The check itself is audited and the log still verifies.
    let checks = v
        .audit()
        .query(&vallum::storage::AuditFilter {
            action: Some("compliance.check".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(checks.len(), 5);
    assert!(v.audit().verify().unwrap().ok);
}

#[test]
fn a_lax_configuration_fails_with_evidence_and_remediation() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.db");
    let v = open_with(&p, config(LAX), clock());
    let ctx = Context::new("acme").with_user("u");
    v.memory()
        .set(
            &ctx,
            Scope::User,
            "card",
            json!("4111 1111 1111 1111"),
            &SetOptions::default(),
        )
        .unwrap();
    let r = v.compliance_check("PCI-DSS").unwrap();
    assert_eq!(
        failed(&r),
        vec![
            "encryption_at_rest",
            "no_unencrypted_values",
            "audit_retention",
            "access_control",
            "key_rotation",
            "pii_masking"
        ]
    );
    let enc = r
        .findings
        .iter()
        .find(|f| f.control == "no_unencrypted_values")
        .unwrap();
    assert!(
        enc.evidence.starts_with("1 stored value"),
        "{}",
        enc.evidence
    );
    assert!(!enc.remediation.is_empty());
    let gdpr = v.compliance_check("gdpr").unwrap();
    assert!(failed(&gdpr).contains(&"retention_limits".to_string()));
    let soc2 = v.compliance_check("soc2").unwrap();
    assert!(failed(&soc2).contains(&"threat_detection".to_string()));
    assert!(failed(&soc2).contains(&"rate_limiting".to_string()));
    // A tampered audit log fails the integrity control.
    drop(v);
    sql(&p, "UPDATE audit SET outcome = 'forged' WHERE seq = 1");
    let v = open_with(&p, config(LAX), clock());
    let r = v.compliance_check("hipaa").unwrap();
    assert!(
        failed(&r).contains(&"audit_log_integrity".to_string()),
        "{:?}",
        failed(&r)
    );
    assert!(r.to_json().unwrap().contains("\"framework\": \"hipaa\""));
    assert!(r.to_csv().contains("\"hipaa\",\"audit_log_integrity\""));
    assert_eq!(
        v.compliance_check("iso27001").unwrap_err().code(),
        vallum::ErrorCode::InvalidArgument
    );
}
