//! `validate_json` (every error with its path), `migrate`, `create_enterprise_config`, round trips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use serde_json::json;
use vallum::config::{create_enterprise_config, migrate, validate_json, validate_value};
use vallum::Config;

const SPEC: &str = include_str!("../../tests/vectors/config-enterprise.json");

#[test]
fn the_spec_example_is_valid_and_round_trips() {
    let v = validate_json(SPEC);
    assert!(v.valid, "{:?}", v.errors);
    let cfg = Config::from_json_str(SPEC).unwrap();
    let back = Config::from_value(cfg.to_json_value()).unwrap();
    assert_eq!(back, cfg);
    // Nothing of the example is lost on the way (defaults may be added).
    let original: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    assert_subset(&original, &cfg.to_json_value(), "$");
}

#[test]
fn every_error_is_reported_with_its_path() {
    let doc = json!({
        "nmae": "typo",
        "enterpriseMemory": {"scopes": {"enabled": ["session", "team", "user", "galaxy"]}},
        "enterpriseSecurity": {
            "piiProtection": {"maskingRules": ["email-masking", "tattoo-masking"],
                              "customPatterns": [{"type": "EMPLOYEE_ID", "pattern": "EMP-(\\d{6"}]},
            "rateLimits": {"chat": {"requests": 0, "window": 60}},
            "policyRules": [
                {"id": "ok", "name": "fine", "conditions": [{"type": "data", "field": "prompt", "operator": "contains", "value": "x"}], "actions": [{"type": "deny"}]},
                {"id": "bad", "name": "broken", "conditions": [{"type": "data", "field": "prompt", "operator": "matches", "value": "("}], "actions": [{"type": "deny"}]}
            ]
        },
        "costManagement": {
            "timeZone": "Mars/Olympus",
            "budgets": [
                {"id": "a", "level": "user", "period": "fortnightly", "limitMicros": 5},
                {"id": "b", "level": "user", "period": "daily", "limitMicros": -5},
                {"id": "b", "level": "team", "period": "daily", "limitMicros": 5}
            ]
        },
        "guard": {"charsPerToken": 99}
    });
    let v = validate_value(&doc);
    assert!(!v.valid);
    let paths: Vec<&str> = v.errors.iter().map(|e| e.path.as_str()).collect();
    for expected in [
        "$.nmae",
        "$.enterpriseMemory.scopes.enabled[1]",
        "$.enterpriseMemory.scopes.enabled[3]",
        "$.costManagement.budgets[0].period",
        "$.costManagement.timeZone",
        "$.costManagement.budgets[1]",
        "$.costManagement.budgets[2].id",
        "$.enterpriseSecurity.rateLimits.chat",
        "$.enterpriseSecurity.policyRules[1]",
        "$.enterpriseSecurity.piiProtection.maskingRules[1]",
        "$.guard.charsPerToken",
    ] {
        assert!(
            paths.iter().any(|p| p.starts_with(expected)),
            "missing {expected} in {:#?}",
            v.errors
        );
    }
    let custom = v
        .errors
        .iter()
        .find(|e| e.path.contains("customPatterns"))
        .expect("the bad custom pattern");
    assert!(custom.message.contains("EMPLOYEE_ID"), "{custom:?}");
    // No error is reported twice, and a set-aside field causes no echo.
    let mut dedup = paths.clone();
    dedup.sort_unstable();
    dedup.dedup();
    assert_eq!(dedup.len(), paths.len(), "{paths:?}");
    // The first error is the one from_json_str reports.
    let first = Config::from_value(doc).unwrap_err();
    assert!(first.to_string().contains(&v.errors[0].path), "{first}");
}

#[test]
fn a_wrong_type_is_reported_once_not_again_as_missing() {
    let v = validate_json(
        r#"{"enterpriseSecurity": {"rateLimits": {"x": {"requests": "ten", "window": 60}}}}"#,
    );
    assert_eq!(v.errors.len(), 1, "{:?}", v.errors);
    assert_eq!(
        v.errors[0].path,
        "$.enterpriseSecurity.rateLimits.x.requests"
    );
}

#[test]
fn not_json_and_not_an_object_are_errors_at_the_root() {
    for doc in ["{", "[1, 2]", "\"x\"", "{} trailing"] {
        let v = validate_json(doc);
        assert!(!v.valid);
        assert_eq!(v.errors.len(), 1);
        assert_eq!(v.errors[0].path, "$");
    }
    assert!(validate_json("{}").valid);
}

#[test]
fn migrate_fills_safe_defaults_and_keeps_what_is_there() {
    let base = json!({"name": "My Copilot", "model": "gpt-4o", "prompt": "Be brief."});
    let cfg = migrate(&base).unwrap();
    assert_eq!(cfg.name.as_deref(), Some("My Copilot"));
    assert_eq!(cfg.system_prompt.as_deref(), Some("Be brief."));
    let out = cfg.to_json_value();
    assert_eq!(
        out["enterpriseMemory"]["encryption"]["enabled"],
        json!(true)
    );
    assert_eq!(out["enterpriseSecurity"]["audit"]["enabled"], json!(true));
    assert_eq!(
        out["enterpriseSecurity"]["piiProtection"]["autoMasking"],
        json!(true)
    );
    assert!(out.get("prompt").is_none());
    assert!(cfg.check().valid);
    // Idempotent, and existing choices win over defaults.
    assert_eq!(migrate(&out).unwrap(), cfg);
    let mine = json!({"name": "x", "enterpriseSecurity": {"threatDetection": {"enabled": false}}});
    let m = migrate(&mine).unwrap().to_json_value();
    assert_eq!(
        m["enterpriseSecurity"]["threatDetection"]["enabled"],
        json!(false)
    );
    assert_eq!(
        m["enterpriseSecurity"]["threatDetection"]["sensitivity"],
        json!("medium")
    );
    // The migrated config builds an instance.
    vallum::Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(vallum::MasterKey::from_bytes(b"vallum-test-key/03-0123456789abc").unwrap())
        .build()
        .unwrap();
    // A bad base is refused with its path.
    let e = migrate(&json!({"name": 5})).unwrap_err();
    assert!(e.to_string().contains("$.name"), "{e}");
    assert!(migrate(&json!([])).is_err());
}

#[test]
fn create_enterprise_config_fills_monitoring_and_round_trips() {
    let cfg = create_enterprise_config(&json!({
        "name": "Enterprise AI Assistant", "slug": "enterprise-assistant",
        "modelProvider": "anthropic", "model": "claude-3-sonnet-20240229",
        "systemPrompt": "You are an enterprise AI assistant with security awareness."
    }))
    .unwrap();
    let out = cfg.to_json_value();
    assert_eq!(
        out["enterprisePerformance"]["monitoring"]["enabled"],
        json!(true)
    );
    assert_eq!(
        out["enterprisePerformance"]["alerts"]["thresholds"]["responseTime"],
        json!(2000.0)
    );
    assert_eq!(out["enterprise"]["dashboard"]["enabled"], json!(true));
    assert_eq!(out["model"], json!("claude-3-sonnet-20240229"));
    assert_eq!(Config::from_value(out).unwrap(), cfg);
    assert!(cfg.check().valid);
}

/// Every value of `a` is in `b` (numbers compared numerically).
fn assert_subset(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let w = y.get(k).unwrap_or_else(|| panic!("{path}.{k} lost"));
                assert_subset(v, w, &format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_subset(v, w, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(x), Value::Number(y)) => assert_eq!(x.as_f64(), y.as_f64(), "{path}"),
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn indices_after_a_set_aside_element_are_the_original_ones() {
    let v = validate_json(
        r#"{"costManagement": {"budgets": [
        {"id": "a", "level": "user", "period": "fortnightly", "limitMicros": 5},
        {"id": "b", "level": "user", "period": "daily", "limitMicros": -5}]}}"#,
    );
    let paths: Vec<&str> = v.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.costManagement.budgets[0].period",
            "$.costManagement.budgets[1].limitMicros"
        ]
    );
}
