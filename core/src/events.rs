//! Typed events and subscriptions.
//!
//! Delivery is synchronous, on the thread that caused the event, after the
//! change is committed, in commit order per thread. A subscriber that panics
//! is isolated (the panic is caught and counted); it cannot fail the call
//! that emitted the event. A subscriber that may be slow subscribes with
//! [`EventBus::subscribe_queued`] and runs on its own thread. Events never
//! carry stored values, PII or key material. The guarantees, and the order
//! of a guard call's events, are in `docs/events.md`.

use crate::vocab::{Effect, OwnerRef, Scope, Severity, Stage, ThreatRecord};
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
    ThreatDetected(ThreatRecord),
    /// Spending crossed a budget's warning threshold.
    BudgetWarning(BudgetEvent),
    /// Spending reached a budget's limit (or a call was refused by it).
    BudgetExceeded(BudgetEvent),
    /// A request was denied or challenged by a policy or by RBAC.
    PolicyViolation(PolicyViolationEvent),
    /// PII was found in a prompt or in a model's answer (entity counts, never values).
    PiiDetected(PiiDetectedEvent),
    /// A request was refused by a rate limit or quota.
    RateLimited(RateLimitedEvent),
    /// The guard pipeline decided on a prompt; always the last event of a `guard_prompt` call.
    GuardDecision(GuardDecisionEvent),
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
            Event::PolicyViolation(_) => EventKind::PolicyViolation,
            Event::PiiDetected(_) => EventKind::PiiDetected,
            Event::RateLimited(_) => EventKind::RateLimited,
            Event::GuardDecision(_) => EventKind::GuardDecision,
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
    /// [`Event::PolicyViolation`].
    PolicyViolation,
    /// [`Event::PiiDetected`].
    PiiDetected,
    /// [`Event::RateLimited`].
    RateLimited,
    /// [`Event::GuardDecision`].
    GuardDecision,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 11] = [
        EventKind::MemoryChanged,
        EventKind::KeyRotated,
        EventKind::AlertFired,
        EventKind::AlertResolved,
        EventKind::ThreatDetected,
        EventKind::BudgetWarning,
        EventKind::BudgetExceeded,
        EventKind::PolicyViolation,
        EventKind::PiiDetected,
        EventKind::RateLimited,
        EventKind::GuardDecision,
    ];

    /// The snake_case name (`threat_detected`), as in the event's `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MemoryChanged => "memory_changed",
            EventKind::KeyRotated => "key_rotated",
            EventKind::AlertFired => "alert_fired",
            EventKind::AlertResolved => "alert_resolved",
            EventKind::ThreatDetected => "threat_detected",
            EventKind::BudgetWarning => "budget_warning",
            EventKind::BudgetExceeded => "budget_exceeded",
            EventKind::PolicyViolation => "policy_violation",
            EventKind::PiiDetected => "pii_detected",
            EventKind::RateLimited => "rate_limited",
            EventKind::GuardDecision => "guard_decision",
        }
    }

    /// Parses a snake_case name; an unknown one is an `invalid_argument` error
    /// listing the known kinds.
    pub fn parse(name: &str) -> crate::error::Result<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                crate::error::Error::invalid_arg(
                    "kind",
                    format!("unknown event kind `{name}` (known: {})", known.join(", ")),
                )
            })
    }
}

/// A request denied or challenged by policy or RBAC.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyViolationEvent {
    /// Who asked.
    pub principal: String,
    /// `deny` or `challenge`.
    pub effect: Effect,
    /// Ids of the policies that produced the effect (empty for an RBAC refusal).
    pub policies: Vec<String>,
    /// Why.
    pub reasons: Vec<String>,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// Where PII was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiDirection {
    /// In a user's prompt (masked before it reached the model).
    Prompt,
    /// In a model's answer, not supplied by the user (masked before the user saw it).
    Response,
}

/// PII found by the guard: counts per entity type, never the values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiDetectedEvent {
    /// Prompt or response.
    pub direction: PiiDirection,
    /// Who the text belongs to.
    pub principal: String,
    /// Entity type → findings.
    pub entities: std::collections::BTreeMap<String, u32>,
    /// Whether the findings were masked.
    pub masked: bool,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// A request refused by a rate limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitedEvent {
    /// The limit's name.
    pub limit: String,
    /// The key that ran out (a user, organization or session id).
    pub key: String,
    /// Milliseconds until a retry can succeed.
    pub retry_after_ms: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// The guard's decision on a prompt.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardDecisionEvent {
    /// Who asked.
    pub principal: String,
    /// `allow`, `challenge` or `deny`.
    pub decision: Effect,
    /// The stage that stopped the prompt, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<Stage>,
    /// The audit record's sequence number, if audited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<u64>,
    /// Time the pipeline took, nanoseconds.
    pub total_ns: u64,
    /// Milliseconds since the epoch.
    pub at: i64,
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
    pub severity: Severity,
    /// Value that triggered the change.
    pub value: f64,
    /// Threshold.
    pub threshold: f64,
    /// Milliseconds since the epoch.
    pub at: i64,
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
    dropped: AtomicU64,
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

    /// Like [`EventBus::subscribe`], but `callback` runs on a thread of its
    /// own, fed by a queue of `capacity` events: a slow subscriber never
    /// delays the caller. When the queue is full, new events for this
    /// subscriber are dropped and counted ([`EventBus::dropped_events`]).
    /// Not available in the browser (no threads).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn subscribe_queued(
        &self,
        kind: Option<EventKind>,
        capacity: usize,
        callback: impl Fn(&Event) + Send + 'static,
    ) -> crate::error::Result<Subscription> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Event>(capacity.max(1));
        let bus = Arc::downgrade(&self.inner);
        std::thread::Builder::new()
            .name("vallum-events".into())
            .spawn(move || {
                // Ends when the subscription (and with it the sender) is dropped.
                for event in rx {
                    if catch_unwind(AssertUnwindSafe(|| callback(&event))).is_err() {
                        if let Some(b) = bus.upgrade() {
                            b.panics.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
            .map_err(|e| {
                crate::error::Error::internal(format!("cannot start the event thread: {e}"))
            })?;
        let bus = Arc::downgrade(&self.inner);
        Ok(self.subscribe(kind, move |e| {
            if tx.try_send(e.clone()).is_err() {
                if let Some(b) = bus.upgrade() {
                    b.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }))
    }

    /// Events dropped because a queued subscriber's queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
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

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        let e = EventKind::parse("threat").unwrap_err();
        assert!(e.to_string().contains("threat_detected"), "{e}");
    }

    #[test]
    fn a_slow_queued_subscriber_does_not_delay_the_caller() {
        let bus = EventBus::default();
        let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
        let gate = parking_lot::Mutex::new(gate_rx);
        let seen = Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        let sub = bus
            .subscribe_queued(None, 2, move |_| {
                // Blocks until the test opens the gate: a stuck subscriber.
                let _ = gate.lock().recv();
                s.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        for _ in 0..10 {
            bus.emit(ev()); // returns at once although the subscriber is stuck
        }
        // One event is being handled, two are queued, the rest were dropped.
        assert!(bus.dropped_events() >= 7, "{}", bus.dropped_events());
        for _ in 0..10 {
            let _ = gate_tx.send(());
        }
        drop(sub);
        for _ in 0..1000 {
            if seen.load(Ordering::SeqCst) as u64 + bus.dropped_events() == 10 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(
            seen.load(Ordering::SeqCst) as u64 + bus.dropped_events(),
            10
        );
    }
}
