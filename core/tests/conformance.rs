//! The Rust runner of the conformance vectors `tests/vectors/{pii,policy,
//! rbac,config-errors,audit-tamper,guard}.json` (the crypto and cost vectors
//! run in `vectors.rs`). Formats: `tests/vectors/README.md`.
//!
//! Each runner computes the actual result of every case as JSON and compares
//! it with the case's `expected`. `VALLUM_BLESS_VECTORS=1 cargo test --test
//! conformance` writes the actual results into the files instead — for new
//! cases only; review the diff before committing, as a changed expectation
//! changes what every runtime must do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use vallum::{ManualClock, MasterKey, Vallum};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name)
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path(name)).unwrap()).unwrap()
}

/// Compares every case's `expected` with `actual`, or writes them when blessing.
fn check(name: &str, mut doc: Value, list: &str, actual: Vec<Value>) {
    let cases = doc[list].as_array_mut().unwrap();
    assert_eq!(cases.len(), actual.len());
    assert!(!cases.is_empty(), "{name} has no cases");
    if std::env::var_os("VALLUM_BLESS_VECTORS").is_some() {
        for (c, a) in cases.iter_mut().zip(actual) {
            c["expected"] = a;
        }
        let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        std::fs::write(path(name), text).unwrap();
        return;
    }
    let mut failures = Vec::new();
    for (c, a) in cases.iter().zip(&actual) {
        assert!(
            !c["expected"].is_null(),
            "{name}: a case has no expectation"
        );
        if c["expected"] != *a {
            failures.push(format!(
                "{}: expected {} got {}",
                c["name"], c["expected"], a
            ));
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

fn instance(config: Value) -> Vallum {
    Vallum::builder()
        .in_memory()
        .config(vallum::Config::from_value(config).unwrap())
        .master_key(MasterKey::from_bytes(b"VALLUM-vector-key-0123456789abcd").unwrap())
        .clock(Arc::new(ManualClock::new(1_700_000_000_000)))
        .build()
        .unwrap()
}

fn strings<'a>(v: impl IntoIterator<Item = &'a str>) -> Value {
    Value::from(v.into_iter().map(Value::from).collect::<Vec<_>>())
}

#[test]
fn pii_detect_and_mask() {
    let doc = load("pii.json");
    assert_eq!(doc["format"], "vallum.pii.v1");
    let actual = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let cfg = c.get("config").cloned().unwrap_or(json!({}));
            let v = instance(json!({"enterpriseSecurity": {"piiProtection": cfg}}));
            let text = c["text"].as_str().unwrap();
            let findings: Vec<Value> = v
                .pii()
                .detect(text)
                .unwrap()
                .iter()
                .map(|f| {
                    json!({"entity": f.entity, "start": f.start, "end": f.end,
                           "charStart": f.char_start, "charEnd": f.char_end})
                })
                .collect();
            json!({"findings": findings, "masked": v.pii().mask(text).unwrap().text})
        })
        .collect();
    check("pii.json", doc, "cases", actual);
}

#[test]
fn policy_decisions() {
    let doc = load("policy.json");
    assert_eq!(doc["format"], "vallum.policy.v1");
    let v = instance(json!({"enterpriseSecurity": {
        "rbac": doc["rbac"], "policyRules": doc["policies"], "defaultEffect": doc["defaultEffect"]}}));
    let actual = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let d = v.evaluate_request(&c["request"]);
            json!({
                "effect": d.effect,
                "matched": strings(d.matched.iter().map(|m| m.id.as_str())),
                "actions": d.actions.iter().map(|a| serde_json::to_value(a.kind).unwrap()).collect::<Vec<_>>(),
                "skipped": strings(d.errors.iter().map(|e| e.policy.as_str())),
            })
        })
        .collect();
    check("policy.json", doc, "cases", actual);
}

#[test]
fn rbac_checks() {
    let doc = load("rbac.json");
    assert_eq!(doc["format"], "vallum.rbac.v1");
    let v = instance(json!({"enterpriseSecurity": {"rbac": doc["rbac"]}}));
    let rbac = v.rbac();
    let principal =
        |c: &Value| serde_json::from_value::<vallum::policy::Principal>(c["principal"].clone());
    let perms = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            Value::from(
                rbac.has_permission(&principal(c).unwrap(), c["permission"].as_str().unwrap()),
            )
        })
        .collect();
    let roles = doc["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let p = principal(c).unwrap();
            json!({"roles": rbac.roles_of(&p), "costCenter": rbac.cost_center(&p)})
        })
        .collect();
    check("rbac.json", doc.clone(), "cases", perms);
    check("rbac.json", load("rbac.json"), "roles", roles);
}

#[test]
fn config_validation_errors() {
    let doc = load("config-errors.json");
    assert_eq!(doc["format"], "vallum.config-errors.v1");
    let actual = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let r = match c.get("raw").and_then(Value::as_str) {
                Some(raw) => vallum::config::validate_json(raw),
                None => vallum::config::validate_value(&c["config"]),
            };
            json!({"valid": r.valid, "paths": strings(r.errors.iter().map(|e| e.path.as_str()))})
        })
        .collect();
    check("config-errors.json", doc, "cases", actual);
}

fn tamper(records: &mut Vec<Value>, ops: &[Value]) {
    for op in ops {
        let idx = |k: &str| op[k].as_u64().unwrap() as usize;
        match op["op"].as_str().unwrap() {
            "set" => records[idx("index")][op["field"].as_str().unwrap()] = op["value"].clone(),
            "delete" => {
                records.remove(idx("index"));
            }
            "swap" => records.swap(idx("a"), idx("b")),
            "duplicate" => {
                let copy = records[idx("index")].clone();
                records.insert(idx("at"), copy);
            }
            "forge" => {
                let mut forged = records[idx("at")].clone();
                forged["actor"] = json!("mallory");
                records.insert(idx("at"), forged);
            }
            other => panic!("unknown tamper op {other}"),
        }
    }
}

#[test]
fn audit_verification_of_tampered_logs() {
    let doc = load("audit-tamper.json");
    assert_eq!(doc["format"], "vallum.audit-tamper.v1");
    let v = instance(json!({}));
    for e in doc["entries"].as_array().unwrap() {
        let s = |k: &str| e[k].as_str().unwrap().to_string();
        v.audit()
            .append(
                vallum::audit::AuditEntry::new(
                    s("actor"),
                    s("action"),
                    s("resource"),
                    s("outcome"),
                )
                .details(e["details"].clone()),
            )
            .unwrap();
    }
    let exported: Value =
        serde_json::from_str(&v.audit().export_json(&Default::default()).unwrap()).unwrap();
    let records = exported["records"].as_array().unwrap().clone();
    assert_eq!(records.len(), doc["entries"].as_array().unwrap().len());
    let actual = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut recs = records.clone();
            tamper(&mut recs, c["tamper"].as_array().unwrap());
            let rows: Vec<vallum::storage::AuditRow> =
                serde_json::from_value(Value::from(recs)).unwrap();
            let r = v.audit().verify_records(&rows, 1, &"0".repeat(64)).unwrap();
            match r.broken {
                None => json!({"ok": r.ok, "checked": r.checked}),
                Some(b) => json!({"ok": r.ok, "checked": r.checked, "seq": b.seq, "kind": b.kind}),
            }
        })
        .collect();
    check("audit-tamper.json", doc, "cases", actual);
}

#[test]
fn guard_verdicts() {
    let doc = load("guard.json");
    assert_eq!(doc["format"], "vallum.guard.v1");
    let key = doc["masterKey"].as_str().unwrap();
    let key: Vec<u8> = (0..key.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key[i..i + 2], 16).unwrap())
        .collect();
    let clock = Arc::new(ManualClock::new(doc["clockMs"].as_i64().unwrap()));
    let v = Vallum::builder()
        .in_memory()
        .config(vallum::Config::from_value(doc["config"].clone()).unwrap())
        .master_key(MasterKey::from_bytes(&key).unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let mut verdicts: Vec<Option<vallum::guard::Verdict>> = Vec::new();
    let actual = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            clock.advance(s["advanceMs"].as_i64().unwrap_or(0));
            if let Some(p) = s.get("prompt") {
                let input: vallum::guard::PromptInput = serde_json::from_value(p.clone()).unwrap();
                match v.guard_prompt(&input) {
                    Err(e) => {
                        verdicts.push(None);
                        json!({"error": e.code().as_str()})
                    }
                    Ok(g) => {
                        let out = json!({
                            "decision": g.decision,
                            "stopped_at": g.stopped_at,
                            "text_to_send": g.text_to_send,
                            "entities": strings(g.findings.iter().map(|f| f.entity.as_str())),
                            "threat_rules": strings(g.threats.iter().map(|t| t.rule)),
                            "matched_policies": strings(g.matched_policies.iter().map(|m| m.id.as_str())),
                            "reservationMicros": g.reservation.as_ref().map(|r| r.amount_micros),
                            "audited": g.audit_id.is_some(),
                        });
                        verdicts.push(Some(g));
                        out
                    }
                }
            } else {
                let mut input: vallum::guard::ResponseInput =
                    serde_json::from_value(s["response"].clone()).unwrap();
                let from = s["reservationFrom"].as_u64().unwrap() as usize;
                input.reservation = verdicts[from].as_ref().and_then(|g| g.reservation.clone());
                verdicts.push(None);
                match v.guard_response(&input) {
                    Err(e) => json!({"error": e.code().as_str()}),
                    Ok(r) => json!({
                        "text": r.text,
                        "leaked": strings(r.leaked.iter().map(|f| f.entity.as_str())),
                        "restored": r.restored,
                        "costMicros": r.charge.map(|c| c.cost_micros),
                    }),
                }
            }
        })
        .collect();
    check("guard.json", doc, "steps", actual);
    // No step leaves a hold behind except allowed prompts whose answer never came.
    let open = verdicts
        .iter()
        .flatten()
        .filter(|g| g.reservation.is_some())
        .count();
    assert!(v.costs().reservations_held() <= open);
}

#[test]
fn report_periods_in_time_zones() {
    let doc = load("periods.json");
    assert_eq!(doc["format"], "vallum.periods.v1");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    let mut failures = Vec::new();
    for case in cases {
        let config = json!({"costManagement": {"timeZone": case["timeZone"]}});
        let v = Vallum::builder()
            .in_memory()
            .config(vallum::Config::from_value(config).unwrap())
            .master_key(MasterKey::from_bytes(b"VALLUM-vector-key-0123456789abcd").unwrap())
            .clock(Arc::new(ManualClock::new(case["nowMs"].as_i64().unwrap())))
            .build()
            .unwrap();
        let period = vallum::cost::Period::parse(case["period"].as_str().unwrap()).unwrap();
        let r = v
            .costs()
            .report(&vallum::cost::ReportRequest::new(
                period,
                vallum::cost::UsageField::Department,
            ))
            .unwrap();
        let want = (
            case["start"].as_i64().unwrap(),
            case["end"].as_i64().unwrap(),
        );
        if (r.start, r.end) != want {
            failures.push(format!(
                "{}: got {:?}, want {want:?}",
                case["name"],
                (r.start, r.end)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
