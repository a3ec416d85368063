//! The embedded default: SQLite through rusqlite (bundled), WAL journal,
//! cached prepared statements, one transaction per batch, versioned schema.

use super::{
    decode_generation, key_conflict, tree_bounds, AuditFilter, AuditRow, Backend, EntrySize,
    KeyRecord, Op, ScopeUsage, StoredEntry, UsageField, UsageRow, KEY_GENERATION,
};
use crate::error::{Error, Result};
use crate::vocab::Scope;
use parking_lot::Mutex;
use rusqlite::{params, Connection, ErrorCode as SqlCode, OptionalExtension};
use std::path::PathBuf;

mod open;
mod rows;

use rows::{
    audit_from_row, entry_from_row, key_from_row, scope_of, AUDIT_COLS, ENTRY_COLS, KEY_COLS,
    USAGE_COLS,
};

/// One writer per file: opening takes an exclusive OS lock on a file beside
/// the database (`<path>.lock`), held until the backend is dropped. A second
/// opener — another process, or the same process again — gets
/// [`Error::StoreLocked`] and touches nothing.
#[derive(Debug)]
pub struct SqliteBackend {
    /// `None` once closed.
    conn: Mutex<Option<Connection>>,
    path: PathBuf,
    /// The exclusive lock (released on close or drop).
    lock: Mutex<Option<std::fs::File>>,
}

fn sql_err(e: rusqlite::Error) -> Error {
    if matches!(
        e,
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..)
    ) {
        return Error::CorruptStore {
            message: format!("a stored row has an unexpected shape: {e}"),
        };
    }
    match e.sqlite_error_code() {
        Some(SqlCode::NotADatabase) | Some(SqlCode::DatabaseCorrupt) => Error::CorruptStore {
            message: e.to_string(),
        },
        _ => Error::storage(e),
    }
}

impl Backend for SqliteBackend {
    fn apply(&self, ops: &[Op]) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        for op in ops {
            match op {
                Op::PutEntry(e) => {
                    let tags =
                        serde_json::to_string(&e.tags).map_err(|err| Error::Serialization {
                            message: err.to_string(),
                        })?;
                    tx.prepare_cached(
                        "INSERT INTO entries
                         (scope, owner, key, value, tags, size, created_at, updated_at, expires_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                         ON CONFLICT (scope, owner, key) DO UPDATE SET
                           value = excluded.value, tags = excluded.tags, size = excluded.size,
                           updated_at = excluded.updated_at, expires_at = excluded.expires_at",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            e.scope.as_str(),
                            e.owner,
                            e.key,
                            e.value,
                            tags,
                            e.stored_size() as i64,
                            e.created_at,
                            e.updated_at,
                            e.expires_at
                        ])
                    })
                    .map_err(sql_err)?;
                }
                Op::DeleteEntry { scope, owner, key } => {
                    tx.prepare_cached(
                        "DELETE FROM entries WHERE scope = ?1 AND owner = ?2 AND key = ?3",
                    )
                    .and_then(|mut s| s.execute(params![scope.as_str(), owner, key]))
                    .map_err(sql_err)?;
                }
                Op::ClearOwner { scope, owner } => {
                    tx.prepare_cached("DELETE FROM entries WHERE scope = ?1 AND owner = ?2")
                        .and_then(|mut s| s.execute(params![scope.as_str(), owner]))
                        .map_err(sql_err)?;
                }
                Op::ForgetTree { root } => {
                    let (lo, hi) = tree_bounds(root);
                    for table in ["entries", "data_keys"] {
                        tx.prepare_cached(&format!(
                            "DELETE FROM {table} WHERE scope <> 'global'
                             AND (owner = ?1 OR (owner > ?2 AND owner < ?3))"
                        ))
                        .and_then(|mut s| s.execute(params![root, lo, hi]))
                        .map_err(sql_err)?;
                    }
                }
                Op::PutKey(k) | Op::InsertKey(k) => {
                    let verb = if matches!(op, Op::PutKey(_)) {
                        "INSERT OR REPLACE"
                    } else {
                        "INSERT"
                    };
                    tx.prepare_cached(&format!(
                        "{verb} INTO data_keys ({KEY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                    ))
                    .and_then(|mut s| {
                        s.execute(params![
                            k.scope.as_str(),
                            k.owner,
                            k.key_id,
                            k.wrapped,
                            k.reserved_uses as i64,
                            k.retired,
                            k.created_at
                        ])
                    })
                    .map_err(|e| match e.sqlite_error_code() {
                        Some(SqlCode::ConstraintViolation) => {
                            key_conflict(k.scope, k.key_id, "was created by another writer")
                        }
                        _ => sql_err(e),
                    })?;
                }
                Op::UpdateKeyUse {
                    scope,
                    owner,
                    key_id,
                    expected,
                    reserved_uses,
                    retired,
                } => {
                    let n = tx
                        .prepare_cached(
                            "UPDATE data_keys SET reserved_uses = ?5, retired = ?6
                             WHERE scope = ?1 AND owner = ?2 AND key_id = ?3 AND reserved_uses = ?4",
                        )
                        .and_then(|mut s| {
                            s.execute(params![
                                scope.as_str(),
                                owner,
                                key_id,
                                *expected as i64,
                                *reserved_uses as i64,
                                retired
                            ])
                        })
                        .map_err(sql_err)?;
                    if n == 0 {
                        return Err(key_conflict(
                            *scope,
                            *key_id,
                            "was reserved or destroyed by another writer",
                        ));
                    }
                }
                Op::RequireKey {
                    scope,
                    owner,
                    key_id,
                } => {
                    let live: bool = tx
                        .prepare_cached(
                            "SELECT count(*) FROM data_keys
                             WHERE scope = ?1 AND owner = ?2 AND key_id = ?3 AND retired = 0",
                        )
                        .and_then(|mut s| {
                            s.query_row(params![scope.as_str(), owner, key_id], |r| {
                                r.get::<_, i64>(0)
                            })
                        })
                        .map_err(sql_err)?
                        > 0;
                    if !live {
                        return Err(key_conflict(
                            *scope,
                            *key_id,
                            "was retired or destroyed by another writer",
                        ));
                    }
                }
                Op::BumpKeyGeneration => {
                    let raw: Option<Vec<u8>> = tx
                        .prepare_cached("SELECT value FROM meta WHERE name = ?1")
                        .and_then(|mut s| {
                            s.query_row(params![KEY_GENERATION], |r| r.get(0))
                                .optional()
                        })
                        .map_err(sql_err)?;
                    let next = decode_generation(raw.as_deref())? + 1;
                    tx.prepare_cached("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)")
                        .and_then(|mut s| {
                            s.execute(params![KEY_GENERATION, next.to_be_bytes().to_vec()])
                        })
                        .map_err(sql_err)?;
                }
                Op::DeleteKey {
                    scope,
                    owner,
                    key_id,
                } => {
                    tx.prepare_cached(
                        "DELETE FROM data_keys WHERE scope = ?1 AND owner = ?2 AND key_id = ?3",
                    )
                    .and_then(|mut s| s.execute(params![scope.as_str(), owner, key_id]))
                    .map_err(sql_err)?;
                }
                Op::AppendAudit(r) => {
                    tx.prepare_cached(&format!("INSERT INTO audit ({AUDIT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"))
                        .and_then(|mut s| {
                            s.execute(params![
                                r.seq as i64, r.ts, r.actor, r.action, r.resource, r.outcome, r.details, r.prev_hash, r.mac
                            ])
                        })
                        .map_err(sql_err)?;
                }
                Op::PurgeAudit { through } => {
                    tx.prepare_cached("DELETE FROM audit WHERE seq <= ?1")
                        .and_then(|mut s| s.execute(params![*through as i64]))
                        .map_err(sql_err)?;
                }
                Op::PutMeta { name, value } => {
                    tx.prepare_cached("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)")
                        .and_then(|mut s| s.execute(params![name, value]))
                        .map_err(sql_err)?;
                }
            }
        }
        tx.commit().map_err(sql_err)
    }

    fn get(&self, scope: Scope, owner: &str, key: &str) -> Result<Option<StoredEntry>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLS} FROM entries WHERE scope = ?1 AND owner = ?2 AND key = ?3"
            ))
            .map_err(sql_err)?;
        stmt.query_row(params![scope.as_str(), owner, key], entry_from_row)
            .optional()
            .map_err(sql_err)
    }

    fn get_many(
        &self,
        scope: Scope,
        owner: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<StoredEntry>>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLS} FROM entries WHERE scope = ?1 AND owner = ?2 AND key = ?3"
            ))
            .map_err(sql_err)?;
        keys.iter()
            .map(|k| {
                stmt.query_row(params![scope.as_str(), owner, k], entry_from_row)
                    .optional()
                    .map_err(sql_err)
            })
            .collect()
    }

    fn entries(&self, scope: Scope, owner: &str) -> Result<Vec<StoredEntry>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLS} FROM entries WHERE scope = ?1 AND owner = ?2 ORDER BY key"
            ))
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![scope.as_str(), owner], entry_from_row)
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn entry_sizes(&self, scope: Scope, owner: &str) -> Result<Vec<EntrySize>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT key, size, updated_at FROM entries WHERE scope = ?1 AND owner = ?2 ORDER BY key",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![scope.as_str(), owner], |r| {
                Ok(EntrySize {
                    key: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    updated_at: r.get(2)?,
                })
            })
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn owners_in_tree(&self, root: &str) -> Result<Vec<(Scope, String)>> {
        let (lo, hi) = tree_bounds(root);
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT scope, owner FROM entries WHERE scope <> 'global' AND (owner = ?1 OR (owner > ?2 AND owner < ?3))
                 UNION
                 SELECT scope, owner FROM data_keys WHERE scope <> 'global' AND (owner = ?1 OR (owner > ?2 AND owner < ?3))",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![root, lo, hi], |r| {
                let s: String = r.get(0)?;
                Ok((scope_of(&s)?, r.get(1)?))
            })
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn keys(&self, scope: Scope, owner: &str) -> Result<Vec<KeyRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {KEY_COLS} FROM data_keys WHERE scope = ?1 AND owner = ?2 ORDER BY key_id"
            ))
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![scope.as_str(), owner], key_from_row)
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn all_keys(&self) -> Result<Vec<KeyRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {KEY_COLS} FROM data_keys"))
            .map_err(sql_err)?;
        let rows = stmt.query_map([], key_from_row).map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn expired(&self, now: i64, limit: usize) -> Result<Vec<(Scope, String, String)>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT scope, owner, key FROM entries
                 WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![now, limit as i64], |r| {
                let s: String = r.get(0)?;
                Ok((scope_of(&s)?, r.get(1)?, r.get(2)?))
            })
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let conn = self.conn()?;
        conn.prepare_cached("SELECT value FROM meta WHERE name = ?1")
            .and_then(|mut s| s.query_row(params![name], |r| r.get(0)).optional())
            .map_err(sql_err)
    }

    fn usage(&self, scope: Scope) -> Result<ScopeUsage> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT count(*), coalesce(sum(size), 0), count(DISTINCT owner) FROM entries WHERE scope = ?1",
        )
        .and_then(|mut s| {
            s.query_row(params![scope.as_str()], |r| {
                Ok(ScopeUsage {
                    entries: r.get::<_, i64>(0)? as u64,
                    bytes: r.get::<_, i64>(1)? as u64,
                    owners: r.get::<_, i64>(2)? as u64,
                })
            })
        })
        .map_err(sql_err)
    }

    fn compact(&self) -> Result<Option<u64>> {
        let conn = self.conn()?;
        conn.execute_batch(
            "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .map_err(sql_err)?;
        let pages: i64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .map_err(sql_err)?;
        let size: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(sql_err)?;
        Ok(Some((pages * size) as u64))
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn close(&self) -> Result<()> {
        let conn = self.conn.lock().take();
        if let Some(c) = conn {
            // Checkpoint so the database file holds everything on its own.
            let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            c.close().map_err(|(_, e)| sql_err(e))?;
        }
        self.lock.lock().take();
        Ok(())
    }

    fn scrub(&self) -> Result<()> {
        // Copies the zeroed pages into the database file and truncates the
        // log, so the old page images (the deleted rows) are gone from both.
        let conn = self.conn()?;
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(sql_err)?;
        if busy != 0 {
            return Err(Error::Storage {
                message: "the WAL checkpoint after erasure could not complete (a reader held it); deleted rows may remain in the log until the next checkpoint".into(),
            });
        }
        Ok(())
    }

    fn append_usage(&self, rows: &[UsageRow]) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(sql_err)?;
        {
            let mut stmt = tx
                .prepare_cached(&format!("INSERT INTO usage ({USAGE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"))
                .map_err(sql_err)?;
            for r in rows {
                stmt.execute(params![
                    r.at,
                    r.model,
                    r.input_tokens,
                    r.output_tokens,
                    r.cached_input_tokens,
                    r.reasoning_tokens,
                    r.cache_write_tokens,
                    r.cost_micros,
                    r.user,
                    r.team,
                    r.department,
                    r.cost_center,
                    r.project,
                    r.organization
                ])
                .map_err(sql_err)?;
            }
        }
        tx.commit().map_err(sql_err)
    }

    fn usage_between(&self, from: i64, to: i64) -> Result<Vec<UsageRow>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {USAGE_COLS} FROM usage WHERE at >= ?1 AND at < ?2 ORDER BY at, id"
            ))
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok(UsageRow {
                    at: r.get(0)?,
                    model: r.get(1)?,
                    input_tokens: r.get(2)?,
                    output_tokens: r.get(3)?,
                    cached_input_tokens: r.get(4)?,
                    reasoning_tokens: r.get(5)?,
                    cache_write_tokens: r.get(6)?,
                    cost_micros: r.get(7)?,
                    user: r.get(8)?,
                    team: r.get(9)?,
                    department: r.get(10)?,
                    cost_center: r.get(11)?,
                    project: r.get(12)?,
                    organization: r.get(13)?,
                })
            })
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn unencrypted_entries(&self) -> Result<u64> {
        let conn = self.conn()?;
        conn.prepare_cached("SELECT count(*) FROM entries WHERE substr(value, 1, 1) = x'00'")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(sql_err)
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRow>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![after as i64, limit as i64], audit_from_row)
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn audit_last(&self) -> Result<Option<AuditRow>> {
        let conn = self.conn()?;
        conn.prepare_cached(&format!(
            "SELECT {AUDIT_COLS} FROM audit ORDER BY seq DESC LIMIT 1"
        ))
        .and_then(|mut s| s.query_row([], audit_from_row).optional())
        .map_err(sql_err)
    }

    fn audit_query(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLS} FROM audit
                 WHERE (?1 IS NULL OR ts >= ?1) AND (?2 IS NULL OR ts < ?2)
                   AND (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR action = ?4)
                 ORDER BY seq LIMIT ?5"
            ))
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(
                params![
                    f.from,
                    f.to,
                    f.actor,
                    f.action,
                    f.limit.unwrap_or(1000) as i64
                ],
                audit_from_row,
            )
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn usage_total(
        &self,
        from: i64,
        to: i64,
        organization: Option<&str>,
        filter: Option<(UsageField, &str)>,
    ) -> Result<i64> {
        let conn = self.conn()?;
        match filter {
            None => conn
                .prepare_cached("SELECT coalesce(sum(cost_micros), 0) FROM usage WHERE organization IS ?3 AND at >= ?1 AND at < ?2")
                .and_then(|mut s| s.query_row(params![from, to, organization], |r| r.get(0))),
            Some((field, value)) => conn
                .prepare_cached(&format!(
                    "SELECT coalesce(sum(cost_micros), 0) FROM usage WHERE organization IS ?3 AND at >= ?1 AND at < ?2 AND {} = ?4",
                    field.as_str()
                ))
                .and_then(|mut s| s.query_row(params![from, to, organization, value], |r| r.get(0))),
        }
        .map_err(sql_err)
    }
}

#[cfg(test)]
mod tests;
