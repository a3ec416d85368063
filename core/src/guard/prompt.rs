//! `guard_prompt`: the stages of a prompt, one function each, run in order
//! until one stops the prompt; then the audit record, metrics and events.

use super::{
    effect_str, entity_counts, estimate_tokens, name_of, BudgetEstimate, Deps, PromptInput,
    RateLimitKey, Stopwatch, Verdict,
};
use crate::audit::AuditEntry;
use crate::cost::Usage;
use crate::error::{Error, Result};
use crate::events::{
    Event, GuardDecisionEvent, PiiDetectedEvent, PiiDirection, PolicyViolationEvent,
    RateLimitedEvent,
};
use crate::pii::DetectOptions;
use crate::policy::threats::ThreatKind;
use crate::policy::ActionType;
use crate::vocab::{Context, Effect, Stage};
use serde_json::json;

/// One prompt on its way through the stages.
struct Run<'d, 'i> {
    d: &'d Deps<'d>,
    input: &'i PromptInput,
    now: i64,
    v: Verdict,
    events: Vec<Event>,
    /// A matching policy asked for masking.
    mask_action: bool,
    /// The masked prompt, when the PII stage changed it.
    masked: Option<String>,
}

impl Run<'_, '_> {
    fn who(&self) -> &str {
        &self.input.principal.id
    }

    fn stop(&mut self, effect: Effect, stage: Stage, reason: String) {
        self.v.decision = effect;
        self.v.stopped_at = Some(stage);
        self.v.reasons.push(reason);
    }

    /// PII masking runs: the stage is on, and PII protection (or a policy's
    /// mask action) asks for it with auto-masking on.
    fn pii_on(&self) -> bool {
        let d = self.d;
        d.guard.config.stages.pii && (d.pii.enabled() || self.mask_action) && d.guard.auto_masking
    }

    /// Whether `stage` runs for this instance and prompt.
    fn runs(&self, stage: Stage) -> bool {
        let (d, stages) = (self.d, &self.d.guard.config.stages);
        match stage {
            Stage::RateLimit => stages.rate_limit && d.guard.limit.is_some(),
            Stage::Policy => stages.policy,
            Stage::Threats => stages.threats && d.threats.enabled(),
            Stage::Pii => self.pii_on(),
            Stage::Budget => stages.budget,
            Stage::Audit => stages.audit,
        }
    }
}

/// The stages that can stop a prompt, in order.
const PIPELINE: [Stage; 5] = [
    Stage::RateLimit,
    Stage::Policy,
    Stage::Threats,
    Stage::Pii,
    Stage::Budget,
];

/// Runs one stage; it may stop the prompt by setting its verdict. (A match
/// rather than a table of function pointers: each stage is called once, so
/// the compiler inlines it.)
fn step(r: &mut Run<'_, '_>, stage: Stage) -> Result<()> {
    match stage {
        Stage::RateLimit => rate_limit(r),
        Stage::Policy => policy(r),
        Stage::Threats => threats(r),
        Stage::Pii => pii(r),
        Stage::Budget => budget(r),
        Stage::Audit => audit(r),
    }
}

pub(crate) fn guard_prompt(d: &Deps<'_>, input: &PromptInput) -> Result<Verdict> {
    input.validate()?;
    let mut sw = Stopwatch::new(d.clock);
    let mut run = Run {
        d,
        input,
        now: d.clock.now_ms(),
        v: Verdict::allow(),
        events: Vec::new(),
        mask_action: false,
        masked: None,
    };
    for stage in PIPELINE {
        if run.v.stopped_at.is_some() {
            break;
        }
        if run.runs(stage) {
            let t = sw.now();
            step(&mut run, stage)?;
            sw.record(stage, t);
        }
    }
    // The audit record is written whatever the decision.
    if run.runs(Stage::Audit) {
        let t = sw.now();
        step(&mut run, Stage::Audit)?;
        sw.record(Stage::Audit, t);
    }
    let Run {
        mut v,
        events,
        masked,
        now,
        ..
    } = run;
    if v.decision == Effect::Allow {
        v.text_to_send = Some(masked.unwrap_or_else(|| input.text.clone()));
    }
    v.timings = sw.finish();
    if d.guard.config.stages.metrics {
        d.record_timings(&v.timings, "prompt", Some(v.decision));
    }
    for e in events {
        d.events.emit(e);
    }
    d.events.emit(Event::GuardDecision(GuardDecisionEvent {
        principal: input.principal.id.clone(),
        decision: v.decision,
        stopped_at: v.stopped_at,
        audit_id: v.audit_id,
        total_ns: v.timings.total_ns,
        at: now,
    }));
    Ok(v)
}

/// Stage 1, the rate limit named by `guard.rateLimit` (or `guard`, `api`).
fn rate_limit(r: &mut Run<'_, '_>) -> Result<()> {
    let (cfg, input) = (&r.d.guard.config, r.input);
    let Some(name) = &r.d.guard.limit else {
        return Ok(());
    };
    let who = r.who();
    let key = match cfg.rate_limit_key {
        RateLimitKey::User => format!("{}\u{1f}{who}", input.organization),
        RateLimitKey::Organization => input.organization.clone(),
        RateLimitKey::Session => {
            format!("{}\u{1f}{who}\u{1f}{}", input.organization, input.session)
        }
    };
    let decision = r.d.limits.check(name, &key)?;
    if !decision.allowed {
        let by = decision.limited_by.map_or_else(|| "rate".into(), name_of);
        let event_key = match cfg.rate_limit_key {
            RateLimitKey::Organization => input.organization.clone(),
            RateLimitKey::User => who.to_string(),
            RateLimitKey::Session => input.session.clone(),
        };
        r.stop(
            Effect::Deny,
            Stage::RateLimit,
            format!(
                "rate limit `{name}` exceeded ({by}); retry in {} ms",
                decision.retry_after_ms
            ),
        );
        r.events.push(Event::RateLimited(RateLimitedEvent {
            limit: name.clone(),
            key: event_key,
            retry_after_ms: decision.retry_after_ms,
            at: r.now,
        }));
    }
    r.v.rate_limit = Some(decision);
    Ok(())
}

/// Stage 2, the guard's RBAC permission, then the security policies.
fn policy(r: &mut Run<'_, '_>) -> Result<()> {
    let input = r.input;
    let rbac = &r.d.rbac;
    if let Some(perm) = &r.d.guard.config.permission {
        if rbac.enabled() && !rbac.has_permission(&input.principal, perm) {
            let reason = format!("`{}` lacks the permission `{perm}`", r.who());
            r.events.push(Event::PolicyViolation(PolicyViolationEvent {
                principal: r.who().to_string(),
                effect: Effect::Deny,
                policies: Vec::new(),
                reasons: vec![reason.clone()],
                at: r.now,
            }));
            r.stop(Effect::Deny, Stage::Policy, reason);
            return Ok(());
        }
    }
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
    let d = r.d.policies.evaluate(&request, rbac);
    r.mask_action = d.actions.iter().any(|a| a.kind == ActionType::Mask);
    if d.effect != Effect::Allow {
        let deciding: Vec<String> = d
            .matched
            .iter()
            .filter(|m| m.effect == Some(d.effect))
            .map(|m| m.id.clone())
            .collect();
        r.events.push(Event::PolicyViolation(PolicyViolationEvent {
            principal: r.who().to_string(),
            effect: d.effect,
            policies: deciding,
            reasons: d.reasons.clone(),
            at: r.now,
        }));
        r.v.decision = d.effect;
        r.v.stopped_at = Some(Stage::Policy);
        r.v.reasons.extend(d.reasons);
    }
    r.v.matched_policies = d.matched;
    Ok(())
}

/// Stage 3, the threat scan: the worst finding decides, against the guard's
/// challenge and deny severities.
fn threats(r: &mut Run<'_, '_>) -> Result<()> {
    let scan = r.d.threats.scan(&r.input.text);
    for t in r.d.threats.keep_findings(&scan, r.who())? {
        r.events.push(Event::ThreatDetected(t));
    }
    // Secrets in the prompt are masked by the PII stage when it runs.
    let pii_on = r.pii_on();
    let cfg = &r.d.guard.config;
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
            let reason = format!(
                "{} threat ({}, rule {})",
                name_of(f.severity),
                name_of(f.kind),
                f.rule
            );
            r.stop(effect, Stage::Threats, reason);
        }
    }
    r.v.threat_score = scan.score;
    r.v.threats = scan.findings;
    Ok(())
}

/// Stage 4, PII: a blocked entity denies; anything else found is masked, its
/// placeholders kept in the session's vault.
fn pii(r: &mut Run<'_, '_>) -> Result<()> {
    let input = r.input;
    let findings =
        r.d.pii
            .detect_with(&input.text, &DetectOptions::default().merge_overlaps(true))?;
    let block = &r.d.guard.config.block_entities;
    let blocked = findings
        .iter()
        .map(|f| f.entity.as_str())
        .find(|e| block.iter().any(|b| b == e))
        .map(str::to_string);
    if let Some(first) = blocked {
        r.stop(
            Effect::Deny,
            Stage::Pii,
            format!("the prompt contains {first}, which the guard blocks"),
        );
        r.events.push(Event::PiiDetected(PiiDetectedEvent {
            direction: PiiDirection::Prompt,
            principal: r.who().to_string(),
            entities: entity_counts(&findings),
            masked: false,
            at: r.now,
        }));
        r.v.findings = findings;
    } else if !findings.is_empty() {
        let ctx = Context::new(input.organization.as_str())
            .with_user(r.who())
            .with_session(input.session.as_str());
        let masked =
            r.d.pii
                .mask_findings_in_session(&ctx, &input.text, findings)?;
        r.events.push(Event::PiiDetected(PiiDetectedEvent {
            direction: PiiDirection::Prompt,
            principal: r.who().to_string(),
            entities: entity_counts(&masked.findings),
            masked: true,
            at: r.now,
        }));
        r.v.findings = masked.findings;
        r.masked = Some(masked.text);
    }
    Ok(())
}

/// Stage 5, the budget: reserve the estimated cost of what would be sent.
fn budget(r: &mut Run<'_, '_>) -> Result<()> {
    let input = r.input;
    let attribution =
        r.d.attribution_of(&input.organization, &input.principal, &input.attribution);
    let send = r.masked.as_deref().unwrap_or(&input.text);
    let input_tokens = estimate_tokens(send, r.d.guard.config.chars_per_token);
    let usage = Usage::new(
        input.model.as_str(),
        input_tokens,
        input.estimated_output_tokens,
    )
    .by(attribution);
    let (result, budget_events) = r.d.costs.reserve_collect(&usage);
    r.events.extend(budget_events);
    let cost_micros = match result {
        Ok(reservation) => {
            let amount = reservation.amount_micros;
            r.v.reservation = Some(reservation);
            amount
        }
        Err(Error::BudgetExceeded {
            budget,
            limit_micros,
            spent_micros,
            reserved_micros,
            requested_micros,
        }) => {
            r.stop(
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
    r.v.budget = Some(BudgetEstimate {
        model: input.model.clone(),
        input_tokens,
        output_tokens: input.estimated_output_tokens,
        cost_micros,
    });
    Ok(())
}

/// Stage 6, one audit record of the decision. Fails closed: if it cannot be
/// written, the prompt's budget hold is released and the call fails.
fn audit(r: &mut Run<'_, '_>) -> Result<()> {
    let (input, v) = (r.input, &r.v);
    let policies: Vec<&str> = v.matched_policies.iter().map(|m| m.id.as_str()).collect();
    let rules: Vec<&str> = v.threats.iter().map(|t| t.rule).collect();
    let entry = AuditEntry::new(
        r.who(),
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
    match r.d.audit.append(entry) {
        Ok(id) => {
            r.v.audit_id = Some(id);
            Ok(())
        }
        Err(e) => {
            if let Some(reservation) = &r.v.reservation {
                r.d.costs.release(reservation);
            }
            Err(e)
        }
    }
}
