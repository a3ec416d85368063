//! [`Vallum`]: the facade that owns every module of an instance and hands
//! them out; [`crate::VallumBuilder`] assembles it.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::crypto::MasterKey;
use crate::error::Result;
use crate::events::{Event, EventKind, Subscription};
use crate::events::{EventBus, KeyRotatedEvent, RotatedKey};
use crate::memory::Memory;
use crate::vocab::Scope;
use crate::{audit, compliance, cost, guard, memory, metrics, pii, policy, storage};
use std::sync::Arc;

/// The Vallum facade: one handle to every module. Cheap to clone, `Send + Sync`.
///
/// ```
/// use vallum::{Vallum, MasterKey, Context, Scope, SetOptions};
/// let dir = tempfile::tempdir().unwrap();
/// let v = Vallum::builder()
///     .sqlite(dir.path().join("copilot.db"))
///     .master_key(MasterKey::generate()?) // or master_key_from_env("VALLUM_MASTER_KEY")
///     .build()?;
/// let ctx = Context::new("acme").with_user("alice");
/// v.memory().set(&ctx, Scope::User, "lang", serde_json::json!("en"), &SetOptions::default())?;
/// # Ok::<(), vallum::Error>(())
/// ```
#[derive(Clone)]
pub struct Vallum {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) clock: SharedClock,
    pub(crate) events: EventBus,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) memory: Memory,
    pub(crate) metrics: metrics::Metrics,
    pub(crate) costs: cost::Costs,
    pub(crate) audit: audit::Audit,
    pub(crate) rbac: parking_lot::RwLock<Arc<policy::Rbac>>,
    pub(crate) limits: policy::RateLimiter,
    pub(crate) policies: policy::PolicyEngine,
    pub(crate) threats: policy::ThreatDetector,
    pub(crate) pii: pii::Pii,
    pub(crate) guard: guard::Guard,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: keep the open metric buckets; the
        // store writes what is queued when it drops right after.
        let _ = self.metrics.persist_open_buckets();
    }
}

impl std::fmt::Debug for Vallum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vallum")
            .field("memory", &self.inner.memory)
            .finish_non_exhaustive()
    }
}

impl Vallum {
    /// The memory API.
    pub fn memory(&self) -> &Memory {
        &self.inner.memory
    }

    /// The metrics API: record, query, alerts, reports, Prometheus text.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// Role-based access control in effect.
    pub fn rbac(&self) -> Arc<policy::Rbac> {
        self.inner.rbac.read().clone()
    }

    /// Replaces RBAC (e.g. after loading the spec's YAML with [`policy::Rbac::from_yaml`]).
    pub fn set_rbac(&self, rbac: policy::Rbac) {
        *self.inner.rbac.write() = Arc::new(rbac);
    }

    /// Whether `principal` holds `permission`.
    pub fn has_permission(&self, principal: &policy::Principal, permission: &str) -> bool {
        self.inner.rbac.read().has_permission(principal, permission)
    }

    /// The policy store (add, update, remove, list).
    pub fn policies(&self) -> &policy::PolicyEngine {
        &self.inner.policies
    }

    /// Evaluates a request against the policies (the spec's `evaluateRequest`);
    /// no side effects. See `docs/policy.md`.
    pub fn evaluate_request(&self, request: &serde_json::Value) -> policy::Decision {
        let rbac = self.rbac();
        self.inner.policies.evaluate(request, &rbac)
    }

    /// Evaluates a request and appends the decision to the audit log (use at
    /// enforcement points).
    pub fn evaluate_request_audited(
        &self,
        request: &serde_json::Value,
        actor: &str,
    ) -> Result<policy::Decision> {
        let d = self.evaluate_request(request);
        let outcome = match d.effect {
            policy::Effect::Allow => "allow",
            policy::Effect::Challenge => "challenge",
            policy::Effect::Deny => "deny",
        };
        let matched: Vec<&str> = d.matched.iter().map(|m| m.id.as_str()).collect();
        let errors: Vec<&str> = d.errors.iter().map(|e| e.policy.as_str()).collect();
        self.inner.audit.append(
            audit::AuditEntry::new(actor, "policy.decision", "request", outcome)
                .details(serde_json::json!({"matched": matched, "skipped": errors})),
        )?;
        Ok(d)
    }

    /// Checks one compliance framework (`gdpr`, `hipaa`, `sox`, `pci_dss`,
    /// `soc2`) over what this SDK can observe; see `docs/compliance.md`.
    pub fn compliance_check(&self, framework: &str) -> Result<compliance::ComplianceReport> {
        let fw = compliance::Framework::parse(framework)?;
        let now = self.inner.clock.now_ms();
        let mem = self.inner.memory.config();
        let sec = self.inner.config.enterprise_security.as_ref();
        let audit = &self.inner.audit;
        let verified = if audit.enabled() {
            Some(audit.verify()?.ok)
        } else {
            None
        };
        let records = audit.query(&storage::AuditFilter {
            limit: Some(usize::MAX >> 1),
            ..Default::default()
        })?;
        let last_rotation = records
            .iter()
            .rev()
            .find(|r| r.action == "key.rotate_master")
            .map(|r| r.ts);
        let evidence = compliance::Evidence {
            encryption_enabled: mem.encryption.enabled,
            unencrypted_entries: self.inner.memory.store().unencrypted_entries()?,
            scopes_with_retention: Scope::ALL
                .into_iter()
                .filter(|s| {
                    mem.retention
                        .policies
                        .get(*s)
                        .is_some_and(|p| p.max_age.is_some())
                })
                .map(|s| s.to_string())
                .collect(),
            audit_enabled: audit.enabled(),
            audit_verified: verified,
            audit_records: records.len() as u64,
            audit_retention_days: audit.retention_days(),
            rbac_roles: self.rbac().spec().roles.len(),
            policies: self.inner.policies.list().len(),
            rate_limits: self.inner.limits.limits().len(),
            threat_detection: self.inner.threats.enabled(),
            days_since_key_rotation: last_rotation.map(|t| (now - t) / 86_400_000),
            audit_age_days: records.first().map(|r| (now - r.ts) / 86_400_000),
            pii_protection_configured: sec
                .and_then(|s| s.pii_protection.as_ref())
                .is_some_and(|p| p.enabled == Some(true)),
            pii_module_available: true,
        };
        let report = compliance::evaluate(fw, &evidence, now);
        audit.append(
            audit::AuditEntry::new(
                "vallum",
                "compliance.check",
                framework.to_string(),
                "success",
            )
            .details(serde_json::json!({"score": report.score, "failed": report.failed})),
        )?;
        Ok(report)
    }

    /// PII detection and masking, session vaults, streaming.
    pub fn pii(&self) -> &pii::Pii {
        &self.inner.pii
    }

    /// Threat detection: scan, report, summaries.
    pub fn threats(&self) -> &policy::ThreatDetector {
        &self.inner.threats
    }

    /// Rate limits and quotas.
    pub fn limits(&self) -> &policy::RateLimiter {
        &self.inner.limits
    }

    /// The tamper-evident audit log.
    pub fn audit(&self) -> &audit::Audit {
        &self.inner.audit
    }

    /// The cost API: prices, usage, budgets, reservations, reports.
    pub fn costs(&self) -> &cost::Costs {
        &self.inner.costs
    }

    /// Prometheus text (format 0.0.4) of everything: every metric series,
    /// plus gauges of budget spend, holds and limits (micro-dollars) and
    /// memory entries and bytes per scope.
    pub fn prometheus(&self) -> Result<String> {
        let mut out = metrics::Exposition::from_text(self.inner.metrics.prometheus());
        let budgets = self.inner.costs.budget_status()?;
        type Field = fn(&cost::BudgetStatus) -> i64;
        let families: [(&str, &str, Field); 3] = [
            (
                "vallum_budget_spent_micros",
                "Spend in the current budget period (micro-dollars).",
                |b| b.spent_micros,
            ),
            (
                "vallum_budget_reserved_micros",
                "Budget held by calls in flight (micro-dollars).",
                |b| b.reserved_micros,
            ),
            (
                "vallum_budget_limit_micros",
                "Budget limit (micro-dollars).",
                |b| b.limit_micros,
            ),
        ];
        for (name, help, value) in families {
            out.gauge(name, help);
            for b in &budgets {
                let labels = [
                    ("budget", b.budget.as_str()),
                    ("organization", b.organization.as_deref().unwrap_or("")),
                    ("subject", b.subject.as_deref().unwrap_or("")),
                ];
                out.sample(name, &labels, value(b) as f64);
            }
        }
        let stats = self.inner.memory.stats(None)?;
        type Count = fn(&memory::ScopeStats) -> u64;
        let families: [(&str, &str, Count); 2] = [
            ("vallum_memory_entries", "Entries stored per scope.", |s| {
                s.entries
            }),
            ("vallum_memory_bytes", "Stored bytes per scope.", |s| {
                s.bytes
            }),
        ];
        for (name, help, value) in families {
            out.gauge(name, help);
            for s in &stats {
                let scope = s.scope.map(|x| x.as_str()).unwrap_or("");
                out.sample(name, &[("scope", scope)], value(s) as f64);
            }
        }
        Ok(out.finish())
    }

    /// The guard settings in effect (`guard` in the configuration).
    pub fn guard_config(&self) -> &guard::GuardConfig {
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
    pub fn guard_prompt(&self, input: &guard::PromptInput) -> Result<guard::Verdict> {
        guard::guard_prompt(&self.guard_deps(), input)
    }

    /// Guards a model's answer: masks PII the model produced that the user
    /// did not supply, restores the user's own placeholders, settles the
    /// prompt's reservation with the actual usage (or records the usage),
    /// records latency and cost, and writes an audit record.
    pub fn guard_response(&self, input: &guard::ResponseInput) -> Result<guard::ResponseVerdict> {
        guard::guard_response(&self.guard_deps(), input)
    }

    /// The modules the guard works with, lent for one call.
    fn guard_deps(&self) -> guard::Deps<'_> {
        let i = &*self.inner;
        guard::Deps {
            guard: &i.guard,
            clock: &*i.clock,
            events: &i.events,
            limits: &i.limits,
            rbac: self.rbac(),
            policies: &i.policies,
            threats: &i.threats,
            pii: &i.pii,
            costs: &i.costs,
            audit: &i.audit,
            metrics: &i.metrics,
        }
    }

    /// The configuration in effect.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The clock in use.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Calls `callback` for every event of `kind` (`None`: all events) until
    /// the returned [`Subscription`] is dropped.
    pub fn subscribe(
        &self,
        kind: Option<EventKind>,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Subscription {
        self.inner.events.subscribe(kind, callback)
    }

    /// Like [`Vallum::subscribe`], but `callback` runs on a thread of its own
    /// behind a queue of `capacity` events, so a slow subscriber never delays
    /// a call; when the queue is full, events are dropped and counted
    /// ([`Vallum::dropped_events`]). Not in the browser.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn subscribe_queued(
        &self,
        kind: Option<EventKind>,
        capacity: usize,
        callback: impl Fn(&Event) + Send + 'static,
    ) -> Result<Subscription> {
        self.inner.events.subscribe_queued(kind, capacity, callback)
    }

    /// Subscriber panics caught so far (they never reach the caller).
    pub fn subscriber_panics(&self) -> u64 {
        self.inner.events.subscriber_panics()
    }

    /// Events dropped because a queued subscriber's queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.inner.events.dropped_events()
    }

    /// Re-wraps every data key under `new_key`, atomically. Afterwards the
    /// store opens only with `new_key`. Returns the number of keys re-wrapped.
    ///
    /// A wrapped key that does not unwrap under the current master key (a
    /// damaged row) cannot be re-wrapped: it is left as it is, the rest are
    /// rotated, and the audit record (`key.rotate_master`, details
    /// `unreadable`) names each one. Only values sealed with such a key are
    /// unreadable, as they already were.
    pub fn rotate_master_key(&self, new_key: &MasterKey) -> Result<usize> {
        let mem = &self.inner.memory;
        let report =
            self.inner
                .keyring
                .rotate_master(mem.store(), mem.ephemeral_backend(), new_key)?;
        let n = report.rewrapped;
        let unreadable: Vec<serde_json::Value> = report
            .unreadable
            .iter()
            .map(|k| {
                serde_json::json!({"scope": k.scope, "owner": memory::OwnerRef::parse(&k.owner), "keyId": k.key_id})
            })
            .collect();
        self.inner.audit.append(
            audit::AuditEntry::new(
                "vallum",
                "key.rotate_master",
                "keyring",
                if unreadable.is_empty() { "success" } else { "partial" },
            )
            .details(serde_json::json!({"rewrapped": n, "masterKeyId": self.master_key_id(), "unreadable": unreadable})),
        )?;
        // Wrapped keys under the old master key must not linger in the file.
        mem.store().scrub()?;
        self.inner.events.emit(Event::KeyRotated(KeyRotatedEvent {
            key: RotatedKey::Master,
            scope: None,
            owner: None,
            count: n as u64,
            at: self.inner.clock.now_ms(),
        }));
        Ok(n)
    }

    /// Writes everything still queued and returns once it is on disk: in
    /// `fast` durability, the store's queued writes; and the state kept
    /// for restarts (metrics, counters). A `durable` store has nothing
    /// queued. Close, drop and the bindings' exit handlers flush too.
    pub fn flush(&self) -> Result<()> {
        self.inner.metrics.persist_open_buckets()?;
        self.inner.memory.store().flush()
    }

    /// Closes the store and releases its writer lock, so another instance
    /// (or process) can open it. Every later call that touches storage
    /// fails with `storage_error`; closing twice is harmless. Dropping the
    /// last handle closes too.
    pub fn close(&self) -> Result<()> {
        // A closed store refuses the write: keep the metrics first.
        let kept = self.inner.metrics.persist_open_buckets();
        self.inner.memory.store().close()?;
        kept
    }

    /// The id of the current master key (a fingerprint, not the key).
    pub fn master_key_id(&self) -> String {
        format!("{:08x}", self.inner.keyring.kek_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    #[test]
    fn the_spec_config_yields_rbac_roles_and_the_api_limit() {
        let cfg = Config::from_json_str(include_str!("../../tests/vectors/config-enterprise.json"))
            .unwrap();
        let v = Vallum::builder()
            .in_memory()
            .config(cfg)
            .master_key(MasterKey::from_bytes(b"vallum-test-key/01-0123456789abc").unwrap())
            .build()
            .unwrap();
        let admin = policy::Principal::new("a").role("admin");
        assert!(v.has_permission(&admin, "security-config"));
        assert!(!v.has_permission(&policy::Principal::new("u").role("user"), "security-config"));
        assert_eq!(
            v.limits().limits()["api"],
            policy::RateLimitSpec::new(10_000, 3600)
        );
        assert!(v.limits().check("api", "tenant-1").unwrap().allowed);
        let bad = Config::from_json_str(
            r#"{"enterprise": {"integrations": {"api": {"rateLimit": {"requests": 5}}}}}"#,
        )
        .unwrap();
        let e = Vallum::builder()
            .in_memory()
            .config(bad)
            .master_key(MasterKey::from_bytes(b"vallum-test-key/01-0123456789abc").unwrap())
            .build()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("$.enterprise.integrations.api.rateLimit"),
            "{e}"
        );
    }

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn facade_is_send_sync_and_cheap_to_clone() {
        assert_send_sync::<Vallum>();
        assert_send_sync::<Memory>();
        let v = Vallum::builder()
            .in_memory()
            .durability(config::Durability::Fast)
            .master_key(MasterKey::from_bytes(b"vallum-test-key/01-0123456789abc").unwrap())
            .build()
            .unwrap();
        let w = v.clone();
        assert!(Arc::ptr_eq(&v.inner, &w.inner));
        assert_eq!(
            v.config().memory().storage.durability,
            config::Durability::Fast
        );
        assert_eq!(v.master_key_id().len(), 8);
    }
}
