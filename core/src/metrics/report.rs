//! User journeys, the health score and periodic reports.

use super::{Aggregation, Metrics, TimePoint};
use crate::error::{Error, Result};
use crate::vocab::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const JOURNEY_DURATION: &str = "user_journey_duration_ms";
const JOURNEY_STEPS: &str = "user_journey_steps";

/// One step of a user journey (the spec's `recordUserJourney` argument).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JourneyStep {
    /// The step, e.g. `open_chat`.
    pub action: String,
    /// Duration in milliseconds.
    pub duration: f64,
    /// Whether the step succeeded.
    pub success: bool,
    /// Free-form context. Not turned into labels (unbounded cardinality);
    /// only `metadata.journey`, when a string, groups steps into journeys.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// Per-step statistics of user journeys.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JourneyStats {
    /// Step.
    pub action: String,
    /// Times recorded.
    pub count: u64,
    /// Successful ones.
    pub successes: u64,
    /// `successes / count`.
    pub success_rate: f64,
    /// Mean duration (ms).
    pub avg_duration: f64,
    /// 95th percentile duration (ms).
    pub p95_duration: f64,
}

/// A metric's figures over a period and the previous one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTrend {
    /// Metric.
    pub metric: String,
    /// Samples this period.
    pub count: u64,
    /// Mean this period.
    pub avg: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean in the previous period of the same length, if it had data.
    pub previous_avg: Option<f64>,
    /// Change of the mean in percent (`None` without a previous period).
    pub avg_change_pct: Option<f64>,
    /// Change of the sample count in percent.
    pub count_change_pct: Option<f64>,
}

/// The spec's `generateReport(period)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceReport {
    /// `hourly`, `daily`, `weekly` or `monthly`.
    pub period: Period,
    /// Period start, ms since the epoch.
    pub start: i64,
    /// Period end.
    pub end: i64,
    /// One entry per distribution metric with data in the period.
    pub metrics: Vec<MetricTrend>,
    /// Journey steps in the period.
    pub journeys: Vec<JourneyStats>,
    /// Alerts firing now.
    pub active_alerts: Vec<super::ActiveAlert>,
    /// Health score 0–100.
    pub overall_score: u8,
    /// Whether the system is healthy.
    pub healthy: bool,
}

fn pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| (now - before) / before.abs() * 100.0)
}

impl Metrics {
    /// Records one journey step (the spec's `recordUserJourney`): a duration
    /// distribution per action and a step counter per action and outcome.
    pub fn record_user_journey(&self, step: &JourneyStep) -> Result<()> {
        let mut labels: Vec<(&str, &str)> = vec![("action", step.action.as_str())];
        if let Some(serde_json::Value::String(j)) = step.metadata.get("journey") {
            labels.push(("journey", j.as_str()));
        }
        if step.duration < 0.0 {
            return Err(Error::invalid_arg("duration", "must not be negative"));
        }
        self.record_metric(JOURNEY_DURATION, step.duration, &labels)?;
        labels.push(("success", if step.success { "true" } else { "false" }));
        self.increment(JOURNEY_STEPS, 1.0, &labels)
    }

    /// Per-step counts, success rates and durations over [start, end).
    pub fn journey_stats(&self, start: &TimePoint, end: &TimePoint) -> Result<Vec<JourneyStats>> {
        let now = self.now();
        let (s, e) = (start.resolve(now, "start")?, end.resolve(now, "end")?);
        self.journeys_between(s, e)
    }

    fn journeys_between(&self, start: i64, end: i64) -> Result<Vec<JourneyStats>> {
        let by = vec!["action".to_string(), "success".to_string()];
        let steps = self.collect(JOURNEY_STEPS, start, end, &by, &BTreeMap::new(), None);
        let durations = self.collect(
            JOURNEY_DURATION,
            start,
            end,
            &by[..1],
            &BTreeMap::new(),
            None,
        );
        let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (g, (sk, _)) in &steps {
            let action = g.get("action").cloned().unwrap_or_default();
            let e = counts.entry(action).or_default();
            e.0 += sk.count();
            if g.get("success").map(String::as_str) == Some("true") {
                e.1 += sk.count();
            }
        }
        Ok(counts
            .into_iter()
            .map(|(action, (count, successes))| {
                let d = durations.get(&BTreeMap::from([("action".to_string(), action.clone())]));
                JourneyStats {
                    success_rate: if count == 0 {
                        0.0
                    } else {
                        successes as f64 / count as f64
                    },
                    avg_duration: d
                        .and_then(|(sk, _)| Aggregation::Avg.apply(sk))
                        .unwrap_or(0.0),
                    p95_duration: d
                        .and_then(|(sk, _)| Aggregation::P95.apply(sk))
                        .unwrap_or(0.0),
                    action,
                    count,
                    successes,
                }
            })
            .collect())
    }

    /// Health score 0–100: 100 minus, for each firing alert, 40 (critical),
    /// 25 (high), 10 (medium) or 5 (low); minus 20 when the p95 of
    /// `response_time` over the last 5 minutes exceeds the configured
    /// `responseTime` threshold, 20 when the mean `error_rate` exceeds
    /// `errorRate`, 10 when the mean `resource_usage` exceeds `resourceUsage`
    /// (each only when no alert rule on that metric already fires).
    pub fn overall_score(&self) -> u8 {
        let now = self.now();
        let active = self.active_alerts();
        let mut penalty: i64 = active
            .iter()
            .map(|a| match a.severity {
                super::Severity::Critical => 40,
                super::Severity::High => 25,
                super::Severity::Medium => 10,
                super::Severity::Low => 5,
            })
            .sum();
        if let Some(t) = &self.inner.thresholds {
            let firing: BTreeSet<&str> = active.iter().map(|a| a.metric.as_str()).collect();
            let checks = [
                ("response_time", Aggregation::P95, t.response_time, 20),
                ("error_rate", Aggregation::Avg, t.error_rate, 20),
                ("resource_usage", Aggregation::Avg, t.resource_usage, 10),
            ];
            for (metric, agg, limit, p) in checks {
                if let Some(limit) = limit {
                    if !firing.contains(metric)
                        && self
                            .recent(metric, agg, 300_000, now)
                            .is_some_and(|v| v > limit)
                    {
                        penalty += p;
                    }
                }
            }
        }
        (100 - penalty).clamp(0, 100) as u8
    }

    /// Healthy: score of at least 80 and no high or critical alert firing.
    pub fn is_healthy(&self) -> bool {
        self.overall_score() >= 80
            && !self
                .active_alerts()
                .iter()
                .any(|a| a.severity >= super::Severity::High)
    }

    /// A report over the last `period` (`hourly`, `daily`, `weekly`,
    /// `monthly` — or `hour`, `day`, `week`, `month`), with trends against
    /// the period before.
    pub fn generate_report(&self, period: &str) -> Result<PerformanceReport> {
        let period = Period::parse(period)?;
        let now = self.now();
        let bucket = self.inner.bucket_ms;
        let end = now - now.rem_euclid(bucket) + bucket;
        let len = period.trailing_len(now);
        let start = end - len;
        let mut names = BTreeSet::new();
        self.for_each_series(|k, s| {
            if s.kind == super::MetricKind::Distribution && k.name != JOURNEY_DURATION {
                names.insert(k.name.clone());
            }
        });
        let mut metrics = Vec::new();
        for name in names {
            let cur = self.collect(&name, start, end, &[], &BTreeMap::new(), None);
            let Some((sk, _)) = cur.values().next() else {
                continue;
            };
            let prev = self.collect(&name, start - len, start, &[], &BTreeMap::new(), None);
            let prev_sk = prev.values().next().map(|(s, _)| s);
            let avg = Aggregation::Avg.apply(sk).unwrap_or(0.0);
            let previous_avg = prev_sk.and_then(|p| Aggregation::Avg.apply(p));
            metrics.push(MetricTrend {
                metric: name,
                count: sk.count(),
                avg,
                p50: Aggregation::P50.apply(sk).unwrap_or(0.0),
                p95: Aggregation::P95.apply(sk).unwrap_or(0.0),
                p99: Aggregation::P99.apply(sk).unwrap_or(0.0),
                previous_avg,
                avg_change_pct: previous_avg.and_then(|p| pct(avg, p)),
                count_change_pct: prev_sk.and_then(|p| pct(sk.count() as f64, p.count() as f64)),
            });
        }
        let overall_score = self.overall_score();
        Ok(PerformanceReport {
            period,
            start,
            end,
            metrics,
            journeys: self.journeys_between(start, end)?,
            active_alerts: self.active_alerts(),
            overall_score,
            healthy: self.is_healthy(),
        })
    }
}
