//! Rows of the SQLite tables as the storage types, and their column lists.

use crate::storage::{AuditRow, KeyRecord, StoredEntry};
use crate::vocab::Scope;
use rusqlite::Row;

pub(super) fn scope_of(s: &str) -> rusqlite::Result<Scope> {
    Scope::parse(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(super) fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<StoredEntry> {
    let scope: String = r.get(0)?;
    let tags: String = r.get(4)?;
    Ok(StoredEntry {
        scope: scope_of(&scope)?,
        owner: r.get(1)?,
        key: r.get(2)?,
        value: r.get(3)?,
        tags: serde_json::from_str(&tags).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        expires_at: r.get(7)?,
    })
}

pub(super) fn key_from_row(r: &Row<'_>) -> rusqlite::Result<KeyRecord> {
    let scope: String = r.get(0)?;
    Ok(KeyRecord {
        scope: scope_of(&scope)?,
        owner: r.get(1)?,
        key_id: r.get(2)?,
        wrapped: r.get(3)?,
        reserved_uses: r.get::<_, i64>(4)? as u64,
        retired: r.get(5)?,
        created_at: r.get(6)?,
    })
}

pub(super) const ENTRY_COLS: &str =
    "scope, owner, key, value, tags, created_at, updated_at, expires_at";
pub(super) const KEY_COLS: &str =
    "scope, owner, key_id, wrapped, reserved_uses, retired, created_at";

pub(super) const AUDIT_COLS: &str =
    "seq, ts, actor, action, resource, outcome, details, prev_hash, mac";

pub(super) fn audit_from_row(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get::<_, i64>(0)? as u64,
        ts: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        resource: r.get(4)?,
        outcome: r.get(5)?,
        details: r.get(6)?,
        prev_hash: r.get(7)?,
        mac: r.get(8)?,
    })
}

pub(super) const USAGE_COLS: &str =
    "at, model, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, \
     cache_write_tokens, cost_micros, user, team, department, cost_center, project, organization";
