//! The Rust side of the bindings' per-call overhead: the same calls on the
//! same inputs (`benches/compare/python/calls.json`) that
//! `benches/compare/python/bench.py` makes through the Python package.
//! `benches/compare/python/run.sh` runs both and prints the difference.
//!
//! `cargo bench -p vallum --bench bindings`

#![allow(missing_docs, reason = "criterion generates the bench entry points")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;
use std::hint::black_box;
use vallum::{MasterKey, Vallum};

mod common;

fn bindings(c: &mut Criterion) {
    let calls: Value = serde_json::from_str(include_str!("compare/python/calls.json")).unwrap();
    let prompt = calls["prompt_1k"].as_str().unwrap();
    assert_eq!(
        prompt,
        common::prompt_1k(),
        "calls.json and common.rs disagree"
    );
    let v = Vallum::builder()
        .in_memory()
        .master_key(MasterKey::from_bytes(b"vallum-test-key/07-0123456789abc").unwrap())
        .config_json(r#"{"enterpriseSecurity": {"piiProtection": {"enabled": true}}}"#)
        .unwrap()
        .build()
        .unwrap();
    for p in calls["policies"].as_array().unwrap() {
        v.policies().add_json(p.clone()).unwrap();
    }
    let entity = calls["validate"][0].as_str().unwrap();
    let card = calls["validate"][1].as_str().unwrap();
    let request = &calls["request"];
    assert_eq!(v.pii().detector().validate(entity, card), Some(true));

    let mut g = c.benchmark_group("bindings");
    g.bench_function("trivial_validate", |b| {
        b.iter(|| {
            v.pii()
                .detector()
                .validate(black_box(entity), black_box(card))
        });
    });
    g.bench_function("typical_evaluate_request", |b| {
        b.iter(|| v.evaluate_request(black_box(request)));
    });
    g.bench_function("mask_1k", |b| {
        b.iter(|| v.pii().mask(black_box(prompt)).unwrap());
    });
    g.finish();
}

criterion_group!(benches, bindings);
criterion_main!(benches);
