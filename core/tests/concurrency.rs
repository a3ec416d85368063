//! Eight threads doing set/get/remove/forget on one instance over SQLite:
//! no deadlock, no lost update, and the hot cache agrees with storage.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::json;
use std::sync::mpsc;
use std::time::Duration;
use vallum::{Context, Scope, SetOptions, Subject};

const THREADS: usize = 8;
const ROUNDS: u64 = 150;

#[test]
fn eight_threads_no_deadlock_no_lost_update() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.db");
    let v = open(&p);
    let (done_tx, done_rx) = mpsc::channel();
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let v = v.clone();
        let done = done_tx.clone();
        handles.push(std::thread::spawn(move || {
            // Two threads share each user; each thread has its own session.
            let ctx = Context::new("acme")
                .with_user(format!("u{}", t % 4))
                .with_session(format!("s{t}"));
            let m = v.memory();
            for i in 0..ROUNDS {
                let own = format!("t{t}-k{}", i % 5);
                m.set(&ctx, Scope::User, &own, json!(i), &SetOptions::default())
                    .unwrap();
                assert_eq!(
                    m.get(&ctx, Scope::User, &own).unwrap(),
                    Some(json!(i)),
                    "thread {t} lost its write"
                );
                m.set(
                    &ctx,
                    Scope::Organization,
                    "shared",
                    json!({"t": t, "i": i}),
                    &SetOptions::default(),
                )
                .unwrap();
                m.get(&ctx, Scope::Organization, "shared").unwrap().unwrap();
                m.set(
                    &ctx,
                    Scope::Session,
                    "draft",
                    json!(i),
                    &SetOptions::default(),
                )
                .unwrap();
                if i % 7 == 0 {
                    m.remove(&ctx, Scope::User, &format!("t{t}-gone")).unwrap();
                    m.set(
                        &ctx,
                        Scope::User,
                        &format!("t{t}-gone"),
                        json!(i),
                        &SetOptions::default(),
                    )
                    .unwrap();
                    assert!(m.remove(&ctx, Scope::User, &format!("t{t}-gone")).unwrap());
                }
                if i % 25 == 24 {
                    m.forget(&ctx, Subject::Session).unwrap();
                    assert_eq!(m.get(&ctx, Scope::Session, "draft").unwrap(), None);
                }
            }
            done.send(t).unwrap();
        }));
    }
    drop(done_tx);
    for _ in 0..THREADS {
        done_rx
            .recv_timeout(Duration::from_secs(120))
            .expect("a thread is stuck: deadlock");
    }
    for h in handles {
        h.join().unwrap();
    }
    // Final state, through the cache and from a fresh instance reading
    // storage (one writer per store: the first closes before it opens).
    let ctx_of = |t: usize| {
        Context::new("acme")
            .with_user(format!("u{}", t % 4))
            .with_session(format!("s{t}"))
    };
    let mut cached = Vec::new();
    for t in 0..THREADS {
        for k in 0..5u64 {
            let key = format!("t{t}-k{k}");
            cached.push(v.memory().get(&ctx_of(t), Scope::User, &key).unwrap());
        }
    }
    let shared_cached = v
        .memory()
        .get(&Context::new("acme"), Scope::Organization, "shared")
        .unwrap();
    v.close().unwrap();
    let fresh = open(&p);
    let mut cached = cached.into_iter();
    for t in 0..THREADS {
        let ctx = ctx_of(t);
        for k in 0..5u64 {
            let last = (0..ROUNDS).filter(|i| i % 5 == k).max().unwrap();
            let key = format!("t{t}-k{k}");
            assert_eq!(cached.next().unwrap(), Some(json!(last)));
            assert_eq!(
                fresh.memory().get(&ctx, Scope::User, &key).unwrap(),
                Some(json!(last))
            );
        }
        assert_eq!(
            fresh
                .memory()
                .get(&ctx, Scope::User, &format!("t{t}-gone"))
                .unwrap(),
            None
        );
    }
    let ctx = Context::new("acme");
    assert_eq!(
        shared_cached,
        fresh
            .memory()
            .get(&ctx, Scope::Organization, "shared")
            .unwrap(),
        "cache and storage disagree on the last write"
    );
}
