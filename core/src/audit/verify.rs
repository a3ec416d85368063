//! Verifying the chain: every record's MAC and link, the first broken one
//! named with its kind, and signed checkpoints of the head that catch
//! truncation when kept elsewhere.

use super::{ct_eq, record_mac, sign, Audit, CHECKPOINT, ZERO};
use crate::error::{Error, Result};
use crate::storage::{AuditRow, Op};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TamperKind {
    /// A record's content, MAC or link was changed.
    Modified,
    /// One or more records are missing before this one.
    Deleted,
    /// An authentic record appears out of order.
    Reordered,
    /// A record that does not belong to the chain was added.
    Inserted,
    /// The log ends before a checkpoint's head.
    Truncated,
}

/// The first broken link found by [`Audit::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Broken {
    /// Sequence number of the record where the chain breaks.
    pub seq: u64,
    /// What kind of tampering.
    pub kind: TamperKind,
    /// Details.
    pub detail: String,
}

/// The result of verifying the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// No broken link.
    pub ok: bool,
    /// Records checked.
    pub checked: u64,
    /// The first broken link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<Broken>,
    /// Sequence number and MAC of the last record checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<(u64, String)>,
}

/// A signed statement of the log's head. Keep copies outside the database:
/// a log that no longer reaches a checkpoint's head was truncated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Checkpoint {
    /// Sequence number of the head.
    pub seq: u64,
    /// MAC of the head record.
    pub head: String,
    /// When it was made (ms).
    pub ts: i64,
    /// HMAC over the three fields above, under the audit key.
    pub signature: String,
}

impl Audit {
    /// Verifies the whole stored log from its start (or the retention anchor).
    pub fn verify(&self) -> Result<VerifyReport> {
        let (start_seq, start_prev) = match self.anchor()? {
            Some(a) => (a.seq + 1, a.mac),
            None => (1, ZERO.to_string()),
        };
        let mut rows = Vec::new();
        let mut after = start_seq.saturating_sub(1);
        loop {
            let chunk = self.inner.store.audit_after(after, 10_000)?;
            let Some(last) = chunk.last() else { break };
            after = last.seq;
            rows.extend(chunk);
        }
        self.verify_records(&rows, start_seq, &start_prev)
    }

    /// Verifies a sequence of records (e.g. an exported file) that should
    /// start at `start_seq` after a record whose MAC is `start_prev`
    /// (1 and 64 zeros for a whole log).
    pub fn verify_records(
        &self,
        rows: &[AuditRow],
        start_seq: u64,
        start_prev: &str,
    ) -> Result<VerifyReport> {
        let key = self.key()?;
        let valid: Vec<bool> = rows
            .iter()
            .map(|r| record_mac(&key.mac, r).map(|m| ct_eq(&m, &r.mac)))
            .collect::<Result<_>>()?;
        let position: HashMap<&str, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.mac.as_str(), i))
            .collect();
        let mut expected_prev = start_prev.to_string();
        let mut expected_seq = start_seq;
        let mut report = VerifyReport {
            ok: true,
            checked: 0,
            broken: None,
            head: None,
        };
        for (i, r) in rows.iter().enumerate() {
            let broken = |kind, detail: String| Broken {
                seq: r.seq,
                kind,
                detail,
            };
            let verdict = if !valid[i] {
                // Content no longer matches its MAC. If the chain resumes
                // after it as if it were absent, it was inserted.
                let resumes = rows
                    .get(i + 1)
                    .is_some_and(|n| valid[i + 1] && n.prev_hash == expected_prev);
                Some(if resumes {
                    broken(
                        TamperKind::Inserted,
                        "a record that is not part of the chain".into(),
                    )
                } else {
                    broken(
                        TamperKind::Modified,
                        "the record does not match its MAC".into(),
                    )
                })
            } else if r.prev_hash != expected_prev {
                match position.get(r.prev_hash.as_str()) {
                    Some(&j) if j > i => Some(broken(
                        TamperKind::Reordered,
                        format!("its predecessor #{} appears after it", rows[j].seq),
                    )),
                    Some(&j) if j < i => Some(broken(
                        TamperKind::Reordered,
                        format!(
                            "it follows #{} but appears after #{}",
                            rows[j].seq,
                            expected_seq - 1
                        ),
                    )),
                    _ if r.seq > expected_seq => Some(broken(
                        TamperKind::Deleted,
                        format!("records #{expected_seq}–#{} are missing", r.seq - 1),
                    )),
                    _ => Some(broken(
                        TamperKind::Inserted,
                        "a record from another chain".into(),
                    )),
                }
            } else if r.seq != expected_seq {
                Some(broken(
                    TamperKind::Modified,
                    format!(
                        "sequence number {} where {expected_seq} was expected",
                        r.seq
                    ),
                ))
            } else {
                None
            };
            if let Some(b) = verdict {
                report.ok = false;
                report.broken = Some(b);
                return Ok(report);
            }
            report.checked += 1;
            expected_prev = r.mac.clone();
            expected_seq = r.seq + 1;
            report.head = Some((r.seq, r.mac.clone()));
        }
        Ok(report)
    }

    /// Signs the current head; keep the checkpoint outside the database.
    /// A copy is also stored in the database for convenience.
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        let key = self.key()?;
        let (seq, head) = match self.inner.store.audit_last()? {
            Some(r) => (r.seq, r.mac),
            None => (0, ZERO.to_string()),
        };
        let ts = self.inner.clock.now_ms();
        let cp = Checkpoint {
            seq,
            signature: sign(&key.mac, "checkpoint", seq, &head, ts)?,
            head,
            ts,
        };
        let raw = serde_json::to_vec(&cp).map_err(|e| Error::Serialization {
            message: e.to_string(),
        })?;
        self.inner.store.apply(&[Op::PutMeta {
            name: CHECKPOINT.into(),
            value: raw,
        }])?;
        Ok(cp)
    }

    /// The checkpoint stored in the database, if any.
    pub fn stored_checkpoint(&self) -> Result<Option<Checkpoint>> {
        match self.inner.store.meta(CHECKPOINT)? {
            None => Ok(None),
            Some(raw) => std::str::from_utf8(&raw)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(t).map_err(|e| e.to_string()))
                .map(Some)
                .map_err(|e| Error::CorruptStore {
                    message: format!("audit checkpoint: {e}"),
                }),
        }
    }

    /// Verifies the log and that it still reaches `cp`'s head: a forged
    /// checkpoint is `decryption_failed`; a log that ends before it is `Truncated`.
    pub fn verify_against(&self, cp: &Checkpoint) -> Result<VerifyReport> {
        let key = self.key()?;
        if !ct_eq(
            &sign(&key.mac, "checkpoint", cp.seq, &cp.head, cp.ts)?,
            &cp.signature,
        ) {
            return Err(Error::decryption("audit checkpoint: signature invalid"));
        }
        let mut report = self.verify()?;
        if !report.ok || cp.seq == 0 {
            return Ok(report);
        }
        // A checkpoint taken before a retention purge points into the purged
        // prefix: the signed anchor vouches for it. At the anchor itself the
        // heads must agree; below it the chain the anchor closed covered it.
        if let Some(a) = self.anchor()? {
            if cp.seq < a.seq {
                return Ok(report);
            }
            if cp.seq == a.seq {
                if !ct_eq(&a.mac, &cp.head) {
                    report.ok = false;
                    report.broken = Some(Broken {
                        seq: cp.seq,
                        kind: TamperKind::Modified,
                        detail: "the retention anchor differs from the checkpoint's head".into(),
                    });
                }
                return Ok(report);
            }
        }
        let reached = self.inner.store.audit_after(cp.seq - 1, 1)?;
        match reached.first() {
            Some(r) if r.seq == cp.seq && ct_eq(&r.mac, &cp.head) => {}
            Some(r) if r.seq == cp.seq => {
                report.ok = false;
                report.broken = Some(Broken {
                    seq: r.seq,
                    kind: TamperKind::Modified,
                    detail: "differs from the checkpoint's head".into(),
                });
            }
            _ => {
                let last = report.head.as_ref().map_or(0, |h| h.0);
                report.ok = false;
                report.broken = Some(Broken {
                    seq: last + 1,
                    kind: TamperKind::Truncated,
                    detail: format!(
                        "the log ends at #{last}; the checkpoint reaches #{}",
                        cp.seq
                    ),
                });
            }
        }
        Ok(report)
    }
}
