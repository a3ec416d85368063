//! Usage, budgets, reservations and reports on real SQLite files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use vallum::cost::{Attribution, Period, ReportRequest, Usage};
use vallum::storage::UsageField;
use vallum::{ErrorCode, Event, EventKind, ManualClock, Vallum};

/// 2026-03-31 12:00 UTC, a Tuesday, near a month and quarter end.
const MARCH_31_NOON: i64 = 1_774_958_400_000;

fn eng(user: &str) -> Attribution {
    Attribution {
        user: Some(user.into()),
        team: Some("platform".into()),
        department: Some("engineering".into()),
        cost_center: Some("ENG-001".into()),
        project: Some("copilot".into()),
        ..Attribution::default()
    }
}

fn build(path: &std::path::Path, clock: Arc<ManualClock>, cost_json: &str) -> Vallum {
    let cfg = config(&format!(r#"{{"costManagement": {cost_json}}}"#));
    open_with(path, cfg, clock)
}

#[test]
fn usage_is_charged_persisted_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.db");
    let clock = Arc::new(ManualClock::new(MARCH_31_NOON));
    let budgets = r#"{"budgets": [{"id": "eng", "level": "department", "subject": "engineering", "period": "monthly", "limitMicros": 1000000}]}"#;
    {
        let v = build(&p, clock.clone(), budgets);
        let c = v
            .costs()
            .record_usage(&Usage::new("gpt-4o", 1000, 500).by(eng("alice")))
            .unwrap();
        assert_eq!(c.cost_micros, 7_500);
        let st = v.costs().budget_status().unwrap();
        assert_eq!(st[0].spent_micros, 7_500);
    }
    // A new instance derives the period's spend from the stored usage rows.
    let v = build(&p, clock.clone(), budgets);
    let st = v.costs().budget_status().unwrap();
    assert_eq!((st[0].spent_micros, st[0].limit_micros), (7_500, 1_000_000));
    // The next month starts at zero.
    clock.set(MARCH_31_NOON + 12 * 3_600_000);
    let st = v.costs().budget_status().unwrap();
    assert_eq!(st[0].spent_micros, 0);
    assert_eq!(st[0].period_start, MARCH_31_NOON + 12 * 3_600_000);
}

#[test]
fn hard_limit_refuses_before_the_call_and_warns_first() {
    let clock = Arc::new(ManualClock::new(MARCH_31_NOON));
    let cfg = config(
        r#"{"costManagement": {"budgets": [{"id": "alice-daily", "level": "user", "subject": "alice", "period": "daily", "limitMicros": 20000, "warningThreshold": 0.5}]}}"#,
    );
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .clock(clock.clone())
        .build()
        .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let _s = v.subscribe(None, move |e| {
        if matches!(
            e.kind(),
            EventKind::BudgetWarning | EventKind::BudgetExceeded
        ) {
            sink.lock().unwrap().push(e.clone());
        }
    });
    let call = Usage::new("gpt-4o", 1000, 500).by(eng("alice")); // 7,500 µ$
    let r1 = v.costs().reserve(&call).unwrap();
    assert_eq!(r1.amount_micros, 7_500);
    v.costs().settle(&r1, &call).unwrap();
    let r2 = v.costs().reserve(&call).unwrap();
    v.costs().settle(&r2, &call).unwrap(); // 15,000: past the 50 % warning
    let e = v.costs().reserve(&call).unwrap_err(); // 22,500 > 20,000
    assert_eq!(e.code(), ErrorCode::BudgetExceeded);
    assert!(e.to_string().contains("alice-daily"), "{e}");
    // Bob is not limited by alice's budget.
    v.costs()
        .reserve(&Usage::new("gpt-4o", 1000, 500).by(eng("bob")))
        .unwrap();
    let ev = events.lock().unwrap().clone();
    assert!(matches!(&ev[0], Event::BudgetWarning(b) if b.spent_micros == 15_000 && !b.refused));
    assert!(matches!(&ev[1], Event::BudgetExceeded(b) if b.refused));
    // Tomorrow (in UTC) the budget is fresh.
    clock.advance(12 * 3_600_000);
    v.costs().reserve(&call).unwrap();
}

#[test]
fn soft_limit_allows_overspend_during_the_grace_period_only() {
    let clock = Arc::new(ManualClock::new(MARCH_31_NOON - 10 * 86_400_000));
    let cfg = config(
        r#"{"costManagement": {"budgets": [{"id": "ds", "level": "department", "subject": "data_science", "period": "monthly", "limitMicros": 10000, "hardLimit": false, "gracePeriodHours": 24}]}}"#,
    );
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .clock(clock.clone())
        .build()
        .unwrap();
    let who = Attribution {
        department: Some("data_science".into()),
        ..Default::default()
    };
    let call = Usage::new("gpt-4o", 1000, 500).by(who);
    v.costs().record_usage(&call).unwrap();
    v.costs().record_usage(&call).unwrap(); // 15,000 > 10,000: over, grace starts on the next reservation
    let r = v.costs().reserve(&call).unwrap();
    v.costs().release(&r);
    clock.advance(23 * 3_600_000);
    assert!(
        v.costs().reserve(&call).is_ok(),
        "still inside the grace period"
    );
    clock.advance(2 * 3_600_000);
    assert_eq!(
        v.costs().reserve(&call).unwrap_err().code(),
        ErrorCode::BudgetExceeded
    );
}

#[test]
fn unsettled_reservations_expire_and_release_their_hold() {
    let clock = Arc::new(ManualClock::new(MARCH_31_NOON));
    let cfg = config(
        r#"{"costManagement": {"reservationTtlSeconds": 60, "budgets": [{"id": "org", "level": "organization", "period": "monthly", "limitMicros": 10000}]}}"#,
    );
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .clock(clock.clone())
        .build()
        .unwrap();
    let call = Usage::new("gpt-4o", 1000, 500); // 7,500
    let held = v.costs().reserve(&call).unwrap();
    assert_eq!(
        v.costs().reserve(&call).unwrap_err().code(),
        ErrorCode::BudgetExceeded
    );
    assert_eq!(v.costs().budget_status().unwrap()[0].reserved_micros, 7_500);
    clock.advance(60_000);
    assert_eq!(v.costs().reservations_held(), 0);
    let again = v.costs().reserve(&call).unwrap();
    // Settling the expired one still records the call, which really happened.
    v.costs().settle(&held, &call).unwrap();
    assert!(!v.costs().release(&held));
    let st = &v.costs().budget_status().unwrap()[0];
    assert_eq!((st.spent_micros, st.reserved_micros), (7_500, 7_500));
    v.costs().release(&again);
    assert_eq!(v.costs().budget_status().unwrap()[0].reserved_micros, 0);
}

/// 16 threads reserve estimates and settle actual usage (at most the
/// estimate, as when the estimate uses the call's max_tokens) or release,
/// against one hard limit; repeated 40 times, the settled charges never
/// exceed the limit, and ledger, storage and the threads' own sums agree.
#[test]
fn sixteen_threads_never_overspend_a_hard_limit() {
    for round in 0..40 {
        let dir = tempfile::tempdir().unwrap();
        let limit = 300_000; // $0.30, reached after ~60 of the 192 calls
        let cfg = config(&format!(
            r#"{{"costManagement": {{"budgets": [{{"id": "org", "level": "organization", "period": "monthly", "limitMicros": {limit}}}]}}}}"#
        ));
        let v = Vallum::builder()
            .sqlite(dir.path().join("race.db"))
            .durability(vallum::config::Durability::Fast)
            .config(cfg)
            .master_key(key())
            .build()
            .unwrap();
        let spent = Arc::new(AtomicI64::new(0));
        let refused = Arc::new(AtomicI64::new(0));
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|t| {
                let (v, spent, refused, barrier) =
                    (v.clone(), spent.clone(), refused.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for i in 0..12 {
                        // 3,000–10,500 µ$ per call.
                        let call = Usage::new(
                            "gpt-4o",
                            1000 + 100 * ((t + i) % 4) as i64,
                            200 + 50 * (i % 3) as i64,
                        );
                        match v.costs().reserve(&call) {
                            Ok(r) => {
                                if (t + i) % 5 == 0 {
                                    v.costs().release(&r);
                                } else {
                                    let mut actual = call.clone();
                                    actual.output_tokens -= 10 * (i % 4) as i64;
                                    let c = v.costs().settle(&r, &actual).unwrap();
                                    spent.fetch_add(c.cost_micros, Ordering::SeqCst);
                                }
                            }
                            Err(e) => {
                                assert_eq!(e.code(), ErrorCode::BudgetExceeded);
                                refused.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let total = spent.load(Ordering::SeqCst);
        assert!(
            total <= limit,
            "round {round}: spent {total} > limit {limit}"
        );
        let st = &v.costs().budget_status().unwrap()[0];
        assert_eq!(
            st.spent_micros, total,
            "ledger agrees with the settled charges"
        );
        assert_eq!(st.reserved_micros, 0, "no hold leaked");
        let stored = v
            .costs()
            .report(&ReportRequest::new(Period::Monthly, UsageField::Department))
            .unwrap();
        assert_eq!(stored.total_micros, total, "storage agrees");
        if round == 0 {
            assert!(
                refused.load(Ordering::SeqCst) > 0,
                "the limit was actually reached"
            );
        }
    }
}

#[test]
fn per_user_and_tier_budgets_from_the_spec_yaml() {
    let clock = Arc::new(ManualClock::new(MARCH_31_NOON));
    let v = Vallum::builder()
        .in_memory()
        .master_key(key())
        .clock(clock)
        .build()
        .unwrap();
    let yaml = "budget_management:\n  user_limits:\n    default_monthly: 0.01\n    manager_monthly: 1\n  enforcement:\n    hard_limits: true\n";
    v.costs()
        .add_budgets(vallum::cost::budgets_from_yaml(yaml).unwrap())
        .unwrap();
    let call = |u: &str| {
        Usage::new("gpt-4o", 1000, 500).by(Attribution {
            user: Some(u.into()),
            ..Default::default()
        })
    };
    // $0.01 = 10,000 µ$ per user: one 7,500 call fits, a second does not.
    for u in ["ann", "ben"] {
        let r = v.costs().reserve(&call(u)).unwrap();
        v.costs().settle(&r, &call(u)).unwrap();
        assert_eq!(
            v.costs().reserve(&call(u)).unwrap_err().code(),
            ErrorCode::BudgetExceeded,
            "{u}"
        );
    }
    v.costs().set_user_tier("ann", Some("manager"));
    v.costs().reserve(&call("ann")).unwrap();
    let st = v.costs().budget_status().unwrap();
    assert!(st
        .iter()
        .any(|s| s.budget == "user:default:monthly" && s.subject.as_deref() == Some("ben")));
    assert!(
        v.costs()
            .add_budgets(vallum::cost::budgets_from_yaml(yaml).unwrap())
            .is_err(),
        "duplicate ids"
    );
}

#[test]
fn report_totals_projection_csv_and_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(MARCH_31_NOON - 15 * 86_400_000)); // March 16, 12:00
    let v = build(&dir.path().join("r.db"), clock.clone(), "{}");
    for (user, dept, model, n) in [
        ("alice", "engineering", "gpt-4o", 3),
        ("bob", "engineering", "claude-opus-4-5", 2),
        ("carol", "sales", "gpt-4o-mini", 5),
    ] {
        for _ in 0..n {
            let a = Attribution {
                user: Some(user.into()),
                department: Some(dept.into()),
                ..Default::default()
            };
            v.costs()
                .record_usage(&Usage::new(model, 10_000, 1_000).by(a))
                .unwrap();
        }
    }
    let r = v
        .costs()
        .report(&ReportRequest::new(Period::Monthly, UsageField::Department))
        .unwrap();
    // gpt-4o: 25,000 + 10,000 = 35,000; opus: 50,000 + 25,000 = 75,000; mini: 1,500 + 600 = 2,100.
    assert_eq!(r.total_micros, 3 * 35_000 + 2 * 75_000 + 5 * 2_100);
    assert_eq!(r.requests, 10);
    assert_eq!(r.groups[0].key, "engineering");
    assert_eq!(r.groups[0].cost_micros, 3 * 35_000 + 2 * 75_000);
    assert_eq!(r.top_spenders[0].key, "bob");
    // 15.5 of 31 days elapsed: the projection doubles the spend.
    assert_eq!(r.projected_micros, r.total_micros * 2);
    let s = r
        .suggestions
        .iter()
        .find(|s| s.model == "claude-opus-4-5")
        .expect("a cheaper model than opus");
    assert!(
        s.savings_micros > 0 && s.alternative_context.unwrap_or(0) >= 100_000,
        "{s:?}"
    );
    let csv = r.to_csv();
    assert!(csv.starts_with("section,key,cost_usd,requests,input_tokens,output_tokens\n"));
    assert!(
        csv.contains("\"department\",\"engineering\",0.255000,5,50000,5000"),
        "{csv}"
    );
    assert!(csv.contains("\"total\",\"all\",0.265500,10"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    assert_eq!(json["totalMicros"], 265_500);
}

#[test]
fn litellm_price_file_and_defaults_and_bad_input() {
    let v = Vallum::builder()
        .in_memory()
        .master_key(key())
        .build()
        .unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/litellm-excerpt.json"
    ))
    .unwrap();
    let report = v.costs().load_litellm_prices(&text).unwrap();
    assert!(report.loaded >= 5, "{report:?}");
    assert!(report.skipped >= 2, "{report:?}");
    let c = v
        .costs()
        .estimate(&Usage::new("azure/gpt-4o-2024-08-06", 1_000_000, 0))
        .unwrap();
    assert_eq!(c.cost_micros, 2_500_000);
    // Unknown models are an error unless a default price is configured.
    assert_eq!(
        v.costs()
            .estimate(&Usage::new("my-finetune", 1, 1))
            .unwrap_err()
            .code(),
        ErrorCode::UnknownModel
    );
    let cfg = config(
        r#"{"costManagement": {"defaultPrice": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}, "prices": {"my-finetune": {"input_per_mtok": 3.0, "output_per_mtok": 6.0}}}}"#,
    );
    let v2 = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .build()
        .unwrap();
    assert_eq!(
        v2.costs()
            .estimate(&Usage::new("my-finetune", 1_000_000, 0))
            .unwrap()
            .cost_micros,
        3_000_000
    );
    assert_eq!(
        v2.costs()
            .estimate(&Usage::new("other", 0, 1_000_000))
            .unwrap()
            .cost_micros,
        2_000_000
    );
    // Bad input.
    let e = v
        .costs()
        .record_usage(&Usage::new("gpt-4o", -5, 1))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.to_string().contains("input_tokens"), "{e}");
    assert_eq!(
        v.costs()
            .load_litellm_prices("{\"x\": []}")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidConfig
    );
    for bad in [
        r#"{"costManagement": {"timeZone": "Mars/Base"}}"#,
        r#"{"costManagement": {"budgets": [{"id": "x", "level": "user", "period": "hourly", "limitMicros": 1}]}}"#,
        r#"{"costManagement": {"budgets": [{"id": "x", "level": "user", "period": "daily", "limitMicros": -1}]}}"#,
        r#"{"costManagement": {"prices": {"m": {"input_per_mtok": -1, "output_per_mtok": 1}}}}"#,
    ] {
        let r = vallum::Config::from_json_str(bad).and_then(|c| {
            Vallum::builder()
                .in_memory()
                .config(c)
                .master_key(key())
                .build()
        });
        assert_eq!(r.unwrap_err().code(), ErrorCode::InvalidConfig, "{bad}");
    }
}
