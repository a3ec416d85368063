//! Whole-document validation (the spec's `validatePhase5Config`), migration
//! of a base configuration (`migrateToPhase5`) and enterprise defaults
//! (`createEnterpriseConfig`).
//!
//! [`Config::from_json_str`] stops at the first error; [`validate_json`]
//! reports every error it can find, each with its JSON path: it parses
//! leniently (a field that does not parse is reported and set aside, and
//! parsing goes on), then checks every section the way building an instance
//! would — budgets, prices, rate limits, RBAC, each policy, PII recognizers
//! and operators, alert rules, guard settings — without opening storage.

use super::Config;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// One problem in a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigIssue {
    /// JSON path of the offending value (`$.costManagement.budgets[1].period`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The answer of [`validate_json`]: the spec's `{valid, errors}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// No errors.
    pub valid: bool,
    /// Every error found, in document order, then by section.
    pub errors: Vec<ConfigIssue>,
}

impl Validation {
    fn from(errors: Vec<ConfigIssue>) -> Self {
        Validation {
            valid: errors.is_empty(),
            errors,
        }
    }
}

/// Most set-aside fields reported for one document before giving up.
const MAX_ISSUES: usize = 200;

/// Validates a JSON document and reports every error with its path.
///
/// ```
/// let v = vallum::config::validate_json(r#"{"nmae": "x",
///     "enterpriseMemory": {"scopes": {"enabled": ["session", "team"]}},
///     "costManagement": {"timeZone": "Mars/Olympus"}}"#);
/// assert!(!v.valid);
/// let paths: Vec<&str> = v.errors.iter().map(|e| e.path.as_str()).collect();
/// assert_eq!(paths, ["$.nmae", "$.enterpriseMemory.scopes.enabled[1]", "$.costManagement.timeZone"]);
/// ```
pub fn validate_json(json: &str) -> Validation {
    match serde_json::from_str::<Value>(json) {
        Ok(v) => validate_value(&v),
        Err(e) => Validation::from(vec![ConfigIssue {
            path: "$".into(),
            message: format!("not valid JSON: {e}"),
        }]),
    }
}

/// [`validate_json`] on a parsed value.
pub fn validate_value(value: &Value) -> Validation {
    if !value.is_object() {
        return Validation::from(vec![ConfigIssue {
            path: "$".into(),
            message: "the configuration must be a JSON object".into(),
        }]);
    }
    let (cfg, mut issues, removed) = lenient(value.clone());
    if let Some(cfg) = cfg {
        // Checked on the pruned document: map its array indices back.
        issues.extend(semantic(&cfg).into_iter().map(|i| ConfigIssue {
            path: original_path(&parse_path(&i.path), &removed),
            message: i.message,
        }));
    }
    Validation::from(issues)
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Seg {
    Key(String),
    Idx(usize),
}

type Removed = HashMap<Vec<Seg>, Vec<usize>>;

/// `$.a.b[2].c` → segments. A key containing `.` splits into several keys,
/// which only means its indices are not translated (none follow such keys).
fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let rest = path.strip_prefix('$').unwrap_or(path);
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let mut it = part.split('[');
        if let Some(key) = it.next().filter(|k| !k.is_empty()) {
            out.push(Seg::Key(key.to_string()));
        }
        for idx in it {
            match idx.trim_end_matches(']').parse::<usize>() {
                Ok(n) => out.push(Seg::Idx(n)),
                Err(_) => out.push(Seg::Key(format!("[{idx}"))),
            }
        }
    }
    out
}

/// Parses `value`, setting aside each field that fails and trying again.
fn lenient(mut value: Value) -> (Option<Config>, Vec<ConfigIssue>, Removed) {
    let mut issues: Vec<ConfigIssue> = Vec::new();
    // Per array (its path in the current, pruned document): the original
    // indices removed so far, so later errors report original indices.
    let mut removed: Removed = HashMap::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, Config>(value.clone()) {
            Ok(cfg) => return (Some(cfg), issues, removed),
            Err(e) => e,
        };
        let msg = clean(&err.inner().to_string());
        let segs: Option<Vec<Seg>> = err
            .path()
            .iter()
            .map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Idx(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                _ => None,
            })
            .collect();
        let Some(segs) = segs.filter(|s| !s.is_empty()) else {
            issues.push(ConfigIssue {
                path: "$".into(),
                message: msg,
            });
            return (None, issues, removed);
        };
        let path = original_path(&segs, &removed);
        // "missing field" on an object whose field was already reported and
        // set aside is a consequence, not a second error.
        let consequence = msg.starts_with("missing field")
            && issues
                .iter()
                .any(|i| i.path.len() > path.len() && i.path.starts_with(&path));
        if !consequence {
            issues.push(ConfigIssue { path, message: msg });
        }
        if issues.len() >= MAX_ISSUES || !remove(&mut value, &segs, &mut removed) {
            return (None, issues, removed);
        }
    }
}

fn original_path(segs: &[Seg], removed: &Removed) -> String {
    let mut out = String::from("$");
    for (i, s) in segs.iter().enumerate() {
        match s {
            Seg::Key(k) if k.starts_with('[') => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Idx(n) => {
                let o = original_index(*n, removed.get(&segs[..i]));
                out.push_str(&format!("[{o}]"));
            }
        }
    }
    out
}

fn original_index(current: usize, removed: Option<&Vec<usize>>) -> usize {
    let mut o = current;
    if let Some(r) = removed {
        // `r` is sorted: each removed index at or before `o` shifts it.
        for &x in r {
            if x <= o {
                o += 1;
            }
        }
    }
    o
}

/// Removes the value at `segs`; false if there is nothing to remove.
fn remove(value: &mut Value, segs: &[Seg], removed: &mut Removed) -> bool {
    let Some((last, parent)) = segs.split_last() else {
        return false;
    };
    let mut node = &mut *value;
    for s in parent {
        let next = match (s, node) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k),
            (Seg::Idx(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    match (last, node) {
        (Seg::Key(k), Value::Object(m)) => m.remove(k).is_some(),
        (Seg::Idx(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            let list = removed.entry(parent.to_vec()).or_default();
            let o = original_index(*i, Some(list));
            list.push(o);
            list.sort_unstable();
            true
        }
        _ => false,
    }
}

fn clean(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn issue(e: Error) -> ConfigIssue {
    match e {
        Error::InvalidConfig { path, message } => ConfigIssue { path, message },
        other => ConfigIssue {
            path: "$".into(),
            message: other.to_string(),
        },
    }
}

/// The checks building an instance makes, each section on its own so one
/// error does not hide the next.
fn semantic(cfg: &Config) -> Vec<ConfigIssue> {
    let mut out = Vec::new();
    let mut push = |r: Result<()>| {
        if let Err(e) = r {
            out.push(issue(e));
        }
    };
    let clock: crate::clock::SharedClock = Arc::new(crate::clock::ManualClock::new(0));
    push(cfg.validate());

    // Costs: time zone, prices, budgets.
    if let Some(c) = &cfg.cost_management {
        push(crate::cost::budget::parse_tz(&c.time_zone, "$.costManagement.timeZone").map(|_| ()));
        for (model, spec) in &c.prices {
            push(
                spec.to_price(&format!("$.costManagement.prices.{model}"))
                    .map(|_| ()),
            );
        }
        if let Some(d) = &c.default_price {
            push(d.to_price("$.costManagement.defaultPrice").map(|_| ()));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, b) in c.budgets.iter().enumerate() {
            push(b.validate(&format!("$.costManagement.budgets[{i}]")));
            if !seen.insert(b.id.as_str()) {
                push(Err(Error::config(
                    format!("$.costManagement.budgets[{i}].id"),
                    format!("duplicate budget id `{}`", b.id),
                )));
            }
        }
    }

    // Security: RBAC, rate limits, each policy.
    push(super::assemble::rbac_from_config(cfg).map(|_| ()));
    let mut limits = HashMap::new();
    for (name, spec, path) in super::assemble::rate_limits_of(cfg) {
        match spec.and_then(|s| s.validate(&path).map(|()| s)) {
            Ok(s) => {
                limits.insert(name, s);
            }
            Err(e) => push(Err(e)),
        }
    }
    let limiter = crate::policy::RateLimiter::new(limits, clock.clone());
    let sec = cfg.enterprise_security.as_ref();
    let engine = crate::policy::PolicyEngine::new(&Default::default(), clock.clone());
    for (i, raw) in sec
        .and_then(|s| s.policy_rules.clone())
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        push(
            engine
                .add_json(raw)
                .map(|_| ())
                .map_err(|e| super::assemble::policy_rule_error(i, e)),
        );
    }

    // PII: recognizers, named rules, operators.
    let parts = super::assemble::pii_parts(cfg);
    let (detector, custom_ok) =
        match crate::pii::Detector::with_settings(&parts.settings, clock.clone()) {
            Ok(d) => (Some(d), true),
            Err(e) => {
                push(Err(e));
                // Go on with the built-in recognizers to check the rest.
                let fallback = crate::pii::Detector::with_settings(
                    &crate::pii::PiiSettings::default(),
                    clock.clone(),
                );
                (fallback.ok(), false)
            }
        };
    let mut entities: Vec<String> = Vec::new();
    if let Some(d) = detector {
        let d = Arc::new(d);
        push(
            crate::pii::Masker::new(d.clone())
                .with_named_rules(&parts.rules)
                .map(|_| ()),
        );
        entities = d.entities().iter().map(|e| e.to_string()).collect();
        if custom_ok {
            for entity in parts.operators.keys() {
                if !entities.contains(entity) {
                    push(Err(Error::config(
                        format!("$.enterpriseSecurity.piiProtection.operators.{entity}"),
                        format!("unknown entity '{entity}'"),
                    )));
                }
            }
        }
    }

    // Metrics and alert rules.
    push(super::assemble::metrics(cfg, clock.clone(), Default::default()).map(|_| ()));

    // Guard settings, against the limits and entities above (entities only
    // when the custom recognizers compiled: a guard may block a custom one).
    let mut guard = cfg.guard.clone().unwrap_or_default();
    if !custom_ok {
        guard.block_entities.clear();
    }
    let refs: Vec<&str> = entities.iter().map(String::as_str).collect();
    push(crate::guard::Guard::new(guard, true, &limiter, &refs).map(|_| ()));
    out
}

/// Fills `target` with `defaults` wherever it has no value of its own.
fn fill(target: &mut Map<String, Value>, defaults: &Value) {
    let Value::Object(d) = defaults else { return };
    for (k, dv) in d {
        match target.get_mut(k) {
            None | Some(Value::Null) => {
                target.insert(k.clone(), dv.clone());
            }
            Some(Value::Object(t)) => fill(t, dv),
            Some(_) => {}
        }
    }
}

/// Safe defaults a migrated configuration gains: encrypted memory, audit,
/// threat detection and PII masking on.
fn safe_defaults() -> Value {
    json!({
        "enterpriseMemory": {
            "scopes": {"enabled": ["session", "user", "organization", "global", "ephemeral"], "default": "user"},
            "encryption": {"enabled": true, "algorithm": "AES-256-GCM"},
            "retention": {"policies": {
                "session": {"maxAge": 86_400_000_i64},
                "ephemeral": {"maxAge": 3_600_000_i64}
            }}
        },
        "enterpriseSecurity": {
            "enabled": true,
            "threatDetection": {"enabled": true, "sensitivity": "medium", "realTimeMonitoring": true},
            "audit": {"enabled": true, "retention": 2555},
            "piiProtection": {"enabled": true, "autoDetection": true, "autoMasking": true}
        }
    })
}

/// What `create_enterprise_config` adds on top of the safe defaults.
fn enterprise_defaults() -> Value {
    json!({
        "enterpriseSecurity": {
            "policies": {"complianceFramework": ["gdpr"]}
        },
        "enterprisePerformance": {
            "monitoring": {"enabled": true, "metricsCollection": true, "realTimeDashboard": true},
            "alerts": {"enabled": true, "thresholds": {"responseTime": 2000, "errorRate": 0.05, "resourceUsage": 0.9}},
            "analytics": {"enabled": true, "userJourneyTracking": true, "customMetrics": true}
        },
        "enterprise": {
            "dashboard": {"enabled": true, "realTimeUpdates": true, "customWidgets": false},
            "reporting": {"enabled": true, "schedule": "weekly"}
        }
    })
}

/// Renames the base-configuration keys of earlier versions.
fn rename_legacy(m: &mut Map<String, Value>) {
    for (old, new) in [("prompt", "systemPrompt"), ("provider", "modelProvider")] {
        if let Some(v) = m.remove(old) {
            m.entry(new.to_string()).or_insert(v);
        }
    }
}

fn object(value: &Value) -> Result<Map<String, Value>> {
    match value {
        Value::Object(m) => Ok(m.clone()),
        _ => Err(Error::config(
            "$",
            "the configuration must be a JSON object",
        )),
    }
}

/// Turns a base configuration (name, model, prompt — the spec's Phase 4
/// shape) into a full one with safe defaults (the spec's `migrateToPhase5`):
/// memory encrypted, audit, threat detection and PII masking on. Values the
/// input has are kept; `prompt` becomes `systemPrompt` and `provider`
/// `modelProvider`. Migrating twice changes nothing. The input must
/// otherwise be valid (errors name the path).
pub fn migrate(value: &Value) -> Result<Config> {
    let mut m = object(value)?;
    rename_legacy(&mut m);
    fill(&mut m, &safe_defaults());
    Config::from_value(Value::Object(m))
}

/// A full enterprise configuration from a partial one (the spec's
/// `createEnterpriseConfig`): the safe defaults of [`migrate`] plus
/// performance monitoring, alert thresholds, analytics, the dashboard and
/// weekly reporting, and GDPR checks. Values the input has are kept.
pub fn create_enterprise_config(partial: &Value) -> Result<Config> {
    let mut m = object(partial)?;
    rename_legacy(&mut m);
    fill(&mut m, &safe_defaults());
    fill(&mut m, &enterprise_defaults());
    Config::from_value(Value::Object(m))
}

/// Drops `null` members recursively (a configuration serialized from
/// [`Config`] has one for every unset field).
pub(crate) fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                strip_nulls(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}
