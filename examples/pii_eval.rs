//! Runs Vallum's PII detector over a corpus for `benches/compare/presidio`.
//!
//! `pii_eval <corpus.json> <repeats>` where the corpus is
//! `{"texts": [..], "entities": [..]}`. Prints JSON: the seconds one pass
//! over all texts took (best of `repeats`, after a warm-up pass), the bytes
//! scanned, and per text the findings as `[entity, char_start, char_end]`.

use std::sync::Arc;
use std::time::Instant;
use vallum::pii::{DetectOptions, Detector};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: pii_eval <corpus.json> [repeats]")?;
    let repeats: usize = args.get(2).map_or(Ok(5), |r| r.parse())?;
    let corpus: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let texts: Vec<&str> = corpus["texts"]
        .as_array()
        .ok_or("texts must be an array")?
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    let entities: Vec<String> = corpus["entities"]
        .as_array()
        .ok_or("entities must be an array")?
        .iter()
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect();
    let detector = Detector::new(Arc::new(vallum::SystemClock))?;
    let opts = DetectOptions::default().entities(entities);
    let run = || -> vallum::Result<Vec<Vec<(String, usize, usize)>>> {
        texts
            .iter()
            .map(|t| {
                Ok(detector
                    .detect_with(t, &opts)?
                    .into_iter()
                    .map(|f| (f.entity, f.char_start, f.char_end))
                    .collect())
            })
            .collect()
    };
    let findings = run()?;
    let mut best = f64::MAX;
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        std::hint::black_box(run()?);
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!(
        "{}",
        serde_json::json!({"seconds": best, "bytes": bytes, "findings": findings})
    );
    Ok(())
}
