//! Runs the shared conformance vectors in `tests/vectors/` (format in
//! `tests/vectors/README.md`). Every binding runs the same files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

use serde_json::Value;
use std::path::PathBuf;
use vallum::{MasterKey, Scope};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn crypto_known_answers() {
    let doc = load("crypto-kat.json");
    assert_eq!(doc["format"], "vallum.crypto-kat.v1");
    let master = MasterKey::from_encoded(doc["masterKey"].as_str().unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let scope = Scope::parse(case["scope"].as_str().unwrap()).unwrap();
        let owner = case["owner"].as_str().unwrap();
        let key = case["key"].as_str().unwrap();
        let id = case["dataKeyId"].as_u64().unwrap() as u32;
        let wrapped = unhex(case["wrappedDataKey"].as_str().unwrap());
        let blob = unhex(case["storedValue"].as_str().unwrap());
        let result =
            vallum::memory::open_stored_value(&master, scope, owner, key, id, &wrapped, &blob);
        match (
            &case["expected"]["value"],
            case["expected"]["error"].as_str(),
        ) {
            (Value::Null, Some(code)) if case["expected"].get("value").is_none() => {
                assert_eq!(result.unwrap_err().code().as_str(), code, "{name}");
            }
            (expected, None) => {
                let dek = master
                    .unwrap_data_key(scope.as_str(), owner, id, &wrapped)
                    .unwrap();
                assert!(
                    dek.matches_bytes(&unhex(case["dataKey"].as_str().unwrap())),
                    "{name}: data key"
                );
                assert_eq!(&result.unwrap(), expected, "{name}");
            }
            other => panic!("{name}: malformed case {other:?}"),
        }
    }
}

#[test]
fn spec_enterprise_config_loads_unchanged() {
    let doc = load("config-enterprise.json");
    let cfg = vallum::Config::from_value(doc.clone()).unwrap();
    // Nothing is dropped: serializing back gives every key the spec wrote.
    let back = serde_json::to_value(&cfg).unwrap();
    fn keys(v: &Value, path: String, out: &mut Vec<String>) {
        if let Value::Object(m) = v {
            for (k, v) in m {
                let p = format!("{path}.{k}");
                out.push(p.clone());
                keys(v, p, out);
            }
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    keys(&doc, "$".into(), &mut a);
    keys(&back, "$".into(), &mut b);
    for k in &a {
        assert!(b.contains(k), "{k} was lost");
    }
}

#[test]
fn cost_arithmetic_to_the_micro_dollar() {
    let doc = load("cost.json");
    assert_eq!(doc["format"], "vallum.cost.v1");
    let catalog = vallum::cost::PriceCatalog::bundled().unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let usage: vallum::cost::Usage = serde_json::from_value(case["usage"].clone()).unwrap();
        let result = catalog
            .price(&usage.model)
            .and_then(|p| vallum::cost::compute_charge(&usage, p));
        match case["expected"]["error"].as_str() {
            Some(code) => assert_eq!(result.unwrap_err().code().as_str(), code, "{name}"),
            None => {
                let c = result.unwrap();
                assert_eq!(
                    c.cost_micros,
                    case["expected"]["cost_micros"].as_i64().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    c.cost_picos.to_string(),
                    case["expected"]["cost_picos"].as_str().unwrap(),
                    "{name}"
                );
            }
        }
    }
}
