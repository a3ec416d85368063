//! Times Vallum and Cedar on the same policies and requests; see README.md.

use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request};
use serde_json::json;
use std::str::FromStr;
use std::time::Instant;
use vallum::policy::{Effect, Policy, PolicyEngine, PolicySettings, Rbac, RbacSpec, RoleSpec};

/// Policy i in both languages. Even i: permit a role on the action; odd i:
/// forbid on an attribute.
fn policy(i: usize) -> (Policy, String) {
    let (cond, cedar) = match i % 8 {
        0 | 2 | 4 | 6 => (
            json!({"type": "user", "field": "roles", "operator": "contains", "value": format!("role-{}", i / 2)}),
            format!(r#"permit(principal in Role::"role-{}", action == Action::"chat", resource);"#, i / 2),
        ),
        1 => (
            json!({"type": "data", "field": "prompt", "operator": "contains", "value": format!("forbidden-{i}")}),
            format!(r#"forbid(principal, action, resource) when {{ context.prompt like "*forbidden-{i}*" }};"#),
        ),
        3 => (
            json!({"type": "context", "field": "channel", "operator": "equals", "value": format!("channel-{i}")}),
            format!(r#"forbid(principal, action, resource) when {{ context.channel == "channel-{i}" }};"#),
        ),
        5 => (
            json!({"type": "data", "field": "size", "operator": "gt", "value": 100_000 + i}),
            format!(r#"forbid(principal, action, resource) when {{ context.size > {} }};"#, 100_000 + i),
        ),
        _ => (
            json!({"type": "data", "field": "classification", "operator": "in", "value": [format!("level-{i}"), "secret"]}),
            format!(r#"forbid(principal, action, resource) when {{ ["level-{i}", "secret"].contains(context.classification) }};"#),
        ),
    };
    let effect = if i % 2 == 0 { "allow" } else { "deny" };
    let p = Policy::from_json(json!({"id": format!("p{i:05}"), "name": format!("p{i}"), "conditions": [cond], "actions": [{"type": effect}]})).unwrap();
    (p, cedar)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let requests = [
        ("role-3", "Summarise the Q3 revenue for the board.", "web", 812, "internal"),
        ("role-7", "Please include forbidden-9 in the answer", "web", 500, "internal"),
        ("role-1", "Short question", "channel-11", 10, "internal"),
        ("nobody", "Hello", "web", 10, "internal"),
        ("role-2", "Big upload", "web", 900_000, "secret"),
    ];
    println!("{:>8} {:>14} {:>14} {:>8}", "policies", "vallum (µs)", "cedar (µs)", "ratio");
    for n in [10usize, 100, 1_000] {
        let mut cedar_src = String::new();
        let engine = PolicyEngine::new(&PolicySettings { default_effect: Effect::Deny }, std::sync::Arc::new(vallum::ManualClock::new(0)));
        let mut roles = RbacSpec::default();
        for i in 0..n {
            let (p, c) = policy(i);
            engine.add(p).unwrap();
            cedar_src.push_str(&c);
            cedar_src.push('\n');
            roles.roles.insert(format!("role-{}", i / 2), RoleSpec::default());
        }
        let rbac = Rbac::new(roles).unwrap();
        let policies = PolicySet::from_str(&cedar_src).unwrap();
        let authorizer = Authorizer::new();
        let action = EntityUid::from_str(r#"Action::"chat""#).unwrap();
        let resource = EntityUid::from_str(r#"Model::"gpt-4o""#).unwrap();
        let mut cases = Vec::new();
        for (role, prompt, channel, size, class) in requests {
            let v_req = json!({"user": {"id": "alice", "roles": [role]},
                "data": {"prompt": prompt, "size": size, "classification": class}, "context": {"channel": channel}});
            let entities = Entities::from_json_value(
                json!([{"uid": {"type": "User", "id": "alice"}, "attrs": {}, "parents": [{"type": "Role", "id": role}]},
                       {"uid": {"type": "Role", "id": role}, "attrs": {}, "parents": []}]),
                None,
            )
            .unwrap();
            let context = Context::from_json_value(json!({"prompt": prompt, "channel": channel, "size": size, "classification": class}), None).unwrap();
            let principal = EntityUid::from_str(r#"User::"alice""#).unwrap();
            let c_req = Request::new(principal, action.clone(), resource.clone(), context, None).unwrap();
            // The two must agree before anything is timed.
            let v = engine.evaluate(&v_req, &rbac).effect == Effect::Allow;
            let c = authorizer.is_authorized(&c_req, &policies, &entities).decision() == Decision::Allow;
            assert_eq!(v, c, "n={n}, request {prompt:?}: vallum allow={v}, cedar allow={c}");
            cases.push((v_req, c_req, entities));
        }
        let iters = if n >= 1_000 { 2_000 } else { 20_000 };
        let mut vt = Vec::new();
        let mut ct = Vec::new();
        for (v_req, c_req, entities) in &cases {
            let t = Instant::now();
            for _ in 0..iters {
                std::hint::black_box(engine.evaluate(v_req, &rbac));
            }
            vt.push(t.elapsed().as_secs_f64() * 1e6 / iters as f64);
            let t = Instant::now();
            for _ in 0..iters {
                std::hint::black_box(authorizer.is_authorized(c_req, &policies, entities));
            }
            ct.push(t.elapsed().as_secs_f64() * 1e6 / iters as f64);
        }
        let (v, c) = (median(vt), median(ct));
        println!("{n:>8} {v:>14.2} {c:>14.2} {:>7.1}x", c / v);
    }
}
