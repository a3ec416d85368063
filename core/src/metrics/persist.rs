//! What metrics keep across restarts, in the store's state rows:
//!
//! * metric roll-ups: one row per series and time bucket (the bucket's
//!   sketch and the series' totals), written when the bucket closes and on
//!   flush and close, purged past the retention;
//! * alert rules added or removed at run time;
//! * each rule's state (pending since, the firing alert and its
//!   acknowledgement) and the history of resolved alerts (the last 1,000).
//!
//! Writes ride along with the next write of the store
//! ([`Backend::apply_later`]); none of them waits for a commit.

use super::alerts::{ActiveAlert, AlertBook, AlertRule, StateRow};
use super::sketch::{Sketch, SketchRow};
use super::{MetricKind, Metrics, Series, SeriesKey};
use crate::error::{Error, Result};
use crate::storage::{each_state, Backend, Op};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::hash::BuildHasher as _;
use std::sync::Arc;

/// State kinds.
const METRIC: &str = "metric";
const RULE: &str = "alert_rule";
const RULE_STATE: &str = "alert_state";
const HISTORY: &str = "alert_history";

/// One series' bucket as stored.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BucketRow {
    name: String,
    labels: Vec<(String, String)>,
    kind: MetricKind,
    start: i64,
    sketch: SketchRow,
    total: f64,
    total_count: u64,
    last: f64,
}

/// A rule added or removed at run time.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RuleRow {
    /// `None`: removed (also when the configuration defines it).
    rule: Option<AlertRule>,
}

fn bucket_id(key: &SeriesKey, start: i64) -> Result<String> {
    let series = serde_json::to_string(&(&key.name, &key.labels))
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(format!("{:016}\u{1f}{series}", start.max(0)))
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::internal(e.to_string()))
}

fn corrupt(what: &str, id: &str, e: impl std::fmt::Display) -> Error {
    Error::CorruptStore {
        message: format!("stored {what} {id:?}: {e}"),
    }
}

impl Metrics {
    pub(super) fn store(&self) -> Option<Arc<dyn Backend>> {
        self.inner.store.read().clone()
    }

    /// The row of one series' bucket.
    pub(super) fn bucket_op(key: &SeriesKey, s: &Series, start: i64, sk: &Sketch) -> Result<Op> {
        Ok(Op::PutState {
            kind: METRIC.into(),
            id: bucket_id(key, start)?,
            value: encode(&BucketRow {
                name: key.name.clone(),
                labels: key.labels.clone(),
                kind: s.kind,
                start,
                sketch: sk.to_row(),
                total: s.total,
                total_count: s.total_count,
                last: s.last,
            })?,
        })
    }

    /// Deletes roll-ups older than the retention.
    pub(super) fn purge_op(&self, now: i64) -> Op {
        let horizon = (now - self.inner.retention_ms - self.inner.bucket_ms).max(0);
        Op::PurgeState {
            kind: METRIC.into(),
            below: format!("{horizon:016}"),
        }
    }

    /// Writes every series' latest bucket, so nothing recorded is lost on
    /// a clean shutdown (flush and close call it).
    pub(crate) fn persist_open_buckets(&self) -> Result<()> {
        let Some(store) = self.store() else {
            return Ok(());
        };
        let mut ops = vec![self.purge_op(self.now())];
        for shard in &self.inner.shards {
            let map = shard.lock();
            for (key, s) in map.values().flatten() {
                if let Some((start, sk)) = s.buckets.back() {
                    ops.push(Self::bucket_op(key, s, *start, sk)?);
                }
            }
        }
        store.apply_later(ops)
    }

    /// Keeps metrics and alert state in `store` when it is persistent, and
    /// loads what it holds: roll-ups within the retention, rules added or
    /// removed at run time, rule states and the alert history.
    pub(crate) fn load_from(&self, store: Arc<dyn Backend>) -> Result<()> {
        if !store.is_persistent() {
            return Ok(());
        }
        let now = self.now();
        let horizon = now - self.inner.retention_ms - self.inner.bucket_ms;
        each_state(&*store, METRIC, "metric", |id, row: BucketRow| {
            if row.start < horizon {
                return Ok(());
            }
            let sketch = Sketch::from_row(row.sketch)
                .ok_or_else(|| corrupt("metric", &id, "the sketch's counts do not add up"))?;
            let key = SeriesKey {
                name: row.name,
                labels: row.labels,
            };
            let labels: Vec<(&str, &str)> = key
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let hash = self
                .inner
                .hasher
                .hash_one((key.name.as_str(), labels.as_slice()));
            let mut map = self.inner.shards[hash as usize % super::SHARDS].lock();
            let slot = map.entry(hash).or_default();
            let i = match slot.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    slot.push((
                        key,
                        Series {
                            kind: row.kind,
                            buckets: VecDeque::new(),
                            total: 0.0,
                            total_count: 0,
                            last: 0.0,
                        },
                    ));
                    slot.len() - 1
                }
            };
            let s = &mut slot[i].1;
            // Rows come in time order; the latest carries the totals.
            s.total = row.total;
            s.total_count = row.total_count;
            s.last = row.last;
            s.buckets.push_back((row.start, sketch));
            Ok(())
        })?;
        let mut book = self.inner.alerts.write();
        each_state(&*store, RULE, "alert rule", |id, row: RuleRow| {
            match row.rule {
                Some(rule) => book.upsert(rule)?,
                None => book.remove(&id),
            }
            Ok(())
        })?;
        each_state(&*store, RULE_STATE, "alert state", |id, row: StateRow| {
            book.restore_state(&id, row);
            Ok(())
        })?;
        each_state(&*store, HISTORY, "alert", |_, a: ActiveAlert| {
            book.push_history(a);
            Ok(())
        })?;
        if !book.is_empty() {
            self.inner
                .has_rules
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        drop(book);
        *self.inner.store.write() = Some(store);
        Ok(())
    }

    /// Keeps a rule added (`Some`) or removed (`None`) at run time.
    pub(super) fn persist_rule(&self, name: &str, rule: Option<&AlertRule>) -> Result<()> {
        let Some(store) = self.store() else {
            return Ok(());
        };
        store.apply(&[
            Op::PutState {
                kind: RULE.into(),
                id: name.into(),
                value: encode(&RuleRow {
                    rule: rule.cloned(),
                })?,
            },
            Op::DeleteState {
                kind: RULE_STATE.into(),
                id: name.into(),
            },
        ])
    }

    /// Keeps the states of `rules` and the alerts they resolved.
    pub(super) fn persist_states(
        &self,
        states: Vec<(String, StateRow)>,
        resolved: Vec<ActiveAlert>,
    ) -> Result<()> {
        let Some(store) = self.store() else {
            return Ok(());
        };
        let mut ops = Vec::with_capacity(states.len() + resolved.len() + 1);
        for (name, st) in states {
            ops.push(Op::PutState {
                kind: RULE_STATE.into(),
                id: name,
                value: encode(&st)?,
            });
        }
        for a in &resolved {
            let id = history_id(a);
            ops.push(Op::PutState {
                kind: HISTORY.into(),
                id,
                value: encode(a)?,
            });
        }
        if !resolved.is_empty() {
            if let Some(below) = self.inner.alerts.read().oldest_history().map(history_id) {
                ops.push(Op::PurgeState {
                    kind: HISTORY.into(),
                    below,
                });
            }
        }
        store.apply_later(ops)
    }
}

fn history_id(a: &ActiveAlert) -> String {
    format!(
        "{:016}\u{1f}{}",
        a.resolved_at.unwrap_or(a.fired_at).max(0),
        a.id
    )
}

impl AlertBook {
    fn is_empty(&self) -> bool {
        self.rule_count() == 0
    }
}
