//! Fuzzes policy parsing, validation, compilation and evaluation: arbitrary
//! bytes as a policy document and as a request must give a typed error or a
//! decision — never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vallum::policy::{PolicyEngine, PolicySettings, Rbac};

fuzz_target!(|data: &[u8]| {
    // Split the input: first part a policy, second part a request.
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (policy, request) = data.split_at(split);
    let Ok(policy) = serde_json::from_slice::<serde_json::Value>(policy) else { return };
    let engine = PolicyEngine::new(&PolicySettings::default(), std::sync::Arc::new(vallum::ManualClock::new(0)));
    if engine.add_json(policy).is_err() {
        return;
    }
    let request = serde_json::from_slice::<serde_json::Value>(request.get(1..).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null);
    let d = engine.evaluate(&request, &Rbac::default());
    assert!(d.matched.len() <= 1);
});
