//! Compiling policies for evaluation: conditions indexed by (type, field),
//! `equals`/`in` values hashed, every `contains` literal of a field in one
//! Aho-Corasick automaton, regexes compiled once.

use super::super::model::{
    compile_regex, Action, ActionType, Condition, ConditionType, Operator, Policy,
};
use crate::error::{Error, Result};
use crate::vocab::Effect;
use aho_corasick::AhoCorasick;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug)]
pub(super) enum Check {
    Equals(Value),
    NotEquals(Value),
    /// Answered by the field's Aho-Corasick pass (string fields), or by
    /// array membership.
    Contains(Value),
    Matches(regex::Regex),
    In(Vec<Value>),
    Gt(f64),
    Lt(f64),
    Exists(bool),
    /// `user.role(s)` / `user.permission(s)`: answered by RBAC.
    Role(Operator, Value),
    Permission(Operator, Value),
}

#[derive(Debug)]
pub(super) struct CompiledCond {
    pub(super) check: Check,
}

/// Conditions on one (type, field).
#[derive(Debug, Default)]
pub(super) struct FieldIndex {
    /// Conditions evaluated one by one (exists, not_equals, matches, …).
    pub(super) conds: Vec<usize>,
    /// `gt` thresholds, ascending: a value v makes every threshold < v true.
    pub(super) gt: Vec<(f64, usize)>,
    /// `lt` thresholds, ascending: a value v makes every threshold > v true.
    pub(super) lt: Vec<(f64, usize)>,
    /// Lower-cased `contains` literals and their condition ids.
    pub(super) ac: Option<(AhoCorasick, Vec<usize>)>,
    /// Canonical value → `equals` conditions.
    pub(super) equals: HashMap<String, Vec<usize>>,
    /// The string `contains` conditions (for array fields and type errors).
    pub(super) contains_str: Vec<(usize, String)>,
}

#[derive(Debug)]
pub(super) struct CompiledPolicy {
    pub(super) policy: Policy,
    pub(super) conds: Vec<usize>,
    pub(super) effect: Option<Effect>,
}

#[derive(Debug, Default)]
pub(super) struct Compiled {
    pub(super) policies: Vec<CompiledPolicy>,
    pub(super) conds: Vec<CompiledCond>,
    /// Condition → index of its policy in `policies`.
    pub(super) cond_policy: Vec<usize>,
    pub(super) fields: Vec<((ConditionType, String), FieldIndex)>,
    /// Role → role conditions that hold when the principal has it.
    pub(super) role_has: HashMap<String, Vec<usize>>,
    /// Role conditions that hold when the principal lacks the role.
    pub(super) role_lacks: Vec<(String, usize)>,
    /// Permission → (condition, holds when granted?).
    pub(super) permissions: HashMap<String, Vec<(usize, bool)>>,
    /// Whether any condition reads `time`.
    pub(super) uses_time: bool,
}

pub(super) fn canonical(v: &Value) -> String {
    match v {
        // 1 and 1.0 are equal.
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| format!("{f}")),
        other => crate::audit::canonical_json(other),
    }
}

pub(super) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

pub(super) fn effect_of(actions: &[Action]) -> Option<Effect> {
    let mut e = None;
    for a in actions {
        let this = match a.kind {
            ActionType::Deny => Effect::Deny,
            ActionType::Challenge => Effect::Challenge,
            ActionType::Allow => Effect::Allow,
            _ => continue,
        };
        e = Some(match (e, this) {
            (Some(Effect::Deny), _) | (_, Effect::Deny) => Effect::Deny,
            (Some(Effect::Challenge), _) | (_, Effect::Challenge) => Effect::Challenge,
            _ => Effect::Allow,
        });
    }
    e
}

pub(super) fn compile(mut policies: Vec<Policy>) -> Result<Compiled> {
    // Deterministic order, independent of insertion order.
    policies.sort_unstable_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
    let mut c = Compiled::default();
    let mut fields: BTreeMap<(ConditionType, String), FieldIndex> = BTreeMap::new();
    let mut literals: BTreeMap<(ConditionType, String), Vec<(String, usize)>> = BTreeMap::new();
    for (pi, p) in policies.into_iter().enumerate() {
        let mut ids = Vec::new();
        for cond in &p.conditions {
            let id = c.conds.len();
            c.cond_policy.push(pi);
            let Condition {
                kind,
                field,
                operator,
                value,
            } = cond;
            let rbac_field = *kind == ConditionType::User;
            let check = match (rbac_field, field.as_str(), operator) {
                (true, "role" | "roles", op) => Check::Role(*op, value.clone()),
                (true, "permission" | "permissions", op) => Check::Permission(*op, value.clone()),
                (_, _, Operator::Equals) => Check::Equals(value.clone()),
                (_, _, Operator::NotEquals) => Check::NotEquals(value.clone()),
                (_, _, Operator::Contains) => Check::Contains(value.clone()),
                (_, _, Operator::Matches) => {
                    Check::Matches(compile_regex(value.as_str().unwrap_or_default())?)
                }
                (_, _, Operator::In) => Check::In(value.as_array().cloned().unwrap_or_default()),
                (_, _, Operator::Gt) => Check::Gt(value.as_f64().unwrap_or(f64::NAN)),
                (_, _, Operator::Lt) => Check::Lt(value.as_f64().unwrap_or(f64::NAN)),
                (_, _, Operator::Exists) => Check::Exists(value.as_bool().unwrap_or(true)),
            };
            c.uses_time |= *kind == ConditionType::Time;
            match &check {
                Check::Role(op, want) => {
                    let names = string_list(want);
                    for n in names {
                        if *op == Operator::NotEquals {
                            c.role_lacks.push((n, id));
                        } else {
                            c.role_has.entry(n).or_default().push(id);
                        }
                    }
                }
                Check::Permission(op, want) => {
                    let names = string_list(want);
                    for n in names {
                        c.permissions
                            .entry(n)
                            .or_default()
                            .push((id, *op != Operator::NotEquals));
                    }
                }
                _ => {
                    let key = (*kind, field.clone());
                    let idx = fields.entry(key.clone()).or_default();
                    match &check {
                        Check::Equals(v) => idx.equals.entry(canonical(v)).or_default().push(id),
                        Check::In(list) => {
                            for v in list {
                                let ids = idx.equals.entry(canonical(v)).or_default();
                                if !ids.contains(&id) {
                                    ids.push(id);
                                }
                            }
                        }
                        Check::Gt(t) => idx.gt.push((*t, id)),
                        Check::Lt(t) => idx.lt.push((*t, id)),
                        Check::Contains(Value::String(s)) => {
                            idx.contains_str.push((id, s.clone()));
                            literals
                                .entry(key)
                                .or_default()
                                .push((s.to_ascii_lowercase(), id));
                        }
                        _ => idx.conds.push(id),
                    }
                }
            }
            c.conds.push(CompiledCond { check });
            ids.push(id);
        }
        let effect = effect_of(&p.actions);
        c.policies.push(CompiledPolicy {
            policy: p,
            conds: ids,
            effect,
        });
    }
    for (key, lits) in literals {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(lits.iter().map(|(s, _)| s.as_str()))
            .map_err(|e| Error::internal(format!("aho-corasick: {e}")))?;
        if let Some(idx) = fields.get_mut(&key) {
            idx.ac = Some((ac, lits.into_iter().map(|(_, id)| id).collect()));
        }
    }
    for idx in fields.values_mut() {
        // Condition ids break ties: the same order a stable sort gives.
        idx.gt
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        idx.lt
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    c.fields = fields.into_iter().collect();
    Ok(c)
}

/// A string, or the strings of an array (role and permission operands).
fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}
