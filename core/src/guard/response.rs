//! `guard_response`: a model's answer on its way back to the user.

use super::{entity_counts, Deps, ResponseInput, ResponseVerdict, Stopwatch};
use crate::audit::AuditEntry;
use crate::cost::Usage;
use crate::error::{Error, Result};
use crate::events::{Event, PiiDetectedEvent, PiiDirection};
use crate::pii::{DetectOptions, Finding, Vault};
use crate::vocab::{Context, Stage};
use serde_json::json;

/// Guards a model's answer: masks PII the model produced that the user did
/// not supply, restores the user's own placeholders, settles the prompt's
/// reservation with the actual usage (or records the usage), records
/// latency and cost, and writes an audit record.
pub(crate) fn guard_response(d: &Deps<'_>, input: &ResponseInput) -> Result<ResponseVerdict> {
    input.validate()?;
    let u = &input.usage;
    let cfg = &d.guard.config;
    let mut sw = Stopwatch::new(d.clock);
    let now = d.clock.now_ms();
    let who = input.principal.id.as_str();
    let ctx = Context::new(input.organization.as_str())
        .with_user(who)
        .with_session(input.session.as_str());
    let mut events = Vec::new();

    // PII: mask what the model made up or leaked, restore the user's own.
    let t = sw.now();
    let vault = d.pii.load_vault(&ctx)?;
    let (text, leaked, restored) = if cfg.stages.pii {
        let findings = d.pii.detect_with(
            &input.output,
            &DetectOptions::default().merge_overlaps(true),
        )?;
        let leaked: Vec<Finding> = findings
            .into_iter()
            .filter(|f| !vault.holds(f.text(&input.output)))
            .collect();
        let (text, restored) = mask_and_restore(d, &ctx, &input.output, &leaked, &vault)?;
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
            d.attribution_of(&input.organization, &input.principal, &input.attribution);
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
            Some(r) => d.costs.settle(r, &usage),
            None => d.costs.record_usage(&usage),
        };
        match result {
            Ok(c) => charge = Some(c),
            Err(e) => {
                if let Some(r) = &input.reservation {
                    d.costs.release(r);
                }
                return Err(e);
            }
        }
        sw.record(Stage::Budget, t);
    } else if let Some(r) = &input.reservation {
        d.costs.release(r);
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
        audit_id = Some(d.audit.append(entry)?);
        sw.record(Stage::Audit, t);
    }
    let timings = sw.finish();
    if cfg.stages.metrics {
        d.record_timings(&timings, "response", None);
        let m = d.metrics;
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
        d.events.emit(e);
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

/// Masks `leaked` in `output` with the configured operators (never as a
/// numbered placeholder, so it cannot be mistaken for the user's), and
/// restores the vault's placeholders everywhere else.
fn mask_and_restore(
    d: &Deps<'_>,
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
        out.push_str(
            &d.pii
                .masker()
                .mask_value(&f.entity, slice(f.start, f.end)?, Some(ctx))?,
        );
        at = f.end;
    }
    let (gap, n) = vault.unmask_counted(slice(at, output.len())?);
    out.push_str(&gap);
    Ok((out, restored + n))
}
