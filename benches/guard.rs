//! The guard pipeline: `guard_prompt` on a 1 KB prompt with every stage on
//! (rate limit, RBAC + 10 policies, threat scan, PII masking into the session
//! vault, budget reservation, audit record, metrics), on in-memory storage
//! and on SQLite (fast durability); and the share of each stage.
//!
//! `cargo bench -p vallum --bench guard`

#![allow(missing_docs, reason = "criterion generates the bench entry points")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use vallum::guard::{PromptInput, Stage};
use vallum::policy::{Effect, Principal};
use vallum::{MasterKey, Vallum};

fn config() -> String {
    let policies: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"id": "p{i}", "name": "rule {i}", "conditions": [{{"type": "data", "field": "prompt", "operator": "contains", "value": "forbidden phrase {i}"}}], "actions": [{{"type": "deny"}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{
  "enterpriseSecurity": {{
    "piiProtection": {{"enabled": true}},
    "threatDetection": {{"enabled": true, "sensitivity": "medium"}},
    "rbac": {{"roles": {{"analyst": {{"permissions": ["copilot:use"]}}}}}},
    "rateLimits": {{"guard": {{"requests": 1000000000, "window": 1}}}},
    "policyRules": [{}]
  }},
  "costManagement": {{"budgets": [{{"id": "org", "level": "organization", "period": "monthly", "limitMicros": 9000000000000}}]}},
  "guard": {{"permission": "copilot:use"}}
}}"#,
        policies.join(",")
    )
}

fn instance(builder: vallum::VallumBuilder) -> Vallum {
    builder
        .config_json(&config())
        .unwrap()
        .master_key(MasterKey::from_bytes(b"vallum-test-key/07-0123456789abc").unwrap())
        .build()
        .unwrap()
}

fn input() -> PromptInput {
    PromptInput {
        principal: Principal::new("alice").role("analyst"),
        organization: "acme".into(),
        session: "s1".into(),
        text: common::prompt_1k(),
        model: "gpt-4o".into(),
        estimated_output_tokens: 300,
        ..Default::default()
    }
}

/// One guarded prompt; the hold is released so holds do not pile up.
fn once(v: &Vallum, p: &PromptInput) {
    let verdict = v.guard_prompt(black_box(p)).unwrap();
    if let Some(r) = &verdict.reservation {
        v.costs().release(r);
    }
    black_box(verdict);
}

/// Median time of each stage over `n` calls, printed as a table.
fn stage_shares(v: &Vallum, p: &PromptInput, n: usize) {
    let stages = [
        Stage::RateLimit,
        Stage::Policy,
        Stage::Threats,
        Stage::Pii,
        Stage::Budget,
        Stage::Audit,
    ];
    let mut per: Vec<Vec<u64>> = vec![Vec::with_capacity(n); stages.len()];
    let mut total = Vec::with_capacity(n);
    for _ in 0..n {
        let verdict = v.guard_prompt(p).unwrap();
        assert_eq!(verdict.decision, Effect::Allow);
        if let Some(r) = &verdict.reservation {
            v.costs().release(r);
        }
        for t in &verdict.timings.stages {
            if let Some(i) = stages.iter().position(|s| *s == t.stage) {
                per[i].push(t.ns);
            }
        }
        total.push(verdict.timings.total_ns);
    }
    let median = |v: &mut Vec<u64>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let t = median(&mut total) as f64;
    eprintln!(
        "\nguard_prompt stage medians over {n} calls (total median {:.1} µs):",
        t / 1000.0
    );
    for (s, v) in stages.iter().zip(per.iter_mut()) {
        let m = median(v) as f64;
        eprintln!(
            "  {:<10} {:>7.2} µs  {:>5.1} %",
            s.as_str(),
            m / 1000.0,
            m / t * 100.0
        );
    }
}

fn benches(c: &mut Criterion) {
    let p = input();
    let mem = instance(Vallum::builder().in_memory());
    let first = mem.guard_prompt(&p).unwrap();
    assert_eq!(first.decision, Effect::Allow);
    assert!(first.findings.len() >= 5, "{:?}", first.findings);
    assert!(first.audit_id.is_some() && first.reservation.is_some());
    mem.costs().release(first.reservation.as_ref().unwrap());
    stage_shares(&mem, &p, 20_000);

    // LLM Guard publishes its Anonymize latency for a 317-character input.
    let mut short = p.clone();
    short.text = short.text.chars().take(317).collect();
    eprintln!("\n317-character prefix:");
    stage_shares(&mem, &short, 20_000);

    let mut g = c.benchmark_group("guard_prompt");
    g.measurement_time(Duration::from_secs(6));
    g.throughput(criterion::Throughput::Bytes(p.text.len() as u64));
    g.bench_function("1KB_all_stages_in_memory", |b| b.iter(|| once(&mem, &p)));
    g.throughput(criterion::Throughput::Bytes(short.text.len() as u64));
    g.bench_function("317_chars_all_stages_in_memory", |b| {
        b.iter(|| once(&mem, &short))
    });
    g.throughput(criterion::Throughput::Bytes(p.text.len() as u64));

    let dir = tempfile::tempdir().unwrap();
    let sqlite = instance(
        Vallum::builder()
            .sqlite(dir.path().join("bench.db"))
            .durability(vallum::config::Durability::Fast),
    );
    once(&sqlite, &p);
    g.bench_function("1KB_all_stages_sqlite_fast", |b| {
        b.iter(|| once(&sqlite, &p))
    });
    g.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
