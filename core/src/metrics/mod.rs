//! Metrics (DESIGN §3.7): counters, gauges and distributions with labels.
//!
//! Every series keeps one [`Sketch`] per time bucket (default 5 minutes,
//! retention 8 days, both configurable), so any aggregation — count, sum,
//! avg, min, max, p50…p99 — over any range and grouping is a merge of
//! sketches, within 1 % relative error for quantiles. Recording is sharded:
//! threads recording different series rarely touch the same lock.

mod alerts;
mod config;
mod persist;
mod prometheus;
mod query;
mod report;
pub mod sketch;

pub use crate::vocab::Severity;
pub use alerts::{ActiveAlert, AlertCondition, AlertRule, AlertState};
pub use config::{AlertThresholds, AlertsConfig};
pub use prometheus::Exposition;
pub use query::{
    parse_duration_ms, Aggregation, Point, Query, QueryGroup, QueryResult, TimePoint, TimeRange,
};
pub use report::{JourneyStats, JourneyStep, MetricTrend, PerformanceReport};
pub use sketch::{Sketch, Summary};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EventBus;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const SHARDS: usize = 32;
const MAX_LABELS: usize = 16;

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// Monotonic increments (`increment`).
    Counter,
    /// A level that goes up and down (`set_gauge`).
    Gauge,
    /// Observations such as latencies (`record_metric`).
    Distribution,
}

/// Metrics settings (Vallum extension `enterprisePerformance.metrics`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct MetricsSettings {
    /// Width of a time bucket in seconds (default 300).
    pub bucket_seconds: u64,
    /// How long buckets are kept, in hours (default 192 = 8 days).
    pub retention_hours: u64,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            bucket_seconds: 300,
            retention_hours: 192,
        }
    }
}

/// The identity of a series: name and sorted labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SeriesKey {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
}

#[derive(Debug)]
pub(crate) struct Series {
    pub(crate) kind: MetricKind,
    pub(crate) buckets: VecDeque<(i64, Sketch)>,
    /// Since start: sum of increments (counters) or of observations.
    pub(crate) total: f64,
    pub(crate) total_count: u64,
    pub(crate) last: f64,
}

/// The series map of one shard, keyed by the series hash (computed once per
/// record, without allocating); colliding series share a bucket.
type Shard = Mutex<HashMap<u64, Vec<(SeriesKey, Series)>, BuildHasherDefault<PassThrough>>>;

/// A hasher for keys that already are hashes.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) struct MetricsInner {
    shards: Vec<Shard>,
    /// Seeded per process: label values may come from users, and a fixed
    /// hash would let them pick colliding series.
    hasher: foldhash::fast::RandomState,
    bucket_ms: i64,
    retention_ms: i64,
    clock: SharedClock,
    pub(crate) events: EventBus,
    pub(crate) alerts: RwLock<alerts::AlertBook>,
    has_rules: AtomicBool,
    pub(crate) thresholds: Option<AlertThresholds>,
    /// Where roll-ups and alert state are kept (see `persist.rs`).
    store: RwLock<Option<Arc<dyn crate::storage::Backend>>>,
}

/// The metrics API. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Metrics {
    pub(crate) inner: Arc<MetricsInner>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("bucket_ms", &self.inner.bucket_ms)
            .finish_non_exhaustive()
    }
}

fn check_name(what: &'static str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(Error::invalid_arg(
            what,
            "must be 1–200 bytes without control characters",
        ));
    }
    Ok(())
}

impl Metrics {
    pub(crate) fn new(
        settings: &MetricsSettings,
        alerts_cfg: Option<&AlertsConfig>,
        clock: SharedClock,
        events: EventBus,
    ) -> Result<Self> {
        if settings.bucket_seconds == 0 || settings.retention_hours == 0 {
            return Err(Error::config(
                "$.enterprisePerformance.metrics",
                "bucketSeconds and retentionHours must be positive",
            ));
        }
        let bucket_ms =
            i64::try_from(settings.bucket_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
        let retention_ms =
            i64::try_from(settings.retention_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
        let thresholds = alerts_cfg.and_then(|a| a.thresholds.clone());
        let mut rules = Vec::new();
        if alerts_cfg.is_some_and(|a| a.enabled != Some(false)) {
            if let Some(t) = &thresholds {
                rules.extend(alerts::rules_from_thresholds(t));
            }
            for (i, r) in alerts_cfg
                .and_then(|a| a.rules.clone())
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                r.validate(&format!("$.enterprisePerformance.alerts.rules[{i}]"))?;
                rules.push(r);
            }
        }
        let has_rules = !rules.is_empty();
        let m = Self {
            inner: Arc::new(MetricsInner {
                shards: (0..SHARDS)
                    .map(|_| Mutex::new(HashMap::default()))
                    .collect(),
                hasher: Default::default(),
                bucket_ms,
                retention_ms,
                clock,
                events,
                alerts: RwLock::new(alerts::AlertBook::new(rules)),
                has_rules: AtomicBool::new(has_rules),
                thresholds,
                store: RwLock::new(None),
            }),
        };
        Ok(m)
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Validates a new series' name and labels and builds its owned key.
    fn new_key(name: &str, labels: &[(&str, &str)]) -> Result<SeriesKey> {
        check_name("name", name)?;
        let mut l: Vec<(String, String)> = Vec::with_capacity(labels.len());
        for (k, v) in labels {
            check_name("labels", k)?;
            if v.len() > 1024 {
                return Err(Error::invalid_arg(
                    "labels",
                    "label values are at most 1024 bytes",
                ));
            }
            l.push(((*k).to_string(), (*v).to_string()));
        }
        Ok(SeriesKey {
            name: name.to_string(),
            labels: l,
        })
    }

    fn record(
        &self,
        kind: MetricKind,
        name: &str,
        value: f64,
        labels: &[(&str, &str)],
    ) -> Result<()> {
        if !value.is_finite() {
            return Err(Error::invalid_arg(
                "value",
                format!("metric `{name}` got {value}; values must be finite numbers"),
            ));
        }
        if labels.len() > MAX_LABELS {
            return Err(Error::invalid_arg(
                "labels",
                format!("at most {MAX_LABELS} labels per series"),
            ));
        }
        // Sort the labels on the stack: the hot path allocates nothing.
        let mut buf: [(&str, &str); MAX_LABELS] = [("", ""); MAX_LABELS];
        let sorted = &mut buf[..labels.len()];
        sorted.copy_from_slice(labels);
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(Error::invalid_arg("labels", "a label name appears twice"));
        }
        let sorted = &*sorted;
        let hash = self.inner.hasher.hash_one((name, sorted));
        let now = self.now();
        let start = now - now.rem_euclid(self.inner.bucket_ms);
        let shard = &self.inner.shards[hash as usize % SHARDS];
        let mut closed = None;
        {
            let mut map = shard.lock();
            let slot = map.entry(hash).or_default();
            let same = |k: &SeriesKey| {
                k.name == name
                    && k.labels.len() == sorted.len()
                    && k.labels
                        .iter()
                        .zip(sorted)
                        .all(|((a, b), (c, d))| a == c && b == d)
            };
            let idx = match slot.iter().position(|(k, _)| same(k)) {
                Some(i) => i,
                None => {
                    let key = match Self::new_key(name, sorted) {
                        Ok(k) => k,
                        Err(e) => {
                            if slot.is_empty() {
                                map.remove(&hash);
                            }
                            return Err(e);
                        }
                    };
                    slot.push((
                        key,
                        Series {
                            kind,
                            buckets: VecDeque::new(),
                            total: 0.0,
                            total_count: 0,
                            last: 0.0,
                        },
                    ));
                    slot.len() - 1
                }
            };
            let (key, series) = {
                let e = &mut slot[idx];
                (&e.0, &mut e.1)
            };
            if series.kind != kind {
                return Err(Error::invalid_arg(
                    "name",
                    format!("metric `{name}` is a {:?}, not a {kind:?}", series.kind),
                ));
            }
            series.total += value;
            series.total_count += 1;
            series.last = value;
            match series.buckets.back_mut() {
                Some((s, sk)) if *s == start => sk.add(value),
                Some((s, _)) if *s > start => {
                    // A sample for an older bucket (the clock moved back).
                    let pos = series.buckets.partition_point(|(b, _)| *b < start);
                    match series.buckets.get_mut(pos) {
                        Some((b, sk)) if *b == start => sk.add(value),
                        _ => {
                            let mut sk = Sketch::new();
                            sk.add(value);
                            series.buckets.insert(pos, (start, sk));
                        }
                    }
                }
                _ => {
                    // The previous bucket is closed: keep it.
                    if let (Some((prev, sk)), Some(_)) =
                        (series.buckets.back(), self.inner.store.read().as_ref())
                    {
                        closed = Some(Self::bucket_op(key, series, *prev, sk)?);
                    }
                    let mut sk = Sketch::new();
                    sk.add(value);
                    series.buckets.push_back((start, sk));
                    let horizon = now - self.inner.retention_ms;
                    while series
                        .buckets
                        .front()
                        .is_some_and(|(b, _)| *b + self.inner.bucket_ms <= horizon)
                    {
                        series.buckets.pop_front();
                    }
                }
            }
        }
        // Only when a bucket closed: the store handle is not cloned per record.
        if let Some(op) = closed {
            if let Some(store) = self.store() {
                store.apply_later(vec![op, self.purge_op(now)])?;
            }
        }
        if self.inner.has_rules.load(Ordering::Relaxed) {
            self.evaluate_rules_for(name, now, false);
        }
        Ok(())
    }

    /// Records one observation of a distribution (the spec's `recordMetric`),
    /// e.g. a latency in milliseconds.
    ///
    /// ```
    /// # let v = vallum::Vallum::builder().in_memory().master_key(vallum::MasterKey::generate()?).build()?;
    /// v.metrics().record_metric("response_time", 182.0, &[("endpoint", "/chat")])?;
    /// let r = v.metrics().query(&vallum::metrics::Query::new("response_time", vallum::metrics::Aggregation::P95))?;
    /// assert_eq!(r.data[0].count, 1);
    /// # Ok::<(), vallum::Error>(())
    /// ```
    pub fn record_metric(&self, name: &str, value: f64, labels: &[(&str, &str)]) -> Result<()> {
        self.record(MetricKind::Distribution, name, value, labels)
    }

    /// Adds `by` (≥ 0) to a counter.
    pub fn increment(&self, name: &str, by: f64, labels: &[(&str, &str)]) -> Result<()> {
        if by < 0.0 {
            return Err(Error::invalid_arg("by", "counters only go up; use a gauge"));
        }
        self.record(MetricKind::Counter, name, by, labels)
    }

    /// Sets a gauge.
    pub fn set_gauge(&self, name: &str, value: f64, labels: &[(&str, &str)]) -> Result<()> {
        self.record(MetricKind::Gauge, name, value, labels)
    }

    /// Runs `f` over every series (shard by shard, each under its lock).
    pub(crate) fn for_each_series(&self, mut f: impl FnMut(&SeriesKey, &Series)) {
        for shard in &self.inner.shards {
            let map = shard.lock();
            for (k, s) in map.values().flatten() {
                f(k, s);
            }
        }
    }

    /// Merges the buckets of `metric` in [start, end), grouped; with `interval`,
    /// also per interval.
    pub(crate) fn collect(
        &self,
        metric: &str,
        start: i64,
        end: i64,
        group_by: &[String],
        filters: &BTreeMap<String, String>,
        interval: Option<i64>,
    ) -> BTreeMap<BTreeMap<String, String>, (Sketch, BTreeMap<i64, Sketch>)> {
        let mut groups: BTreeMap<BTreeMap<String, String>, (Sketch, BTreeMap<i64, Sketch>)> =
            BTreeMap::new();
        // Buckets past retention may linger in series nobody wrote to since;
        // they are never reported.
        let start = start.max(self.horizon(self.now()));
        self.for_each_series(|k, s| {
            if k.name != metric {
                return;
            }
            let label = |name: &str| {
                k.labels
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
            };
            if filters.iter().any(|(n, v)| label(n) != Some(v.as_str())) {
                return;
            }
            let group: BTreeMap<String, String> = group_by
                .iter()
                .map(|g| (g.clone(), label(g).unwrap_or("").to_string()))
                .collect();
            let entry = groups.entry(group).or_default();
            for (b, sk) in &s.buckets {
                if *b >= start && *b < end {
                    entry.0.merge(sk);
                    if let Some(iv) = interval {
                        let slot = start + (*b - start) / iv * iv;
                        entry.1.entry(slot).or_default().merge(sk);
                    }
                }
            }
        });
        groups.retain(|_, (sk, _)| sk.count() > 0);
        groups
    }

    /// The aggregated value of `metric` over the last `window_ms`, all series merged.
    pub(crate) fn recent(
        &self,
        metric: &str,
        aggregation: Aggregation,
        window_ms: i64,
        now: i64,
    ) -> Option<f64> {
        let start = now - window_ms;
        let start = start - start.rem_euclid(self.inner.bucket_ms);
        let groups = self.collect(
            metric,
            start,
            now + self.inner.bucket_ms,
            &[],
            &BTreeMap::new(),
            None,
        );
        groups
            .values()
            .next()
            .and_then(|(sk, _)| aggregation.apply(sk))
    }

    /// Start of the oldest bucket still within retention.
    fn horizon(&self, now: i64) -> i64 {
        let h = now.saturating_sub(self.inner.retention_ms);
        h - h.rem_euclid(self.inner.bucket_ms)
    }

    /// Drops buckets older than the retention window from every series.
    pub(crate) fn prune(&self, now: i64) {
        let horizon = self.horizon(now);
        for shard in &self.inner.shards {
            let mut map = shard.lock();
            for (_, s) in map.values_mut().flatten() {
                while s.buckets.front().is_some_and(|(b, _)| *b < horizon) {
                    s.buckets.pop_front();
                }
            }
        }
    }

    /// Number of series held.
    pub fn series_count(&self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|s| s.lock().values().map(Vec::len).sum::<usize>())
            .sum()
    }

    /// The Prometheus text exposition (format 0.0.4) of every series.
    pub fn prometheus(&self) -> String {
        prometheus::encode(self)
    }
}
