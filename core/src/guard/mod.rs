//! The one-call pipeline: [`crate::Vallum::guard_prompt`] checks a prompt
//! before it reaches the model, [`crate::Vallum::guard_response`] checks the
//! model's answer before it reaches the user.
//!
//! A prompt goes through, in order: rate limit → RBAC and policies → threat
//! scan → PII masking (placeholders kept in the session's vault) → budget
//! reservation from a token estimate → one audit record and the metrics. The
//! first stage that denies or challenges stops the prompt: later stages do
//! not run, so a refused prompt writes nothing to the vault and holds no
//! budget. See `docs/guard.md`.

mod prompt;
mod response;

pub(crate) use prompt::guard_prompt;
pub(crate) use response::guard_response;

use crate::audit::Audit;
use crate::clock::Clock;
use crate::cost::{Attribution, Charge, Costs, Reservation};
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::pii::{Finding, Pii};
use crate::policy::threats::ThreatFinding;
use crate::policy::{
    Effect, MatchedPolicy, PolicyEngine, Principal, RateDecision, RateLimiter, Rbac, ThreatDetector,
};
use crate::vocab::Severity;
pub use crate::vocab::Stage;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which stages run (all by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GuardStages {
    /// The rate limit.
    pub rate_limit: bool,
    /// RBAC permission and policies.
    pub policy: bool,
    /// Threat scan.
    pub threats: bool,
    /// PII masking (also needs `piiProtection.enabled`).
    pub pii: bool,
    /// Budget reservation and usage recording.
    pub budget: bool,
    /// The audit record.
    pub audit: bool,
    /// Metrics (per-stage timings, decisions, latency and cost).
    pub metrics: bool,
}

impl Default for GuardStages {
    fn default() -> Self {
        Self {
            rate_limit: true,
            policy: true,
            threats: true,
            pii: true,
            budget: true,
            audit: true,
            metrics: true,
        }
    }
}

/// Which id a prompt's rate limit is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitKey {
    /// Per user (within the organization). The default.
    #[default]
    User,
    /// Per organization.
    Organization,
    /// Per session.
    Session,
}

/// Vallum extension `guard` of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct GuardConfig {
    /// Stages on or off.
    pub stages: GuardStages,
    /// The named rate limit prompts count against (default: `guard` if
    /// defined, else `api` if defined, else none).
    pub rate_limit: Option<String>,
    /// Whose quota a prompt uses.
    pub rate_limit_key: RateLimitKey,
    /// A permission the principal must hold (checked when RBAC defines roles).
    pub permission: Option<String>,
    /// Threats of this severity or worse deny the prompt (default `high`).
    pub deny_threats_at: Severity,
    /// Threats of this severity or worse challenge it (default `medium`).
    pub challenge_threats_at: Severity,
    /// Entities whose presence denies a prompt instead of masking it.
    pub block_entities: Vec<String>,
    /// Characters per token for the input estimate (default 4).
    pub chars_per_token: u32,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            stages: GuardStages::default(),
            rate_limit: None,
            rate_limit_key: RateLimitKey::User,
            permission: None,
            deny_threats_at: Severity::High,
            challenge_threats_at: Severity::Medium,
            block_entities: Vec::new(),
            chars_per_token: 4,
        }
    }
}

/// The argument of [`crate::Vallum::guard_prompt`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptInput {
    /// Who is asking.
    pub principal: Principal,
    /// The principal's organization.
    pub organization: String,
    /// The conversation; its memory holds the PII vault.
    pub session: String,
    /// The prompt.
    pub text: String,
    /// The model it is for (priced from the catalog).
    pub model: String,
    /// Expected completion tokens, for the budget reservation.
    #[serde(default)]
    pub estimated_output_tokens: i64,
    /// Request context for policies (`context.*` fields: ip, channel, …).
    #[serde(default)]
    pub context: serde_json::Map<String, Value>,
    /// Cost attribution; `user` defaults to the principal, `cost_center`
    /// to the one RBAC maps the principal to.
    #[serde(default)]
    pub attribution: Attribution,
}

/// The budget estimate of a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetEstimate {
    /// Model.
    pub model: String,
    /// Estimated prompt tokens (of the masked text).
    pub input_tokens: i64,
    /// Expected completion tokens.
    pub output_tokens: i64,
    /// Estimated charge, micro-dollars.
    pub cost_micros: i64,
}

/// Time spent in one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StageTime {
    /// Stage.
    pub stage: Stage,
    /// Nanoseconds.
    pub ns: u64,
}

/// Where the time went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    /// Stages that ran, in order.
    pub stages: Vec<StageTime>,
    /// The whole call, nanoseconds.
    pub total_ns: u64,
}

/// The guard's answer for a prompt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// `allow`, `challenge` or `deny`.
    pub decision: Effect,
    /// The stage that stopped the prompt (none when allowed).
    pub stopped_at: Option<Stage>,
    /// Why.
    pub reasons: Vec<String>,
    /// The masked prompt to send to the model; only when allowed.
    pub text_to_send: Option<String>,
    /// PII found (offsets in the original prompt).
    pub findings: Vec<Finding>,
    /// Threats found.
    pub threats: Vec<ThreatFinding>,
    /// Threat score 0–100.
    pub threat_score: u8,
    /// Policies that matched.
    pub matched_policies: Vec<MatchedPolicy>,
    /// The rate-limit decision, if a limit applied.
    pub rate_limit: Option<RateDecision>,
    /// The budget estimate, if the budget stage ran.
    pub budget: Option<BudgetEstimate>,
    /// The budget hold; settle it with [`crate::Vallum::guard_response`] or
    /// release it with [`crate::cost::Costs::release`] if the call fails.
    pub reservation: Option<Reservation>,
    /// The audit record's sequence number.
    pub audit_id: Option<u64>,
    /// Per-stage timings.
    pub timings: Timings,
}

/// Token usage a provider reported for a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenUsage {
    /// Prompt tokens, cached ones included.
    pub input_tokens: i64,
    /// Completion tokens, reasoning ones included.
    pub output_tokens: i64,
    /// Prompt tokens served from the provider's cache.
    #[serde(default)]
    pub cached_input_tokens: i64,
    /// Completion tokens spent on reasoning.
    #[serde(default)]
    pub reasoning_tokens: i64,
}

/// The argument of [`crate::Vallum::guard_response`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// Who asked.
    pub principal: Principal,
    /// The principal's organization.
    pub organization: String,
    /// The conversation (its vault restores the placeholders).
    pub session: String,
    /// The model's answer.
    pub output: String,
    /// The model that answered.
    pub model: String,
    /// Tokens the provider reported.
    pub usage: TokenUsage,
    /// The prompt's reservation, to settle.
    #[serde(default)]
    pub reservation: Option<Reservation>,
    /// The model call's latency in milliseconds (recorded as `response_time`).
    #[serde(default)]
    pub latency_ms: Option<f64>,
    /// Cost attribution, as for the prompt.
    #[serde(default)]
    pub attribution: Attribution,
}

/// The guard's answer for a model's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseVerdict {
    /// The text to show the user: leaked PII masked, the user's own
    /// placeholders restored.
    pub text: String,
    /// PII the model produced that the user did not supply (offsets in the output); masked.
    pub leaked: Vec<Finding>,
    /// Placeholders restored to the user's values.
    pub restored: usize,
    /// The recorded charge.
    pub charge: Option<Charge>,
    /// The audit record's sequence number.
    pub audit_id: Option<u64>,
    /// Per-stage timings (`pii`, `budget`, `audit`).
    pub timings: Timings,
}

/// The compiled guard settings of an instance.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    pub(crate) config: GuardConfig,
    /// The rate limit in effect, resolved at build time.
    pub(crate) limit: Option<String>,
    /// `piiProtection.autoMasking` is not `false`.
    pub(crate) auto_masking: bool,
}

impl Guard {
    /// Validates `guard` against what the instance has (limits, entities).
    pub(crate) fn new(
        config: GuardConfig,
        auto_masking: bool,
        limits: &crate::policy::RateLimiter,
        entities: &[&str],
    ) -> Result<Guard> {
        let known = limits.limits();
        let limit = match &config.rate_limit {
            Some(name) => {
                if !known.contains_key(name) {
                    let mut names: Vec<&str> = known.keys().map(String::as_str).collect();
                    names.sort_unstable();
                    return Err(Error::config(
                        "$.guard.rateLimit",
                        format!(
                            "no rate limit named `{name}` (defined: {})",
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                    ));
                }
                Some(name.clone())
            }
            None => ["guard", "api"]
                .into_iter()
                .find(|n| known.contains_key(*n))
                .map(str::to_string),
        };
        if let Some(p) = &config.permission {
            if p.is_empty() || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::config(
                    "$.guard.permission",
                    format!("`{p}` is not a permission"),
                ));
            }
        }
        for (i, e) in config.block_entities.iter().enumerate() {
            if !entities.contains(&e.as_str()) {
                return Err(Error::config(
                    format!("$.guard.blockEntities[{i}]"),
                    format!("unknown entity `{e}`"),
                ));
            }
        }
        if !(1..=32).contains(&config.chars_per_token) {
            return Err(Error::config(
                "$.guard.charsPerToken",
                format!("{} is not between 1 and 32", config.chars_per_token),
            ));
        }
        if config.challenge_threats_at > config.deny_threats_at {
            return Err(Error::config(
                "$.guard.challengeThreatsAt",
                "must not be more severe than denyThreatsAt",
            ));
        }
        Ok(Guard {
            config,
            limit,
            auto_masking,
        })
    }
}

/// What the guard works with: the instance's modules, lent by the facade
/// for one call.
pub(crate) struct Deps<'a> {
    pub(crate) guard: &'a Guard,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) events: &'a EventBus,
    pub(crate) limits: &'a RateLimiter,
    pub(crate) rbac: Arc<Rbac>,
    pub(crate) policies: &'a PolicyEngine,
    pub(crate) threats: &'a ThreatDetector,
    pub(crate) pii: &'a Pii,
    pub(crate) costs: &'a Costs,
    pub(crate) audit: &'a Audit,
    pub(crate) metrics: &'a Metrics,
}

impl Deps<'_> {
    /// The attribution of a call: as given, with the organization set, the
    /// principal as `user` and RBAC's cost center when they are not set.
    fn attribution_of(
        &self,
        organization: &str,
        principal: &Principal,
        given: &Attribution,
    ) -> Attribution {
        let mut a = given.clone();
        a.organization = Some(organization.to_string());
        if a.user.is_none() {
            a.user = Some(principal.id.clone());
        }
        if a.cost_center.is_none() {
            a.cost_center = self.rbac.cost_center(principal);
        }
        a
    }

    /// Stage and total latencies, and the decision count.
    fn record_timings(&self, t: &Timings, call: &str, decision: Option<Effect>) {
        let m = self.metrics;
        // Metric names are constants: recording cannot fail on them.
        for s in &t.stages {
            let _ = m.record_metric(
                "guard_stage_us",
                s.ns as f64 / 1000.0,
                &[("call", call), ("stage", s.stage.as_str())],
            );
        }
        let _ = m.record_metric(
            "guard_latency_us",
            t.total_ns as f64 / 1000.0,
            &[("call", call)],
        );
        if let Some(d) = decision {
            let _ = m.increment("guard_decisions", 1.0, &[("decision", effect_str(d))]);
        }
    }
}

/// What both guard calls need: a principal, organization, session and
/// model, and an attribution to the call's own organization.
fn require_call(
    principal: &Principal,
    organization: &str,
    session: &str,
    model: &str,
    attribution: &Attribution,
) -> Result<()> {
    require("principal.id", &principal.id)?;
    require("organization", organization)?;
    require("session", session)?;
    require("model", model)?;
    same_organization(organization, attribution)
}

impl PromptInput {
    /// Refuses a prompt input missing what every stage needs.
    fn validate(&self) -> Result<()> {
        require_call(
            &self.principal,
            &self.organization,
            &self.session,
            &self.model,
            &self.attribution,
        )?;
        check_tokens("estimated_output_tokens", self.estimated_output_tokens)
    }
}

impl ResponseInput {
    /// Refuses a response input missing what every stage needs.
    fn validate(&self) -> Result<()> {
        require_call(
            &self.principal,
            &self.organization,
            &self.session,
            &self.model,
            &self.attribution,
        )?;
        check_tokens("usage.input_tokens", self.usage.input_tokens)?;
        check_tokens("usage.output_tokens", self.usage.output_tokens)?;
        if let Some(l) = self.latency_ms {
            if !l.is_finite() || l < 0.0 {
                return Err(Error::invalid_arg(
                    "latency_ms",
                    format!("{l} is not a duration in milliseconds"),
                ));
            }
        }
        Ok(())
    }
}

impl Verdict {
    /// An allow with nothing found yet: where every prompt starts.
    fn allow() -> Self {
        Verdict {
            decision: Effect::Allow,
            stopped_at: None,
            reasons: Vec::new(),
            text_to_send: None,
            findings: Vec::new(),
            threats: Vec::new(),
            threat_score: 0,
            matched_policies: Vec::new(),
            rate_limit: None,
            budget: None,
            reservation: None,
            audit_id: None,
            timings: Timings::default(),
        }
    }
}

/// A call is charged to the organization it was made for, never another.
fn same_organization(organization: &str, given: &Attribution) -> Result<()> {
    match &given.organization {
        Some(o) if o != organization => Err(Error::invalid_arg(
            "attribution",
            format!("names organization `{o}`, but the call is made for `{organization}`"),
        )),
        _ => Ok(()),
    }
}

fn require(name: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_arg(name, "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_arg(
            name,
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn check_tokens(name: &'static str, v: i64) -> Result<()> {
    if !(0..=1_000_000_000_000).contains(&v) {
        return Err(Error::invalid_arg(
            name,
            format!("{v} is not a token count (0 to 10^12)"),
        ));
    }
    Ok(())
}

/// Prompt tokens estimated from characters (ceil(chars / chars_per_token), at least 1).
fn estimate_tokens(text: &str, chars_per_token: u32) -> i64 {
    let chars = text.chars().count() as i64;
    let per = i64::from(chars_per_token.max(1));
    ((chars + per - 1) / per).max(1)
}

fn entity_counts(findings: &[Finding]) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.entity.clone()).or_insert(0) += 1;
    }
    m
}

fn effect_str(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "allow",
        Effect::Challenge => "challenge",
        Effect::Deny => "deny",
    }
}

/// The serialized name of a unit enum value (`prompt_injection`, `high`).
fn name_of<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Times the stages of one call: each stage that runs records the time
/// since its own start.
struct Stopwatch<'c> {
    clock: &'c dyn Clock,
    start: u64,
    timings: Timings,
}

impl<'c> Stopwatch<'c> {
    fn new(clock: &'c dyn Clock) -> Self {
        Self {
            clock,
            start: clock.monotonic_ns(),
            timings: Timings::default(),
        }
    }

    fn now(&self) -> u64 {
        self.clock.monotonic_ns()
    }

    fn record(&mut self, stage: Stage, since: u64) {
        self.timings.stages.push(StageTime {
            stage,
            ns: self.now().saturating_sub(since),
        });
    }

    fn finish(mut self) -> Timings {
        self.timings.total_ns = self.now().saturating_sub(self.start);
        self.timings
    }
}
