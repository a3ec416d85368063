//! The browser's store: an in-memory backend that remembers which rows each
//! write touched, so the host can copy exactly those rows to durable storage
//! it owns (IndexedDB, in `@vallum/wasm`), and rebuilt from those rows on the
//! next page load.
//!
//! Rows are what the SQLite backend stores: sealed entries, wrapped data keys,
//! store metadata, audit records and usage rows. None of them holds a
//! plaintext value or key material; the master key is never part of a row.
//!
//! A row is a stable id (JSON text, unique per row) and a value (JSON bytes,
//! binary fields in base64). [`JournaledBackend::take_changes`] returns the
//! rows written or deleted since the last call, each id once, with its current
//! value (`None`: deleted). Applying them in order to a key-value store keeps
//! that store equal to this backend.

use super::{
    AuditFilter, AuditRow, Backend, EntrySize, KeyRecord, MemoryBackend, Op, ScopeUsage,
    StoredEntry, UsageField, UsageRow,
};
use crate::error::{Error, Result};
use crate::vocab::Scope;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One row that changed: its id and its current value (`None`: deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    /// The row's id (JSON text).
    pub id: String,
    /// The row's encoded value, or `None` when the row no longer exists.
    pub value: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RowId {
    Entry(Scope, String, String),
    Key(Scope, String, u32),
    Meta(String),
    Audit(u64),
    State(String, String),
}

impl RowId {
    fn text(&self) -> String {
        let v = match self {
            RowId::Entry(s, o, k) => serde_json::json!(["entry", s.as_str(), o, k]),
            RowId::Key(s, o, id) => serde_json::json!(["key", s.as_str(), o, id]),
            RowId::Meta(n) => serde_json::json!(["meta", n]),
            RowId::Audit(seq) => serde_json::json!(["audit", seq]),
            RowId::State(k, id) => serde_json::json!(["state", k, id]),
        };
        v.to_string()
    }
}

/// The encoded form of a row's value.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
enum Row {
    #[serde(rename_all = "camelCase")]
    Entry {
        scope: Scope,
        owner: String,
        key: String,
        value: String,
        tags: Vec<String>,
        created_at: i64,
        updated_at: i64,
        expires_at: Option<i64>,
    },
    #[serde(rename_all = "camelCase")]
    Key {
        scope: Scope,
        owner: String,
        key_id: u32,
        wrapped: String,
        reserved_uses: u64,
        retired: bool,
        created_at: i64,
    },
    Meta {
        name: String,
        value: String,
    },
    State {
        #[serde(rename = "of")]
        kind: String,
        id: String,
        value: String,
    },
    Audit(AuditRow),
    Usage {
        seq: u64,
        row: UsageRecord,
    },
}

/// [`UsageRow`] with deserialization (the row type only serializes).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UsageRecord {
    at: i64,
    model: String,
    input_tokens: i64,
    output_tokens: i64,
    cached_input_tokens: i64,
    reasoning_tokens: i64,
    cache_write_tokens: i64,
    cost_micros: i64,
    #[serde(default)]
    organization: Option<String>,
    user: Option<String>,
    team: Option<String>,
    department: Option<String>,
    cost_center: Option<String>,
    project: Option<String>,
}

impl From<&UsageRow> for UsageRecord {
    fn from(r: &UsageRow) -> Self {
        Self {
            at: r.at,
            model: r.model.clone(),
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cached_input_tokens: r.cached_input_tokens,
            reasoning_tokens: r.reasoning_tokens,
            cache_write_tokens: r.cache_write_tokens,
            cost_micros: r.cost_micros,
            organization: r.organization.clone(),
            user: r.user.clone(),
            team: r.team.clone(),
            department: r.department.clone(),
            cost_center: r.cost_center.clone(),
            project: r.project.clone(),
        }
    }
}

impl From<UsageRecord> for UsageRow {
    fn from(r: UsageRecord) -> Self {
        Self {
            at: r.at,
            model: r.model,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cached_input_tokens: r.cached_input_tokens,
            reasoning_tokens: r.reasoning_tokens,
            cache_write_tokens: r.cache_write_tokens,
            cost_micros: r.cost_micros,
            organization: r.organization,
            user: r.user,
            team: r.team,
            department: r.department,
            cost_center: r.cost_center,
            project: r.project,
        }
    }
}

fn encode(row: &Row) -> Result<Vec<u8>> {
    serde_json::to_vec(row).map_err(|e| Error::Serialization {
        message: format!("encoding a stored row: {e}"),
    })
}

fn decode_b64(id: &str, field: &str, text: &str) -> Result<Vec<u8>> {
    B64.decode(text).map_err(|e| Error::CorruptStore {
        message: format!("row {id}: `{field}` is not base64: {e}"),
    })
}

#[derive(Debug, Default)]
struct Journal {
    dirty: BTreeSet<RowId>,
    usage: Vec<(u64, UsageRow)>,
    next_usage_seq: u64,
}

/// A [`MemoryBackend`] that journals the rows each write touches (see the
/// module documentation).
#[derive(Debug, Default)]
pub struct JournaledBackend {
    inner: MemoryBackend,
    journal: Mutex<Journal>,
}

impl JournaledBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a store from rows previously returned by
    /// [`JournaledBackend::take_changes`] (their values, in any order). A row
    /// that does not decode is a [`Error::CorruptStore`] naming it; nothing is
    /// half-loaded.
    pub fn restore<'a>(rows: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<Self> {
        let mut ops = Vec::new();
        let mut usage = Vec::new();
        let mut next_usage_seq = 0u64;
        for (id, bytes) in rows {
            let row: Row = std::str::from_utf8(bytes)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(t).map_err(|e| e.to_string()))
                .map_err(|e| Error::CorruptStore {
                    message: format!("row {id} does not decode: {e}"),
                })?;
            match row {
                Row::Entry {
                    scope,
                    owner,
                    key,
                    value,
                    tags,
                    created_at,
                    updated_at,
                    expires_at,
                } => ops.push(Op::PutEntry(StoredEntry {
                    value: decode_b64(id, "value", &value)?,
                    scope,
                    owner,
                    key,
                    tags,
                    created_at,
                    updated_at,
                    expires_at,
                })),
                Row::Key {
                    scope,
                    owner,
                    key_id,
                    wrapped,
                    reserved_uses,
                    retired,
                    created_at,
                } => ops.push(Op::PutKey(KeyRecord {
                    wrapped: decode_b64(id, "wrapped", &wrapped)?,
                    scope,
                    owner,
                    key_id,
                    reserved_uses,
                    retired,
                    created_at,
                })),
                Row::Meta { name, value } => ops.push(Op::PutMeta {
                    value: decode_b64(id, "value", &value)?,
                    name,
                }),
                Row::Audit(r) => ops.push(Op::AppendAudit(r)),
                Row::State {
                    kind,
                    id: row_id,
                    value,
                } => ops.push(Op::PutState {
                    value: decode_b64(id, "value", &value)?,
                    kind,
                    id: row_id,
                }),
                Row::Usage { seq, row } => {
                    next_usage_seq = next_usage_seq.max(seq.saturating_add(1));
                    usage.push((seq, UsageRow::from(row)));
                }
            }
        }
        usage.sort_unstable_by_key(|(seq, _)| *seq);
        let inner = MemoryBackend::new();
        inner.apply(&ops)?;
        let rows: Vec<UsageRow> = usage.into_iter().map(|(_, r)| r).collect();
        inner.append_usage(&rows)?;
        Ok(Self {
            inner,
            journal: Mutex::new(Journal {
                next_usage_seq,
                ..Journal::default()
            }),
        })
    }

    /// The rows written or deleted since the last call, each once, with
    /// their current values. Afterwards the journal is empty.
    pub fn take_changes(&self) -> Result<Vec<RowChange>> {
        let (dirty, usage) = {
            let mut j = self.journal.lock();
            (std::mem::take(&mut j.dirty), std::mem::take(&mut j.usage))
        };
        let mut out = Vec::with_capacity(dirty.len() + usage.len());
        for id in dirty {
            let value = self.current(&id)?;
            out.push(RowChange {
                id: id.text(),
                value: value.map(|row| encode(&row)).transpose()?,
            });
        }
        for (seq, row) in usage {
            out.push(RowChange {
                id: serde_json::json!(["usage", seq]).to_string(),
                value: Some(encode(&Row::Usage {
                    seq,
                    row: UsageRecord::from(&row),
                })?),
            });
        }
        Ok(out)
    }

    /// Whether writes are waiting in the journal.
    pub fn has_changes(&self) -> bool {
        let j = self.journal.lock();
        !j.dirty.is_empty() || !j.usage.is_empty()
    }

    fn current(&self, id: &RowId) -> Result<Option<Row>> {
        Ok(match id {
            RowId::Entry(s, o, k) => self.inner.get(*s, o, k)?.map(|e| Row::Entry {
                value: B64.encode(&e.value),
                scope: e.scope,
                owner: e.owner,
                key: e.key,
                tags: e.tags,
                created_at: e.created_at,
                updated_at: e.updated_at,
                expires_at: e.expires_at,
            }),
            RowId::Key(s, o, key_id) => self
                .inner
                .keys(*s, o)?
                .into_iter()
                .find(|k| k.key_id == *key_id)
                .map(|k| Row::Key {
                    wrapped: B64.encode(&k.wrapped),
                    scope: k.scope,
                    owner: k.owner,
                    key_id: k.key_id,
                    reserved_uses: k.reserved_uses,
                    retired: k.retired,
                    created_at: k.created_at,
                }),
            RowId::Meta(name) => self.inner.meta(name)?.map(|v| Row::Meta {
                name: name.clone(),
                value: B64.encode(v),
            }),
            RowId::State(kind, id) => self.inner.state_row(kind, id).map(|v| Row::State {
                kind: kind.clone(),
                id: id.clone(),
                value: B64.encode(v),
            }),
            RowId::Audit(seq) => self
                .inner
                .audit_after(seq.saturating_sub(1), 1)?
                .into_iter()
                .find(|r| r.seq == *seq)
                .map(Row::Audit),
        })
    }

    /// The rows `ops` may change, read before they are applied (deletions of
    /// many rows need to know which rows exist).
    fn touched(&self, ops: &[Op], dirty: &mut BTreeSet<RowId>) -> Result<()> {
        for op in ops {
            match op {
                Op::PutEntry(e) => {
                    dirty.insert(RowId::Entry(e.scope, e.owner.clone(), e.key.clone()));
                }
                Op::DeleteEntry { scope, owner, key } => {
                    dirty.insert(RowId::Entry(*scope, owner.clone(), key.clone()));
                }
                Op::ClearOwner { scope, owner } => {
                    for e in self.inner.entries(*scope, owner)? {
                        dirty.insert(RowId::Entry(e.scope, e.owner, e.key));
                    }
                }
                Op::ForgetTree { root } => {
                    for (scope, owner) in self.inner.owners_in_tree(root)? {
                        for e in self.inner.entries(scope, &owner)? {
                            dirty.insert(RowId::Entry(e.scope, e.owner, e.key));
                        }
                        for k in self.inner.keys(scope, &owner)? {
                            dirty.insert(RowId::Key(k.scope, k.owner, k.key_id));
                        }
                    }
                }
                Op::PutKey(k) | Op::InsertKey(k) => {
                    dirty.insert(RowId::Key(k.scope, k.owner.clone(), k.key_id));
                }
                Op::UpdateKeyUse {
                    scope,
                    owner,
                    key_id,
                    ..
                } => {
                    dirty.insert(RowId::Key(*scope, owner.clone(), *key_id));
                }
                Op::RequireKey { .. } => {}
                Op::BumpKeyGeneration => {
                    dirty.insert(RowId::Meta(super::KEY_GENERATION.into()));
                }
                Op::DeleteKey {
                    scope,
                    owner,
                    key_id,
                } => {
                    dirty.insert(RowId::Key(*scope, owner.clone(), *key_id));
                }
                Op::AppendAudit(r) => {
                    dirty.insert(RowId::Audit(r.seq));
                }
                Op::PurgeAudit { through } => {
                    let mut after = 0;
                    loop {
                        let batch = self.inner.audit_after(after, 1024)?;
                        let Some(last) = batch.last().map(|r| r.seq) else {
                            break;
                        };
                        for r in batch.iter().take_while(|r| r.seq <= *through) {
                            dirty.insert(RowId::Audit(r.seq));
                        }
                        if last >= *through {
                            break;
                        }
                        after = last;
                    }
                }
                Op::PutMeta { name, .. } => {
                    dirty.insert(RowId::Meta(name.clone()));
                }
                Op::PutState { kind, id, .. } | Op::DeleteState { kind, id } => {
                    dirty.insert(RowId::State(kind.clone(), id.clone()));
                }
                Op::PurgeState { kind, below } => {
                    let mut after = String::new();
                    loop {
                        let rows = self.inner.state(kind, &after, 1024)?;
                        let Some(last) = rows.last().map(|(id, _)| id.clone()) else {
                            break;
                        };
                        for (id, _) in rows.iter().take_while(|(id, _)| id < below) {
                            dirty.insert(RowId::State(kind.clone(), id.clone()));
                        }
                        if last >= *below {
                            break;
                        }
                        after = last;
                    }
                }
                // Known once applied (see `apply`).
                Op::ChainAudit(_) | Op::AppendUsage(_) => {}
            }
        }
        Ok(())
    }
}

impl Backend for JournaledBackend {
    fn apply(&self, ops: &[Op]) -> Result<()> {
        // Held across both steps so the journal and the store agree.
        let mut j = self.journal.lock();
        let mut touched = BTreeSet::new();
        self.touched(ops, &mut touched)?;
        let chained = ops
            .iter()
            .filter(|op| matches!(op, Op::ChainAudit(_)))
            .count();
        let before = match chained {
            0 => 0,
            _ => self.inner.audit_last()?.map_or(0, |r| r.seq),
        };
        self.inner.apply(ops)?;
        if chained > 0 {
            for r in self.inner.audit_after(before, chained)? {
                touched.insert(RowId::Audit(r.seq));
            }
        }
        for op in ops {
            if let Op::AppendUsage(r) = op {
                let seq = j.next_usage_seq;
                j.next_usage_seq += 1;
                j.usage.push((seq, r.clone()));
            }
        }
        j.dirty.append(&mut touched);
        Ok(())
    }

    fn get(&self, scope: Scope, owner: &str, key: &str) -> Result<Option<StoredEntry>> {
        self.inner.get(scope, owner, key)
    }

    fn entries(&self, scope: Scope, owner: &str) -> Result<Vec<StoredEntry>> {
        self.inner.entries(scope, owner)
    }

    fn entry_sizes(&self, scope: Scope, owner: &str) -> Result<Vec<EntrySize>> {
        self.inner.entry_sizes(scope, owner)
    }

    fn owners_in_tree(&self, root: &str) -> Result<Vec<(Scope, String)>> {
        self.inner.owners_in_tree(root)
    }

    fn keys(&self, scope: Scope, owner: &str) -> Result<Vec<KeyRecord>> {
        self.inner.keys(scope, owner)
    }

    fn all_keys(&self) -> Result<Vec<KeyRecord>> {
        self.inner.all_keys()
    }

    fn expired(&self, now: i64, limit: usize) -> Result<Vec<(Scope, String, String)>> {
        self.inner.expired(now, limit)
    }

    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.inner.meta(name)
    }

    fn usage(&self, scope: Scope) -> Result<ScopeUsage> {
        self.inner.usage(scope)
    }

    fn compact(&self) -> Result<Option<u64>> {
        self.inner.compact()
    }

    fn is_persistent(&self) -> bool {
        // The host persists the journal; to the core this is durable storage.
        true
    }

    fn usage_between(&self, from: i64, to: i64) -> Result<Vec<UsageRow>> {
        self.inner.usage_between(from, to)
    }

    fn state(&self, kind: &str, after: &str, limit: usize) -> Result<Vec<(String, Vec<u8>)>> {
        self.inner.state(kind, after, limit)
    }

    fn usage_total(
        &self,
        from: i64,
        to: i64,
        organization: Option<&str>,
        filter: Option<(UsageField, &str)>,
    ) -> Result<i64> {
        self.inner.usage_total(from, to, organization, filter)
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRow>> {
        self.inner.audit_after(after, limit)
    }

    fn audit_last(&self) -> Result<Option<AuditRow>> {
        self.inner.audit_last()
    }

    fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        self.inner.audit_query(filter)
    }

    fn unencrypted_entries(&self) -> Result<u64> {
        self.inner.unencrypted_entries()
    }
}

#[cfg(test)]
mod tests;
