//! The operation table: every operation the bindings run, written once.
//! See [`super::table`] for the form of an entry.

use super::{
    detect_options, detection, findings, hex, labeled, masked, scope_of, subject_of, threat_scan,
    verdict_with, Ctx, DetectArgs, EvaluateOptions, Health, StoredValueArgs,
};
use crate::audit::{AuditEntry, Checkpoint};
use crate::cost::{Budget, PriceCatalog, ReportRequest, Reservation, Usage};
use crate::guard::{PromptInput, ResponseInput};
use crate::metrics::{AlertRule, JourneyStep, Query, TimePoint};
use crate::policy::{Principal, ThreatRecord};
use crate::storage::{AuditFilter, AuditRow};
use crate::vocab::Period;
use crate::{Error, MasterKey, SearchQuery, SetOptions, Vallum};
use serde_json::{Map, Value};

/// A report for the month so far, by department.
fn monthly() -> ReportRequest {
    ReportRequest::new(Period::Monthly, crate::cost::UsageField::Department)
}

operations! {
    fn dispatch(v: &Vallum, w);
    table table;
    list OPERATIONS;

    // --- the instance
    /// The instance clock's time (epoch ms).
    "now" [sync "now"] () -> "number"
        => Ok::<_, Error>(v.clock().now_ms());
    /// A public id of the master key (never the key).
    "masterKeyId" [sync "masterKeyId"] () -> "string"
        => Ok::<_, Error>(v.master_key_id());
    /// Event delivery counters.
    "eventHealth" [sync "eventHealth"] () -> "{ subscriberPanics: number; droppedEvents: number }"
        => Ok::<_, Error>(super::EventHealth {
            subscriber_panics: v.subscriber_panics(),
            dropped_events: v.dropped_events(),
        });
    /// Writes every write still queued (`fast` durability) and returns once it is on disk.
    "flush" [async "flush"] () -> "void"
        => v.flush();
    /// Re-wraps every data key under a new master key (hex or base64); the number re-wrapped.
    "rotateMasterKey" [async "rotateMasterKey"] (newKey: String) -> "number"
        => { let mut k = newKey; v.rotate_master_key(&MasterKey::take_encoded(&mut k)?) };

    // --- guard
    /// Every configured check on a prompt, in one call.
    "guard.prompt" [async "guard.prompt", sync "guard.promptSync"] (input: PromptInput) -> "Verdict"
        => v.guard_prompt(&input)
        => |r| verdict_with(w, &r, "findings", &input.text, &r.findings);
    /// Every configured check on a model's answer.
    "guard.response" [async "guard.response", sync "guard.responseSync"] (input: ResponseInput) -> "ResponseVerdict"
        => v.guard_response(&input)
        => |r| verdict_with(w, &r, "leaked", &input.output, &r.leaked);

    // --- pii
    /// PII in `text`, with the detector's options.
    "pii.detect" [sync "pii.detect", async "pii.detectAsync"] (text: String, options: Option<DetectArgs>) -> "Finding[]"
        => match options {
            None => v.pii().detect(&text),
            Some(o) => {
                let opts = detect_options(o);
                v.pii().detector().check_options(&opts).and_then(|()| v.pii().detect_with(&text, &opts))
            }
        }
        => |f| Ok::<_, Error>(findings(w, &text, &f));
    /// The entity names this instance can report (built-in, custom, deny list).
    "pii.entities" [sync "pii.entities"] () -> "string[]"
        => Ok::<_, Error>(v.pii().detector().entities());
    /// The specification's `PIIDetectionResult`.
    "pii.detectPII" [async "security.detectPII", sync "security.detectPIISync"] (text: String) -> "PIIDetectionResult"
        => v.pii().detect(&text)
        => |f| Ok::<_, Error>(detection(w, &text, &f));
    /// Whether `value` is a valid `entity` (null: no validator).
    "pii.validate" [sync "pii.validate"] (entity: String, value: String) -> "boolean | null"
        => Ok::<_, Error>(v.pii().detector().validate(&entity, &value));
    /// `text` with its PII masked (reversibly for the context, when given).
    "pii.mask" [sync "pii.mask", async "pii.maskAsync", async "security.maskSensitiveData", sync "security.maskSensitiveDataSync"]
        (text: String, context: Option<Ctx>) -> "MaskResult"
        => match context {
            Some(c) => v.pii().mask_for(&c.context(), &text),
            None => v.pii().mask(&text),
        }
        => |m| Ok::<_, Error>(masked(w, &text, &m));
    /// `text` masked with placeholders kept in the session's vault.
    "pii.maskInSession" [async "pii.maskInSession"] (context: Ctx, text: String) -> "string"
        => v.pii().mask_in_session(&context.context(), &text).map(|m| m.text);
    /// The session vault's placeholders in `text` restored.
    "pii.unmaskInSession" [async "pii.unmaskInSession"] (context: Ctx, text: String) -> "string"
        => v.pii().unmask_in_session(&context.context(), &text);

    // --- policy, rbac, limits, threats
    /// The policies' decision on a request (audited when `auditedBy` is given).
    "policy.evaluate" [async "security.evaluateRequest", sync "security.evaluateRequestSync"]
        (request: Value, options: Option<EvaluateOptions>) -> "SecurityEvaluationResult"
        => match options.and_then(|o| o.audited_by) {
            Some(actor) => v.evaluate_request_audited(&request, &actor),
            None => Ok(v.evaluate_request(&request)),
        };
    /// Adds a policy; its id.
    "policy.add" [async "security.addPolicy"] (policy: Value) -> "string"
        => v.policies().add_json(policy);
    /// Changes the named fields of a policy.
    "policy.update" [async "security.updatePolicy"] (id: String, patch: Value) -> "void"
        => v.policies().update(&id, patch);
    /// Removes a policy; whether it existed.
    "policy.remove" [async "security.removePolicy"] (id: String) -> "boolean"
        => v.policies().remove(&id);
    /// One policy, or null.
    "policy.get" [sync "security.getPolicy"] (id: String) -> "JsonObject | null"
        => Ok::<_, Error>(v.policies().get(&id));
    /// Every policy.
    "policy.list" [sync "security.listPolicies"] () -> "JsonObject[]"
        => Ok::<_, Error>(v.policies().list());
    /// Whether the principal's roles grant `permission`.
    "rbac.hasPermission" [sync "security.hasPermission"] (principal: Principal, permission: String) -> "boolean"
        => Ok::<_, Error>(v.has_permission(&principal, &permission));
    /// The principal's roles, inherited ones included.
    "rbac.rolesOf" [sync "security.rolesOf"] (principal: Principal) -> "string[]"
        => Ok::<_, Error>(v.rbac().roles_of(&principal));
    /// The cost center of the principal's first role that has one.
    "rbac.costCenter" [sync "security.costCenter"] (principal: Principal) -> "string | null"
        => Ok::<_, Error>(v.rbac().cost_center(&principal));
    /// Takes one call from the named limit for `key`.
    "limits.check" [sync "security.checkRateLimit"] (name: String, key: String) -> "RateDecision"
        => v.limits().check(&name, &key);
    /// Prompt-injection and jailbreak findings in `text`.
    "threats.scan" [sync "security.scanThreats"] (text: String) -> "ThreatScan"
        => Ok::<_, Error>(v.threats().scan(&text))
        => |s| Ok::<_, Error>(threat_scan(w, &s, &text));
    /// A scan whose findings are recorded in the threat log.
    "threats.scanAndRecord" [async "security.recordThreats"] (text: String, source: String) -> "ThreatScan"
        => v.threats().scan_and_record(&text, &source)
        => |s| Ok::<_, Error>(threat_scan(w, &s, &text));
    /// Records a threat the host detected; its id.
    "threats.report" [async "security.reportThreat"] (threat: ThreatRecord) -> "string"
        => v.threats().report_threat(threat);
    /// The threats recorded in the period containing now.
    "threats.list" [async "security.getThreats"] (period: String = "day".into()) -> "JsonObject[]"
        => v.threats().threats(&period);
    /// Counts of the period's threats by kind and severity.
    "threats.summary" [async "security.getThreatSummary"] (period: String = "day".into()) -> "ThreatSummary"
        => v.threats().threat_summary(&period);
    /// The compliance report of a framework (`gdpr`, `hipaa`, `soc2`).
    "compliance.check" [async "security.runComplianceCheck"] (framework: String = "gdpr".into()) -> "ComplianceReport"
        => v.compliance_check(&framework);

    // --- audit
    /// Appends a record; its sequence number.
    "audit.append" [async "audit.append"]
        (actor: String, action: String, resource: String, outcome: String, details: Option<Value>) -> "number"
        => {
            let mut e = AuditEntry::new(actor, action, resource, outcome);
            if let Some(d) = details {
                e = e.details(d);
            }
            v.audit().append(e)
        };
    /// The records that match the filter.
    "audit.query" [async "audit.query"] (filter: AuditFilter = AuditFilter::default()) -> "AuditRecord[]"
        => v.audit().query(&filter);
    /// Checks the whole chain.
    "audit.verify" [async "audit.verify"] () -> "AuditVerification"
        => v.audit().verify();
    /// The chain's head, to keep elsewhere.
    "audit.checkpoint" [async "audit.checkpoint"] () -> "AuditCheckpoint"
        => v.audit().checkpoint();
    /// Checks the chain against a kept checkpoint.
    "audit.verifyAgainst" [async "audit.verifyAgainst"] (checkpoint: Checkpoint) -> "AuditVerification"
        => v.audit().verify_against(&checkpoint);
    /// Deletes records past their retention; the number deleted.
    "audit.purgeExpired" [async "audit.purgeExpired"] () -> "number"
        => v.audit().purge_expired();
    /// The matching records as JSON text.
    "audit.exportJson" [async "audit.exportJson"] (filter: AuditFilter = AuditFilter::default()) -> "string"
        => v.audit().export_json(&filter);
    /// The matching records as CSV text.
    "audit.exportCsv" [async "audit.exportCsv"] (filter: AuditFilter = AuditFilter::default()) -> "string"
        => v.audit().export_csv(&filter);
    /// Checks exported records on their own.
    "audit.verifyRecords" [async "audit.verifyRecords"]
        (records: Vec<AuditRow>, startSeq: u64 = 1, startPrev: String = "0".repeat(64)) -> "AuditVerification"
        => v.audit().verify_records(&records, startSeq, &startPrev);

    // --- memory (context first; the scoped object supplies it)
    /// Stores `value` under `key`.
    "memory.set" [async "memory.scoped.setData"]
        (context: Ctx, key: String, value: Value, scope: String = "session".into(), options: SetOptions = SetOptions::default()) -> "void"
        => v.memory().set(&context.context(), scope_of(&scope)?, &key, value, &options);
    /// The value under `key`, or null.
    "memory.get" [async "memory.scoped.getData"] (context: Ctx, key: String, scope: String = "session".into()) -> "T | null"
        => v.memory().get(&context.context(), scope_of(&scope)?, &key);
    /// The entry under `key` with its metadata, or null.
    "memory.getEntry" [async "memory.scoped.getEntry"] (context: Ctx, key: String, scope: String = "session".into()) -> "MemoryEntry | null"
        => v.memory().get_entry(&context.context(), scope_of(&scope)?, &key);
    /// Removes `key`; whether it existed.
    "memory.remove" [async "memory.scoped.removeData"] (context: Ctx, key: String, scope: String = "session".into()) -> "boolean"
        => v.memory().remove(&context.context(), scope_of(&scope)?, &key);
    /// Removes every entry of the scope; the number removed.
    "memory.clearScope" [async "memory.scoped.clearScope"] (context: Ctx, scope: String = "session".into()) -> "number"
        => v.memory().clear_scope(&context.context(), scope_of(&scope)?);
    /// The values of the keys that exist.
    "memory.getBatch" [async "memory.scoped.getBatch"] (context: Ctx, keys: Vec<String>, scope: String = "session".into()) -> "Record<string, T>"
        => {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            v.memory().get_batch(&context.context(), scope_of(&scope)?, &keys)
        };
    /// Stores every value of `data` in one transaction.
    "memory.setBatch" [async "memory.scoped.setBatch"]
        (context: Ctx, data: Map<String, Value>, scope: String = "session".into(), options: SetOptions = SetOptions::default()) -> "void"
        => v.memory().set_batch(&context.context(), scope_of(&scope)?, data, &options);
    /// The scope's entries that match the query.
    "memory.search" [async "memory.scoped.search"] (context: Ctx, query: SearchQuery, scope: String = "session".into()) -> "MemoryEntry[]"
        => v.memory().search(&context.context(), scope_of(&scope)?, &query);
    /// The most specific scope holding `key` (session, user, organization, global).
    "memory.resolve" [async "memory.scoped.resolve"] (context: Ctx, key: String) -> "ResolvedValue | null"
        => v.memory().resolve(&context.context(), &key);
    /// Every entry of the subject (GDPR access), as `vallum.export.v1`.
    "memory.export" [async "memory.scoped.exportData"] (context: Ctx, subject: String = "user".into()) -> "JsonObject"
        => v.memory().export(&context.context(), subject_of(&subject)?);
    /// Erases the subject's entries and data keys (GDPR erasure).
    "memory.forget" [async "memory.scoped.forget"] (context: Ctx, subject: String) -> "JsonObject"
        => v.memory().forget(&context.context(), subject_of(&subject)?);
    /// Per-scope counts and sizes (every scope when none is named).
    "memory.stats" [async "memory.getStats", async "memory.scoped.getStats"] (scope: Option<String>) -> "MemoryScopeStats[]"
        => v.memory().stats(scope.as_deref().map(scope_of).transpose()?);
    /// Deletes expired entries and compacts the store.
    "memory.optimize" [async "memory.optimizeStorage", async "memory.scoped.optimizeStorage"] () -> "OptimizationResult"
        => v.memory().optimize();
    /// Re-encrypts the scope's entries under a new data key; the count.
    "memory.rotateDataKey" [async "memory.scoped.rotateDataKey"] (context: Ctx, scope: String = "session".into()) -> "number"
        => v.memory().rotate_data_key(&context.context(), scope_of(&scope)?);

    // --- costs
    /// Records a call's usage; its charge.
    "costs.recordUsage" [async "costs.recordUsage"] (usage: Usage) -> "Charge"
        => v.costs().record_usage(&usage);
    /// What a call would cost.
    "costs.estimate" [sync "costs.estimate"] (usage: Usage) -> "Charge"
        => v.costs().estimate(&usage);
    /// Holds an estimate against the budgets.
    "costs.reserve" [async "costs.reserve"] (usage: Usage) -> "Reservation"
        => v.costs().reserve(&usage);
    /// Replaces a hold by the actual charge.
    "costs.settle" [async "costs.settle"] (reservation: Reservation, usage: Usage) -> "Charge"
        => v.costs().settle(&reservation, &usage);
    /// Releases a hold; whether it was held.
    "costs.release" [sync "costs.release"] (reservation: Reservation) -> "boolean"
        => Ok::<_, Error>(v.costs().release(&reservation));
    /// Spend in a period, by group and top user.
    "costs.report" [async "costs.report"] (request: ReportRequest = monthly()) -> "CostReport"
        => v.costs().report(&request);
    /// Every budget's spend and limit.
    "costs.budgetStatus" [async "costs.budgetStatus"] () -> "JsonObject[]"
        => v.costs().budget_status();
    /// Adds budgets.
    "costs.addBudgets" [sync "costs.addBudgets"] (budgets: Vec<Budget>) -> "void"
        => v.costs().add_budgets(budgets);
    /// Every budget.
    "costs.budgets" [sync "costs.budgets"] () -> "Budget[]"
        => Ok::<_, Error>(v.costs().budgets());
    /// Sets (or clears, with null) a user's tier, in an organization when named.
    "costs.setUserTier" [sync "costs.setUserTier"] (user: String, tier: Option<String>, organization: Option<String>) -> "void"
        => {
            match organization {
                Some(o) => v.costs().set_user_tier_in(&o, &user, tier.as_deref()),
                None => v.costs().set_user_tier(&user, tier.as_deref()),
            }
            Ok::<_, Error>(())
        };
    /// Loads prices from LiteLLM's `model_prices_and_context_window.json`.
    "costs.loadLitellmPrices" [sync "costs.loadLitellmPrices"] (jsonText: String) -> "JsonObject"
        => v.costs().load_litellm_prices(&jsonText);

    // --- metrics
    /// Records a histogram sample.
    "metrics.record" [sync "performance.recordMetric"] (name: String, value: f64, labels: Option<Map<String, Value>>) -> "void"
        => labeled(labels, |l| v.metrics().record_metric(&name, value, l));
    /// Adds to a counter.
    "metrics.increment" [sync "performance.increment"] (name: String, by: f64 = 1.0, labels: Option<Map<String, Value>>) -> "void"
        => labeled(labels, |l| v.metrics().increment(&name, by, l));
    /// Sets a gauge.
    "metrics.setGauge" [sync "performance.setGauge"] (name: String, value: f64, labels: Option<Map<String, Value>>) -> "void"
        => labeled(labels, |l| v.metrics().set_gauge(&name, value, l));
    /// Records a step of a user journey.
    "metrics.recordUserJourney" [sync "performance.recordUserJourney"] (step: JourneyStep) -> "void"
        => v.metrics().record_user_journey(&step);
    /// Aggregates a metric over a time range.
    "metrics.query" [async "performance.query", sync "performance.querySync"] (query: Query) -> "QueryResult"
        => v.metrics().query(&query);
    /// Per-journey step statistics between two instants.
    "metrics.journeyStats" [sync "performance.journeyStats"]
        (start: TimePoint = TimePoint::Expr("now-24h".into()), end: TimePoint = TimePoint::Expr("now".into())) -> "JsonObject[]"
        => v.metrics().journey_stats(&start, &end);
    /// The health score (0–100) and whether it passes.
    "metrics.health" [sync "performance.getHealth"] () -> "Health"
        => Ok::<_, Error>({
            let m = v.metrics();
            Health { overall_score: m.overall_score(), is_healthy: m.is_healthy() }
        });
    /// The performance report of a period.
    "metrics.generateReport" [async "performance.generateReport"] (period: String = "daily".into()) -> "PerformanceReport"
        => v.metrics().generate_report(&period);
    /// Adds an alert rule.
    "metrics.addAlertRule" [sync "performance.addAlertRule"] (rule: AlertRule) -> "void"
        => v.metrics().add_alert_rule(rule);
    /// Removes an alert rule; whether it existed.
    "metrics.removeAlertRule" [sync "performance.removeAlertRule"] (name: String) -> "boolean"
        => v.metrics().remove_alert_rule(&name);
    /// Every alert rule.
    "metrics.alertRules" [sync "performance.alertRules"] () -> "AlertRule[]"
        => Ok::<_, Error>(v.metrics().alert_rules());
    /// The alerts firing now.
    "metrics.activeAlerts" [sync "performance.activeAlerts"] () -> "Alert[]"
        => Ok::<_, Error>(v.metrics().active_alerts());
    /// Alerts that fired, newest last.
    "metrics.alertHistory" [sync "performance.alertHistory"] () -> "Alert[]"
        => Ok::<_, Error>(v.metrics().alert_history());
    /// Acknowledges an active alert.
    "metrics.acknowledgeAlert" [sync "performance.acknowledgeAlert"] (id: String, by: String) -> "void"
        => v.metrics().acknowledge_alert(&id, &by);
    /// Every metric in the Prometheus text format.
    "metrics.prometheus" [sync "performance.prometheus"] () -> "string"
        => v.prometheus();
}

operations! {
    fn dispatch_static(_v: (), w);
    table static_table;
    list STATIC_OPERATIONS;

    /// Every error of a configuration (an object or its JSON text), with its JSON path.
    "validateConfig" [sync "validateConfig", sync "validatePhase5Config"] (config: Value) -> "ConfigValidation"
        => Ok::<_, Error>(match &config {
            Value::String(text) => crate::config::validate_json(text),
            other => crate::config::validate_value(other),
        });
    /// A base configuration migrated to a full one.
    "migrateConfig" [sync "migrateConfig", sync "migrateToPhase5"] (config: Value) -> "JsonObject"
        => crate::config::migrate(&config).map(|c| c.to_json_value());
    /// A complete enterprise configuration from a partial one.
    "createEnterpriseConfig" [sync "createEnterpriseConfig"] (config: Value = Value::Object(Map::new())) -> "JsonObject"
        => crate::config::create_enterprise_config(&config).map(|c| c.to_json_value());
    /// Opens one stored value (the storage format's known-answer procedure).
    "openStoredValue" [sync "openStoredValue"] (stored: StoredValueArgs) -> "Json"
        => crate::memory::open_stored_value(
            &MasterKey::from_encoded(&stored.master_key)?,
            scope_of(&stored.scope)?,
            &stored.owner,
            &stored.key,
            stored.data_key_id,
            &hex("wrappedDataKey", &stored.wrapped_data_key)?,
            &hex("storedValue", &stored.stored_value)?,
        );
    /// The price of `usage` from the bundled catalog; `costPicos` is a string
    /// (the exact pico-dollar total can exceed 2^53).
    "computeCharge" [sync "computeCharge"] (usage: Usage) -> "Charge & { costPicos: string }"
        => {
            let catalog = PriceCatalog::bundled()?;
            let c = crate::cost::compute_charge(&usage, catalog.price(&usage.model)?)?;
            let mut j = serde_json::to_value(&c)
                .map_err(|e| Error::internal(format!("serializing a charge: {e}")))?;
            j["costPicos"] = Value::String(c.cost_picos.to_string());
            Ok::<_, Error>(j)
        };
}
