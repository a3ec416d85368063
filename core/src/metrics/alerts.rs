//! Alert rules in the specification's shape: `{name, metric, condition:
//! above|below, threshold, severity, for}`, plus a selectable aggregation and
//! evaluation window. Rules are evaluated when their metric is recorded (at
//! most once a second per rule) and on [`Metrics::tick`]; a rule fires after
//! its condition has held for `for`, and resolves when it no longer holds.

use super::AlertThresholds;
use super::{parse_duration_ms, Aggregation, Metrics};
use crate::error::{Error, Result};
use crate::events::{AlertEvent, Event};
use crate::vocab::Severity;
use serde::{Deserialize, Serialize};

const EVAL_EVERY_MS: i64 = 1_000;
const HISTORY: usize = 1_000;

/// Which side of the threshold is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertCondition {
    /// Fires when the value is above the threshold.
    Above,
    /// Fires when the value is below the threshold.
    Below,
}

/// A duration: milliseconds, or text such as `"5m"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DurationSpec {
    /// Milliseconds.
    Millis(u64),
    /// `90s`, `5m`, `1h`, …
    Text(String),
}

impl DurationSpec {
    fn millis(&self, path: &str) -> Result<i64> {
        match self {
            DurationSpec::Millis(ms) => {
                i64::try_from(*ms).map_err(|_| Error::config(path, "too large"))
            }
            DurationSpec::Text(t) => parse_duration_ms(t).ok_or_else(|| {
                Error::config(
                    path,
                    format!("`{t}` is not a duration like `30s`, `5m` or `1h`"),
                )
            }),
        }
    }
}

/// A notification target (accepted and kept for the host: Vallum emits
/// events; delivering e-mail or webhooks is the host's job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertAction {
    /// `email`, `webhook`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Address or URL.
    pub target: String,
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRule {
    /// Unique name.
    pub name: String,
    /// Metric to watch.
    pub metric: String,
    /// `above` or `below`.
    pub condition: AlertCondition,
    /// Threshold.
    pub threshold: f64,
    /// Severity.
    pub severity: Severity,
    /// How long the condition must hold before firing (default 0).
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_duration: Option<DurationSpec>,
    /// Aggregation over the window (default `avg`).
    #[serde(default = "default_aggregation")]
    pub aggregation: Aggregation,
    /// Evaluation window (default `5m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<DurationSpec>,
    /// Notification targets, kept for the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<AlertAction>,
}

fn default_aggregation() -> Aggregation {
    Aggregation::Avg
}

impl AlertRule {
    /// A rule with the default aggregation (`avg`), window (5 minutes) and no `for`.
    pub fn new(
        name: impl Into<String>,
        metric: impl Into<String>,
        condition: AlertCondition,
        threshold: f64,
        severity: Severity,
    ) -> Self {
        Self {
            name: name.into(),
            metric: metric.into(),
            condition,
            threshold,
            severity,
            for_duration: None,
            aggregation: Aggregation::Avg,
            window: None,
            actions: Vec::new(),
        }
    }

    /// Sets the aggregation.
    pub fn aggregation(mut self, a: Aggregation) -> Self {
        self.aggregation = a;
        self
    }

    /// Sets `for` in milliseconds.
    pub fn for_ms(mut self, ms: u64) -> Self {
        self.for_duration = Some(DurationSpec::Millis(ms));
        self
    }

    /// Sets the window in milliseconds.
    pub fn window_ms(mut self, ms: u64) -> Self {
        self.window = Some(DurationSpec::Millis(ms));
        self
    }

    pub(crate) fn validate(&self, path: &str) -> Result<()> {
        if self.name.is_empty() {
            return Err(Error::config(format!("{path}.name"), "must not be empty"));
        }
        if self.metric.is_empty() {
            return Err(Error::config(format!("{path}.metric"), "must not be empty"));
        }
        if !self.threshold.is_finite() {
            return Err(Error::config(
                format!("{path}.threshold"),
                "must be a finite number",
            ));
        }
        self.timing(path)?;
        Ok(())
    }

    fn timing(&self, path: &str) -> Result<(i64, i64)> {
        let for_ms = match &self.for_duration {
            Some(d) => d.millis(&format!("{path}.for"))?,
            None => 0,
        };
        let window = match &self.window {
            Some(d) => d.millis(&format!("{path}.window"))?,
            None => 300_000,
        };
        if window <= 0 {
            return Err(Error::config(format!("{path}.window"), "must be positive"));
        }
        Ok((for_ms.max(0), window))
    }

    fn breached(&self, value: f64) -> bool {
        match self.condition {
            AlertCondition::Above => value > self.threshold,
            AlertCondition::Below => value < self.threshold,
        }
    }
}

/// The spec's `thresholds` shorthand as rules on `response_time` (p95, ms),
/// `error_rate` (avg) and `resource_usage` (avg).
pub(crate) fn rules_from_thresholds(t: &AlertThresholds) -> Vec<AlertRule> {
    let mut rules = Vec::new();
    if let Some(v) = t.response_time {
        rules.push(
            AlertRule::new(
                "responseTime",
                "response_time",
                AlertCondition::Above,
                v,
                Severity::High,
            )
            .aggregation(Aggregation::P95),
        );
    }
    if let Some(v) = t.error_rate {
        rules.push(AlertRule::new(
            "errorRate",
            "error_rate",
            AlertCondition::Above,
            v,
            Severity::High,
        ));
    }
    if let Some(v) = t.resource_usage {
        rules.push(AlertRule::new(
            "resourceUsage",
            "resource_usage",
            AlertCondition::Above,
            v,
            Severity::Medium,
        ));
    }
    rules
}

/// Where a rule stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// Condition does not hold.
    Ok,
    /// Condition holds, waiting for `for`.
    Pending,
    /// Fired.
    Firing,
}

/// A fired alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveAlert {
    /// Unique id (`<rule>@<fired at>`).
    pub id: String,
    /// Rule name.
    pub rule: String,
    /// Metric.
    pub metric: String,
    /// Severity.
    pub severity: Severity,
    /// Condition.
    pub condition: AlertCondition,
    /// Threshold.
    pub threshold: f64,
    /// Value when last evaluated.
    pub value: f64,
    /// When it fired.
    pub fired_at: i64,
    /// When it resolved (history only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<i64>,
    /// Acknowledged by someone.
    pub acknowledged: bool,
    /// Who acknowledged it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
}

impl ActiveAlert {
    /// The event of this alert firing or resolving at `at`.
    fn event(&self, at: i64) -> AlertEvent {
        let a = self;
        AlertEvent {
            id: a.id.clone(),
            rule: a.rule.clone(),
            metric: a.metric.clone(),
            severity: a.severity,
            value: a.value,
            threshold: a.threshold,
            at,
        }
    }
}

/// A rule's evaluation state as stored (see `persist.rs`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct StateRow {
    pub(super) pending_since: Option<i64>,
    pub(super) active: Option<ActiveAlert>,
}

#[derive(Debug)]
struct RuleState {
    rule: AlertRule,
    for_ms: i64,
    window_ms: i64,
    pending_since: Option<i64>,
    active: Option<ActiveAlert>,
    last_eval: i64,
}

#[derive(Debug, Default)]
pub(crate) struct AlertBook {
    rules: Vec<RuleState>,
    history: Vec<ActiveAlert>,
}

impl AlertBook {
    pub(super) fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub(super) fn remove(&mut self, name: &str) {
        self.rules.retain(|s| s.rule.name != name);
    }

    /// Restores a rule's state kept across a restart (ignored when the
    /// rule no longer exists).
    pub(super) fn restore_state(&mut self, name: &str, row: StateRow) {
        if let Some(s) = self.rules.iter_mut().find(|s| s.rule.name == name) {
            s.pending_since = row.pending_since;
            s.active = row.active;
        }
    }

    pub(super) fn push_history(&mut self, a: ActiveAlert) {
        self.history.push(a);
        let excess = self.history.len().saturating_sub(HISTORY);
        self.history.drain(..excess);
    }

    pub(super) fn oldest_history(&self) -> Option<&ActiveAlert> {
        self.history.first()
    }

    fn state_row(s: &RuleState) -> (String, StateRow) {
        (
            s.rule.name.clone(),
            StateRow {
                pending_since: s.pending_since,
                active: s.active.clone(),
            },
        )
    }

    pub(crate) fn new(rules: Vec<AlertRule>) -> Self {
        let mut book = Self::default();
        for r in rules {
            // Validated by the caller.
            let _ = book.upsert(r);
        }
        book
    }

    pub(super) fn upsert(&mut self, rule: AlertRule) -> Result<()> {
        let (for_ms, window_ms) = rule.timing("rule")?;
        let state = RuleState {
            rule,
            for_ms,
            window_ms,
            pending_since: None,
            active: None,
            last_eval: i64::MIN,
        };
        match self
            .rules
            .iter_mut()
            .find(|s| s.rule.name == state.rule.name)
        {
            Some(s) => *s = state,
            None => self.rules.push(state),
        }
        Ok(())
    }
}

impl Metrics {
    /// Adds a rule, or replaces the rule of the same name.
    pub fn add_alert_rule(&self, rule: AlertRule) -> Result<()> {
        rule.validate("rule").map_err(|e| match e {
            Error::InvalidConfig { path, message } => Error::InvalidArgument {
                name: "rule",
                message: format!("{path}: {message}"),
            },
            other => other,
        })?;
        // Kept first: a rule that cannot be kept is not added.
        self.persist_rule(&rule.name, Some(&rule))?;
        self.inner.alerts.write().upsert(rule)?;
        self.inner
            .has_rules
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Removes a rule (and its active alert). Returns whether it existed.
    pub fn remove_alert_rule(&self, name: &str) -> Result<bool> {
        let mut book = self.inner.alerts.write();
        let before = book.rules.len();
        if !book.rules.iter().any(|s| s.rule.name == name) {
            return Ok(false);
        }
        self.persist_rule(name, None)?;
        book.remove(name);
        Ok(before != book.rules.len())
    }

    /// The rules.
    pub fn alert_rules(&self) -> Vec<AlertRule> {
        self.inner
            .alerts
            .read()
            .rules
            .iter()
            .map(|s| s.rule.clone())
            .collect()
    }

    /// Alerts currently firing, most severe first.
    pub fn active_alerts(&self) -> Vec<ActiveAlert> {
        let mut v: Vec<ActiveAlert> = self
            .inner
            .alerts
            .read()
            .rules
            .iter()
            .filter_map(|s| s.active.clone())
            .collect();
        v.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.fired_at.cmp(&b.fired_at))
        });
        v
    }

    /// Resolved alerts, oldest first (the last 1,000).
    pub fn alert_history(&self) -> Vec<ActiveAlert> {
        self.inner.alerts.read().history.clone()
    }

    /// The state of each rule.
    pub fn alert_states(&self) -> Vec<(String, AlertState)> {
        self.inner
            .alerts
            .read()
            .rules
            .iter()
            .map(|s| {
                let st = if s.active.is_some() {
                    AlertState::Firing
                } else if s.pending_since.is_some() {
                    AlertState::Pending
                } else {
                    AlertState::Ok
                };
                (s.rule.name.clone(), st)
            })
            .collect()
    }

    /// Marks an active alert as acknowledged.
    pub fn acknowledge_alert(&self, id: &str, by: &str) -> Result<()> {
        let mut book = self.inner.alerts.write();
        let alert = book
            .rules
            .iter_mut()
            .filter_map(|s| s.active.as_mut())
            .find(|a| a.id == id)
            .ok_or_else(|| Error::NotFound {
                what: format!("active alert `{id}`"),
            })?;
        alert.acknowledged = true;
        alert.acknowledged_by = Some(by.to_string());
        let state = book
            .rules
            .iter()
            .find(|s| s.active.as_ref().is_some_and(|a| a.id == id))
            .map(AlertBook::state_row);
        drop(book);
        self.persist_states(state.into_iter().collect(), Vec::new())
    }

    /// Evaluates every rule now.
    /// Also drops buckets older than the retention window from every series.
    pub fn tick(&self) {
        let now = self.now();
        self.prune(now);
        self.evaluate_rules_for("", now, true);
    }

    /// Evaluates the rules on `metric` (every rule when `force`).
    pub(crate) fn evaluate_rules_for(&self, metric: &str, now: i64, force: bool) {
        let due: Vec<(usize, AlertRule, i64)> = {
            let book = self.inner.alerts.read();
            book.rules
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    force
                        || (s.rule.metric == metric
                            && now.saturating_sub(s.last_eval) >= EVAL_EVERY_MS)
                })
                .map(|(i, s)| (i, s.rule.clone(), s.window_ms))
                .collect()
        };
        if due.is_empty() {
            return;
        }
        let values: Vec<(usize, String, Option<f64>)> = due
            .into_iter()
            .map(|(i, r, w)| {
                (
                    i,
                    r.name.clone(),
                    self.recent(&r.metric, r.aggregation, w, now),
                )
            })
            .collect();
        let mut events = Vec::new();
        let mut changed = Vec::new();
        let mut resolved = Vec::new();
        {
            let mut book = self.inner.alerts.write();
            for (i, name, value) in values {
                let Some(s) = book.rules.get_mut(i).filter(|s| s.rule.name == name) else {
                    continue; // the rule changed meanwhile
                };
                s.last_eval = now;
                let before = (s.pending_since, s.active.as_ref().map(|a| a.id.clone()));
                let breached = value.is_some_and(|v| s.rule.breached(v));
                if breached {
                    let v = value.unwrap_or(f64::NAN);
                    let since = *s.pending_since.get_or_insert(now);
                    match &mut s.active {
                        Some(a) => a.value = v,
                        None if now - since >= s.for_ms => {
                            let alert = ActiveAlert {
                                id: format!("{}@{now}", s.rule.name),
                                rule: s.rule.name.clone(),
                                metric: s.rule.metric.clone(),
                                severity: s.rule.severity,
                                condition: s.rule.condition,
                                threshold: s.rule.threshold,
                                value: v,
                                fired_at: now,
                                resolved_at: None,
                                acknowledged: false,
                                acknowledged_by: None,
                            };
                            events.push(Event::AlertFired(alert.event(now)));
                            s.active = Some(alert);
                        }
                        None => {}
                    }
                } else {
                    s.pending_since = None;
                    if let Some(mut a) = s.active.take() {
                        a.resolved_at = Some(now);
                        if let Some(v) = value {
                            a.value = v;
                        }
                        events.push(Event::AlertResolved(a.event(now)));
                        resolved.push(a.clone());
                        book.push_history(a);
                    }
                }
                if let Some(s) = book.rules.get(i) {
                    if before != (s.pending_since, s.active.as_ref().map(|a| a.id.clone())) {
                        changed.push(AlertBook::state_row(s));
                    }
                }
            }
        }
        if !changed.is_empty() || !resolved.is_empty() {
            // Evaluation has no caller to report to: a store that fails
            // here fails the next call that writes.
            let _ = self.persist_states(changed, resolved);
        }
        for e in events {
            self.inner.events.emit(e);
        }
    }
}
