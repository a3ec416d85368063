//! Rate limits and quotas per key (tenant, user, API key): GCRA with burst
//! (the generic cell rate algorithm — a token bucket kept as one timestamp),
//! plus daily and monthly quotas on calendar days in UTC.

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::storage::{each_state, Backend, Op};
use chrono::{Datelike, TimeZone, Utc};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

const SHARDS: usize = 16;
/// A shard is swept for idle keys once it holds this many…
const SWEEP_AT: usize = 4096;

/// One rate limit. `window` is in seconds, as in the spec's
/// `rateLimit: {requests, window}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitSpec {
    /// Requests per window.
    pub requests: u64,
    /// Window in seconds.
    pub window: u64,
    /// Requests allowed at once (default: `requests`).
    #[serde(default)]
    pub burst: Option<u64>,
    /// Requests per calendar day (UTC).
    #[serde(default)]
    pub daily_quota: Option<u64>,
    /// Requests per calendar month (UTC).
    #[serde(default)]
    pub monthly_quota: Option<u64>,
}

impl RateLimitSpec {
    /// `requests` per `window` seconds.
    pub fn new(requests: u64, window: u64) -> Self {
        Self {
            requests,
            window,
            burst: None,
            daily_quota: None,
            monthly_quota: None,
        }
    }

    pub(crate) fn validate(&self, path: &str) -> Result<()> {
        if self.requests == 0 {
            return Err(Error::config(
                format!("{path}.requests"),
                "must be at least 1",
            ));
        }
        if self.window == 0 || self.window > 366 * 86_400 {
            return Err(Error::config(
                format!("{path}.window"),
                "must be 1 second to 1 year",
            ));
        }
        if self.burst == Some(0) {
            return Err(Error::config(format!("{path}.burst"), "must be at least 1"));
        }
        Ok(())
    }

    /// Nanoseconds between requests at the sustained rate.
    fn interval_ns(&self) -> i128 {
        (self.window as i128 * 1_000_000_000 / self.requests as i128).max(1)
    }
}

/// What limited a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitedBy {
    /// The rate (burst exhausted).
    Rate,
    /// The daily quota.
    DailyQuota,
    /// The monthly quota.
    MonthlyQuota,
}

/// The answer to [`RateLimiter::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateDecision {
    /// Whether the request may proceed (it was counted if so).
    pub allowed: bool,
    /// What refused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited_by: Option<LimitedBy>,
    /// Requests that could be made right now.
    pub remaining: u64,
    /// When refused: milliseconds until a retry can succeed.
    pub retry_after_ms: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyState {
    /// Theoretical arrival time, ns since the epoch.
    tat: i128,
    day: i64,
    day_count: u64,
    month: i64,
    month_count: u64,
}

#[derive(Debug, Default)]
struct Shard {
    keys: HashMap<(String, String), KeyState>,
    /// Keys added since the last sweep.
    added: usize,
}

impl KeyState {
    /// Whether the state is the same as a fresh one's at `now`: the bucket
    /// has refilled and no quota of this period has been used. Such a key
    /// can be forgotten without changing any future decision.
    fn idle(&self, spec: Option<&RateLimitSpec>, now: i128, day: i64, month: i64) -> bool {
        let Some(spec) = spec else { return true };
        self.tat <= now
            && (spec.daily_quota.is_none() || self.day != day || self.day_count == 0)
            && (spec.monthly_quota.is_none() || self.month != month || self.month_count == 0)
    }
}

/// Rate limiters by name, each tracking any number of keys. Memory stays
/// bounded by the keys that are active: a shard that has grown is swept of
/// keys whose state equals a fresh one (bucket refilled, no quota used this
/// period), which changes no decision.
pub struct RateLimiter {
    limits: RwLock<HashMap<String, RateLimitSpec>>,
    shards: Vec<Mutex<Shard>>,
    hasher: foldhash::fast::RandomState,
    clock: SharedClock,
    /// Where counters are kept across restarts (a persistent store).
    store: Option<Arc<dyn Backend>>,
}

/// The state kind of rate-limit counters; a row's id is `name` U+001F `key`.
const STATE_KIND: &str = "rate_limit";

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.limits.read().len())
            .finish_non_exhaustive()
    }
}

fn day_and_month(now_ms: i64) -> (i64, i64, i64) {
    let dt = Utc
        .timestamp_millis_opt(now_ms)
        .single()
        .unwrap_or_default();
    let day = now_ms.div_euclid(86_400_000);
    let month = dt.year() as i64 * 12 + dt.month0() as i64;
    // Milliseconds until the next UTC midnight.
    let to_midnight = 86_400_000 - now_ms.rem_euclid(86_400_000);
    (day, month, to_midnight)
}

impl RateLimiter {
    pub(crate) fn new(limits: HashMap<String, RateLimitSpec>, clock: SharedClock) -> Self {
        Self {
            limits: RwLock::new(limits),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: Default::default(),
            clock,
            store: None,
        }
    }

    /// Keeps counters in `store` (when it is persistent) and loads the
    /// ones kept there, so quotas and buckets survive a restart. Counters
    /// that equal a fresh key's are dropped from the store.
    pub(crate) fn with_store(mut self, store: Arc<dyn Backend>) -> Result<Self> {
        if !store.is_persistent() {
            return Ok(self);
        }
        let now_ms = self.clock.now_ms();
        let now = now_ms as i128 * 1_000_000;
        let (day, month, _) = day_and_month(now_ms);
        let mut idle = Vec::new();
        each_state(
            &*store,
            STATE_KIND,
            "rate-limit counter",
            |id, st: KeyState| {
                let Some((name, key)) = id.split_once('\u{1f}') else {
                    return Err(Error::CorruptStore {
                        message: format!("rate-limit counter id {id:?} has no separator"),
                    });
                };
                if st.idle(self.limits.read().get(name), now, day, month) {
                    idle.push(Op::DeleteState {
                        kind: STATE_KIND.into(),
                        id,
                    });
                    return Ok(());
                }
                let id = (name.to_string(), key.to_string());
                let shard = self.hasher.hash_one(&id) as usize % SHARDS;
                self.shards[shard].lock().keys.insert(id, st);
                Ok(())
            },
        )?;
        store.apply(&idle)?;
        self.store = Some(store);
        Ok(self)
    }

    /// Adds or replaces a named limit (its keys' state is kept).
    pub fn set_limit(&self, name: &str, spec: RateLimitSpec) -> Result<()> {
        spec.validate(&format!("rateLimits.{name}"))
            .map_err(|e| match e {
                Error::InvalidConfig { path, message } => Error::InvalidArgument {
                    name: "spec",
                    message: format!("{path}: {message}"),
                },
                other => other,
            })?;
        self.limits.write().insert(name.to_string(), spec);
        Ok(())
    }

    /// The named limits.
    pub fn limits(&self) -> HashMap<String, RateLimitSpec> {
        self.limits.read().clone()
    }

    /// Checks one request by `key` against limit `name`, counting it if allowed.
    pub fn check(&self, name: &str, key: &str) -> Result<RateDecision> {
        self.check_n(name, key, 1)
    }

    /// Checks `n` requests at once (all or none).
    pub fn check_n(&self, name: &str, key: &str, n: u64) -> Result<RateDecision> {
        let spec = self
            .limits
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: format!("rate limit `{name}`"),
            })?;
        if key.is_empty() || key.len() > 512 {
            return Err(Error::invalid_arg("key", "must be 1–512 bytes"));
        }
        if n == 0 {
            return Err(Error::invalid_arg("n", "must be at least 1"));
        }
        let now_ms = self.clock.now_ms();
        let now = now_ms as i128 * 1_000_000;
        let t = spec.interval_ns();
        let burst = spec.burst.unwrap_or(spec.requests) as i128;
        let tau = t * (burst - 1);
        let (day, month, to_midnight) = day_and_month(now_ms);
        let id = (name.to_string(), key.to_string());
        let shard = &self.shards[self.hasher.hash_one(&id) as usize % SHARDS];
        let mut shard = shard.lock();
        if !shard.keys.contains_key(&id) {
            shard.added += 1;
            if shard.keys.len() >= SWEEP_AT && shard.added >= shard.keys.len() / 2 {
                let limits = self.limits.read();
                shard
                    .keys
                    .retain(|(n, _), st| !st.idle(limits.get(n), now, day, month));
                shard.added = 0;
            }
        }
        let st = shard.keys.entry(id).or_default();
        if st.day != day {
            st.day = day;
            st.day_count = 0;
        }
        if st.month != month {
            st.month = month;
            st.month_count = 0;
        }
        let tat = st.tat.max(now);
        let new_tat = tat + t * n as i128;
        let ms = |ns: i128| i64::try_from((ns + 999_999) / 1_000_000).unwrap_or(i64::MAX);
        let remaining_rate = |tat: i128| -> u64 {
            u64::try_from(((now + tau - tat).div_euclid(t) + 1).max(0)).unwrap_or(0)
        };
        let refuse = |by, retry| RateDecision {
            allowed: false,
            limited_by: Some(by),
            remaining: 0,
            retry_after_ms: retry,
        };
        if new_tat - now > tau + t {
            return Ok(refuse(LimitedBy::Rate, ms(new_tat - t - tau - now)));
        }
        if spec.daily_quota.is_some_and(|q| st.day_count + n > q) {
            return Ok(refuse(LimitedBy::DailyQuota, to_midnight));
        }
        if let Some(q) = spec.monthly_quota {
            if st.month_count + n > q {
                let dt = Utc
                    .timestamp_millis_opt(now_ms)
                    .single()
                    .unwrap_or_default();
                let (y, m) = if dt.month() == 12 {
                    (dt.year() + 1, 1)
                } else {
                    (dt.year(), dt.month() + 1)
                };
                let next = Utc
                    .with_ymd_and_hms(y, m, 1, 0, 0, 0)
                    .single()
                    .map_or(now_ms, |d| d.timestamp_millis());
                return Ok(refuse(LimitedBy::MonthlyQuota, next - now_ms));
            }
        }
        st.tat = new_tat;
        st.day_count += n;
        st.month_count += n;
        if let Some(store) = &self.store {
            // Written with the call's next write (its audit record), not
            // waited for on its own.
            store.apply_later(vec![Op::PutState {
                kind: STATE_KIND.into(),
                id: format!("{name}\u{1f}{key}"),
                value: serde_json::to_vec(&*st).map_err(|e| Error::Serialization {
                    message: e.to_string(),
                })?,
            }])?;
        }
        let mut remaining = remaining_rate(new_tat);
        if let Some(q) = spec.daily_quota {
            remaining = remaining.min(q - st.day_count);
        }
        if let Some(q) = spec.monthly_quota {
            remaining = remaining.min(q - st.month_count);
        }
        Ok(RateDecision {
            allowed: true,
            limited_by: None,
            remaining,
            retry_after_ms: 0,
        })
    }

    /// Forgets the state of `key` under every limit.
    pub fn reset(&self, key: &str) -> Result<()> {
        let mut gone = Vec::new();
        for shard in &self.shards {
            shard.lock().keys.retain(|(n, k), _| {
                if k == key {
                    gone.push(Op::DeleteState {
                        kind: STATE_KIND.into(),
                        id: format!("{n}\u{1f}{k}"),
                    });
                }
                k != key
            });
        }
        match &self.store {
            Some(store) => store.apply(&gone),
            None => Ok(()),
        }
    }

    /// Keys whose state is held (bounded by the active ones; see above).
    pub fn tracked_keys(&self) -> usize {
        self.shards.iter().map(|s| s.lock().keys.len()).sum()
    }
}

/// Shared handle type.
pub type SharedRateLimiter = Arc<RateLimiter>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn limiter(spec: RateLimitSpec) -> (RateLimiter, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(1_767_225_600_000)); // 2026-01-01T00:00Z
        let r = RateLimiter::new(HashMap::from([("api".to_string(), spec)]), clock.clone());
        (r, clock)
    }

    #[test]
    fn burst_then_steady_refill() {
        let mut spec = RateLimitSpec::new(10, 10); // 1 per second
        spec.burst = Some(3);
        let (r, clock) = limiter(spec);
        for i in 0..3 {
            let d = r.check("api", "tenant-a").unwrap();
            assert!(d.allowed, "burst request {i}");
            assert_eq!(d.remaining, 2 - i);
        }
        let d = r.check("api", "tenant-a").unwrap();
        assert_eq!(
            (d.allowed, d.limited_by, d.retry_after_ms),
            (false, Some(LimitedBy::Rate), 1000)
        );
        assert!(
            r.check("api", "tenant-b").unwrap().allowed,
            "keys are independent"
        );
        clock.advance(999);
        assert!(!r.check("api", "tenant-a").unwrap().allowed);
        clock.advance(1);
        assert!(r.check("api", "tenant-a").unwrap().allowed);
        assert!(!r.check("api", "tenant-a").unwrap().allowed);
        clock.advance(10_000);
        let d = r.check_n("api", "tenant-a", 3).unwrap();
        assert!(d.allowed, "a full burst again after idling");
        assert!(!r.check_n("api", "tenant-a", 1).unwrap().allowed);
    }

    #[test]
    fn spec_shape_allows_requests_per_window_on_average() {
        let (r, clock) = limiter(RateLimitSpec::new(10_000, 3600));
        let mut allowed = 0;
        for _ in 0..20_000 {
            if r.check("api", "k").unwrap().allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 10_000, "the burst is the whole window's allowance");
        clock.advance(360_000); // a tenth of the window refills a tenth
        let mut more = 0;
        while r.check("api", "k").unwrap().allowed {
            more += 1;
        }
        assert_eq!(more, 1_000);
    }

    #[test]
    fn daily_and_monthly_quotas_roll_over() {
        let mut spec = RateLimitSpec::new(1000, 1);
        spec.daily_quota = Some(2);
        spec.monthly_quota = Some(3);
        let (r, clock) = limiter(spec);
        assert!(r.check("api", "u").unwrap().allowed);
        assert!(r.check("api", "u").unwrap().allowed);
        let d = r.check("api", "u").unwrap();
        assert_eq!(
            (d.limited_by, d.retry_after_ms),
            (Some(LimitedBy::DailyQuota), 86_400_000)
        );
        clock.advance(86_400_000);
        assert!(r.check("api", "u").unwrap().allowed);
        let d = r.check("api", "u").unwrap();
        assert_eq!(d.limited_by, Some(LimitedBy::MonthlyQuota));
        assert_eq!(d.retry_after_ms, 30 * 86_400_000, "until February 1st");
        clock.advance(30 * 86_400_000);
        assert!(r.check("api", "u").unwrap().allowed, "a new month");
    }

    #[test]
    fn bad_input() {
        let (r, _) = limiter(RateLimitSpec::new(1, 1));
        assert_eq!(
            r.check("nope", "k").unwrap_err().code(),
            crate::error::ErrorCode::NotFound
        );
        assert_eq!(
            r.check("api", "").unwrap_err().code(),
            crate::error::ErrorCode::InvalidArgument
        );
        assert!(r.set_limit("x", RateLimitSpec::new(0, 1)).is_err());
        assert!(r.set_limit("x", RateLimitSpec::new(1, 0)).is_err());
    }

    #[test]
    fn threads_never_exceed_the_burst() {
        let mut spec = RateLimitSpec::new(100, 3600);
        spec.burst = Some(100);
        let (r, _) = limiter(spec);
        let r = Arc::new(r);
        let allowed = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        if r.check("api", "shared").unwrap().allowed {
                            allowed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        assert_eq!(allowed.into_inner(), 100);
    }
}
