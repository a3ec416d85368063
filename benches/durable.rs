//! The embedded default under load: `guard_prompt` with the 1 KB prompt and
//! every stage on, on a SQLite file, in each durability mode.
//!
//! `cargo bench -p vallum --bench durable`
//!
//! * single caller: p50 and p95 of `guard_prompt` in `durable` and `fast`
//!   (timed one call at a time, printed as a table), and criterion's figure
//!   for the same calls;
//! * throughput with 1, 4 and 16 threads calling `guard_prompt` on one
//!   `durable` store (guarded prompts per second over a fixed time);
//! * `set_batch` of 1,000 encrypted 1 KB values, `durable`, per value;
//! * the cost of one fsync on this disk, for the "one fsync + 60 µs" goal.

#![allow(missing_docs, reason = "criterion generates the bench entry points")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::json;
use std::hint::black_box;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vallum::config::Durability;
use vallum::guard::PromptInput;
use vallum::policy::{Effect, Principal};
use vallum::{Context, MasterKey, Scope, SetOptions, Vallum};

const CONFIG: &str = r#"{
  "enterpriseSecurity": {
    "piiProtection": {"enabled": true},
    "threatDetection": {"enabled": true, "sensitivity": "medium"},
    "rbac": {"roles": {"analyst": {"permissions": ["copilot:use"]}}},
    "rateLimits": {"guard": {"requests": 1000000000, "window": 1}},
    "policyRules": [{"id": "p0", "name": "rule", "conditions": [{"type": "data", "field": "prompt", "operator": "contains", "value": "forbidden phrase"}], "actions": [{"type": "deny"}]}]
  },
  "costManagement": {"budgets": [{"id": "org", "level": "organization", "period": "monthly", "limitMicros": 9000000000000}]},
  "guard": {"permission": "copilot:use"}
}"#;

fn open(path: &std::path::Path, durability: Durability) -> Vallum {
    Vallum::builder()
        .config_json(CONFIG)
        .unwrap()
        .sqlite(path)
        .durability(durability)
        .master_key(MasterKey::from_bytes(b"vallum-test-key/07-0123456789abc").unwrap())
        .build()
        .unwrap()
}

fn input(session: &str) -> PromptInput {
    PromptInput {
        principal: Principal::new("alice").role("analyst"),
        organization: "acme".into(),
        session: session.into(),
        text: common::prompt_1k(),
        model: "gpt-4o".into(),
        estimated_output_tokens: 300,
        ..Default::default()
    }
}

fn once(v: &Vallum, p: &PromptInput) {
    let verdict = v.guard_prompt(black_box(p)).unwrap();
    debug_assert_eq!(verdict.decision, Effect::Allow);
    if let Some(r) = &verdict.reservation {
        v.costs().release(r);
    }
    black_box(verdict);
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// p50 and p95 of `n` calls, one at a time, in µs.
fn latency(v: &Vallum, p: &PromptInput, n: usize) -> (f64, f64) {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            once(v, p);
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (percentile(&t, 0.5), percentile(&t, 0.95))
}

/// Median time of each stage over `n` calls, in µs.
fn stages(v: &Vallum, p: &PromptInput, n: usize) -> String {
    let mut per: std::collections::BTreeMap<&'static str, Vec<u64>> = Default::default();
    for _ in 0..n {
        let verdict = v.guard_prompt(p).unwrap();
        if let Some(r) = &verdict.reservation {
            v.costs().release(r);
        }
        for t in &verdict.timings.stages {
            per.entry(t.stage.as_str()).or_default().push(t.ns);
        }
    }
    per.into_iter()
        .map(|(s, mut v)| {
            v.sort_unstable();
            format!("{s} {:.1}", v[v.len() / 2] as f64 / 1000.0)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Guarded prompts per second with `threads` callers over `secs`.
fn throughput(v: &Arc<Vallum>, threads: usize, secs: f64) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (v, stop, done) = (v.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let p = input(&format!("t{i}"));
                while !stop.load(Ordering::Relaxed) {
                    once(&v, &p);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    let n = done.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    for h in handles {
        h.join().unwrap();
    }
    n as f64 / elapsed
}

/// Median time of one 4 KB write + fsync in the bench directory, in µs.
fn fsync_cost(dir: &std::path::Path) -> f64 {
    let mut f = std::fs::File::create(dir.join("fsync.probe")).unwrap();
    let block = [7u8; 4096];
    let mut t: Vec<f64> = (0..200)
        .map(|_| {
            let s = Instant::now();
            f.write_all(&block).unwrap();
            f.sync_data().unwrap();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    percentile(&t, 0.5)
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fsync = fsync_cost(dir.path());
    let durable = Arc::new(open(&dir.path().join("durable.db"), Durability::Durable));
    let fast = open(&dir.path().join("fast.db"), Durability::Fast);
    let p = input("s1");
    for v in [&*durable, &fast] {
        for _ in 0..200 {
            once(v, &p);
        }
    }
    let (dp50, dp95) = latency(&durable, &p, 3000);
    let (fp50, fp95) = latency(&fast, &p, 20_000);
    eprintln!("\none 4 KB write + fsync on this disk: p50 {fsync:.0} µs");
    eprintln!("guard_prompt, 1 KB prompt, all stages, SQLite, one caller:");
    eprintln!("  durable  p50 {dp50:>8.1} µs  p95 {dp95:>8.1} µs");
    eprintln!("  fast     p50 {fp50:>8.1} µs  p95 {fp95:>8.1} µs");
    eprintln!(
        "  stage medians, µs, durable: {}",
        stages(&durable, &p, 1000)
    );
    eprintln!("  stage medians, µs, fast:    {}", stages(&fast, &p, 5000));
    eprintln!("guard_prompt throughput, durable, one store:");
    for threads in [1, 4, 16] {
        let rate = throughput(&durable, threads, 4.0);
        eprintln!("  {threads:>2} callers  {rate:>9.0} guarded prompts/s");
    }

    let mut g = c.benchmark_group("guard_prompt_sqlite");
    g.measurement_time(Duration::from_secs(6));
    g.bench_function("1KB_durable", |b| b.iter(|| once(&durable, &p)));
    g.bench_function("1KB_fast", |b| b.iter(|| once(&fast, &p)));
    g.finish();

    const BATCH: usize = 1000;
    let ctx = Context::new("acme").with_user("alice");
    let enc = SetOptions::default();
    let mut g = c.benchmark_group("set_batch_sqlite");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("1000x1KB_encrypted_durable", |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|k| (format!("b{k}"), json!("v".repeat(998))))
                    .collect::<Vec<_>>()
            },
            |items| {
                durable
                    .memory()
                    .set_batch(&ctx, Scope::User, items, &enc)
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches_group;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(benches_group);
