//! Cold start: the first 1,000 detect+mask calls of a new detector against
//! later calls on the same texts, without and with the warm-up that
//! construction now runs.
//!
//! `cargo bench -p vallum --bench cold_start`
//!
//! It also times the same 1 KB prompt in a tight loop and with other
//! memory touched between calls, as an interpreter does between two calls
//! into the extension: the in-process slowdown issue 21 asks about.
//!
//! The texts are the 1,674 short sentences of Presidio's recognizer tests
//! and the 250 hand-written prompts (`tests/vectors/`), the first 1,000
//! distinct ones. The unwarmed detector is built first, so no automaton or
//! word list of the process has been used before it.

#![allow(missing_docs, reason = "a plain benchmark binary")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on a failed set-up")]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;
use vallum::pii::{Detector, Masker, PiiSettings};

fn texts() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/");
    let mut out: Vec<String> = Vec::new();
    let load = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{root}{f}")).unwrap()).unwrap()
    };
    let prompts = load("prompts.json");
    let presidio = load("presidio-recognizers.json");
    let a = prompts["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["text"]);
    let b = presidio["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["text"]);
    // Interleave, so both kinds come early.
    let (mut a, mut b) = (a.peekable(), b.peekable());
    while a.peek().is_some() || b.peek().is_some() {
        for t in a.next().into_iter().chain(b.next()).chain(b.next()) {
            let t = t.as_str().unwrap().to_owned();
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out.truncate(1000);
    out
}

/// Mean and median microseconds per call of one pass over `texts`.
fn pass(m: &Masker, texts: &[String]) -> (f64, f64) {
    let mut us: Vec<f64> = texts
        .iter()
        .map(|t| {
            let at = Instant::now();
            black_box(m.mask(black_box(t)).unwrap());
            at.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    let mean = us.iter().sum::<f64>() / us.len() as f64;
    us.sort_by(f64::total_cmp);
    (mean, us[us.len() / 2])
}

fn run(name: &str, d: Detector, texts: &[String]) {
    let m = Masker::new(Arc::new(d));
    let first = pass(&m, texts);
    let mut later = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        let p = pass(&m, texts);
        later = (later.0.min(p.0), later.1.min(p.1));
    }
    println!(
        "{name:<10} first pass: mean {:6.2} µs, median {:6.2} µs | later: mean {:6.2} µs, median {:6.2} µs | first/later (mean) {:.2}×",
        first.0,
        first.1,
        later.0,
        later.1,
        first.0 / later.0
    );
}

/// ≈ 1 KB prompts, each made of different sentences of the same corpora.
fn prompts(texts: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for t in texts.iter().cycle().take(texts.len() * 3) {
        cur.push_str(t);
        cur.push(' ');
        if cur.len() >= 1024 {
            out.push(std::mem::take(&mut cur));
        }
    }
    out.truncate(200);
    out
}

fn main() {
    let texts = texts();
    assert_eq!(texts.len(), 1000);
    let long = prompts(&texts);
    let clock: Arc<dyn vallum::Clock> = Arc::new(vallum::SystemClock);
    let s = PiiSettings::default();
    let at = Instant::now();
    let cold = Detector::unwarmed(&s, clock.clone()).unwrap();
    let built_cold = at.elapsed();
    run("unwarmed", cold, &texts);
    let fresh = Detector::with_settings(&s, clock.clone()).unwrap();
    run("1 KB", fresh, &long);
    let at = Instant::now();
    let warm = Detector::with_settings(&s, clock.clone()).unwrap();
    let built_warm = at.elapsed();
    run("warmed", warm, &texts);
    pollution();
    println!(
        "construction: unwarmed {:.2} ms, with warm-up {:.2} ms",
        built_cold.as_secs_f64() * 1e3,
        built_warm.as_secs_f64() * 1e3
    );
}

/// detect+mask of one 1 KB prompt, best of five runs of 2,000 calls, with
/// 0 B to 8 MiB of other memory written between two calls.
fn pollution() {
    let d = Detector::new(Arc::new(vallum::SystemClock)).unwrap();
    let m = Masker::new(Arc::new(d));
    let p = common::prompt_1k();
    let mut junk = vec![0u8; 8 << 20];
    for kib in [0usize, 256, 1024, 8192] {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let mut total = 0.0;
            for i in 0..2000u32 {
                for j in (0..kib << 10).step_by(64) {
                    junk[j] = junk[j].wrapping_add(i as u8);
                }
                let at = Instant::now();
                black_box(m.mask(black_box(&p)).unwrap());
                total += at.elapsed().as_secs_f64();
            }
            best = best.min(total / 2000.0 * 1e6);
        }
        println!("1 KB prompt, {kib:>4} KiB of other memory written between calls: {best:6.2} µs");
    }
    black_box(&junk);
}

#[path = "common.rs"]
mod common;
