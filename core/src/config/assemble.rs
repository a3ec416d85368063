//! From the specification's document to each domain's settings: the one
//! place that reads a [`Config`] into the types `memory`, `pii`, `policy`,
//! `metrics` and `guard` take. [`crate::VallumBuilder::build`] assembles an
//! instance from these; [`super::validate_value`] runs the same functions
//! and collects every error instead of stopping at the first.

use super::{Config, Sensitivity};
use crate::audit::Audit;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::{guard, metrics, pii, policy};

/// The metrics store with the alert rules of `enterprisePerformance`.
pub(crate) fn metrics(
    config: &Config,
    clock: SharedClock,
    events: EventBus,
) -> Result<metrics::Metrics> {
    let perf = config.enterprise_performance.as_ref();
    let settings = perf.and_then(|p| p.metrics.clone()).unwrap_or_default();
    metrics::Metrics::new(
        &settings,
        perf.and_then(|p| p.alerts.as_ref()),
        clock,
        events,
    )
}

/// The threat detector of `enterpriseSecurity.threatDetection`.
pub(crate) fn threat_detector(
    config: &Config,
    clock: SharedClock,
    events: EventBus,
    audit: Audit,
) -> Result<policy::ThreatDetector> {
    let td = config
        .enterprise_security
        .as_ref()
        .and_then(|s| s.threat_detection.clone())
        .unwrap_or_default();
    policy::ThreatDetector::new(
        td.enabled.unwrap_or(true),
        td.sensitivity.unwrap_or(Sensitivity::Medium),
        clock,
        events,
        audit,
    )
}

/// The guard of `guard`, checked against the rate limits and entities.
pub(crate) fn guard(
    config: &Config,
    limits: &policy::RateLimiter,
    entities: &[&str],
) -> Result<guard::Guard> {
    guard::Guard::new(
        config.guard.clone().unwrap_or_default(),
        auto_masking(config),
        limits,
        entities,
    )
}

/// `enterpriseSecurity.piiProtection.autoMasking` is not `false`.
pub(crate) fn auto_masking(config: &Config) -> bool {
    config
        .enterprise_security
        .as_ref()
        .and_then(|s| s.pii_protection.as_ref())
        .and_then(|p| p.auto_masking)
        != Some(false)
}

/// The PII module's settings from `enterpriseSecurity.piiProtection`.
pub(crate) fn pii_parts(config: &Config) -> pii::PiiParts {
    let p = config
        .enterprise_security
        .as_ref()
        .and_then(|s| s.pii_protection.clone())
        .unwrap_or_default();
    let d = pii::PiiSettings::default();
    pii::PiiParts {
        enabled: p.enabled.unwrap_or(false),
        settings: pii::PiiSettings {
            entities: p.entities,
            score_threshold: p.score_threshold.unwrap_or(d.score_threshold),
            allow_list: p.allow_list.unwrap_or_default(),
            deny_list: p.deny_list.unwrap_or_default(),
            custom_patterns: p.custom_patterns.unwrap_or_default(),
            context: p.context.unwrap_or_default(),
            phone_regions: p.phone_regions.unwrap_or(d.phone_regions),
            phone_leniency: p.phone_leniency.unwrap_or(d.phone_leniency),
            strict_checksums: p.strict_checksums.unwrap_or(d.strict_checksums),
        },
        operators: p.operators.unwrap_or_default(),
        default_operator: p.default_operator,
        rules: p.masking_rules.unwrap_or_default(),
        levels: p.classification.unwrap_or_default(),
        #[cfg(feature = "names")]
        gazetteer: None,
    }
}

/// Policies from `enterpriseSecurity.policyRules` (errors name the config path).
pub(crate) fn policies(config: &Config, clock: SharedClock) -> Result<policy::PolicyEngine> {
    let sec = config.enterprise_security.as_ref();
    let settings = policy::PolicySettings {
        default_effect: sec
            .and_then(|s| s.default_effect)
            .unwrap_or(policy::Effect::Allow),
    };
    let engine = policy::PolicyEngine::new(&settings, clock);
    for (i, raw) in sec
        .and_then(|s| s.policy_rules.clone())
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        engine.add_json(raw).map_err(|e| policy_rule_error(i, e))?;
    }
    Ok(engine)
}

/// A policy error as a config error at `$.enterpriseSecurity.policyRules[i]…`.
pub(crate) fn policy_rule_error(i: usize, e: Error) -> Error {
    match e {
        Error::InvalidPolicy { path, message } => Error::config(
            format!(
                "$.enterpriseSecurity.policyRules[{i}]{}",
                path.trim_start_matches('$')
            ),
            message,
        ),
        other => other,
    }
}

/// RBAC and rate limits from `enterpriseSecurity` and `enterprise.integrations.api`.
pub(crate) fn security(
    config: &Config,
    clock: SharedClock,
) -> Result<(policy::Rbac, policy::RateLimiter)> {
    let rbac = rbac_from_config(config)?;
    let mut limits = std::collections::HashMap::new();
    for (name, spec, path) in rate_limits_of(config) {
        let spec = spec?;
        spec.validate(&path)?;
        limits.insert(name, spec);
    }
    Ok((rbac, policy::RateLimiter::new(limits, clock)))
}

/// RBAC from `enterpriseSecurity.rbac` plus `policies.userPermissions` as roles.
pub(crate) fn rbac_from_config(config: &Config) -> Result<policy::Rbac> {
    let sec = config.enterprise_security.as_ref();
    let mut spec = sec.and_then(|s| s.rbac.clone()).unwrap_or_default();
    // The spec's `policies.userPermissions: {role: [permission]}` are roles too.
    if let Some(up) = sec
        .and_then(|s| s.policies.as_ref())
        .and_then(|p| p.user_permissions.as_ref())
    {
        for (role, perms) in up {
            let r = spec.roles.entry(role.clone()).or_default();
            for p in perms {
                if !r.permissions.contains(p) {
                    r.permissions.push(p.clone());
                }
            }
        }
    }
    policy::Rbac::new(spec)
}

/// Every named rate limit with its config path (not yet validated):
/// `enterpriseSecurity.rateLimits`, then `api` from the integrations block
/// unless a limit of that name exists.
pub(crate) fn rate_limits_of(
    config: &Config,
) -> Vec<(String, Result<policy::RateLimitSpec>, String)> {
    let sec = config.enterprise_security.as_ref();
    let mut out: Vec<(String, Result<policy::RateLimitSpec>, String)> = sec
        .and_then(|s| s.rate_limits.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(name, l)| {
            let path = format!("$.enterpriseSecurity.rateLimits.{name}");
            (name, Ok(l), path)
        })
        .collect();
    let api = config
        .enterprise
        .as_ref()
        .and_then(|e| e.integrations.as_ref())
        .and_then(|i| i.api.as_ref())
        .and_then(|a| a.rate_limit.as_ref());
    if let Some(rl) = api {
        if !out.iter().any(|(n, _, _)| n == "api") {
            let path = "$.enterprise.integrations.api.rateLimit".to_string();
            let spec = match (rl.requests, rl.window) {
                (Some(requests), Some(window)) => Ok(policy::RateLimitSpec::new(requests, window)),
                _ => Err(Error::config(
                    path.clone(),
                    "needs both `requests` and `window` (seconds)",
                )),
            };
            out.push(("api".to_string(), spec, path));
        }
    }
    out
}
