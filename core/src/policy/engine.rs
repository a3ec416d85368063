//! The compiled policy evaluator and its decision semantics
//! (`docs/policy.md`).
//!
//! Compilation indexes conditions by (type, field): each field is resolved
//! once per request; `equals`/`in` conditions are answered by one hash
//! lookup per field; every `contains` literal on a field is found in one
//! Aho-Corasick pass over the field's text; regexes are compiled once.
//! A change builds a new compiled set and swaps it in, so readers never wait
//! for a build.

use super::model::{Action, ConditionType, MatchMode, Policy};
use super::rbac::{Principal, Rbac};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::storage::{each_state, Backend, Op};
use crate::vocab::Effect;
use chrono::{Datelike, TimeZone, Timelike, Utc};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

mod compile;

use compile::{canonical, compile, json_eq, Check, Compiled};

/// A policy that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedPolicy {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Priority.
    pub priority: i32,
    /// The effect it votes for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
}

/// A policy that could not be evaluated for this request and was skipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyError {
    /// Policy id.
    pub policy: String,
    /// What went wrong.
    pub message: String,
}

/// The spec's `SecurityEvaluationResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Final effect.
    pub effect: Effect,
    /// Every matched policy, highest priority first, then by id.
    pub matched: Vec<MatchedPolicy>,
    /// Side actions of matched policies (log, alert, mask, rate_limit), in `matched` order.
    pub actions: Vec<Action>,
    /// Why the effect is what it is.
    pub reasons: Vec<String>,
    /// Policies skipped because they failed on this request.
    pub errors: Vec<PolicyError>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    False,
    True,
    Error,
}

/// Looks up a dotted path.
fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Settings of the evaluator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PolicySettings {
    /// Effect when no policy decides (default `allow`).
    pub default_effect: Effect,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            default_effect: Effect::Allow,
        }
    }
}

/// The policy store and evaluator. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct PolicyEngine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    policies: parking_lot::Mutex<BTreeMap<String, Policy>>,
    compiled: RwLock<Arc<Compiled>>,
    default_effect: RwLock<Effect>,
    next_id: AtomicU64,
    clock: SharedClock,
    /// Where run-time changes are kept across restarts (a persistent store).
    store: parking_lot::RwLock<Option<Arc<dyn Backend>>>,
    /// Changes made to the set since the store was created.
    version: AtomicU64,
}

/// The state kind of policies added, changed or removed at run time.
const STATE_KIND: &str = "policy";
/// The state kind of the policy set's version (one row, id `version`).
const VERSION_KIND: &str = "policy_version";

/// A run-time change to one policy, as stored.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredPolicy {
    /// `None`: removed (also when the configuration defines it).
    policy: Option<Value>,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("policies", &self.inner.policies.lock().len())
            .finish_non_exhaustive()
    }
}

impl PolicyEngine {
    /// An empty engine.
    pub fn new(settings: &PolicySettings, clock: SharedClock) -> Self {
        Self {
            inner: Arc::new(EngineInner {
                policies: parking_lot::Mutex::new(BTreeMap::new()),
                compiled: RwLock::new(Arc::new(Compiled::default())),
                default_effect: RwLock::new(settings.default_effect),
                next_id: AtomicU64::new(1),
                clock,
                store: parking_lot::RwLock::new(None),
                version: AtomicU64::new(0),
            }),
        }
    }

    /// Keeps run-time changes (add, update, remove) in `store` when it is
    /// persistent, and applies the ones kept there over the configured
    /// policies, so the set survives a restart.
    pub(crate) fn load_from(&self, store: Arc<dyn Backend>) -> Result<()> {
        if !store.is_persistent() {
            return Ok(());
        }
        let mut all = self.inner.policies.lock();
        let mut next = all.clone();
        each_state(&*store, STATE_KIND, "policy", |id, stored: StoredPolicy| {
            match stored.policy {
                None => {
                    next.remove(&id);
                }
                Some(v) => {
                    let p = Policy::from_json(v).map_err(|e| Error::CorruptStore {
                        message: format!("stored policy `{id}`: {e}"),
                    })?;
                    next.insert(id, p);
                }
            }
            Ok(())
        })?;
        let version = match store.state(VERSION_KIND, "", 1)?.first() {
            Some((_, raw)) => std::str::from_utf8(raw)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| Error::CorruptStore {
                    message: "the stored policy version is not a number".into(),
                })?,
            None => 0,
        };
        self.rebuild(&next)?;
        *all = next;
        self.inner.version.store(version, Ordering::Relaxed);
        *self.inner.store.write() = Some(store);
        Ok(())
    }

    /// The number of run-time changes made to the policy set on this
    /// store (0 when nothing was changed since the configuration).
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Relaxed)
    }

    /// Writes a change before it takes effect: a change that cannot be
    /// kept is not made.
    fn persist(&self, id: &str, policy: Option<&Policy>) -> Result<()> {
        let store = self.inner.store.read();
        let Some(store) = store.as_ref() else {
            self.inner.version.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        let policy = policy
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| Error::internal(e.to_string()))?;
        let value = serde_json::to_vec(&StoredPolicy { policy })
            .map_err(|e| Error::internal(e.to_string()))?;
        let version = self.inner.version.load(Ordering::Relaxed) + 1;
        store.apply(&[
            Op::PutState {
                kind: STATE_KIND.into(),
                id: id.to_string(),
                value,
            },
            Op::PutState {
                kind: VERSION_KIND.into(),
                id: "version".into(),
                value: version.to_string().into_bytes(),
            },
        ])?;
        self.inner.version.store(version, Ordering::Relaxed);
        Ok(())
    }

    /// Sets the default effect.
    pub fn set_default_effect(&self, e: Effect) {
        *self.inner.default_effect.write() = e;
    }

    /// Changes `next` and compiles it, without making it current: the
    /// caller persists the change, then swaps it in.
    fn rebuild_with(
        &self,
        next: &mut BTreeMap<String, Policy>,
        change: impl FnOnce(&mut BTreeMap<String, Policy>),
    ) -> Result<Compiled> {
        change(next);
        compile(next.values().cloned().collect())
    }

    fn rebuild(&self, policies: &BTreeMap<String, Policy>) -> Result<()> {
        // Built outside the read lock: evaluations continue on the old set.
        let compiled = compile(policies.values().cloned().collect())?;
        *self.inner.compiled.write() = Arc::new(compiled);
        Ok(())
    }

    /// Adds a policy (the spec's `addPolicy`); returns its id. An empty id
    /// gets one assigned; a duplicate id is an error.
    pub fn add(&self, mut policy: Policy) -> Result<String> {
        policy.validate()?;
        let mut all = self.inner.policies.lock();
        if policy.id.is_empty() {
            loop {
                let id = format!("pol_{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed));
                if !all.contains_key(&id) {
                    policy.id = id;
                    break;
                }
            }
        } else if all.contains_key(&policy.id) {
            return Err(Error::InvalidPolicy {
                path: "$.id".into(),
                message: format!("a policy `{}` exists already", policy.id),
            });
        }
        let id = policy.id.clone();
        let mut next = all.clone();
        let compiled = self.rebuild_with(&mut next, |n| {
            n.insert(id.clone(), policy);
        })?;
        self.persist(&id, next.get(&id))?;
        *self.inner.compiled.write() = Arc::new(compiled);
        *all = next;
        Ok(id)
    }

    /// Adds a policy given as JSON.
    pub fn add_json(&self, value: Value) -> Result<String> {
        self.add(Policy::from_json(value)?)
    }

    /// Updates a policy with the fields present in `patch` (the spec's
    /// `updatePolicy(id, Partial<SecurityPolicy>)`); the id cannot change.
    pub fn update(&self, id: &str, patch: Value) -> Result<()> {
        let mut all = self.inner.policies.lock();
        let current = all.get(id).ok_or_else(|| Error::NotFound {
            what: format!("policy `{id}`"),
        })?;
        let Value::Object(patch) = patch else {
            return Err(Error::InvalidPolicy {
                path: "$".into(),
                message: "an update is a JSON object of fields".into(),
            });
        };
        if patch.get("id").is_some_and(|v| v.as_str() != Some(id)) {
            return Err(Error::InvalidPolicy {
                path: "$.id".into(),
                message: "the id cannot change".into(),
            });
        }
        let mut merged =
            serde_json::to_value(current).map_err(|e| Error::internal(e.to_string()))?;
        if let Value::Object(m) = &mut merged {
            m.extend(patch);
        }
        let updated = Policy::from_json(merged)?;
        let mut next = all.clone();
        let compiled = self.rebuild_with(&mut next, |n| {
            n.insert(id.to_string(), updated);
        })?;
        self.persist(id, next.get(id))?;
        *self.inner.compiled.write() = Arc::new(compiled);
        *all = next;
        Ok(())
    }

    /// Removes a policy. Returns whether it existed.
    pub fn remove(&self, id: &str) -> Result<bool> {
        let mut all = self.inner.policies.lock();
        if !all.contains_key(id) {
            return Ok(false);
        }
        let mut next = all.clone();
        let compiled = self.rebuild_with(&mut next, |n| {
            n.remove(id);
        })?;
        self.persist(id, None)?;
        *self.inner.compiled.write() = Arc::new(compiled);
        *all = next;
        Ok(true)
    }

    /// Every policy, by id.
    pub fn list(&self) -> Vec<Policy> {
        self.inner.policies.lock().values().cloned().collect()
    }

    /// One policy.
    pub fn get(&self, id: &str) -> Option<Policy> {
        self.inner.policies.lock().get(id).cloned()
    }

    /// Evaluates a request (the spec's `evaluateRequest`):
    /// `{user: {id, roles, groups, claims, …}, data: {…}, context: {…}, rate: {…}, time?: {timestamp}}`.
    pub fn evaluate(&self, request: &Value, rbac: &Rbac) -> Decision {
        let compiled = self.inner.compiled.read().clone();
        let default_effect = *self.inner.default_effect.read();
        let c = &*compiled;
        let mut out = vec![Outcome::False; c.conds.len()];
        // Conditions that came out true or failed: only their policies can match.
        let mut touched: Vec<usize> = Vec::new();
        let mut errors_of: HashMap<usize, String> = HashMap::new();
        let mut mark = |out: &mut Vec<Outcome>, i: usize, o: Outcome| {
            if o != Outcome::False && out[i] == Outcome::False {
                touched.push(i);
            }
            out[i] = o;
        };

        // RBAC: the principal's roles once, each permission once.
        if !c.role_has.is_empty() || !c.role_lacks.is_empty() || !c.permissions.is_empty() {
            let principal = request.get("user").map(|u| {
                let strs = |k: &str| -> Vec<String> {
                    u.get(k)
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let mut roles = strs("roles");
                if let Some(r) = u.get("role").and_then(Value::as_str) {
                    roles.push(r.to_string());
                }
                Principal {
                    id: u
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    roles,
                    groups: strs("groups"),
                    claims: u
                        .get("claims")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                }
            });
            // Roles RBAC derives (direct, groups, claims), computed once; role
            // conditions also see roles named in the request that RBAC does not know.
            let derived: BTreeSet<String> = principal
                .as_ref()
                .map(|p| rbac.roles_of(p))
                .unwrap_or_default();
            let mut roles = derived.clone();
            if let Some(p) = &principal {
                roles.extend(p.roles.iter().cloned());
            }
            for r in &roles {
                if let Some(ids) = c.role_has.get(r) {
                    for &i in ids {
                        mark(&mut out, i, Outcome::True);
                    }
                }
            }
            for (r, i) in &c.role_lacks {
                if !roles.contains(r) {
                    mark(&mut out, *i, Outcome::True);
                }
            }
            for (perm, conds) in &c.permissions {
                let granted = rbac.roles_grant(&derived, perm);
                for &(i, when) in conds {
                    if granted == when {
                        mark(&mut out, i, Outcome::True);
                    }
                }
            }
        }

        let time = c.uses_time.then(|| {
            let now = lookup(request, "time.timestamp")
                .and_then(Value::as_i64)
                .unwrap_or_else(|| self.inner.clock.now_ms());
            let dt = Utc.timestamp_millis_opt(now).single();
            serde_json::json!({
                "timestamp": now,
                "hour": dt.map(|d| d.hour()),
                "weekday": dt.map(|d| d.weekday().number_from_monday()),
            })
        });
        for ((kind, field), idx) in &c.fields {
            let root = match kind {
                ConditionType::Data => request.get("data"),
                ConditionType::User => request.get("user"),
                ConditionType::Context => request.get("context"),
                ConditionType::Rate => request.get("rate"),
                ConditionType::Time => time.as_ref(),
            };
            let value = root.and_then(|r| lookup(r, field));
            if let Some(v) = value {
                if !idx.equals.is_empty() {
                    if let Some(ids) = idx.equals.get(&canonical(v)) {
                        for &i in ids {
                            mark(&mut out, i, Outcome::True);
                        }
                    }
                }
                if !idx.gt.is_empty() || !idx.lt.is_empty() {
                    match v.as_f64() {
                        Some(x) => {
                            let below = idx.gt.partition_point(|(t, _)| *t < x);
                            for &(_, i) in &idx.gt[..below] {
                                mark(&mut out, i, Outcome::True);
                            }
                            let upto = idx.lt.partition_point(|(t, _)| *t <= x);
                            for &(_, i) in &idx.lt[upto..] {
                                mark(&mut out, i, Outcome::True);
                            }
                        }
                        None => {
                            for &(_, i) in idx.gt.iter().chain(&idx.lt) {
                                mark(&mut out, i, Outcome::Error);
                                errors_of.insert(
                                    i,
                                    format!("`gt`/`lt` on {field}, which is {}", type_name(v)),
                                );
                            }
                        }
                    }
                }
                if !idx.contains_str.is_empty() {
                    match (v, &idx.ac) {
                        (Value::String(text), Some((ac, ids))) => {
                            for m in ac.find_overlapping_iter(text) {
                                mark(&mut out, ids[m.pattern().as_usize()], Outcome::True);
                            }
                        }
                        (Value::Array(a), _) => {
                            for (i, lit) in &idx.contains_str {
                                if a.iter().any(|x| x.as_str() == Some(lit)) {
                                    mark(&mut out, *i, Outcome::True);
                                }
                            }
                        }
                        (other, _) => {
                            for (i, lit) in &idx.contains_str {
                                mark(&mut out, *i, Outcome::Error);
                                errors_of.insert(
                                    *i,
                                    format!(
                                        "`contains` \"{lit}\" on {field}, which is {}",
                                        type_name(other)
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            for &i in &idx.conds {
                let r: std::result::Result<bool, String> = match (&c.conds[i].check, value) {
                    (Check::Exists(want), v) => Ok(v.is_some() == *want),
                    (Check::NotEquals(want), Some(v)) => Ok(!json_eq(v, want)),
                    (_, None) => Ok(false),
                    (Check::Contains(want), Some(Value::Array(a))) => {
                        Ok(a.iter().any(|x| json_eq(x, want)))
                    }
                    (Check::Contains(want), Some(other)) => Err(format!(
                        "`contains` {want} on {field}, which is {}",
                        type_name(other)
                    )),
                    (Check::Matches(re), Some(Value::String(s))) => Ok(re.is_match(s)),
                    (Check::Matches(_), Some(other)) => Err(format!(
                        "`matches` on {field}, which is {}",
                        type_name(other)
                    )),
                    // Indexed kinds never reach here.
                    (_, Some(_)) => Ok(false),
                };
                match r {
                    Ok(true) => mark(&mut out, i, Outcome::True),
                    Ok(false) => {}
                    Err(e) => {
                        mark(&mut out, i, Outcome::Error);
                        errors_of.insert(i, e);
                    }
                }
            }
        }

        // Only policies with a true or failed condition can match or be reported.
        let mut candidates: Vec<usize> = touched.iter().map(|&i| c.cond_policy[i]).collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut d = Decision {
            effect: default_effect,
            matched: Vec::new(),
            actions: Vec::new(),
            reasons: Vec::new(),
            errors: Vec::new(),
        };
        let mut votes = (false, false, false); // deny, challenge, allow
        for pi in candidates {
            let cp = &c.policies[pi];
            if !cp.policy.enabled {
                continue;
            }
            if let Some(e) = cp.conds.iter().find(|&&i| out[i] == Outcome::Error) {
                d.errors.push(PolicyError {
                    policy: cp.policy.id.clone(),
                    message: errors_of.get(e).cloned().unwrap_or_default(),
                });
                continue;
            }
            let matched = match cp.policy.match_mode {
                MatchMode::All => cp.conds.iter().all(|&i| out[i] == Outcome::True),
                MatchMode::Any => cp.conds.iter().any(|&i| out[i] == Outcome::True),
            };
            if !matched {
                continue;
            }
            match cp.effect {
                Some(Effect::Deny) => votes.0 = true,
                Some(Effect::Challenge) => votes.1 = true,
                Some(Effect::Allow) => votes.2 = true,
                None => {}
            }
            d.matched.push(MatchedPolicy {
                id: cp.policy.id.clone(),
                name: cp.policy.name.clone(),
                priority: cp.policy.priority,
                effect: cp.effect,
            });
            d.actions.extend(
                cp.policy
                    .actions
                    .iter()
                    .filter(|a| !a.kind.is_effect())
                    .cloned(),
            );
        }
        let voters = |e: Effect| {
            d.matched
                .iter()
                .filter(|m| m.effect == Some(e))
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if votes.0 {
            d.effect = Effect::Deny;
            d.reasons
                .push(format!("denied by {}", voters(Effect::Deny)));
        } else if votes.1 {
            d.effect = Effect::Challenge;
            d.reasons.push(format!(
                "challenge required by {}",
                voters(Effect::Challenge)
            ));
        } else if votes.2 {
            d.effect = Effect::Allow;
            d.reasons
                .push(format!("allowed by {}", voters(Effect::Allow)));
        } else {
            d.reasons.push(
                format!("no policy decided; default effect {:?}", default_effect).to_lowercase(),
            );
        }
        if !d.errors.is_empty() {
            d.reasons.push(format!(
                "{} policy(ies) skipped after an evaluation error",
                d.errors.len()
            ));
        }
        d
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
