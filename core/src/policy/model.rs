//! The policy model in the specification's shape, and its validation.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which part of the request a condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionType {
    /// `request.data` (the prompt, resource attributes, …).
    Data,
    /// `request.user`; `role`/`roles` and `permission` are answered by RBAC.
    User,
    /// `request.context` (ip, channel, device, …).
    Context,
    /// Time of the request: `hour` (0–23, UTC), `weekday` (1 = Monday … 7),
    /// `timestamp` (ms); taken from `request.time` when given, else the clock.
    Time,
    /// `request.rate` (counters supplied by the caller or the guard).
    Rate,
}

/// Condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// Equal JSON values (numbers compare numerically).
    Equals,
    /// Not equal (a missing field is not equal).
    NotEquals,
    /// String contains the value (ASCII case-insensitive), or array contains it.
    Contains,
    /// String matches the regular expression.
    Matches,
    /// The field's value is one of the listed values.
    In,
    /// Number greater than.
    Gt,
    /// Number less than.
    Lt,
    /// The field is present (value `true`, the default) or absent (`false`).
    Exists,
}

/// One condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Which part of the request.
    #[serde(rename = "type")]
    pub kind: ConditionType,
    /// Dotted path inside that part (`role`, `prompt`, `geo.country`).
    pub field: String,
    /// Operator.
    pub operator: Operator,
    /// Operand (absent only for `exists`).
    #[serde(default)]
    pub value: Value,
}

/// How conditions combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// Every condition must hold.
    #[default]
    All,
    /// At least one condition must hold.
    Any,
}

/// Action types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    /// Record the decision.
    Log,
    /// Raise an alert (`parameters.severity`).
    Alert,
    /// Ask for more proof (step-up authentication, confirmation).
    Challenge,
    /// Refuse.
    Deny,
    /// Permit.
    Allow,
    /// Mask sensitive data before passing it on.
    Mask,
    /// Apply a rate limit (`parameters.limit` names it).
    RateLimit,
}

impl ActionType {
    /// Whether this action decides the effect (rather than a side action).
    pub fn is_effect(self) -> bool {
        matches!(
            self,
            ActionType::Deny | ActionType::Challenge | ActionType::Allow
        )
    }
}

/// One action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Type.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// Parameters, e.g. `{"severity": "high"}`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub parameters: serde_json::Map<String, Value>,
}

/// A security policy (the spec's `SecurityPolicy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// Id; assigned by `add` when empty.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Disabled policies are ignored (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Higher first in the `matched` list (it does not change the effect).
    #[serde(default)]
    pub priority: i32,
    /// Conditions.
    pub conditions: Vec<Condition>,
    /// `all` (default) or `any`.
    #[serde(default, rename = "match")]
    pub match_mode: MatchMode,
    /// Actions when the policy matches.
    pub actions: Vec<Action>,
    /// Free-form metadata kept with the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

fn yes() -> bool {
    true
}

fn bad(path: String, message: impl Into<String>) -> Error {
    Error::InvalidPolicy {
        path,
        message: message.into(),
    }
}

/// Largest compiled regex, in bytes of program.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Policy {
    /// Parses a policy from JSON, with `invalid_policy` errors naming the path.
    pub fn from_json(value: Value) -> Result<Self> {
        let p: Policy = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            bad(
                if path == "." {
                    "$".into()
                } else {
                    format!("$.{path}")
                },
                e.inner().to_string(),
            )
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Checks what the JSON types alone cannot.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(bad("$.name".into(), "must not be empty"));
        }
        if self.conditions.is_empty() {
            return Err(bad(
                "$.conditions".into(),
                "a policy needs at least one condition",
            ));
        }
        if self.actions.is_empty() {
            return Err(bad(
                "$.actions".into(),
                "a policy needs at least one action",
            ));
        }
        for (i, c) in self.conditions.iter().enumerate() {
            c.validate(&format!("$.conditions[{i}]"))?;
        }
        for (i, a) in self.actions.iter().enumerate() {
            let at = format!("$.actions[{i}].parameters");
            match a.kind {
                ActionType::Alert => match a.parameters.get("severity").and_then(Value::as_str) {
                    Some("low" | "medium" | "high" | "critical") | None => {}
                    Some(other) => {
                        return Err(bad(
                            format!("{at}.severity"),
                            format!("`{other}` is not low, medium, high or critical"),
                        ))
                    }
                },
                ActionType::RateLimit
                    if a.parameters.get("limit").is_some_and(|v| !v.is_string()) =>
                {
                    return Err(bad(format!("{at}.limit"), "must name a rate limit"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Condition {
    fn validate(&self, at: &str) -> Result<()> {
        let f = &self.field;
        let ok_segment = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !f.split('.').all(ok_segment) {
            return Err(bad(
                format!("{at}.field"),
                format!("`{f}` is not a dotted field path"),
            ));
        }
        if self.kind == ConditionType::Time
            && !matches!(f.as_str(), "hour" | "weekday" | "timestamp")
        {
            return Err(bad(
                format!("{at}.field"),
                format!("unknown time field `{f}`; use hour, weekday or timestamp"),
            ));
        }
        let v = &self.value;
        let at_v = format!("{at}.value");
        if self.kind == ConditionType::User
            && matches!(f.as_str(), "role" | "roles" | "permission" | "permissions")
        {
            return match (self.operator, v) {
                (Operator::Equals | Operator::NotEquals | Operator::Contains, Value::String(_)) => Ok(()),
                (Operator::In, Value::Array(a)) if a.iter().all(Value::is_string) => Ok(()),
                _ => Err(bad(
                    format!("{at}.operator"),
                    format!("user.{f} is answered by RBAC: use equals, not_equals or contains with a string, or in with strings"),
                )),
            };
        }
        match self.operator {
            Operator::Gt | Operator::Lt if !v.is_number() => {
                Err(bad(at_v, "gt/lt compare numbers"))
            }
            Operator::In if !v.is_array() => Err(bad(at_v, "`in` needs an array of values")),
            Operator::Contains if !(v.is_string() || v.is_number() || v.is_boolean()) => Err(bad(
                at_v,
                "`contains` needs a string (or a scalar to look for in an array)",
            )),
            Operator::Contains if v.as_str() == Some("") => {
                Err(bad(at_v, "`contains` needs a non-empty string"))
            }
            Operator::Matches => {
                let Some(pattern) = v.as_str() else {
                    return Err(bad(at_v, "`matches` needs a regular expression string"));
                };
                regex::RegexBuilder::new(pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map(|_| ())
                    .map_err(|e| bad(at_v, format!("bad regular expression: {e}")))
            }
            Operator::Exists if !(v.is_null() || v.is_boolean()) => {
                Err(bad(at_v, "`exists` takes true, false or no value"))
            }
            Operator::Equals | Operator::NotEquals if v.is_null() => {
                Err(bad(at_v, "needs a value (use `exists` to test presence)"))
            }
            _ => Ok(()),
        }
    }
}

pub(crate) fn compile_regex(pattern: &str) -> Result<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| bad("$".into(), e.to_string()))
}
