//! Crash safety: a child process writing in a loop is killed with SIGKILL at
//! random moments; after each kill the database opens, passes
//! `PRAGMA integrity_check`, and every write acknowledged in durable mode is
//! present. The child is this same test binary, re-executed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use vallum::{Context, Scope, SetOptions};

const CHILD_DB: &str = "VALLUM_CRASH_CHILD_DB";
const CHILD_START: &str = "VALLUM_CRASH_CHILD_START";
const KILLS: usize = 20;

fn ctx() -> Context {
    Context::new("acme").with_user("writer")
}

fn child(db: &str, start: u64) {
    let v = vallum::Vallum::builder()
        .sqlite(db)
        .master_key(key())
        .build()
        .unwrap();
    let out = std::io::stdout();
    let mut i = start;
    loop {
        if i.is_multiple_of(5) {
            // A batch of 10, acknowledged as a whole.
            let items: Vec<(String, serde_json::Value)> =
                (0..10).map(|j| (format!("b{i}-{j}"), json!(j))).collect();
            v.memory()
                .set_batch(&ctx(), Scope::User, items, &SetOptions::default())
                .unwrap();
            writeln!(out.lock(), "ack batch {i}").unwrap();
        }
        v.memory()
            .set(
                &ctx(),
                Scope::User,
                &format!("k{i}"),
                json!({"i": i, "pad": "p".repeat(200)}),
                &SetOptions::default(),
            )
            .unwrap();
        let mut lock = out.lock();
        writeln!(lock, "ack {i}").unwrap();
        lock.flush().unwrap();
        i += 1;
    }
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write() {
    if let Ok(db) = std::env::var(CHILD_DB) {
        let start = std::env::var(CHILD_START).unwrap().parse().unwrap();
        child(&db, start);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<u64> = Vec::new();
    let mut batches: Vec<u64> = Vec::new();
    let mut seed = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(std::process::id());
    let mut next_start = 0u64;
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "sigkill_during_writes_loses_no_acknowledged_write",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB, &db)
            .env(CHILD_START, next_start.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("ack ") && tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the child is writing, then kill it at a random moment.
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("child never acknowledged a write");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(5 + seed % 150));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        let mut lines = vec![first];
        lines.extend(rx.try_iter());
        for l in &lines {
            let mut parts = l.split_whitespace().skip(1);
            match (parts.next(), parts.next()) {
                (Some("batch"), Some(n)) => batches.push(n.parse().unwrap()),
                (Some(n), None) => acked.push(n.parse().unwrap()),
                _ => panic!("bad line {l}"),
            }
        }
        let integrity: String = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "round {round}");
        let v = vallum::Vallum::builder()
            .sqlite(&db)
            .master_key(key())
            .build()
            .unwrap();
        for &i in &acked {
            let got = v
                .memory()
                .get(&ctx(), Scope::User, &format!("k{i}"))
                .unwrap();
            assert_eq!(
                got.unwrap()["i"],
                json!(i),
                "round {round}: acknowledged write k{i} lost"
            );
        }
        for &b in &batches {
            let keys: Vec<String> = (0..10).map(|j| format!("b{b}-{j}")).collect();
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            assert_eq!(
                v.memory()
                    .get_batch(&ctx(), Scope::User, &refs)
                    .unwrap()
                    .len(),
                10,
                "batch {b} torn"
            );
        }
        next_start = acked.iter().max().map_or(0, |m| m + 1) + 1000;
    }
    assert!(
        acked.len() >= KILLS,
        "each round acknowledged at least one write"
    );
}
