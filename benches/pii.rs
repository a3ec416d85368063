//! PII benchmarks: detect+mask of a 1 KB prompt, throughput on text without
//! PII and on dense PII, and 1 KB → 10 MB to show linear scaling.
//!
//! `cargo bench -p vallum --bench pii`

#![allow(missing_docs, reason = "criterion generates the bench entry points")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;
use vallum::pii::{Detector, Masker};

#[path = "common.rs"]
mod common;
use common::{prompt_1k, prose};

fn dense(len: usize) -> String {
    let unit =
        "a@example.com 4111 1111 1111 1111 078-05-1123 +44 20 7123 4567 10.0.0.1 https://x.org/p ";
    let mut s = unit.repeat(len / unit.len() + 1);
    s.truncate(len);
    s
}

fn benches(c: &mut Criterion) {
    let d = Arc::new(Detector::new(Arc::new(vallum::SystemClock)).unwrap());
    let m = Masker::new(d.clone());
    let p = prompt_1k();
    assert!(m.mask(&p).unwrap().findings.len() >= 5);

    let mut g = c.benchmark_group("pii");
    g.measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Bytes(p.len() as u64));
    g.bench_function("detect_mask_1k_prompt", |b| {
        b.iter(|| black_box(m.mask(black_box(&p)).unwrap()))
    });
    g.bench_function("detect_1k_prompt", |b| {
        b.iter(|| black_box(d.detect(black_box(&p)).unwrap()))
    });
    let clean = prose(1 << 20);
    assert!(d.detect(&clean).unwrap().is_empty());
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("detect_no_pii_1mb", |b| {
        b.iter(|| black_box(d.detect(black_box(&clean)).unwrap()))
    });
    let heavy = dense(1 << 20);
    g.throughput(Throughput::Bytes(heavy.len() as u64));
    g.bench_function("detect_mask_dense_pii_1mb", |b| {
        b.iter(|| black_box(m.mask(black_box(&heavy)).unwrap()))
    });
    g.finish();

    let mut g = c.benchmark_group("pii_scaling");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    for size in [1usize << 10, 64 << 10, 1 << 20, 10 << 20] {
        // Prose with the 1 KB prompt every 16 KB.
        let mut t = prose(size);
        let mut at = 0;
        while at + p.len() < t.len() {
            t.replace_range(at..at + p.len(), &p);
            at += 16 << 10;
        }
        g.throughput(Throughput::Bytes(t.len() as u64));
        g.bench_with_input(BenchmarkId::new("detect_mask", size), &t, |b, t| {
            b.iter(|| black_box(m.mask(t).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(pii, benches);
criterion_main!(pii);
