//! Metrics and cost benchmarks (DESIGN §6).
//!
//! `cargo bench -p vallum --bench metrics_costs`

#![allow(missing_docs, reason = "criterion generates the bench entry points")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use vallum::cost::{Attribution, Usage};
use vallum::metrics::{Aggregation, Query};
use vallum::{Config, MasterKey, Vallum};

fn vallum(config: &str) -> Vallum {
    Vallum::builder()
        .in_memory()
        .config(Config::from_json_str(config).unwrap())
        .master_key(MasterKey::from_bytes(b"vallum-test-key/05-0123456789abc").unwrap())
        .build()
        .unwrap()
}

fn metrics(c: &mut Criterion) {
    let mut g = c.benchmark_group("metrics");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let v = vallum("{}");
    let labels = [("endpoint", "/chat"), ("model", "gpt-4o")];
    // What the record path is made of.
    let clock = vallum::SystemClock;
    g.bench_function("part_clock_now", |b| {
        b.iter(|| black_box(vallum::Clock::now_ms(&clock)))
    });
    let mut sk = vallum::metrics::Sketch::new();
    g.bench_function("part_sketch_add", |b| b.iter(|| sk.add(black_box(123.4))));
    let hasher = foldhash::fast::RandomState::default();
    g.bench_function("part_hash_series_key", |b| {
        b.iter(|| {
            std::hash::BuildHasher::hash_one(
                &hasher,
                (black_box("response_time"), black_box(&labels[..])),
            )
        })
    });
    let mut x = 1.0f64;
    g.bench_function("record_1_thread", |b| {
        b.iter(|| {
            x = if x > 5000.0 { 1.0 } else { x * 1.01 };
            v.metrics()
                .record_metric(black_box("response_time"), x, &labels)
                .unwrap()
        })
    });
    // Two threads recording into different series; reported per record.
    g.bench_function("record_2_threads_per_op", |b| {
        b.iter_custom(|iters| {
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|t| {
                    let (v, barrier) = (v.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let ep = if t == 0 { "/chat" } else { "/search" };
                        barrier.wait();
                        let start = Instant::now();
                        for i in 0..iters {
                            v.metrics()
                                .record_metric(
                                    "response_time",
                                    (i % 1000) as f64,
                                    &[("endpoint", ep)],
                                )
                                .unwrap();
                        }
                        start.elapsed()
                    })
                })
                .collect();
            let total: Duration = handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .max()
                .unwrap();
            total / 2
        })
    });

    // p95 over 1 M samples spread over one hour (12 five-minute buckets).
    let q = vallum("{}");
    for i in 0..1_000_000u64 {
        q.metrics()
            .record_metric("latency", 1.0 + (i * 7919 % 10_000) as f64, &[])
            .unwrap();
    }
    let query = Query::new("latency", Aggregation::P95).range("now-1h", "now");
    g.bench_function("p95_query_1m_samples", |b| {
        b.iter(|| black_box(q.metrics().query(&query).unwrap()))
    });

    let p = vallum("{}");
    for i in 0..10_000 {
        let id = format!("u{i}");
        p.metrics()
            .record_metric("response_time", (i % 700) as f64, &[("user", id.as_str())])
            .unwrap();
    }
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("prometheus_encode_10k_series", |b| {
        b.iter(|| black_box(p.metrics().prometheus().len()))
    });
    g.finish();
}

fn costs(c: &mut Criterion) {
    let mut g = c.benchmark_group("costs");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let budgets = r#"{"costManagement": {"budgets": [
        {"id": "org", "level": "organization", "period": "monthly", "limitMicros": 9000000000000000},
        {"id": "eng", "level": "department", "subject": "engineering", "period": "monthly", "limitMicros": 9000000000000000},
        {"id": "per-user", "level": "user", "period": "daily", "limitMicros": 9000000000000000}]}}"#;
    let v = vallum(budgets);
    let call = Usage::new("gpt-4o", 1200, 300).by(Attribution {
        user: Some("alice".into()),
        department: Some("engineering".into()),
        ..Default::default()
    });
    g.bench_function("estimate_charge", |b| {
        b.iter(|| black_box(v.costs().estimate(&call).unwrap()))
    });
    g.bench_function("reserve_release_3_budgets", |b| {
        b.iter(|| {
            let r = v.costs().reserve(&call).unwrap();
            v.costs().release(&r)
        })
    });
    g.bench_function("reserve_settle_in_memory_store", |b| {
        b.iter(|| {
            let r = v.costs().reserve(&call).unwrap();
            v.costs().settle(&r, &call).unwrap()
        })
    });
    g.bench_function("record_usage_in_memory_store", |b| {
        b.iter(|| v.costs().record_usage(&call).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    for (name, durability) in [("durable", "durable"), ("fast", "fast")] {
        let s = Vallum::builder()
            .sqlite(dir.path().join(format!("{name}.db")))
            .config(Config::from_json_str(&format!(
                r#"{{"enterpriseMemory": {{"storage": {{"durability": "{durability}"}}}}, "costManagement": {{"budgets": [{{"id": "org", "level": "organization", "period": "monthly", "limitMicros": 9000000000000000}}]}}}}"#
            )).unwrap())
            .master_key(MasterKey::from_bytes(b"vallum-test-key/05-0123456789abc").unwrap())
            .build()
            .unwrap();
        g.bench_function(format!("reserve_settle_sqlite_{name}"), |b| {
            b.iter(|| {
                let r = s.costs().reserve(&call).unwrap();
                s.costs().settle(&r, &call).unwrap()
            })
        });
    }
    // Contention: 2 threads reserving and releasing against the same budgets.
    g.bench_function("reserve_release_2_threads_per_op", |b| {
        b.iter_custom(|iters| {
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (v, call, barrier) = (v.clone(), call.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let start = Instant::now();
                        for _ in 0..iters {
                            let r = v.costs().reserve(&call).unwrap();
                            v.costs().release(&r);
                        }
                        start.elapsed()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .max()
                .unwrap()
                / 2
        })
    });
    g.bench_function("budget_status", |b| {
        b.iter_batched(
            || (),
            |_| black_box(v.costs().budget_status().unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, metrics, costs);
criterion_main!(benches);
