//! Hand-written, hand-labelled copilot prompts (`tests/vectors/prompts.json`,
//! issue 19): the spans the detector leaks must be exactly the reviewed list
//! in the file, so a change in what leaks is a reviewed change; the leak
//! rate per entity and the findings on prompts without personal data are
//! printed (`cargo test --test prompts -- --nocapture`) for `docs/pii.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use vallum::pii::Detector;
use vallum::SystemClock;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/prompts.json");

/// Byte spans of every occurrence of `value` in `text` that no letter or
/// digit touches on either side.
fn occurrences(text: &str, value: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(value) {
        let (s, e) = (at + i, at + i + value.len());
        let apart = !text[..s]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && !text[e..].chars().next().is_some_and(char::is_alphanumeric);
        if apart {
            out.push((s, e));
        }
        at = s + value.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Whether findings cover at least 90 % of the characters of `span`.
fn covered(text: &str, span: (usize, usize), found: &[(usize, usize)]) -> bool {
    let chars: Vec<usize> = text[span.0..span.1]
        .char_indices()
        .map(|(i, _)| span.0 + i)
        .collect();
    let hit = chars
        .iter()
        .filter(|&&b| found.iter().any(|&(s, e)| s <= b && b < e))
        .count();
    hit * 10 >= chars.len() * 9
}

#[test]
fn hand_written_prompts_leak_exactly_the_reviewed_spans() {
    let raw = std::fs::read_to_string(FILE).unwrap();
    let mut doc: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(doc["format"], "vallum.prompts.v1");
    let d = Detector::new(Arc::new(SystemClock)).unwrap();
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 200, "{} prompts", cases.len());
    let mut leaked: Vec<Value> = Vec::new();
    // entity → (spans, leaked)
    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut clean_findings = Vec::new();
    // tag → (labelled spans, leaked, findings, findings over no label)
    let mut tags: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for c in &cases {
        let id = c["id"].as_str().unwrap();
        let text = c["text"].as_str().unwrap();
        let found = d.detect(text).unwrap();
        let spans: Vec<(usize, usize)> = found.iter().map(|f| (f.start, f.end)).collect();
        let labels = c["pii"].as_array().unwrap();
        if labels.is_empty() {
            clean_findings.extend(
                found
                    .iter()
                    .map(|f| format!("{id}: {} {:?}", f.entity, f.text(text))),
            );
        }
        let mut labelled = Vec::new();
        let mut lost = 0;
        for l in labels {
            let (entity, value) = (l[0].as_str().unwrap(), l[1].as_str().unwrap());
            let occ = occurrences(text, value);
            assert!(!occ.is_empty(), "{id}: label {value:?} is not in the text");
            for span in occ {
                labelled.push(span);
                let row = table.entry(entity.to_owned()).or_default();
                row.0 += 1;
                if !covered(text, span, &spans) {
                    row.1 += 1;
                    lost += 1;
                    leaked.push(json!([id, entity, value]));
                }
            }
        }
        for tag in c["tags"].as_array().into_iter().flatten() {
            let row = tags.entry(tag.as_str().unwrap().to_owned()).or_default();
            row.0 += labelled.len();
            row.1 += lost;
            row.2 += spans.len();
            row.3 += spans
                .iter()
                .filter(|&&(s, e)| !labelled.iter().any(|&(a, b)| s < b && a < e))
                .count();
        }
    }
    let total: usize = table.values().map(|r| r.0).sum();
    let lost: usize = table.values().map(|r| r.1).sum();
    println!(
        "prompts: {} ({} labelled spans), leaked {lost} ({:.1} %)",
        cases.len(),
        total,
        100.0 * lost as f64 / total as f64
    );
    println!("| entity | spans | leaked |\n|---|---:|---:|");
    for (e, (n, l)) in &table {
        println!(
            "| {e} | {n} | {l} ({:.0} %) |",
            100.0 * *l as f64 / *n as f64
        );
    }
    println!("| hard case | labelled spans | leaked | findings | findings over no label |");
    println!("|---|---:|---:|---:|---:|");
    for (t, (n, l, f, x)) in &tags {
        println!("| {t} | {n} | {l} | {f} | {x} |");
    }
    println!(
        "findings on the {} prompts without personal data: {clean_findings:?}",
        cases
            .iter()
            .filter(|c| c["pii"].as_array().unwrap().is_empty())
            .count()
    );
    if std::env::var_os("VALLUM_BLESS_VECTORS").is_some() {
        doc["leaked"] = Value::Array(leaked);
        let mut out = String::from("{\n");
        out += &format!(" \"format\": {},\n", doc["format"]);
        out += &format!(" \"description\": {},\n \"cases\": [\n", doc["description"]);
        let n = cases.len();
        for (i, c) in doc["cases"].as_array().unwrap().iter().enumerate() {
            out += &format!("  {}{}\n", c, if i + 1 < n { "," } else { "" });
        }
        out += " ],\n \"leaked\": [\n";
        let l = doc["leaked"].as_array().unwrap();
        for (i, x) in l.iter().enumerate() {
            out += &format!("  {}{}\n", x, if i + 1 < l.len() { "," } else { "" });
        }
        out += " ]\n}\n";
        std::fs::write(FILE, out).unwrap();
        return;
    }
    let want: Vec<Value> = doc["leaked"].as_array().unwrap().clone();
    assert_eq!(
        leaked, want,
        "the leaked spans changed: review, then bless (VALLUM_BLESS_VECTORS=1)"
    );
}
