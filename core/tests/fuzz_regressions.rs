//! Replays the inputs kept in `fuzz/regressions/` (past crashers and seed
//! cases) through the same code as the fuzz targets: each must give a typed
//! error or a decision, never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

use std::path::PathBuf;
use vallum::policy::{PolicyEngine, PolicySettings, Rbac};

fn policy_json(data: &[u8]) -> Option<vallum::policy::Decision> {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (policy, request) = data.split_at(split);
    let policy = serde_json::from_slice::<serde_json::Value>(policy).ok()?;
    let engine = PolicyEngine::new(
        &PolicySettings::default(),
        std::sync::Arc::new(vallum::ManualClock::new(0)),
    );
    engine.add_json(policy).ok()?;
    let request = serde_json::from_slice::<serde_json::Value>(request.get(1..).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null);
    Some(engine.evaluate(&request, &Rbac::default()))
}

#[test]
fn policy_json_regressions_replay_without_panics() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/policy_json");
    let mut n = 0;
    let mut decided = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        if let Some(d) = policy_json(&data) {
            assert!(d.matched.len() <= 1);
            decided += 1;
        }
        n += 1;
    }
    assert!(n >= 3, "seed cases are present");
    assert!(decided >= 1, "at least one seed reaches evaluation");
}

#[test]
fn pii_mask_regressions_replay_without_panics() {
    use std::sync::Arc;
    use vallum::pii::{Detector, Masker, Operator};
    let d = Detector::new(Arc::new(vallum::ManualClock::new(1_700_000_000_000))).unwrap();
    let m = Masker::new(Arc::new(d)).with_default(Operator::Replace {
        new_value: None,
        numbered: true,
    });
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/pii_mask");
    let mut n = 0;
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        found += vallum::pii::fuzz_check(&m, &data);
        n += 1;
    }
    assert!(n >= 3, "seed cases are present");
    assert!(found >= 4, "the seeds contain PII");
}

fn replay(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

#[test]
fn memory_value_regressions_replay_without_panics() {
    let v = vallum::fuzzing::instance().unwrap();
    let inputs = replay("memory_value");
    assert!(inputs.len() >= 5, "seed cases are present");
    let stored = inputs
        .iter()
        .filter(|d| vallum::fuzzing::memory_value(&v, d))
        .count();
    assert!(stored >= 3, "some seeds are stored and read back");
    assert!(
        stored < inputs.len(),
        "some seeds are refused (too deep, too large)"
    );
}

#[test]
fn vault_restore_regressions_replay_without_panics() {
    let v = vallum::fuzzing::instance().unwrap();
    let inputs = replay("vault_restore");
    assert!(inputs.len() >= 5, "seed cases are present");
    let restored: usize = inputs
        .iter()
        .map(|d| vallum::fuzzing::vault_restore(&v, d))
        .sum();
    assert!(restored >= 4, "the seeds restore placeholders");
}
