//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a subset")]
#![allow(clippy::unwrap_used, reason = "test helpers fail the test on error")]

use std::path::Path;
use std::sync::Arc;
use vallum::{Config, ManualClock, MasterKey, Vallum};

/// The vectors' master key (`tests/vectors/README.md`).
pub const KEY: [u8; 32] = *b"VALLUM-vector-key-0123456789abcd";
pub const T0: i64 = 1_700_000_000_000;

pub fn key() -> MasterKey {
    MasterKey::from_bytes(&KEY).unwrap()
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(T0))
}

pub fn open_with(path: &Path, cfg: Config, clock: Arc<ManualClock>) -> Vallum {
    Vallum::builder()
        .sqlite(path)
        .config(cfg)
        .master_key(key())
        .clock(clock)
        .build()
        .unwrap()
}

pub fn open(path: &Path) -> Vallum {
    open_with(path, Config::default(), clock())
}

pub fn config(json: &str) -> Config {
    Config::from_json_str(json).unwrap()
}

/// Every stored (scope, owner, key) row of a database file.
pub fn rows(path: &Path) -> Vec<(String, String, String, Vec<u8>)> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c
        .prepare("SELECT scope, owner, key, value FROM entries ORDER BY rowid")
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn sql(path: &Path, stmt: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(stmt)
        .unwrap();
}
