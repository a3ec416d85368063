//! Group commit: one writer per store turns the writes of concurrent
//! callers into one transaction and one commit.
//!
//! A caller queues its batch of [`Op`]s. If no caller is writing, it
//! becomes the leader: it takes every batch queued so far (its own and
//! those that arrived while the previous leader was committing), applies
//! each under its own savepoint, commits once and wakes each caller with
//! its own result. A batch whose operations fail is rolled back to its
//! savepoint and fails alone; a commit that fails fails every batch it
//! held. Then the first caller still queued becomes the next leader, so no
//! caller writes for others forever.
//!
//! Batches are applied in the order they were queued, which is the order
//! of the audit chain: [`Op::ChainAudit`] records are linked to the chain
//! here, under the writer, so concurrent callers never hold a lock across
//! a commit.
//!
//! In `durable` mode the leader commits before anyone is woken: a call
//! returns after its records are on disk. In `fast` mode there is no commit
//! to wait for, so there is no queue either: each caller writes its batch
//! into the open transaction itself, under the connection's lock (its
//! writes are visible to every later read on this store), and the flusher
//! thread commits at most one flush interval later, or sooner on
//! [`Backend::flush`](crate::storage::Backend::flush) and close.

use super::rows::{AUDIT_COLS, KEY_COLS, USAGE_COLS};
use super::{sql_err, Shared};
use crate::error::{Error, Result};
use crate::storage::{
    decode_generation, key_conflict, tree_bounds, AuditRow, Durability, Op, KEY_GENERATION,
};
use parking_lot::{Condvar, Mutex};
use rusqlite::{params, Connection, ErrorCode as SqlCode, OptionalExtension};
use std::sync::Arc;

/// The connection and what the writer knows about it.
#[derive(Debug)]
pub(super) struct Db {
    pub(super) conn: Connection,
    /// A write transaction is open (`fast` mode, until the next commit).
    pub(super) open: bool,
    /// The audit chain's last (seq, mac), when known.
    pub(super) tip: Option<(u64, String)>,
    /// Set when acknowledged writes were lost (a deferred commit failed):
    /// every later call fails with this error until the store is reopened.
    pub(super) failed: Option<Error>,
}

/// The callers waiting for the writer.
#[derive(Debug, Default)]
pub(super) struct Queue {
    pending: Vec<Arc<Slot>>,
    /// A leader is writing.
    leading: bool,
}

/// State of the flusher thread (`fast` mode).
#[derive(Debug, Default)]
pub(super) struct FlushState {
    /// Writes are waiting for a commit.
    pub(super) dirty: bool,
    /// The store is closing: the flusher exits.
    pub(super) stop: bool,
}

enum SlotState {
    Waiting,
    Lead,
    Done(Result<()>),
}

struct Slot {
    ops: Vec<Op>,
    state: Mutex<SlotState>,
    cv: Condvar,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("ops", &self.ops.len())
            .finish()
    }
}

impl Slot {
    fn set(&self, s: SlotState) {
        *self.state.lock() = s;
        self.cv.notify_one();
    }
}

/// Wakes every caller of a batch that was not answered (a panic in the
/// leader), and passes the lead on, so no caller waits forever.
struct Answer<'a> {
    shared: &'a Shared,
    batch: Vec<Arc<Slot>>,
    results: Vec<Result<()>>,
}

impl Drop for Answer<'_> {
    fn drop(&mut self) {
        let mut results = std::mem::take(&mut self.results).into_iter();
        for slot in &self.batch {
            let r = results.next().unwrap_or_else(|| {
                Err(Error::internal(
                    "the store's writer stopped before this write was applied",
                ))
            });
            slot.set(SlotState::Done(r));
        }
        let mut q = self.shared.queue.lock();
        match q.pending.first() {
            Some(next) => next.set(SlotState::Lead),
            None => q.leading = false,
        }
    }
}

impl Shared {
    /// Queues `ops`, writes them (as the leader or through another caller)
    /// and returns their result.
    pub(super) fn submit(&self, ops: &[Op]) -> Result<()> {
        if self.options.durability == Durability::Fast {
            // Nothing to wait for: the caller writes into the open
            // transaction itself, under the connection's lock, in the order
            // callers take it.
            return self.write(&[ops]).pop().unwrap_or_else(|| {
                Err(Error::internal("the store's writer lost a write's result"))
            });
        }
        let slot = Arc::new(Slot {
            ops: ops.to_vec(),
            state: Mutex::new(SlotState::Waiting),
            cv: Condvar::new(),
        });
        let lead = {
            let mut q = self.queue.lock();
            q.pending.push(slot.clone());
            !std::mem::replace(&mut q.leading, true)
        };
        if !lead {
            let mut st = slot.state.lock();
            loop {
                match std::mem::replace(&mut *st, SlotState::Waiting) {
                    SlotState::Waiting => slot.cv.wait(&mut st),
                    SlotState::Done(r) => return r,
                    SlotState::Lead => break,
                }
            }
        }
        let batch = std::mem::take(&mut self.queue.lock().pending);
        let mut answer = Answer {
            shared: self,
            batch,
            results: Vec::new(),
        };
        let ops: Vec<&[Op]> = answer.batch.iter().map(|s| s.ops.as_slice()).collect();
        answer.results = self.write(&ops);
        drop(answer);
        let state = std::mem::replace(&mut *slot.state.lock(), SlotState::Waiting);
        match state {
            SlotState::Done(r) => r,
            _ => Err(Error::internal("the store's writer lost a write's result")),
        }
    }

    /// Applies each batch under its own savepoint in one transaction, and
    /// commits it in `durable` mode.
    fn write(&self, batch: &[&[Op]]) -> Vec<Result<()>> {
        let mut guard = self.db.lock();
        let db = match guard.as_mut() {
            None => return batch.iter().map(|_| Err(self.closed())).collect(),
            Some(db) => db,
        };
        if let Some(e) = &db.failed {
            return batch.iter().map(|_| Err(e.clone())).collect();
        }
        if !db.open {
            if let Err(e) = db.conn.execute_batch("BEGIN IMMEDIATE") {
                let e = sql_err(e);
                return batch.iter().map(|_| Err(e.clone())).collect();
            }
            db.open = true;
        }
        // Writes queued with `apply_later` go first, under their own
        // savepoint; they have no caller to tell of a failure, so one
        // that fails is dropped (the state they hold is rebuilt from the
        // next change).
        let later = std::mem::take(&mut *self.later.lock());
        if !later.is_empty() {
            if let Err(e) = apply_one(db, &later) {
                return self.lost(db, batch.len(), e);
            }
        }
        let mut results: Vec<Result<()>> = Vec::with_capacity(batch.len());
        for ops in batch {
            match apply_one(db, ops) {
                Ok(r) => results.push(r),
                Err(e) => return self.lost(db, batch.len(), e),
            }
        }
        match self.options.durability {
            Durability::Durable => {
                if let Err(e) = commit(db) {
                    for r in results.iter_mut().filter(|r| r.is_ok()) {
                        *r = Err(e.clone());
                    }
                }
            }
            Durability::Fast => {
                drop(guard);
                let mut f = self.flush.lock();
                if !f.dirty {
                    f.dirty = true;
                    self.flush_cv.notify_one();
                }
            }
        }
        results
    }

    /// The open transaction was rolled back by SQLite. In `durable` mode
    /// only this batch's callers had written into it; in `fast` mode
    /// callers already answered lost their writes too, so the store
    /// refuses every later call until it is reopened.
    fn lost(&self, db: &mut Db, n: usize, e: Error) -> Vec<Result<()>> {
        db.open = false;
        db.tip = None;
        if !db.conn.is_autocommit() {
            let _ = db.conn.execute_batch("ROLLBACK");
        }
        self.poison(db, &e);
        (0..n).map(|_| Err(e.clone())).collect()
    }

    /// Writes the ops queued with `apply_later`, if any, as a batch of
    /// their own.
    pub(super) fn write_later(&self) -> Result<()> {
        if self.later.lock().is_empty() {
            return Ok(());
        }
        self.submit(&[])
    }

    /// In `fast` mode, writes already acknowledged were lost with `e`: every
    /// later call fails until the store is reopened.
    fn poison(&self, db: &mut Db, e: &Error) {
        if self.options.durability == Durability::Fast {
            db.failed = Some(Error::Storage {
                message: format!(
                    "{}: writes acknowledged in fast mode were lost ({e}); reopen the store",
                    self.path.display()
                ),
            });
        }
    }

    /// Commits the open transaction, if any (the flusher, `flush`, close).
    pub(super) fn commit_open(&self) -> Result<()> {
        self.write_later()?;
        let mut guard = self.db.lock();
        let Some(db) = guard.as_mut() else {
            return Ok(());
        };
        if let Some(e) = &db.failed {
            return Err(e.clone());
        }
        if let Err(e) = commit(db) {
            self.poison(db, &e);
            return Err(e);
        }
        Ok(())
    }

    /// The flusher thread of `fast` mode: commits within one flush interval
    /// of the first write after the last commit.
    pub(super) fn flusher(self: Arc<Self>) {
        loop {
            {
                let mut f = self.flush.lock();
                while !f.dirty && !f.stop {
                    self.flush_cv.wait(&mut f);
                }
                if f.stop {
                    return;
                }
                let _ =
                    self.flush_cv
                        .wait_while_for(&mut f, |f| !f.stop, self.options.flush_interval);
                f.dirty = false;
            }
            // A failure is kept in `Db::failed` and reported to every later call.
            let _ = self.commit_open();
        }
    }
}

/// Applies one caller's operations under a savepoint: `Ok` holds the
/// caller's result (its writes are rolled back to the savepoint when they
/// fail); `Err` means SQLite rolled the whole transaction back (disk full,
/// I/O error), so every write of it is gone.
fn apply_one(db: &mut Db, ops: &[Op]) -> std::result::Result<Result<()>, Error> {
    let tip = db.tip.clone();
    let r = db
        .conn
        .execute_batch("SAVEPOINT w")
        .map_err(sql_err)
        .and_then(|()| write_ops(&db.conn, &mut db.tip, ops))
        .and_then(|()| db.conn.execute_batch("RELEASE w").map_err(sql_err));
    match r {
        Ok(()) => Ok(Ok(())),
        Err(e) if db.conn.is_autocommit() => Err(e),
        Err(e) => {
            db.tip = tip;
            db.conn
                .execute_batch("ROLLBACK TO w; RELEASE w")
                .map_err(sql_err)?;
            Ok(Err(e))
        }
    }
}

/// Commits the open transaction; on failure rolls it back.
fn commit(db: &mut Db) -> Result<()> {
    if !db.open {
        return Ok(());
    }
    db.open = false;
    if let Err(e) = db.conn.execute_batch("COMMIT") {
        db.tip = None;
        if !db.conn.is_autocommit() {
            let _ = db.conn.execute_batch("ROLLBACK");
        }
        return Err(sql_err(e));
    }
    Ok(())
}

fn insert_audit(conn: &Connection, r: &AuditRow) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO audit ({AUDIT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            r.seq as i64,
            r.ts,
            r.actor,
            r.action,
            r.resource,
            r.outcome,
            r.details,
            r.prev_hash,
            r.mac
        ])
    })
    .map(|_| ())
    .map_err(sql_err)
}

/// Applies one caller's operations inside the open transaction.
fn write_ops(conn: &Connection, tip: &mut Option<(u64, String)>, ops: &[Op]) -> Result<()> {
    for op in ops {
        match op {
            Op::PutEntry(e) => {
                let tags = serde_json::to_string(&e.tags).map_err(|err| Error::Serialization {
                    message: err.to_string(),
                })?;
                conn.prepare_cached(
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
                conn.prepare_cached(
                    "DELETE FROM entries WHERE scope = ?1 AND owner = ?2 AND key = ?3",
                )
                .and_then(|mut s| s.execute(params![scope.as_str(), owner, key]))
                .map_err(sql_err)?;
            }
            Op::ClearOwner { scope, owner } => {
                conn.prepare_cached("DELETE FROM entries WHERE scope = ?1 AND owner = ?2")
                    .and_then(|mut s| s.execute(params![scope.as_str(), owner]))
                    .map_err(sql_err)?;
            }
            Op::ForgetTree { root } => {
                let (lo, hi) = tree_bounds(root);
                for table in ["entries", "data_keys"] {
                    conn.prepare_cached(&format!(
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
                conn.prepare_cached(&format!(
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
                let n = conn
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
                let live: bool = conn
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
                let raw: Option<Vec<u8>> = conn
                    .prepare_cached("SELECT value FROM meta WHERE name = ?1")
                    .and_then(|mut s| {
                        s.query_row(params![KEY_GENERATION], |r| r.get(0))
                            .optional()
                    })
                    .map_err(sql_err)?;
                let next = decode_generation(raw.as_deref())? + 1;
                conn.prepare_cached("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)")
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
                conn.prepare_cached(
                    "DELETE FROM data_keys WHERE scope = ?1 AND owner = ?2 AND key_id = ?3",
                )
                .and_then(|mut s| s.execute(params![scope.as_str(), owner, key_id]))
                .map_err(sql_err)?;
            }
            Op::AppendAudit(r) => {
                insert_audit(conn, r)?;
                *tip = Some((r.seq, r.mac.clone()));
            }
            Op::ChainAudit(c) => {
                if tip.is_none() {
                    *tip = conn
                        .prepare_cached("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1")
                        .and_then(|mut s| {
                            s.query_row([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
                                .optional()
                        })
                        .map_err(sql_err)?;
                }
                let row = c.link(tip.as_ref().map(|(s, m)| (*s, m.as_str())))?;
                insert_audit(conn, &row)?;
                *tip = Some((row.seq, row.mac));
            }
            Op::AppendUsage(r) => {
                conn.prepare_cached(&format!("INSERT INTO usage ({USAGE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"))
                        .and_then(|mut s| {
                            s.execute(params![
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
                        })
                        .map_err(sql_err)?;
            }
            Op::PurgeAudit { through } => {
                conn.prepare_cached("DELETE FROM audit WHERE seq <= ?1")
                    .and_then(|mut s| s.execute(params![*through as i64]))
                    .map_err(sql_err)?;
                *tip = None;
            }
            Op::PutState { kind, id, value } => {
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO state (kind, id, value) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute(params![kind, id, value]))
                .map_err(sql_err)?;
            }
            Op::DeleteState { kind, id } => {
                conn.prepare_cached("DELETE FROM state WHERE kind = ?1 AND id = ?2")
                    .and_then(|mut s| s.execute(params![kind, id]))
                    .map_err(sql_err)?;
            }
            Op::PurgeState { kind, below } => {
                conn.prepare_cached("DELETE FROM state WHERE kind = ?1 AND id < ?2")
                    .and_then(|mut s| s.execute(params![kind, below]))
                    .map_err(sql_err)?;
            }
            Op::PutMeta { name, value } => {
                conn.prepare_cached("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![name, value]))
                    .map_err(sql_err)?;
            }
        }
    }
    Ok(())
}
