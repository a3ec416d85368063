//! The tamper-evident audit log (DESIGN §3.6).
//!
//! Records are appended with a keyed hash chain: each record's MAC is
//! HMAC-SHA256 over the previous record's MAC and the record's canonical
//! bytes, under an audit key that lives in the keyring (wrapped by the master
//! key, re-wrapped on rotation). Without the key nobody can forge, modify,
//! reorder or splice records undetected; [`Audit::verify`] names the first
//! broken link and its kind. Truncation of the tail is caught by comparing
//! with a [`Checkpoint`] the host keeps elsewhere.

use crate::clock::SharedClock;
use crate::crypto::{DataKey, Keyring};
use crate::error::{Error, Result};
use crate::storage::{AuditFilter, AuditRow, Backend, ChainedAudit, Op};
use crate::vocab::Scope;
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

mod verify;

pub use verify::{Broken, Checkpoint, TamperKind, VerifyReport};

/// The keyring owner that holds the audit key (a global-scope owner that no
/// context can produce: real global owners are always empty).
const AUDIT_OWNER: &str = "\u{1f}audit";
const ANCHOR: &str = "audit_anchor";
const CHECKPOINT: &str = "audit_checkpoint";
const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A new audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// On what.
    pub resource: String,
    /// Outcome.
    pub outcome: String,
    /// Details (never values or key material).
    pub details: Value,
}

impl AuditEntry {
    /// An entry with empty details.
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        resource: impl Into<String>,
        outcome: impl Into<String>,
    ) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            resource: resource.into(),
            outcome: outcome.into(),
            details: Value::Object(Default::default()),
        }
    }

    /// Sets the details.
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Serializes JSON with object keys sorted at every level, no whitespace.
pub fn canonical_json(v: &Value) -> String {
    fn write(v: &Value, out: &mut Vec<u8>) {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                out.push(b'{');
                for (i, (k, x)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // Writing a string or a scalar into a Vec cannot fail.
                    let _ = serde_json::to_writer(&mut *out, k);
                    out.push(b':');
                    write(x, out);
                }
                out.push(b'}');
            }
            Value::Array(a) => {
                out.push(b'[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(x, out);
                }
                out.push(b']');
            }
            other => {
                let _ = serde_json::to_writer(&mut *out, other);
            }
        }
    }
    let mut out = Vec::with_capacity(128);
    write(v, &mut out);
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

fn lp(mac: &mut Hmac<Sha256>, s: &str) {
    mac.update(&(s.len() as u64).to_be_bytes());
    mac.update(s.as_bytes());
}

/// The MAC of a record: HMAC-SHA256(key, prev_hash ‖ seq ‖ ts ‖ lp(actor) ‖
/// lp(action) ‖ lp(resource) ‖ lp(outcome) ‖ lp(details)).
fn record_mac(key: &[u8], r: &AuditRow) -> Result<String> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::internal("hmac key"))?;
    mac.update(b"vallum.audit.v1");
    lp(&mut mac, &r.prev_hash);
    mac.update(&r.seq.to_be_bytes());
    mac.update(&r.ts.to_be_bytes());
    for part in [&r.actor, &r.action, &r.resource, &r.outcome, &r.details] {
        lp(&mut mac, part);
    }
    Ok(crate::text::hex_encode(&mac.finalize().into_bytes()))
}

fn sign(key: &[u8], label: &str, seq: u64, head: &str, ts: i64) -> Result<String> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::internal("hmac key"))?;
    lp(&mut mac, label);
    mac.update(&seq.to_be_bytes());
    lp(&mut mac, head);
    mac.update(&ts.to_be_bytes());
    Ok(crate::text::hex_encode(&mac.finalize().into_bytes()))
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The last purged record, signed, so verification after a retention purge
/// starts from a trusted point.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Anchor {
    seq: u64,
    mac: String,
    ts: i64,
    signature: String,
}

pub(crate) struct AuditInner {
    store: Arc<dyn Backend>,
    keyring: Arc<Keyring>,
    clock: SharedClock,
    enabled: bool,
    retention_days: u32,
    /// Serializes purges.
    append: Mutex<()>,
    /// See [`Audit::genesis`].
    genesis: Mutex<Option<(u64, String)>>,
}

/// The audit API. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Audit {
    inner: Arc<AuditInner>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit")
            .field("enabled", &self.inner.enabled)
            .finish_non_exhaustive()
    }
}

impl Audit {
    pub(crate) fn new(
        store: Arc<dyn Backend>,
        keyring: Arc<Keyring>,
        clock: SharedClock,
        enabled: bool,
        retention_days: u32,
    ) -> Self {
        Self {
            inner: Arc::new(AuditInner {
                store,
                keyring,
                clock,
                enabled,
                retention_days,
                append: Mutex::new(()),
                genesis: Mutex::new(None),
            }),
        }
    }

    fn key(&self) -> Result<Arc<DataKey>> {
        let store = &*self.inner.store;
        match self
            .inner
            .keyring
            .key_for_decrypt(store, Scope::Global, AUDIT_OWNER, 1)
        {
            Ok(k) => Ok(k),
            // First use: create it (id 1). It is never used to encrypt values.
            Err(Error::DecryptionFailed { .. })
                if store.keys(Scope::Global, AUDIT_OWNER)?.is_empty() =>
            {
                self.inner
                    .keyring
                    .key_for_encrypt(store, Scope::Global, AUDIT_OWNER)
            }
            Err(e) => Err(e),
        }
    }

    /// Configured retention in days.
    pub fn retention_days(&self) -> u32 {
        self.inner.retention_days
    }

    /// Whether records are written (`enterpriseSecurity.audit.enabled`, default true).
    pub fn enabled(&self) -> bool {
        self.inner.enabled
    }

    /// Appends a record; returns its sequence number (0 when auditing is off).
    ///
    /// The store links the record to the chain when it writes it, in the
    /// order writes reach it, so concurrent appends share one commit
    /// instead of taking turns across it.
    pub fn append(&self, entry: AuditEntry) -> Result<u64> {
        if !self.inner.enabled {
            return Ok(0);
        }
        let key = self.key()?;
        let genesis = self.genesis()?;
        let assigned = Arc::new(AtomicU64::new(0));
        let seal = {
            let assigned = assigned.clone();
            Arc::new(move |row: &mut AuditRow| {
                row.mac = record_mac(&key.mac, row)?;
                assigned.store(row.seq, Ordering::Relaxed);
                Ok(())
            })
        };
        let row = AuditRow {
            seq: 0,
            ts: self.inner.clock.now_ms(),
            actor: entry.actor,
            action: entry.action,
            resource: entry.resource,
            outcome: entry.outcome,
            details: canonical_json(&entry.details),
            prev_hash: String::new(),
            mac: String::new(),
        };
        self.inner
            .store
            .apply(&[Op::ChainAudit(ChainedAudit { row, genesis, seal })])?;
        Ok(assigned.load(Ordering::Relaxed))
    }

    /// Where the chain starts when the store holds no record: the signed
    /// anchor of the last purge, or the beginning. Read once: a purge never
    /// removes the last record, so it changes only on a store that is empty.
    fn genesis(&self) -> Result<(u64, String)> {
        if let Some(g) = self.inner.genesis.lock().clone() {
            return Ok(g);
        }
        let g = match self.anchor()? {
            Some(a) => (a.seq, a.mac),
            None => (0, ZERO.to_string()),
        };
        *self.inner.genesis.lock() = Some(g.clone());
        Ok(g)
    }

    fn anchor(&self) -> Result<Option<Anchor>> {
        let Some(raw) = self.inner.store.meta(ANCHOR)? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&raw).map_err(|e| Error::CorruptStore {
            message: format!("audit anchor: {e}"),
        })?;
        let a: Anchor = serde_json::from_str(text).map_err(|e| Error::CorruptStore {
            message: format!("audit anchor: {e}"),
        })?;
        let key = self.key()?;
        if !ct_eq(
            &sign(&key.mac, "anchor", a.seq, &a.mac, a.ts)?,
            &a.signature,
        ) {
            return Err(Error::decryption("audit anchor: signature invalid"));
        }
        Ok(Some(a))
    }

    /// Records matching `filter`.
    pub fn query(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        self.inner.store.audit_query(filter)
    }

    /// Deletes records older than the retention period
    /// (`enterpriseSecurity.audit.retention` days, default 2555) and keeps
    /// the rest verifiable through a signed anchor. Returns records deleted.
    pub fn purge_expired(&self) -> Result<u64> {
        let cutoff = self.inner.clock.now_ms() - i64::from(self.inner.retention_days) * 86_400_000;
        let key = self.key()?;
        let _one_writer = self.inner.append.lock();
        let old = self.inner.store.audit_query(&AuditFilter {
            to: Some(cutoff),
            limit: Some(usize::MAX >> 1),
            ..Default::default()
        })?;
        // Only a prefix can go: stop at the first record inside retention.
        let first_kept = self.inner.store.audit_query(&AuditFilter {
            from: Some(cutoff),
            limit: Some(1),
            ..Default::default()
        })?;
        // The last record always stays, even when it is older than the
        // retention: the chain continues from it.
        let last_seq = self.inner.store.audit_last()?.map_or(0, |r| r.seq);
        let limit_seq = first_kept.first().map_or(last_seq, |r| r.seq.min(last_seq));
        let Some(last) = old.iter().take_while(|r| r.seq < limit_seq).last() else {
            return Ok(0);
        };
        let removed = old.iter().take_while(|r| r.seq < limit_seq).count() as u64;
        let anchor = Anchor {
            seq: last.seq,
            mac: last.mac.clone(),
            ts: last.ts,
            signature: sign(&key.mac, "anchor", last.seq, &last.mac, last.ts)?,
        };
        let raw = serde_json::to_vec(&anchor).map_err(|e| Error::Serialization {
            message: e.to_string(),
        })?;
        self.inner.store.apply(&[
            Op::PutMeta {
                name: ANCHOR.into(),
                value: raw,
            },
            Op::PurgeAudit { through: last.seq },
        ])?;
        Ok(removed)
    }

    /// Records matching `filter` as JSON (`vallum.audit.v1`), verifiable offline
    /// with [`Audit::verify_records`].
    pub fn export_json(&self, filter: &AuditFilter) -> Result<String> {
        let rows = self.query(filter)?;
        serde_json::to_string_pretty(
            &serde_json::json!({"format": "vallum.audit.v1", "records": rows}),
        )
        .map_err(|e| Error::Serialization {
            message: e.to_string(),
        })
    }

    /// Records matching `filter` as CSV.
    pub fn export_csv(&self, filter: &AuditFilter) -> Result<String> {
        let q = crate::csv::cell;
        let mut out = String::from("seq,ts,actor,action,resource,outcome,details,prev_hash,mac\n");
        for r in self.query(filter)? {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                r.seq,
                r.ts,
                q(&r.actor),
                q(&r.action),
                q(&r.resource),
                q(&r.outcome),
                q(&r.details),
                r.prev_hash,
                r.mac
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
