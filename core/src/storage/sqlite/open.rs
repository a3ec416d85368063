//! Opening a SQLite store: the writer lock, the file checks, the pragmas
//! of each durability mode, and the schema migrations.

use super::{sql_err, Db, FlushState, Queue, Shared, SqliteBackend, SqliteOptions};
use crate::error::{Error, Result};
use crate::storage::Durability;
use parking_lot::{Condvar, Mutex};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `PRAGMA application_id` of a Vallum database ("VALM").
pub(super) const APPLICATION_ID: i32 = 0x5641_4C4D;

/// Schema migrations; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v1: entries, wrapped data keys, metadata.
    "CREATE TABLE entries (
        scope      TEXT    NOT NULL,
        owner      TEXT    NOT NULL,
        key        TEXT    NOT NULL,
        value      BLOB    NOT NULL,
        tags       TEXT    NOT NULL DEFAULT '[]',
        size       INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (scope, owner, key)
    );
    CREATE INDEX entries_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE data_keys (
        scope         TEXT    NOT NULL,
        owner         TEXT    NOT NULL,
        key_id        INTEGER NOT NULL,
        wrapped       BLOB    NOT NULL,
        reserved_uses INTEGER NOT NULL,
        retired       INTEGER NOT NULL,
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (scope, owner, key_id)
    ) WITHOUT ROWID;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
    // v2: usage records for cost tracking.
    "CREATE TABLE usage (
        id                  INTEGER PRIMARY KEY,
        at                  INTEGER NOT NULL,
        model               TEXT    NOT NULL,
        input_tokens        INTEGER NOT NULL,
        output_tokens       INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        reasoning_tokens    INTEGER NOT NULL,
        cache_write_tokens  INTEGER NOT NULL,
        cost_micros         INTEGER NOT NULL,
        user                TEXT,
        team                TEXT,
        department          TEXT,
        cost_center         TEXT,
        project             TEXT
    );
    CREATE INDEX usage_at ON usage (at);",
    // v3: the audit log.
    "CREATE TABLE audit (
        seq       INTEGER PRIMARY KEY,
        ts        INTEGER NOT NULL,
        actor     TEXT    NOT NULL,
        action    TEXT    NOT NULL,
        resource  TEXT    NOT NULL,
        outcome   TEXT    NOT NULL,
        details   TEXT    NOT NULL,
        prev_hash TEXT    NOT NULL,
        mac       TEXT    NOT NULL
    );
    CREATE INDEX audit_ts ON audit (ts);",
    // v4: usage is attributed to an organization (budgets are per tenant).
    "ALTER TABLE usage ADD COLUMN organization TEXT;
    CREATE INDEX usage_org_at ON usage (organization, at);",
    // v5: run-time state that survives restarts (policies, rate-limit
    // counters, the threat log, alert state and history).
    "CREATE TABLE state (
        kind  TEXT NOT NULL,
        id    TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A [`Backend`] in one SQLite file.
///
/// The lock file of the database at `path`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Whether `path` names a file (not SQLite's `:memory:` or a temporary
/// database, which a second connection would not see).
fn path_is_file(path: &Path) -> bool {
    !(path.as_os_str() == ":memory:" || path.as_os_str().is_empty())
}

/// Takes the exclusive writer lock of the database at `path`, or says who holds it.
fn lock(path: &Path) -> Result<Option<std::fs::File>> {
    use std::io::{Read as _, Seek as _, Write as _};
    if path.as_os_str() == ":memory:" || path.as_os_str().is_empty() {
        return Ok(None);
    }
    let lp = lock_path(path);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lp)
        .map_err(|e| Error::Storage {
            message: format!("cannot open the lock file {}: {e}", lp.display()),
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(Error::StoreLocked {
                message: format!(
                    "{} is open in another Vallum instance{}; one writer per store — close it first, or give this instance its own database",
                    path.display(),
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" ({holder})")
                    }
                ),
            });
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::Storage {
                message: format!("cannot lock {}: {e}", lp.display()),
            })
        }
    }
    // Who holds it, for the next opener's error message (best effort).
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "process {}", std::process::id());
    let _ = file.flush();
    Ok(Some(file))
}

impl SqliteBackend {
    /// Opens (creating if needed) the database at `path`.
    ///
    /// Fails with `corrupt_store` when the file is not SQLite, belongs to
    /// another application, or was written by a newer Vallum.
    pub fn open(path: impl AsRef<Path>, durability: Durability) -> Result<Self> {
        Self::open_with(path, SqliteOptions::new(durability))
    }

    /// Opens (creating if needed) the database at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        if options.flush_interval.is_zero() {
            return Err(Error::InvalidArgument {
                name: "flush_interval",
                message: "must be at least 1 ms".into(),
            });
        }
        let path = path.as_ref().to_path_buf();
        let lock = lock(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_err)?;
        let shared = Arc::new(Shared {
            db: Mutex::new(Some(Db {
                conn,
                open: false,
                tip: None,
                failed: None,
            })),
            reader: Mutex::new(None),
            path,
            lock: Mutex::new(lock),
            queue: Mutex::new(Queue::default()),
            later: Mutex::new(Vec::new()),
            options,
            flush: Mutex::new(FlushState::default()),
            flush_cv: Condvar::new(),
        });
        let backend = Self {
            shared: shared.clone(),
            flusher: Mutex::new(None),
        };
        backend.init()?;
        if options.durability == Durability::Durable && path_is_file(&backend.shared.path) {
            let reader = Connection::open_with_flags(
                &backend.shared.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(sql_err)?;
            reader
                .busy_timeout(std::time::Duration::from_secs(5))
                .map_err(sql_err)?;
            reader.set_prepared_statement_cache_capacity(64);
            *backend.shared.reader.lock() = Some(reader);
        }
        if options.durability == Durability::Fast {
            let handle = std::thread::Builder::new()
                .name("vallum-sqlite-flush".into())
                .spawn(move || shared.flusher())
                .map_err(|e| Error::Storage {
                    message: format!("cannot start the flusher thread: {e}"),
                })?;
            *backend.flusher.lock() = Some(handle);
        }
        Ok(backend)
    }

    fn init(&self) -> Result<()> {
        let options = self.shared.options;
        let path = &self.shared.path;
        let mut conn = self.conn()?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql_err)?;
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(sql_err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql_err)?;
        if app_id == 0 && version == 0 {
            let tables: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(sql_err)?;
            if tables > 0 {
                return Err(Error::CorruptStore {
                    message: format!(
                        "{} is a SQLite database of another application",
                        path.display()
                    ),
                });
            }
        } else if app_id != APPLICATION_ID {
            return Err(Error::CorruptStore {
                message: format!("{} is not a Vallum database", path.display()),
            });
        }
        if version > SCHEMA_VERSION {
            return Err(Error::CorruptStore {
                message: format!(
                    "schema version {version} was written by a newer Vallum (this one knows {SCHEMA_VERSION})"
                ),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_err)?;
        // Deleted content is overwritten with zeros, so erasure and key
        // rotation leave no ciphertext or wrapped key in free space.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(sql_err)?;
        // `durable` syncs the log on every commit. `fast` commits at most
        // once per flush interval and lets checkpoints sync: a commit
        // survives a crash of the process, not necessarily of the machine.
        let sync = match options.durability {
            Durability::Durable => "FULL",
            Durability::Fast => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)
            .map_err(sql_err)?;
        if let Some(max) = options.max_bytes {
            let page: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .map_err(sql_err)?;
            let pages = (max / page.max(512) as u64).max(1);
            let _: i64 = conn
                .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                    r.get(0)
                })
                .map_err(sql_err)?;
        }
        if version < SCHEMA_VERSION {
            let tx = conn.transaction().map_err(sql_err)?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(sql).map_err(sql_err)?;
                tx.pragma_update(None, "user_version", (i + 1) as i64)
                    .map_err(sql_err)?;
            }
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(sql_err)?;
            tx.commit().map_err(sql_err)?;
        }
        conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    /// Runs `PRAGMA integrity_check`; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(sql_err)?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(sql_err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql_err)?;
        if rows == ["ok"] {
            Ok(())
        } else {
            Err(Error::CorruptStore {
                message: rows.join("; "),
            })
        }
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The connection reads use: the reader in `durable` mode, else the
    /// writer's (in `fast` mode reads must see writes not yet committed).
    pub(super) fn read(&self) -> Result<parking_lot::MappedMutexGuard<'_, Connection>> {
        match parking_lot::MutexGuard::try_map(self.shared.reader.lock(), Option::as_mut) {
            Ok(reader) => Ok(reader),
            Err(_) => self.conn(),
        }
    }

    /// The open connection, or `storage_error` once the store is closed or
    /// after it lost acknowledged writes.
    pub(super) fn conn(&self) -> Result<parking_lot::MappedMutexGuard<'_, Connection>> {
        let guard = self.shared.db.lock();
        if let Some(e) = guard.as_ref().and_then(|db| db.failed.clone()) {
            return Err(e);
        }
        parking_lot::MutexGuard::try_map(guard, |db| db.as_mut().map(|db| &mut db.conn))
            .map_err(|_| self.shared.closed())
    }
}
