//! Queries over the recorded series: time ranges (absolute or relative to
//! now), aggregations, grouping by a label.

use super::{check_name, Metrics, Sketch};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An aggregation of [`Query`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// Number of samples.
    Count,
    /// Sum of samples.
    Sum,
    /// Mean.
    Avg,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// Median.
    P50,
    /// 90th percentile.
    P90,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
}

impl Aggregation {
    pub(crate) fn apply(self, s: &Sketch) -> Option<f64> {
        let sum = s.summary()?;
        Some(match self {
            Aggregation::Count => sum.count as f64,
            Aggregation::Sum => sum.sum,
            Aggregation::Avg => sum.sum / sum.count as f64,
            Aggregation::Min => sum.min,
            Aggregation::Max => sum.max,
            Aggregation::P50 => s.quantile(0.50)?,
            Aggregation::P90 => s.quantile(0.90)?,
            Aggregation::P95 => s.quantile(0.95)?,
            Aggregation::P99 => s.quantile(0.99)?,
        })
    }
}

/// `timeRange` of a query: `"now"`, `"now-24h"` (units s, m, h, d, w),
/// milliseconds since the epoch, or an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// Start (inclusive).
    pub start: TimePoint,
    /// End (exclusive).
    pub end: TimePoint,
}

impl Default for TimeRange {
    fn default() -> Self {
        Self {
            start: TimePoint::Expr("now-24h".into()),
            end: TimePoint::Expr("now".into()),
        }
    }
}

/// A point in time for [`TimeRange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TimePoint {
    /// Milliseconds since the epoch.
    Millis(i64),
    /// `now`, `now-<n><unit>` or RFC 3339.
    Expr(String),
}

impl TimePoint {
    /// Resolves to milliseconds since the epoch.
    pub fn resolve(&self, now: i64, field: &'static str) -> Result<i64> {
        match self {
            TimePoint::Millis(ms) => Ok(*ms),
            TimePoint::Expr(s) => parse_time(s, now).ok_or_else(|| {
                Error::invalid_arg(
                    field,
                    format!(
                        "`{s}` is not `now`, `now-<n><s|m|h|d|w>`, epoch milliseconds or RFC 3339"
                    ),
                )
            }),
        }
    }
}

/// Parses a duration such as `90s`, `5m`, `24h`, `7d`, `1w` into milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

fn parse_time(s: &str, now: i64) -> Option<i64> {
    let s = s.trim();
    if s == "now" {
        return Some(now);
    }
    if let Some(rest) = s.strip_prefix("now-") {
        return now.checked_sub(parse_duration_ms(rest)?);
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// A metrics query (the spec's `query`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Query {
    /// Metric name.
    pub metric: String,
    /// Aggregation.
    pub aggregation: Aggregation,
    /// Range (default the last 24 hours).
    #[serde(default)]
    pub time_range: TimeRange,
    /// Label names to group by.
    #[serde(default)]
    pub group_by: Vec<String>,
    /// Only series whose labels have these values.
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    /// When set (e.g. `"5m"`), each group also gets one point per interval.
    #[serde(default)]
    pub interval: Option<String>,
}

impl Query {
    /// A query of `metric` with `aggregation` over the default range.
    pub fn new(metric: impl Into<String>, aggregation: Aggregation) -> Self {
        Self {
            metric: metric.into(),
            aggregation,
            time_range: TimeRange::default(),
            group_by: Vec::new(),
            filters: BTreeMap::new(),
            interval: None,
        }
    }

    /// Sets the range.
    pub fn range(mut self, start: &str, end: &str) -> Self {
        self.time_range = TimeRange {
            start: TimePoint::Expr(start.into()),
            end: TimePoint::Expr(end.into()),
        };
        self
    }

    /// Groups by a label.
    pub fn group_by(mut self, label: impl Into<String>) -> Self {
        self.group_by.push(label.into());
        self
    }
}

/// One point of a time series in a [`QueryGroup`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// Interval start, ms since the epoch.
    pub t: i64,
    /// Aggregated value.
    pub value: f64,
}

/// One group of a [`QueryResult`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryGroup {
    /// The group's label values (empty without `groupBy`).
    pub group: BTreeMap<String, String>,
    /// Aggregated value over the range.
    pub value: f64,
    /// Samples in the range.
    pub count: u64,
    /// Per-interval points, when `interval` was given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<Point>,
}

/// The answer to a [`Query`] (the spec's `result.data`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    /// Metric.
    pub metric: String,
    /// Aggregation.
    pub aggregation: Aggregation,
    /// Resolved start.
    pub start: i64,
    /// Resolved end.
    pub end: i64,
    /// One entry per group with data, ordered by group.
    pub data: Vec<QueryGroup>,
}

impl Metrics {
    /// Runs a query (the spec's `query`). Bucket granularity applies: a
    /// bucket counts when its start lies in [start, end).
    pub fn query(&self, q: &Query) -> Result<QueryResult> {
        check_name("metric", &q.metric)?;
        let now = self.now();
        let start = q.time_range.start.resolve(now, "timeRange.start")?;
        // Round the end up to a bucket boundary so "now" includes the current bucket.
        let end_raw = q.time_range.end.resolve(now, "timeRange.end")?;
        let end = end_raw - end_raw.rem_euclid(self.inner.bucket_ms)
            + if end_raw.rem_euclid(self.inner.bucket_ms) == 0 {
                0
            } else {
                self.inner.bucket_ms
            };
        let start = start - start.rem_euclid(self.inner.bucket_ms);
        if start >= end {
            return Err(Error::invalid_arg("timeRange", "start must be before end"));
        }
        let interval = match &q.interval {
            None => None,
            Some(s) => Some(
                parse_duration_ms(s)
                    .filter(|ms| *ms >= self.inner.bucket_ms)
                    .ok_or_else(|| {
                        Error::invalid_arg(
                            "interval",
                            format!("`{s}` must be a duration of at least one bucket"),
                        )
                    })?,
            ),
        };
        let groups = self.collect(&q.metric, start, end, &q.group_by, &q.filters, interval);
        let data = groups
            .into_iter()
            .filter_map(|(group, (sk, points))| {
                Some(QueryGroup {
                    value: q.aggregation.apply(&sk)?,
                    count: sk.count(),
                    points: points
                        .into_iter()
                        .filter_map(|(t, p)| {
                            Some(Point {
                                t,
                                value: q.aggregation.apply(&p)?,
                            })
                        })
                        .collect(),
                    group,
                })
            })
            .collect();
        Ok(QueryResult {
            metric: q.metric.clone(),
            aggregation: q.aggregation,
            start,
            end,
            data,
        })
    }
}
