//! Typed events and subscriptions.
//!
//! Delivery is synchronous, on the thread that caused the event, after the
//! change is committed, in commit order per thread. A subscriber that panics
//! is isolated (the panic is caught and counted); it cannot fail the call
//! that emitted the event. Events never carry stored values or key material.

use crate::memory::{OwnerRef, Scope};
use parking_lot::RwLock;
use serde::Serialize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

/// Everything Vallum reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// An entry was written, removed, expired or evicted, or an owner cleared or forgotten.
    MemoryChanged(MemoryEvent),
    /// A master key or data key was rotated.
    KeyRotated(KeyRotatedEvent),
    /// An alert rule fired.
    AlertFired(AlertEvent),
    /// A firing alert resolved.
    AlertResolved(AlertEvent),
    /// A threat was detected or reported.
    ThreatDetected(crate::policy::threats::ThreatRecord),
    /// Spending crossed a budget's warning threshold.
    BudgetWarning(BudgetEvent),
    /// Spending reached a budget's limit (or a call was refused by it).
    BudgetExceeded(BudgetEvent),
}

impl Event {
    /// The event's kind, for filtering.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::MemoryChanged(_) => EventKind::MemoryChanged,
            Event::KeyRotated(_) => EventKind::KeyRotated,
            Event::AlertFired(_) => EventKind::AlertFired,
            Event::AlertResolved(_) => EventKind::AlertResolved,
            Event::ThreatDetected(_) => EventKind::ThreatDetected,
            Event::BudgetWarning(_) => EventKind::BudgetWarning,
            Event::BudgetExceeded(_) => EventKind::BudgetExceeded,
        }
    }
}

/// Kinds of [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// [`Event::MemoryChanged`].
    MemoryChanged,
    /// [`Event::KeyRotated`].
    KeyRotated,
    /// [`Event::AlertFired`].
    AlertFired,
    /// [`Event::AlertResolved`].
    AlertResolved,
    /// [`Event::ThreatDetected`].
    ThreatDetected,
    /// [`Event::BudgetWarning`].
    BudgetWarning,
    /// [`Event::BudgetExceeded`].
    BudgetExceeded,
}

/// What happened to memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryAction {
    /// `set` / `set_batch`.
    Set,
    /// `remove`.
    Remove,
    /// The entry's time to live ran out.
    Expire,
    /// Removed to bring the owner back under its quota.
    Evict,
    /// `clear_scope`.
    Clear,
    /// `forget`: the owner's data keys and rows were destroyed.
    Forget,
}

/// A change to memory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryEvent {
    /// What happened.
    pub action: MemoryAction,
    /// The scope (for `forget`, the scope of the subject's root).
    pub scope: Scope,
    /// Whose data.
    pub owner: OwnerRef,
    /// The entry key, for single-entry actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// Which key was rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RotatedKey {
    /// The master key: every data key was re-wrapped.
    Master,
    /// One owner's data key: its rows were re-encrypted.
    Data,
}

/// A key rotation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRotatedEvent {
    /// Which key.
    pub key: RotatedKey,
    /// For data keys: the scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// For data keys: the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerRef>,
    /// Keys re-wrapped or rows re-encrypted.
    pub count: u64,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// An alert firing or resolving.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    /// Alert id.
    pub id: String,
    /// Rule name.
    pub rule: String,
    /// Metric.
    pub metric: String,
    /// Severity.
    pub severity: crate::metrics::Severity,
    /// Value that triggered the change.
    pub value: f64,
    /// Threshold.
    pub threshold: f64,
    /// Milliseconds since the epoch.
    pub at: i64,
}

impl AlertEvent {
    pub(crate) fn from_alert(a: &crate::metrics::ActiveAlert, at: i64) -> Self {
        Self {
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

/// A budget crossing its warning threshold or limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetEvent {
    /// Budget id.
    pub budget: String,
    /// Spent in the current period, micro-dollars.
    pub spent_micros: i64,
    /// Reserved by calls in flight, micro-dollars.
    pub reserved_micros: i64,
    /// The limit, micro-dollars.
    pub limit_micros: i64,
    /// Period start, ms since the epoch.
    pub period_start: i64,
    /// Whether a call was refused.
    pub refused: bool,
    /// Milliseconds since the epoch.
    pub at: i64,
}

type Callback = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Default)]
struct BusInner {
    subs: RwLock<Vec<(u64, Option<EventKind>, Callback)>>,
    next_id: AtomicU64,
    panics: AtomicU64,
}

/// Fan-out of events to subscribers.
#[derive(Clone, Default)]
pub struct EventBus {
    inner: Arc<BusInner>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EventBus({} subscribers)", self.inner.subs.read().len())
    }
}

impl EventBus {
    /// Calls `callback` for every event of `kind` (`None`: every event) until
    /// the returned [`Subscription`] is dropped.
    pub fn subscribe(
        &self,
        kind: Option<EventKind>,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Subscription {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner.subs.write().push((id, kind, Arc::new(callback)));
        Subscription {
            id,
            bus: Arc::downgrade(&self.inner),
        }
    }

    /// Whether anyone listens for `kind` (lets callers skip building events).
    pub fn wants(&self, kind: EventKind) -> bool {
        self.inner
            .subs
            .read()
            .iter()
            .any(|(_, k, _)| k.is_none_or(|k| k == kind))
    }

    /// Delivers `event` to its subscribers.
    pub fn emit(&self, event: Event) {
        let kind = event.kind();
        let targets: Vec<Callback> = self
            .inner
            .subs
            .read()
            .iter()
            .filter(|(_, k, _)| k.is_none_or(|k| k == kind))
            .map(|(_, _, cb)| cb.clone())
            .collect();
        for cb in targets {
            if catch_unwind(AssertUnwindSafe(|| cb(&event))).is_err() {
                self.inner.panics.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// How many subscriber panics were caught so far.
    pub fn subscriber_panics(&self) -> u64 {
        self.inner.panics.load(Ordering::Relaxed)
    }
}

/// Keeps a subscription alive; dropping it unsubscribes.
#[must_use = "dropping a Subscription unsubscribes immediately"]
#[derive(Debug)]
pub struct Subscription {
    id: u64,
    bus: Weak<BusInner>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(bus) = self.bus.upgrade() {
            bus.subs.write().retain(|(id, _, _)| *id != self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn ev() -> Event {
        Event::KeyRotated(KeyRotatedEvent {
            key: RotatedKey::Master,
            scope: None,
            owner: None,
            count: 1,
            at: 0,
        })
    }

    #[test]
    fn subscribe_filter_and_drop() {
        let bus = EventBus::default();
        let all = Arc::new(AtomicUsize::new(0));
        let mem = Arc::new(AtomicUsize::new(0));
        let a = all.clone();
        let s1 = bus.subscribe(None, move |_| {
            a.fetch_add(1, Ordering::SeqCst);
        });
        let m = mem.clone();
        let _s2 = bus.subscribe(Some(EventKind::MemoryChanged), move |_| {
            m.fetch_add(1, Ordering::SeqCst);
        });
        bus.emit(ev());
        assert_eq!(
            (all.load(Ordering::SeqCst), mem.load(Ordering::SeqCst)),
            (1, 0)
        );
        drop(s1);
        bus.emit(ev());
        assert_eq!(all.load(Ordering::SeqCst), 1);
        assert!(!bus.wants(EventKind::KeyRotated));
        assert!(bus.wants(EventKind::MemoryChanged));
    }

    #[test]
    fn panicking_subscriber_is_isolated() {
        let bus = EventBus::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let _bad = bus.subscribe(None, |_| panic!("subscriber bug"));
        let h = hits.clone();
        let _good = bus.subscribe(None, move |_| {
            h.fetch_add(1, Ordering::SeqCst);
        });
        bus.emit(ev());
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(bus.subscriber_panics(), 1);
    }
}
