//! Presidio's own recognizer test vectors (`tests/vectors/presidio-recognizers.json`,
//! MIT, see `tests/vectors/README.md`) run against Vallum's recognizers.
//! For every entity Vallum implements, at least 99 % of its vectors must pass.
//! The per-entity table is written to `target/pii-vector-table.md` and
//! published in `docs/pii.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use vallum::pii::{DetectOptions, Detector, PiiSettings, Region, ENTITIES};
use vallum::SystemClock;

fn detector(recognizer: &str, params: Option<&Value>) -> Detector {
    let mut s = PiiSettings::default();
    if recognizer.contains("'JP', 'CN'") {
        s.phone_regions.extend([Region::JP, Region::CN]);
    }
    if recognizer.contains("strict_checksum=True") {
        s.strict_checksums = true;
    }
    if let Some(l) = params
        .and_then(|p| p.get("leniency"))
        .and_then(Value::as_u64)
    {
        s.phone_leniency = l as u8;
    }
    Detector::with_settings(&s, Arc::new(SystemClock)).unwrap()
}

#[test]
fn presidio_recognizer_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/presidio-recognizers.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 1674);
    let default = detector("", None);
    let mut cache: BTreeMap<String, Detector> = BTreeMap::new();
    // entity → (passed, total, failures)
    let mut table: BTreeMap<String, (usize, usize, Vec<String>)> = BTreeMap::new();
    let mut unclaimed: BTreeMap<String, usize> = BTreeMap::new();
    let mut helpers: BTreeMap<String, usize> = BTreeMap::new();
    for v in vectors {
        let entity = v["entity"].as_str().unwrap();
        if !ENTITIES.contains(&entity) {
            *unclaimed.entry(entity.to_owned()).or_default() += 1;
            continue;
        }
        let text = v["text"].as_str().unwrap();
        // A private helper of Presidio's recognizer (`_validate_pan_format`)
        // has no counterpart to call: counted apart, see docs/pii.md.
        if v["validator_function"]
            .as_str()
            .is_some_and(|f| f.starts_with('_'))
        {
            *helpers.entry(entity.to_owned()).or_default() += 1;
            continue;
        }
        let recognizer = v["recognizer"].as_str().unwrap();
        let d = if recognizer.ends_with("()") {
            &default
        } else {
            let key = format!(
                "{recognizer}{:?}",
                v.get("params").and_then(|p| p.get("leniency"))
            );
            cache
                .entry(key)
                .or_insert_with(|| detector(recognizer, v.get("params")))
        };
        let (ok, got) = if v["kind"] == "validator" {
            // `null`: the validator has no opinion (Presidio's `None`).
            let want = v["expected_valid"].as_bool();
            let got = d.validate(entity, text);
            (got == want, format!("{got:?} want {want:?}"))
        } else {
            let opts = DetectOptions::default()
                .entities([entity])
                .threshold(0.0)
                .context(false)
                .resolve_overlaps(false);
            let found = d.detect_with(text, &opts).unwrap();
            let mut spans: Vec<(usize, usize)> =
                found.iter().map(|f| (f.char_start, f.char_end)).collect();
            spans.sort_unstable();
            let want_count = v["expected_count"].as_u64().unwrap() as usize;
            let mut want: Vec<(usize, usize)> = v["expected_spans"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| {
                            (
                                s[0].as_u64().unwrap() as usize,
                                s[1].as_u64().unwrap() as usize,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            want.sort_unstable();
            // Where Presidio's test asserts fewer spans than it counts, the
            // asserted ones must be among ours.
            let ok = spans.len() == want_count && want.iter().all(|w| spans.contains(w));
            (ok, format!("{spans:?} want {want_count} {want:?}"))
        };
        let row = table.entry(entity.to_owned()).or_default();
        row.1 += 1;
        if ok {
            row.0 += 1;
        } else {
            row.2.push(format!("{text:?} -> {got}"));
        }
    }
    let mut md = String::from("| Entity | Vectors | Passed | Rate |\n|---|---:|---:|---:|\n");
    let mut below = Vec::new();
    let (mut tp, mut tt) = (0, 0);
    for (e, (p, t, fails)) in &table {
        let rate = 100.0 * *p as f64 / *t as f64;
        md.push_str(&format!("| {e} | {t} | {p} | {rate:.1} % |\n"));
        tp += p;
        tt += t;
        for f in fails {
            eprintln!("FAIL {e}: {f}");
        }
        if rate < 99.0 {
            below.push(format!("{e} {p}/{t}"));
        }
    }
    md.push_str(&format!(
        "| **all claimed** | {tt} | {tp} | {:.1} % |\n",
        100.0 * tp as f64 / tt as f64
    ));
    for (e, n) in &helpers {
        md.push_str(&format!(
            "\n{e}: {n} more vectors test a private helper of Presidio's recognizer and are not counted.\n"
        ));
    }
    // Every vector runs: no entity of Presidio's tests is left out.
    assert!(
        unclaimed.is_empty(),
        "entities not implemented: {unclaimed:?}"
    );
    assert_eq!(tt + helpers.values().sum::<usize>(), vectors.len());
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/pii-vector-table.md");
    let _ = std::fs::write(out, &md);
    println!("{md}");
    assert!(below.is_empty(), "entities below 99 %: {below:?}");
}
