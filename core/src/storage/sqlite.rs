//! The embedded default: SQLite through rusqlite (bundled), WAL journal,
//! cached prepared statements, one transaction per batch, versioned schema.

use super::{
    tree_bounds, AuditFilter, AuditRow, Backend, Durability, EntrySize, KeyRecord, Op, ScopeUsage,
    StoredEntry, UsageField, UsageRow,
};
use crate::error::{Error, Result};
use crate::vocab::Scope;
use parking_lot::{Condvar, Mutex};
use rusqlite::{params, ErrorCode as SqlCode, OptionalExtension};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod open;
mod rows;
mod writer;

use writer::{Db, FlushState, Queue};

use rows::{
    audit_from_row, entry_from_row, key_from_row, scope_of, AUDIT_COLS, ENTRY_COLS, KEY_COLS,
    USAGE_COLS,
};

/// One writer per file: opening takes an exclusive OS lock on a file beside
/// the database (`<path>.lock`), held until the backend is closed or
/// dropped. A second opener — another process, or the same process again —
/// gets [`Error::StoreLocked`] and touches nothing.
///
/// Writes go through one group-commit writer (see `writer.rs`): concurrent
/// callers share transactions and commits.
#[derive(Debug)]
pub struct SqliteBackend {
    shared: Arc<Shared>,
    /// The flusher thread (`fast` mode).
    flusher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// How a SQLite store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// `durable`: a write returns once committed and synced; `fast`: once
    /// applied, committed within `flush_interval`.
    pub durability: Durability,
    /// The longest a write waits for its commit in `fast` mode (default 50 ms).
    pub flush_interval: Duration,
    /// The largest the database file may grow; a write past it fails with
    /// `storage_error` ("database or disk is full") and changes nothing.
    pub max_bytes: Option<u64>,
}

impl SqliteOptions {
    /// The default flush interval of `fast` mode.
    pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(50);

    /// Options with `durability`, the default flush interval and no size limit.
    pub fn new(durability: Durability) -> Self {
        Self {
            durability,
            flush_interval: Self::DEFAULT_FLUSH_INTERVAL,
            max_bytes: None,
        }
    }

    /// Sets the flush interval of `fast` mode.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Sets the largest size of the database file.
    pub fn max_bytes(mut self, max: Option<u64>) -> Self {
        self.max_bytes = max;
        self
    }
}

/// What the writer, the flusher and readers share.
#[derive(Debug)]
struct Shared {
    /// `None` once closed.
    db: Mutex<Option<Db>>,
    /// `durable` mode: a second connection for reads, so they run while
    /// the writer waits for its commit. Reads see only committed writes,
    /// which in `durable` mode are all the writes a call was told of.
    reader: Mutex<Option<rusqlite::Connection>>,
    path: PathBuf,
    /// The exclusive lock (released on close or drop).
    lock: Mutex<Option<std::fs::File>>,
    queue: Mutex<Queue>,
    /// Ops queued by `apply_later`, written first by the next batch.
    later: Mutex<Vec<Op>>,
    options: SqliteOptions,
    flush: Mutex<FlushState>,
    flush_cv: Condvar,
}

impl Shared {
    fn closed(&self) -> Error {
        Error::Storage {
            message: format!("{} was closed", self.path.display()),
        }
    }
}

impl SqliteBackend {
    /// Stops the flusher thread, if any.
    fn stop_flusher(&self) {
        self.shared.flush.lock().stop = true;
        self.shared.flush_cv.notify_all();
        if let Some(h) = self.flusher.lock().take() {
            let _ = h.join();
        }
    }
}

impl Drop for SqliteBackend {
    fn drop(&mut self) {
        self.stop_flusher();
        // Queued `fast` writes are written when the store goes away.
        let _ = self.shared.commit_open();
    }
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
        self.shared.submit(ops)
    }

    fn apply_later(&self, ops: Vec<Op>) -> Result<()> {
        if let Some(e) = self
            .shared
            .db
            .lock()
            .as_ref()
            .and_then(|db| db.failed.clone())
        {
            return Err(e);
        }
        self.shared.later.lock().extend(ops);
        if self.shared.options.durability == Durability::Fast {
            // No write may follow: the flusher writes them within its window.
            let mut f = self.shared.flush.lock();
            if !f.dirty {
                f.dirty = true;
                self.shared.flush_cv.notify_one();
            }
        }
        Ok(())
    }

    fn state(&self, kind: &str, after: &str, limit: usize) -> Result<Vec<(String, Vec<u8>)>> {
        let conn = self.read()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, value FROM state WHERE kind = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(
                params![kind, after, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn get(&self, scope: Scope, owner: &str, key: &str) -> Result<Option<StoredEntry>> {
        let conn = self.read()?;
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
        let conn = self.read()?;
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
        let conn = self.read()?;
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
        let conn = self.read()?;
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
        let conn = self.read()?;
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
        let conn = self.read()?;
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
        let conn = self.read()?;
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {KEY_COLS} FROM data_keys"))
            .map_err(sql_err)?;
        let rows = stmt.query_map([], key_from_row).map_err(sql_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
    }

    fn expired(&self, now: i64, limit: usize) -> Result<Vec<(Scope, String, String)>> {
        let conn = self.read()?;
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
        let conn = self.read()?;
        conn.prepare_cached("SELECT value FROM meta WHERE name = ?1")
            .and_then(|mut s| s.query_row(params![name], |r| r.get(0)).optional())
            .map_err(sql_err)
    }

    fn usage(&self, scope: Scope) -> Result<ScopeUsage> {
        let conn = self.read()?;
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
        self.shared.commit_open()?;
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
        self.stop_flusher();
        let flushed = self.shared.commit_open();
        self.shared.reader.lock().take();
        let db = self.shared.db.lock().take();
        if let Some(db) = db {
            // Checkpoint so the database file holds everything on its own.
            let _ = db
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            db.conn.close().map_err(|(_, e)| sql_err(e))?;
        }
        self.shared.lock.lock().take();
        flushed
    }

    fn flush(&self) -> Result<()> {
        self.shared.commit_open()
    }

    fn scrub(&self) -> Result<()> {
        // Copies the zeroed pages into the database file and truncates the
        // log, so the old page images (the deleted rows) are gone from both.
        self.shared.commit_open()?;
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

    fn usage_between(&self, from: i64, to: i64) -> Result<Vec<UsageRow>> {
        let conn = self.read()?;
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
        let conn = self.read()?;
        conn.prepare_cached("SELECT count(*) FROM entries WHERE substr(value, 1, 1) = x'00'")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(sql_err)
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRow>> {
        let conn = self.read()?;
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
        let conn = self.read()?;
        conn.prepare_cached(&format!(
            "SELECT {AUDIT_COLS} FROM audit ORDER BY seq DESC LIMIT 1"
        ))
        .and_then(|mut s| s.query_row([], audit_from_row).optional())
        .map_err(sql_err)
    }

    fn audit_query(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let conn = self.read()?;
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
        let conn = self.read()?;
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
