//! Time is injected. Core code asks a [`Clock`] for the time and never calls
//! `Instant::now`/`SystemTime::now` itself: those panic on
//! `wasm32-unknown-unknown`, and tests need to move time by hand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> i64;

    /// Nanoseconds from an arbitrary origin that never goes backwards, for
    /// measuring how long something took (stage timings). The default is
    /// [`Clock::now_ms`] in nanoseconds, so a [`ManualClock`] reports
    /// durations of zero unless it is moved.
    fn monotonic_ns(&self) -> u64 {
        u64::try_from(self.now_ms())
            .unwrap_or(0)
            .saturating_mul(1_000_000)
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The host's real clock: `SystemTime` on native targets, `Date.now()` in the
/// browser.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    fn now_ms(&self) -> i64 {
        // The one place in the core allowed to read the system time.
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock set before 1970: report the epoch rather than panic.
            Err(_) => 0,
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn monotonic_ns(&self) -> u64 {
        // The one place in the core allowed to read the monotonic clock.
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let origin = *ORIGIN.get_or_init(std::time::Instant::now);
        u64::try_from(std::time::Instant::now().duration_since(origin).as_nanos())
            .unwrap_or(u64::MAX)
    }
}

/// A clock that only moves when told to. For tests and simulations.
///
/// ```
/// use vallum::{Clock, ManualClock};
/// let clock = ManualClock::new(1_000);
/// clock.advance(500);
/// assert_eq!(clock.now_ms(), 1_500);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock showing `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        Self {
            now: AtomicI64::new(start_ms),
        }
    }

    /// Moves the clock forward (or backward, with a negative delta).
    pub fn advance(&self, delta_ms: i64) {
        self.now.fetch_add(delta_ms, Ordering::SeqCst);
    }

    /// Sets the clock to `ms`.
    pub fn set(&self, ms: i64) {
        self.now.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }

    #[test]
    fn system_monotonic_clock_does_not_go_back() {
        let a = SystemClock.monotonic_ns();
        let b = SystemClock.monotonic_ns();
        assert!(b >= a);
        assert_eq!(ManualClock::new(3).monotonic_ns(), 3_000_000);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(10);
        assert_eq!(c.now_ms(), 10);
        c.advance(5);
        assert_eq!(c.now_ms(), 15);
        c.set(3);
        assert_eq!(c.now_ms(), 3);
    }
}
