//! Reservations: holds on budget for calls in flight, settled with the
//! actual usage or released, so concurrent callers never overspend a hard
//! limit.

use super::budget::LineKey;
use super::{Charge, Costs, State, Usage};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// A hold on budget for a call in flight. Settle it with the actual usage,
/// or release it if the call failed; unsettled holds expire.
///
/// The id is an unguessable handle (128 random bits): only the holder, who
/// got it from [`Costs::reserve`], can settle or release the hold, and only
/// for the organization it was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reservation {
    /// Opaque handle (`rsv_` and 32 hex digits).
    pub id: String,
    /// The organization the hold is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Estimated charge held (µ$).
    pub amount_micros: i64,
    /// When the hold lapses (ms).
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub(super) struct Held {
    pub(super) amount: i64,
    pub(super) lines: Vec<LineKey>,
    pub(super) expires_at: i64,
    pub(super) organization: Option<String>,
}

impl Costs {
    pub(super) fn expire(&self, st: &mut State, now: i64) {
        let expired: Vec<String> = st
            .held
            .iter()
            .filter(|(_, h)| h.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(h) = st.held.remove(&id) {
                for k in &h.lines {
                    if let Some(l) = st.ledger.get_mut(k) {
                        // A line re-created meanwhile (e.g. by `set_user_tier`) never goes negative.
                        l.reserved = (l.reserved - h.amount).max(0);
                    }
                }
            }
        }
    }

    /// Holds the estimated charge of a call against every applicable budget,
    /// or refuses it with `budget_exceeded` if a hard budget (or a soft one
    /// past its grace period) would go over its limit. Atomic: concurrent
    /// reservations can never jointly exceed a hard limit.
    pub fn reserve(&self, estimate: &Usage) -> Result<Reservation> {
        let (result, events) = self.reserve_collect(estimate);
        for e in events {
            self.inner.events.emit(e);
        }
        result
    }

    /// Releases a reservation (the call did not happen). Returns whether it
    /// was still held. A handle that was never issued, or that names
    /// another organization than the hold's, releases nothing.
    pub fn release(&self, reservation: &Reservation) -> bool {
        let mut st = self.inner.state.lock();
        let owned = st
            .held
            .get(&reservation.id)
            .is_some_and(|h| h.organization == reservation.organization);
        match owned.then(|| st.held.remove(&reservation.id)).flatten() {
            Some(h) => {
                for k in &h.lines {
                    if let Some(l) = st.ledger.get_mut(k) {
                        // A line re-created meanwhile (e.g. by `set_user_tier`) never goes negative.
                        l.reserved = (l.reserved - h.amount).max(0);
                    }
                }
                true
            }
            None => false,
        }
    }

    /// Settles a reservation with the call's actual usage: the hold is
    /// released and the actual charge recorded (even if the hold expired —
    /// the call did happen).
    ///
    /// The usage is charged to the reservation's organization: usage that
    /// names another one is refused with `permission_denied`.
    pub fn settle(&self, reservation: &Reservation, actual: &Usage) -> Result<Charge> {
        let mut actual = actual.clone();
        match (&actual.attribution.organization, &reservation.organization) {
            (None, Some(o)) => actual.attribution.organization = Some(o.clone()),
            (Some(a), r) if Some(a) != r.as_ref() => {
                return Err(Error::PermissionDenied {
                    message: format!(
                        "the reservation was made for {}; its usage cannot be charged to organization `{a}`",
                        r.as_deref()
                            .map_or("no organization".to_string(), |o| format!("organization `{o}`"))
                    ),
                })
            }
            _ => {}
        }
        let charge = self.record(&actual)?;
        self.release(reservation);
        Ok(charge)
    }

    /// Reservations currently held.
    pub fn reservations_held(&self) -> usize {
        let now = self.inner.clock.now_ms();
        let mut st = self.inner.state.lock();
        self.expire(&mut st, now);
        st.held.len()
    }
}

/// A fresh reservation handle: 128 bits from the system's CSPRNG.
pub(super) fn reservation_id() -> Result<String> {
    let mut b = [0u8; 16];
    crate::crypto::random_bytes(&mut b)?;
    Ok(format!("rsv_{}", crate::text::hex_encode(&b)))
}
