//! Policy decision semantics (docs/policy.md), operators, RBAC in policies,
//! CRUD, validation, and the property tests of issue 4.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use vallum::policy::{Effect, Policy, PolicyEngine, PolicySettings, Rbac};
use vallum::{ErrorCode, Vallum};

fn policy(id: &str, conditions: Value, actions: Value) -> Policy {
    Policy::from_json(json!({"id": id, "name": id, "conditions": conditions, "actions": actions}))
        .unwrap()
}

fn engine(default: Effect, policies: Vec<Policy>) -> PolicyEngine {
    let e = PolicyEngine::new(
        &PolicySettings {
            default_effect: default,
        },
        clock(),
    );
    for p in policies {
        e.add(p).unwrap();
    }
    e
}

fn cond(kind: &str, field: &str, op: &str, value: Value) -> Value {
    json!({"type": kind, "field": field, "operator": op, "value": value})
}

fn req(prompt: &str) -> Value {
    json!({"user": {"id": "u1", "role": "analyst", "groups": ["engineering"]},
           "data": {"prompt": prompt, "size": 1200, "labels": ["finance", "q3"], "classification": "confidential"},
           "context": {"ip": "10.0.0.7", "channel": "web"},
           "rate": {"requestsLastMinute": 12},
           "time": {"timestamp": 1_774_958_400_000i64}})
}

#[test]
fn semantics_table() {
    let deny = policy(
        "deny-secrets",
        json!([cond("data", "prompt", "contains", json!("password"))]),
        json!([{"type": "deny"}, {"type": "alert", "parameters": {"severity": "high"}}]),
    );
    let challenge = policy(
        "challenge-big",
        json!([cond("data", "size", "gt", json!(1000))]),
        json!([{"type": "challenge"}, {"type": "log"}]),
    );
    let allow = policy(
        "allow-web",
        json!([cond("context", "channel", "equals", json!("web"))]),
        json!([{"type": "allow"}, {"type": "mask"}]),
    );
    let rbac = Rbac::default();
    // (policies, default, prompt) → effect
    let cases: Vec<(Vec<&Policy>, Effect, &str, Effect)> = vec![
        (vec![], Effect::Allow, "hi", Effect::Allow),
        (vec![], Effect::Deny, "hi", Effect::Deny),
        (vec![&allow], Effect::Deny, "hi", Effect::Allow),
        (
            vec![&allow, &challenge],
            Effect::Allow,
            "hi",
            Effect::Challenge,
        ),
        (
            vec![&allow, &challenge, &deny],
            Effect::Allow,
            "my Password is",
            Effect::Deny,
        ),
        (
            vec![&allow, &deny],
            Effect::Deny,
            "nothing secret",
            Effect::Allow,
        ),
    ];
    for (i, (ps, default, prompt, want)) in cases.into_iter().enumerate() {
        let e = engine(default, ps.into_iter().cloned().collect());
        assert_eq!(e.evaluate(&req(prompt), &rbac).effect, want, "case {i}");
    }
    let e = engine(Effect::Allow, vec![allow, challenge, deny]);
    let d = e.evaluate(&req("password please"), &rbac);
    assert_eq!(d.effect, Effect::Deny);
    let ids: Vec<&str> = d.matched.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["allow-web", "challenge-big", "deny-secrets"],
        "every matched policy is listed"
    );
    let kinds: Vec<String> = d
        .actions
        .iter()
        .map(|a| {
            serde_json::to_value(a.kind)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["mask", "log", "alert"],
        "side actions accumulate; effects are not repeated"
    );
    assert!(d.reasons[0].contains("deny-secrets"), "{:?}", d.reasons);
}

#[test]
fn operators_any_all_disabled_and_priority() {
    let rbac = Rbac::default();
    let check = |c: Value, want: bool| {
        let e = engine(
            Effect::Allow,
            vec![policy("p", json!([c.clone()]), json!([{"type": "deny"}]))],
        );
        assert_eq!(
            e.evaluate(&req("Summarise the Q3 numbers"), &rbac).effect == Effect::Deny,
            want,
            "{c}"
        );
    };
    check(
        cond("data", "classification", "equals", json!("confidential")),
        true,
    );
    check(
        cond("data", "classification", "not_equals", json!("public")),
        true,
    );
    check(
        cond("data", "missing", "not_equals", json!("public")),
        false,
    );
    check(
        cond("data", "prompt", "contains", json!("q3 NUMBERS")),
        true,
    );
    check(cond("data", "labels", "contains", json!("finance")), true);
    check(cond("data", "labels", "contains", json!("hr")), false);
    check(
        cond("data", "prompt", "matches", json!("(?i)^summari[sz]e\\b")),
        true,
    );
    check(
        cond("context", "channel", "in", json!(["api", "web"])),
        true,
    );
    check(cond("data", "size", "gt", json!(1199.5)), true);
    check(cond("data", "size", "lt", json!(1200)), false);
    check(cond("data", "size", "equals", json!(1200.0)), true);
    check(cond("rate", "requestsLastMinute", "gt", json!(10)), true);
    check(cond("context", "ip", "exists", Value::Null), true);
    check(cond("context", "device", "exists", json!(false)), true);
    check(cond("time", "hour", "equals", json!(12)), true);
    check(cond("time", "weekday", "equals", json!(2)), true);
    let any = Policy::from_json(json!({"id": "a", "name": "a", "match": "any", "priority": 5,
        "conditions": [cond("data", "size", "gt", json!(5000)), cond("context", "channel", "equals", json!("web"))],
        "actions": [{"type": "challenge"}]})).unwrap();
    let mut off = policy(
        "off",
        json!([cond("context", "channel", "equals", json!("web"))]),
        json!([{"type": "deny"}]),
    );
    off.enabled = false;
    let e = engine(Effect::Allow, vec![off, any]);
    let d = e.evaluate(&req("x"), &rbac);
    assert_eq!(
        d.effect,
        Effect::Challenge,
        "`any` matched, the disabled deny is ignored"
    );
    assert_eq!(d.matched.len(), 1);
}

#[test]
fn erroring_policies_are_skipped_and_reported() {
    let rbac = Rbac::default();
    let broken = policy(
        "broken",
        json!([cond("data", "prompt", "gt", json!(3))]),
        json!([{"type": "deny"}]),
    );
    let ok = policy(
        "ok",
        json!([cond("context", "channel", "equals", json!("web"))]),
        json!([{"type": "challenge"}]),
    );
    let e = engine(Effect::Allow, vec![broken, ok]);
    let d = e.evaluate(&req("text"), &rbac);
    assert_eq!(
        d.effect,
        Effect::Challenge,
        "one broken policy does not block the request"
    );
    assert_eq!(d.errors.len(), 1);
    assert_eq!(d.errors[0].policy, "broken");
    assert!(
        d.errors[0].message.contains("a string"),
        "{}",
        d.errors[0].message
    );
}

#[test]
fn policies_test_roles_and_permissions_through_rbac() {
    let rbac = Rbac::from_yaml("roles:\n  developer: {permissions: ['code:*']}\n  analyst: {permissions: ['reports:read']}\nuser_groups:\n  engineering: {roles: [developer]}\n").unwrap();
    let p1 = policy(
        "devs",
        json!([{"type": "user", "field": "roles", "operator": "contains", "value": "developer"}]),
        json!([{"type": "allow"}]),
    );
    let p2 = policy(
        "no-export",
        json!([{"type": "user", "field": "permission", "operator": "not_equals", "value": "reports:export"},
                                        {"type": "data", "field": "prompt", "operator": "contains", "value": "export"}]),
        json!([{"type": "deny"}]),
    );
    let e = engine(Effect::Deny, vec![p1, p2]);
    assert_eq!(
        e.evaluate(&req("write code"), &rbac).effect,
        Effect::Allow,
        "developer through the engineering group"
    );
    assert_eq!(
        e.evaluate(&req("export the report"), &rbac).effect,
        Effect::Deny
    );
    let bad = Policy::from_json(
        json!({"name": "x", "conditions": [{"type": "user", "field": "roles", "operator": "gt", "value": 1}], "actions": [{"type": "deny"}]}),
    );
    assert_eq!(bad.unwrap_err().code(), ErrorCode::InvalidPolicy);
}

#[test]
fn crud_and_validation_name_the_json_path() {
    let v = Vallum::builder()
        .in_memory()
        .master_key(key())
        .build()
        .unwrap();
    let ps = v.policies();
    let id = ps
        .add_json(json!({"name": "Block PII export", "conditions": [cond("data", "prompt", "contains", json!("ssn"))], "actions": [{"type": "deny"}]}))
        .unwrap();
    assert!(id.starts_with("pol_"));
    assert_eq!(v.evaluate_request(&req("my SSN is")).effect, Effect::Deny);
    ps.update(&id, json!({"enabled": false})).unwrap();
    assert_eq!(v.evaluate_request(&req("my SSN is")).effect, Effect::Allow);
    assert!(!ps.get(&id).unwrap().enabled);
    assert_eq!(
        ps.update(&id, json!({"id": "other"})).unwrap_err().code(),
        ErrorCode::InvalidPolicy
    );
    assert_eq!(
        ps.update("nope", json!({})).unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert!(ps.remove(&id).unwrap());
    assert!(!ps.remove(&id).unwrap());
    assert!(ps.list().is_empty());
    let cases = [
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "startswith", "value": "b"}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].operator",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a b", "operator": "equals", "value": "b"}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].field",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "matches", "value": "("}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].value",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "gt", "value": "ten"}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].value",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "in", "value": 3}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].value",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "time", "field": "minute", "operator": "equals", "value": 3}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].field",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "weather", "field": "a", "operator": "equals", "value": 3}], "actions": [{"type": "deny"}]}),
            "$.conditions[0].type",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "equals", "value": 3}], "actions": [{"type": "explode"}]}),
            "$.actions[0].type",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "equals", "value": 3}], "actions": [{"type": "alert", "parameters": {"severity": "apocalyptic"}}]}),
            "$.actions[0].parameters.severity",
        ),
        (
            json!({"name": "x", "conditions": [], "actions": [{"type": "deny"}]}),
            "$.conditions",
        ),
        (
            json!({"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "equals", "value": 3}], "actions": [{"type": "deny"}], "colour": "red"}),
            "colour",
        ),
    ];
    for (raw, path) in cases {
        match ps.add_json(raw.clone()) {
            Err(vallum::Error::InvalidPolicy { path: p, message }) => assert!(
                p.contains(path) || message.contains(path),
                "{raw}: {p} {message}"
            ),
            other => panic!("{raw}: {other:?}"),
        }
    }
    // From configuration, errors name the config path.
    let bad = r#"{"enterpriseSecurity": {"policyRules": [{"name": "x", "conditions": [{"type": "data", "field": "a", "operator": "nope", "value": 1}], "actions": [{"type": "deny"}]}]}}"#;
    let e = Vallum::builder()
        .in_memory()
        .config(config(bad))
        .master_key(key())
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("$.enterpriseSecurity.policyRules[0].conditions[0].operator"),
        "{e}"
    );
}

#[test]
fn audited_decisions_reach_the_log() {
    let v = Vallum::builder()
        .in_memory()
        .master_key(key())
        .build()
        .unwrap();
    v.policies()
        .add(policy(
            "deny-pw",
            json!([cond("data", "prompt", "contains", json!("password"))]),
            json!([{"type": "deny"}]),
        ))
        .unwrap();
    let d = v
        .evaluate_request_audited(&req("password?"), "acme/u1")
        .unwrap();
    assert_eq!(d.effect, Effect::Deny);
    let log = v.audit().query(&Default::default()).unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].outcome.as_str()),
        ("policy.decision", "deny")
    );
    assert!(log[0].details.contains("deny-pw"));
    assert!(v.audit().verify().unwrap().ok);
}

fn arb_policy(i: usize) -> impl Strategy<Value = Policy> {
    let fields = prop_oneof![
        Just(("data", "prompt", "contains", json!("secret"))),
        Just(("data", "size", "gt", json!(500))),
        Just(("context", "channel", "equals", json!("web"))),
        Just(("context", "channel", "in", json!(["api"]))),
        Just(("data", "labels", "contains", json!("finance"))),
        Just(("data", "prompt", "gt", json!(1))), // errors at runtime: prompt is a string
        Just(("rate", "requestsLastMinute", "lt", json!(5))),
    ];
    let effect = prop_oneof![Just("deny"), Just("challenge"), Just("allow"), Just("log")];
    (proptest::collection::vec(fields, 1..3), effect, any::<bool>(), -3i32..3).prop_map(move |(conds, effect, any, priority)| {
        let conditions: Vec<Value> = conds.into_iter().map(|(t, f, o, v)| cond(t, f, o, v)).collect();
        Policy::from_json(json!({"id": format!("p{i}"), "name": format!("p{i}"), "priority": priority,
            "match": if any { "any" } else { "all" }, "conditions": conditions, "actions": [{"type": effect}]})).unwrap()
    })
}

fn arb_policies() -> impl Strategy<Value = Vec<Policy>> {
    (0usize..8).prop_flat_map(|n| (0..n).map(arb_policy).collect::<Vec<_>>())
}

fn arb_request() -> impl Strategy<Value = Value> {
    (any::<bool>(), 0u32..1000, prop_oneof![Just("web"), Just("api")], any::<bool>(), 0u32..10).prop_map(|(secret, size, ch, fin, rate)| {
        json!({"data": {"prompt": if secret { "the SECRET plan" } else { "hello" }, "size": size,
                        "labels": if fin { json!(["finance"]) } else { json!([]) }},
               "context": {"channel": ch}, "rate": {"requestsLastMinute": rate}})
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn adding_an_allow_policy_never_turns_a_deny_into_an_allow(ps in arb_policies(), r in arb_request(), c in prop_oneof![Just(("data", "size", "gt", json!(0))), Just(("context", "channel", "equals", json!("web")))]) {
        let rbac = Rbac::default();
        let before = engine(Effect::Allow, ps.clone()).evaluate(&r, &rbac);
        let mut more = ps;
        more.push(Policy::from_json(json!({"id": "zz-allow", "name": "allow", "conditions": [cond(c.0, c.1, c.2, c.3)], "actions": [{"type": "allow"}]})).unwrap());
        let after = engine(Effect::Allow, more).evaluate(&r, &rbac);
        if before.effect == Effect::Deny {
            prop_assert_eq!(after.effect, Effect::Deny);
        }
        if before.effect == Effect::Challenge {
            prop_assert_eq!(after.effect, Effect::Challenge);
        }
    }

    #[test]
    fn insertion_order_never_changes_a_decision(ps in arb_policies(), r in arb_request(), seed in any::<u64>()) {
        let rbac = Rbac::default();
        let a = engine(Effect::Deny, ps.clone()).evaluate(&r, &rbac);
        let mut shuffled = ps;
        let n = shuffled.len();
        let mut s = seed | 1;
        for i in (1..n).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let b = engine(Effect::Deny, shuffled).evaluate(&r, &rbac);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_skipped_erroring_policy_never_changes_the_others(ps in arb_policies(), r in arb_request()) {
        let rbac = Rbac::default();
        let base = engine(Effect::Allow, ps.clone()).evaluate(&r, &rbac);
        let mut more = ps;
        more.push(Policy::from_json(json!({"id": "zz-broken", "name": "broken", "conditions": [cond("data", "prompt", "lt", json!(0))], "actions": [{"type": "deny"}]})).unwrap());
        let with = engine(Effect::Allow, more).evaluate(&r, &rbac);
        prop_assert_eq!(with.effect, base.effect);
        prop_assert_eq!(&with.matched, &base.matched);
        prop_assert_eq!(with.errors.len(), base.errors.len() + 1);
    }
}
