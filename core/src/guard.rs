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

use crate::audit::AuditEntry;
use crate::cost::{Attribution, Charge, Reservation, Usage};
use crate::error::{Error, Result};
use crate::events::{
    Event, GuardDecisionEvent, PiiDetectedEvent, PiiDirection, PolicyViolationEvent,
    RateLimitedEvent,
};
use crate::pii::{DetectOptions, Finding, Vault};
use crate::policy::threats::{ThreatFinding, ThreatKind};
use crate::policy::{ActionType, Effect, MatchedPolicy, Principal, RateDecision};
use crate::vocab::Context;
use crate::vocab::Severity;
pub use crate::vocab::Stage;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
    clock: &'c dyn crate::Clock,
    start: u64,
    timings: Timings,
}

impl<'c> Stopwatch<'c> {
    fn new(clock: &'c dyn crate::Clock) -> Self {
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

impl crate::Vallum {
    /// The guard settings in effect (`guard` in the configuration).
    pub fn guard_config(&self) -> &GuardConfig {
        &self.inner.guard.config
    }

    /// Guards a prompt: rate limit → RBAC/policy → threat scan → PII
    /// masking (vault in the session) → budget reservation → audit and
    /// metrics. Returns the [`Verdict`]; only an `allow` carries
    /// `text_to_send`. Errors are bad input (`invalid_argument`), an unknown
    /// model, or storage failures; on any error no budget stays reserved.
    ///
    /// ```
    /// use vallum::{Vallum, MasterKey};
    /// use vallum::guard::PromptInput;
    /// use vallum::policy::Principal;
    /// let v = Vallum::builder().in_memory().master_key(MasterKey::generate()?)
    ///     .config_json(r#"{"enterpriseSecurity": {"piiProtection": {"enabled": true}}}"#)?
    ///     .build()?;
    /// let verdict = v.guard_prompt(&PromptInput {
    ///     principal: Principal::new("alice"),
    ///     organization: "acme".into(),
    ///     session: "s1".into(),
    ///     text: "Email bob@example.com the notes".into(),
    ///     model: "gpt-4o".into(),
    ///     estimated_output_tokens: 200,
    ///     ..Default::default()
    /// })?;
    /// assert_eq!(verdict.text_to_send.as_deref(), Some("Email <EMAIL_ADDRESS_1> the notes"));
    /// # Ok::<(), vallum::Error>(())
    /// ```
    pub fn guard_prompt(&self, input: &PromptInput) -> Result<Verdict> {
        require("principal.id", &input.principal.id)?;
        require("organization", &input.organization)?;
        require("session", &input.session)?;
        require("model", &input.model)?;
        same_organization(&input.organization, &input.attribution)?;
        check_tokens("estimated_output_tokens", input.estimated_output_tokens)?;
        let inner = &*self.inner;
        let cfg = &inner.guard.config;
        let mut sw = Stopwatch::new(&*inner.clock);
        let now = inner.clock.now_ms();
        let who = input.principal.id.as_str();
        let mut events: Vec<Event> = Vec::new();
        let mut v = Verdict {
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
        };
        let stop = |v: &mut Verdict, effect: Effect, stage: Stage, reason: String| {
            v.decision = effect;
            v.stopped_at = Some(stage);
            v.reasons.push(reason);
        };

        // 1. Rate limit.
        if let (Some(name), true) = (&inner.guard.limit, cfg.stages.rate_limit) {
            let t = sw.now();
            let key = match cfg.rate_limit_key {
                RateLimitKey::User => format!("{}\u{1f}{who}", input.organization),
                RateLimitKey::Organization => input.organization.clone(),
                RateLimitKey::Session => {
                    format!("{}\u{1f}{who}\u{1f}{}", input.organization, input.session)
                }
            };
            let d = inner.limits.check(name, &key)?;
            if !d.allowed {
                let by = d.limited_by.map_or_else(|| "rate".into(), name_of);
                stop(
                    &mut v,
                    Effect::Deny,
                    Stage::RateLimit,
                    format!(
                        "rate limit `{name}` exceeded ({by}); retry in {} ms",
                        d.retry_after_ms
                    ),
                );
                events.push(Event::RateLimited(RateLimitedEvent {
                    limit: name.clone(),
                    key: match cfg.rate_limit_key {
                        RateLimitKey::Organization => input.organization.clone(),
                        RateLimitKey::User => who.to_string(),
                        RateLimitKey::Session => input.session.clone(),
                    },
                    retry_after_ms: d.retry_after_ms,
                    at: now,
                }));
            }
            v.rate_limit = Some(d);
            sw.record(Stage::RateLimit, t);
        }

        // 2. RBAC and policies.
        let mut mask_action = false;
        if v.stopped_at.is_none() && cfg.stages.policy {
            let t = sw.now();
            let rbac = self.rbac();
            if let Some(perm) = &cfg.permission {
                if rbac.enabled() && !rbac.has_permission(&input.principal, perm) {
                    let reason = format!("`{who}` lacks the permission `{perm}`");
                    events.push(Event::PolicyViolation(PolicyViolationEvent {
                        principal: who.to_string(),
                        effect: Effect::Deny,
                        policies: Vec::new(),
                        reasons: vec![reason.clone()],
                        at: now,
                    }));
                    stop(&mut v, Effect::Deny, Stage::Policy, reason);
                }
            }
            if v.stopped_at.is_none() {
                let p = &input.principal;
                let request = json!({
                    "user": {"id": p.id, "roles": p.roles, "groups": p.groups, "claims": p.claims,
                             "organization": input.organization},
                    "data": {"prompt": input.text, "model": input.model,
                             "length": input.text.chars().count(),
                             "estimatedOutputTokens": input.estimated_output_tokens},
                    "context": input.context,
                    "action": "prompt",
                });
                let d = inner.policies.evaluate(&request, &rbac);
                mask_action = d.actions.iter().any(|a| a.kind == ActionType::Mask);
                if d.effect != Effect::Allow {
                    let deciding: Vec<String> = d
                        .matched
                        .iter()
                        .filter(|m| m.effect == Some(d.effect))
                        .map(|m| m.id.clone())
                        .collect();
                    events.push(Event::PolicyViolation(PolicyViolationEvent {
                        principal: who.to_string(),
                        effect: d.effect,
                        policies: deciding,
                        reasons: d.reasons.clone(),
                        at: now,
                    }));
                    v.decision = d.effect;
                    v.stopped_at = Some(Stage::Policy);
                    v.reasons.extend(d.reasons);
                }
                v.matched_policies = d.matched;
            }
            sw.record(Stage::Policy, t);
        }

        let pii_on =
            cfg.stages.pii && (inner.pii.enabled() || mask_action) && inner.guard.auto_masking;

        // 3. Threats.
        if v.stopped_at.is_none() && cfg.stages.threats && inner.threats.enabled() {
            let t = sw.now();
            let scan = inner.threats.scan(&input.text);
            for r in inner.threats.keep_findings(&scan, who) {
                events.push(Event::ThreatDetected(r));
            }
            // Secrets in the prompt are masked by the PII stage when it runs.
            let worst = scan
                .findings
                .iter()
                .filter(|f| !(pii_on && f.kind == ThreatKind::LeakedSecret))
                .max_by_key(|f| f.severity);
            if let Some(f) = worst {
                let effect = if f.severity >= cfg.deny_threats_at {
                    Some(Effect::Deny)
                } else if f.severity >= cfg.challenge_threats_at {
                    Some(Effect::Challenge)
                } else {
                    None
                };
                if let Some(effect) = effect {
                    stop(
                        &mut v,
                        effect,
                        Stage::Threats,
                        format!(
                            "{} threat ({}, rule {})",
                            name_of(f.severity),
                            name_of(f.kind),
                            f.rule
                        ),
                    );
                }
            }
            v.threat_score = scan.score;
            v.threats = scan.findings;
            sw.record(Stage::Threats, t);
        }

        // 4. PII.
        let ctx = Context::new(input.organization.as_str())
            .with_user(who)
            .with_session(input.session.as_str());
        let mut text_to_send: Option<String> = None;
        if v.stopped_at.is_none() && pii_on {
            let t = sw.now();
            let findings = inner
                .pii
                .detect_with(&input.text, &DetectOptions::default().merge_overlaps(true));
            let blocked: Vec<&str> = findings
                .iter()
                .map(|f| f.entity.as_str())
                .filter(|e| cfg.block_entities.iter().any(|b| b == e))
                .collect();
            if let Some(first) = blocked.first() {
                stop(
                    &mut v,
                    Effect::Deny,
                    Stage::Pii,
                    format!("the prompt contains {first}, which the guard blocks"),
                );
                events.push(Event::PiiDetected(PiiDetectedEvent {
                    direction: PiiDirection::Prompt,
                    principal: who.to_string(),
                    entities: entity_counts(&findings),
                    masked: false,
                    at: now,
                }));
                v.findings = findings;
            } else if !findings.is_empty() {
                let masked = inner
                    .pii
                    .mask_findings_in_session(&ctx, &input.text, findings)?;
                events.push(Event::PiiDetected(PiiDetectedEvent {
                    direction: PiiDirection::Prompt,
                    principal: who.to_string(),
                    entities: entity_counts(&masked.findings),
                    masked: true,
                    at: now,
                }));
                v.findings = masked.findings;
                text_to_send = Some(masked.text);
            }
            sw.record(Stage::Pii, t);
        }
        let send: &str = text_to_send.as_deref().unwrap_or(&input.text);

        // 5. Budget.
        if v.stopped_at.is_none() && cfg.stages.budget {
            let t = sw.now();
            let attribution =
                self.attribution_of(&input.organization, &input.principal, &input.attribution);
            let input_tokens = estimate_tokens(send, cfg.chars_per_token);
            let usage = Usage::new(
                input.model.as_str(),
                input_tokens,
                input.estimated_output_tokens,
            )
            .by(attribution);
            let (result, budget_events) = inner.costs.reserve_collect(&usage);
            events.extend(budget_events);
            let cost_micros = match result {
                Ok(r) => {
                    let amount = r.amount_micros;
                    v.reservation = Some(r);
                    amount
                }
                Err(Error::BudgetExceeded {
                    budget,
                    limit_micros,
                    spent_micros,
                    reserved_micros,
                    requested_micros,
                }) => {
                    stop(
                        &mut v,
                        Effect::Deny,
                        Stage::Budget,
                        format!(
                            "budget `{budget}` exhausted: {spent_micros} µ$ spent + {reserved_micros} µ$ held + {requested_micros} µ$ requested > {limit_micros} µ$"
                        ),
                    );
                    requested_micros
                }
                Err(e) => return Err(e),
            };
            v.budget = Some(BudgetEstimate {
                model: input.model.clone(),
                input_tokens,
                output_tokens: input.estimated_output_tokens,
                cost_micros,
            });
            sw.record(Stage::Budget, t);
        }

        // 6. Audit and metrics.
        if cfg.stages.audit {
            let t = sw.now();
            let policies: Vec<&str> = v.matched_policies.iter().map(|m| m.id.as_str()).collect();
            let rules: Vec<&str> = v.threats.iter().map(|t| t.rule).collect();
            let entry = AuditEntry::new(
                who,
                "guard.prompt",
                format!("session:{}", input.session),
                effect_str(v.decision),
            )
            .details(json!({
                "organization": input.organization,
                "model": input.model,
                "stoppedAt": v.stopped_at,
                "reasons": v.reasons,
                "policies": policies,
                "threats": rules,
                "pii": entity_counts(&v.findings),
                // A prefix only: the whole handle is the holder's capability.
                "reservation": v.reservation.as_ref().map(|r| r.id.get(..12).unwrap_or_default().to_string()),
                "estimateMicros": v.budget.as_ref().map(|b| b.cost_micros),
            }));
            match inner.audit.append(entry) {
                Ok(id) => v.audit_id = Some(id),
                Err(e) => {
                    // Fail closed, and hold no budget for a prompt that is not sent.
                    if let Some(r) = &v.reservation {
                        inner.costs.release(r);
                    }
                    return Err(e);
                }
            }
            sw.record(Stage::Audit, t);
        }
        if v.decision == Effect::Allow {
            v.text_to_send = Some(text_to_send.unwrap_or_else(|| input.text.clone()));
        }
        v.timings = sw.finish();
        if cfg.stages.metrics {
            self.guard_metrics(&v.timings, "prompt", Some(v.decision));
        }
        for e in events {
            inner.events.emit(e);
        }
        inner.events.emit(Event::GuardDecision(GuardDecisionEvent {
            principal: who.to_string(),
            decision: v.decision,
            stopped_at: v.stopped_at,
            audit_id: v.audit_id,
            total_ns: v.timings.total_ns,
            at: now,
        }));
        Ok(v)
    }

    /// Guards a model's answer: masks PII the model produced that the user
    /// did not supply, restores the user's own placeholders, settles the
    /// prompt's reservation with the actual usage (or records the usage),
    /// records latency and cost, and writes an audit record.
    pub fn guard_response(&self, input: &ResponseInput) -> Result<ResponseVerdict> {
        require("principal.id", &input.principal.id)?;
        require("organization", &input.organization)?;
        require("session", &input.session)?;
        require("model", &input.model)?;
        same_organization(&input.organization, &input.attribution)?;
        let u = &input.usage;
        check_tokens("usage.input_tokens", u.input_tokens)?;
        check_tokens("usage.output_tokens", u.output_tokens)?;
        if let Some(l) = input.latency_ms {
            if !l.is_finite() || l < 0.0 {
                return Err(Error::invalid_arg(
                    "latency_ms",
                    format!("{l} is not a duration in milliseconds"),
                ));
            }
        }
        let inner = &*self.inner;
        let cfg = &inner.guard.config;
        let mut sw = Stopwatch::new(&*inner.clock);
        let now = inner.clock.now_ms();
        let who = input.principal.id.as_str();
        let ctx = Context::new(input.organization.as_str())
            .with_user(who)
            .with_session(input.session.as_str());
        let mut events = Vec::new();

        // PII: mask what the model made up or leaked, restore the user's own.
        let t = sw.now();
        let vault = inner.pii.load_vault(&ctx)?;
        let (text, leaked, restored) = if cfg.stages.pii {
            let findings = inner.pii.detect_with(
                &input.output,
                &DetectOptions::default().merge_overlaps(true),
            );
            let leaked: Vec<Finding> = findings
                .into_iter()
                .filter(|f| !vault.holds(f.text(&input.output)))
                .collect();
            let (text, restored) = mask_and_restore(inner, &ctx, &input.output, &leaked, &vault)?;
            if !leaked.is_empty() {
                events.push(Event::PiiDetected(PiiDetectedEvent {
                    direction: PiiDirection::Response,
                    principal: who.to_string(),
                    entities: entity_counts(&leaked),
                    masked: true,
                    at: now,
                }));
            }
            sw.record(Stage::Pii, t);
            (text, leaked, restored)
        } else {
            let (text, restored) = vault.unmask_counted(&input.output);
            (text, Vec::new(), restored)
        };

        // Budget: settle the hold with what the call actually used.
        let mut charge = None;
        if cfg.stages.budget {
            let t = sw.now();
            let attribution =
                self.attribution_of(&input.organization, &input.principal, &input.attribution);
            let usage = Usage {
                model: input.model.clone(),
                input_tokens: u.input_tokens,
                output_tokens: u.output_tokens,
                cached_input_tokens: u.cached_input_tokens,
                reasoning_tokens: u.reasoning_tokens,
                cache_write_tokens: 0,
                attribution,
            };
            let result = match &input.reservation {
                Some(r) => inner.costs.settle(r, &usage),
                None => inner.costs.record_usage(&usage),
            };
            match result {
                Ok(c) => charge = Some(c),
                Err(e) => {
                    if let Some(r) = &input.reservation {
                        inner.costs.release(r);
                    }
                    return Err(e);
                }
            }
            sw.record(Stage::Budget, t);
        } else if let Some(r) = &input.reservation {
            inner.costs.release(r);
        }

        let mut audit_id = None;
        if cfg.stages.audit {
            let t = sw.now();
            let entry = AuditEntry::new(
                who,
                "guard.response",
                format!("session:{}", input.session),
                if leaked.is_empty() { "clean" } else { "masked" },
            )
            .details(json!({
                "organization": input.organization,
                "model": input.model,
                "leaked": entity_counts(&leaked),
                "restored": restored,
                "costMicros": charge.as_ref().map(|c| c.cost_micros),
                "inputTokens": u.input_tokens,
                "outputTokens": u.output_tokens,
                "latencyMs": input.latency_ms,
            }));
            audit_id = Some(inner.audit.append(entry)?);
            sw.record(Stage::Audit, t);
        }
        let timings = sw.finish();
        if cfg.stages.metrics {
            self.guard_metrics(&timings, "response", None);
            let m = &inner.metrics;
            let labels = [("model", input.model.as_str())];
            // Metric names are constants: recording cannot fail on them.
            if let Some(l) = input.latency_ms {
                let _ = m.record_metric("response_time", l, &labels);
            }
            if let Some(c) = &charge {
                let _ = m.increment("llm_cost_micros", c.cost_micros as f64, &labels);
            }
            let _ = m.increment(
                "llm_tokens",
                (u.input_tokens + u.output_tokens) as f64,
                &labels,
            );
        }
        for e in events {
            inner.events.emit(e);
        }
        Ok(ResponseVerdict {
            text,
            leaked,
            restored,
            charge,
            audit_id,
            timings,
        })
    }

    /// The attribution of a call: as given, with the principal as `user`
    /// and RBAC's cost center when they are not set.
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
            a.cost_center = self.rbac().cost_center(principal);
        }
        a
    }

    fn guard_metrics(&self, t: &Timings, call: &str, decision: Option<Effect>) {
        let m = &self.inner.metrics;
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

/// Masks `leaked` in `output` with the configured operators (never as a
/// numbered placeholder, so it cannot be mistaken for the user's), and
/// restores the vault's placeholders everywhere else.
fn mask_and_restore(
    inner: &crate::Inner,
    ctx: &Context,
    output: &str,
    leaked: &[Finding],
    vault: &Vault,
) -> Result<(String, usize)> {
    let mut out = String::with_capacity(output.len());
    let mut restored = 0;
    let mut at = 0;
    let slice = |a: usize, b: usize| {
        output
            .get(a..b)
            .ok_or_else(|| Error::internal("PII findings out of order"))
    };
    for f in leaked {
        let (gap, n) = vault.unmask_counted(slice(at, f.start)?);
        out.push_str(&gap);
        restored += n;
        out.push_str(&inner.pii.masker().mask_value(
            &f.entity,
            slice(f.start, f.end)?,
            Some(ctx),
        )?);
        at = f.end;
    }
    let (gap, n) = vault.unmask_counted(slice(at, output.len())?);
    out.push_str(&gap);
    Ok((out, restored + n))
}
