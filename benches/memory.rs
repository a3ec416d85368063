//! Memory benchmarks (DESIGN §6): 1 KB values on SQLite.
//!
//! `cargo bench -p vallum --bench memory`
//!
//! * get, hot-cache hit
//! * get from SQLite (cache off): storage read + decryption
//! * durable single set (one fsync'd transaction per call)
//! * durable batched set (1,000 values per transaction), reported per value
//! * the same get and batched set with encryption off (values are still
//!   authenticated with HMAC-SHA256), to show what AES-GCM adds

#![allow(missing_docs, reason = "criterion generates the bench entry points")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use std::hint::black_box;
use std::time::Duration;
use vallum::{Config, Context, MasterKey, Scope, SetOptions, Vallum};

fn value_1kb() -> Value {
    // 1,000 bytes of JSON text ("..." + 998 characters).
    json!("v".repeat(998))
}

fn open(dir: &std::path::Path, cache: bool) -> Vallum {
    let cfg = if cache {
        Config::default()
    } else {
        Config::from_json_str(r#"{"enterpriseMemory":{"cache":{"maxEntries":0}}}"#).unwrap()
    };
    Vallum::builder()
        .sqlite(dir.join(format!(
            "bench-{}.db",
            if cache { "cache" } else { "nocache" }
        )))
        .config(cfg)
        .master_key(MasterKey::from_bytes(b"vallum-test-key/03-0123456789abc").unwrap())
        .build()
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::new("acme").with_user("alice");
    let cached = open(dir.path(), true);
    let uncached = open(dir.path(), false);
    let enc = SetOptions::default();
    let plain = SetOptions::default().encrypt(false);
    for v in [&cached, &uncached] {
        v.memory()
            .set(&ctx, Scope::User, "enc", value_1kb(), &enc)
            .unwrap();
        v.memory()
            .set(&ctx, Scope::User, "plain", value_1kb(), &plain)
            .unwrap();
    }

    let mut g = c.benchmark_group("memory_1kb");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("get_cache_hit", |b| {
        b.iter(|| {
            black_box(
                cached
                    .memory()
                    .get(&ctx, Scope::User, black_box("enc"))
                    .unwrap(),
            )
        })
    });
    g.bench_function("get_sqlite_encrypted", |b| {
        b.iter(|| {
            black_box(
                uncached
                    .memory()
                    .get(&ctx, Scope::User, black_box("enc"))
                    .unwrap(),
            )
        })
    });
    g.bench_function("get_sqlite_unencrypted", |b| {
        b.iter(|| {
            black_box(
                uncached
                    .memory()
                    .get(&ctx, Scope::User, black_box("plain"))
                    .unwrap(),
            )
        })
    });
    g.sample_size(20);
    let mut i = 0u64;
    g.bench_function("set_durable_single_encrypted", |b| {
        b.iter(|| {
            i += 1;
            cached
                .memory()
                .set(
                    &ctx,
                    Scope::User,
                    &format!("s{}", i % 1000),
                    value_1kb(),
                    &enc,
                )
                .unwrap()
        })
    });
    const BATCH: usize = 1000;
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, opts) in [
        ("set_batch_durable_encrypted", &enc),
        ("set_batch_durable_unencrypted", &plain),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    (0..BATCH)
                        .map(|k| (format!("b{k}"), value_1kb()))
                        .collect::<Vec<_>>()
                },
                |items| {
                    uncached
                        .memory()
                        .set_batch(&ctx, Scope::User, items, opts)
                        .unwrap()
                },
                BatchSize::SmallInput,
            )
        });
    }
    // The same batch on the in-memory backend: what Vallum itself costs
    // (serialization, sealing, cache, bookkeeping) without SQLite.
    let in_mem = Vallum::builder()
        .in_memory()
        .config(
            Config::from_json_str(r#"{"enterpriseMemory":{"cache":{"maxEntries":0}}}"#).unwrap(),
        )
        .master_key(MasterKey::from_bytes(b"vallum-test-key/03-0123456789abc").unwrap())
        .build()
        .unwrap();
    g.bench_function("set_batch_in_memory_encrypted", |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|k| (format!("b{k}"), value_1kb()))
                    .collect::<Vec<_>>()
            },
            |items| {
                in_mem
                    .memory()
                    .set_batch(&ctx, Scope::User, items, &enc)
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives_1kb");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    let dek = vallum::crypto::DataKey::from_bytes(&[9; 32], 1).unwrap();
    let data = vec![b'v'; 1000];
    g.bench_function("aes_gcm_seal", |b| {
        b.iter(|| {
            vallum::crypto::seal_value(&dek, "user", "acme\u{1f}alice", "k", black_box(&data))
                .unwrap()
        })
    });
    let sealed = vallum::crypto::seal_value(&dek, "user", "acme\u{1f}alice", "k", &data).unwrap();
    g.bench_function("aes_gcm_open", |b| {
        b.iter(|| {
            vallum::crypto::open_value(&dek, "user", "acme\u{1f}alice", "k", black_box(&sealed))
                .unwrap()
        })
    });
    let v = value_1kb();
    g.bench_function("json_serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&v)).unwrap())
    });
    g.finish();
}

criterion_group!(memory, benches, primitives);
criterion_main!(memory);
