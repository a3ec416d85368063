//! Evaluates Vallum's threat scanner on a labelled JSONL corpus
//! (`{"label": "malicious" | "benign", "text": …}` per line, as in
//! `bastioncorpus`'s `injections.jsonl`) at each sensitivity and prints the
//! detection rate on malicious texts and the false-positive rate on benign ones.
//!
//! `cargo run --release -p vallum-examples --bin threat_eval -- injections.jsonl`

use std::collections::BTreeMap;
use vallum::{Config, MasterKey, Vallum};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: threat_eval <corpus.jsonl>")?;
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    println!("{path}: {} texts", rows.len());
    for sensitivity in ["low", "medium", "high"] {
        let cfg = Config::from_json_str(&format!(
            r#"{{"enterpriseSecurity": {{"threatDetection": {{"sensitivity": "{sensitivity}"}}}}}}"#
        ))?;
        let v = Vallum::builder()
            .in_memory()
            .config(cfg)
            .master_key(MasterKey::from_bytes(b"vallum-test-key/01-0123456789abc")?)
            .build()?;
        let (mut tp, mut fn_, mut fp, mut tn) = (0u32, 0u32, 0u32, 0u32);
        let mut missed_by_category: BTreeMap<String, u32> = BTreeMap::new();
        let mut fp_by_category: BTreeMap<String, u32> = BTreeMap::new();
        for r in &rows {
            let text = r["text"].as_str().unwrap_or_default();
            let flagged = !v.threats().scan(text).findings.is_empty();
            let category = r["category"].as_str().unwrap_or("?").to_string();
            match (r["label"].as_str(), flagged) {
                (Some("malicious"), true) => tp += 1,
                (Some("malicious"), false) => {
                    fn_ += 1;
                    *missed_by_category.entry(category).or_default() += 1;
                }
                (_, true) => {
                    fp += 1;
                    *fp_by_category.entry(category).or_default() += 1;
                }
                (_, false) => tn += 1,
            }
        }
        let rate = |a: u32, b: u32| {
            if a + b == 0 {
                0.0
            } else {
                100.0 * a as f64 / (a + b) as f64
            }
        };
        println!(
            "sensitivity {sensitivity:<6} detection {:5.1} % ({tp}/{})   false positives {:5.1} % ({fp}/{})",
            rate(tp, fn_),
            tp + fn_,
            rate(fp, tn),
            fp + tn
        );
        println!("    missed by category: {missed_by_category:?}");
        println!("    false positives by category: {fp_by_category:?}");
    }
    Ok(())
}
