//! Metrics with the manual clock: windows, grouping, alerts, journeys,
//! health, reports and Prometheus text parsed by a real parser.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use std::sync::{Arc, Mutex};
use vallum::metrics::{
    Aggregation, AlertCondition, AlertRule, AlertState, JourneyStep, Query, Severity, TimePoint,
};
use vallum::{ErrorCode, Event, ManualClock, Vallum};

const MIN: i64 = 60_000;

fn build(clock: Arc<ManualClock>, json: &str) -> Vallum {
    Vallum::builder()
        .in_memory()
        .config(config(json))
        .master_key(key())
        .clock(clock)
        .build()
        .unwrap()
}

#[test]
fn time_windows_group_by_and_filters() {
    let clock = Arc::new(ManualClock::new(T0));
    let v = build(
        clock.clone(),
        r#"{"enterprisePerformance": {"metrics": {"bucketSeconds": 60, "retentionHours": 2}}}"#,
    );
    let m = v.metrics();
    for i in 0..100 {
        m.record_metric(
            "response_time",
            100.0 + i as f64,
            &[("endpoint", "/chat"), ("user_type", "pro")],
        )
        .unwrap();
        m.record_metric(
            "response_time",
            1000.0,
            &[("endpoint", "/search"), ("user_type", "free")],
        )
        .unwrap();
    }
    clock.advance(30 * MIN);
    for _ in 0..10 {
        m.record_metric(
            "response_time",
            50.0,
            &[("endpoint", "/chat"), ("user_type", "free")],
        )
        .unwrap();
    }
    let last_10m = m
        .query(&Query::new("response_time", Aggregation::Count).range("now-10m", "now"))
        .unwrap();
    assert_eq!(last_10m.data[0].value, 10.0);
    let all = m
        .query(&Query::new("response_time", Aggregation::Count).range("now-1h", "now"))
        .unwrap();
    assert_eq!(all.data[0].count, 210);
    let by = m
        .query(
            &Query::new("response_time", Aggregation::P50)
                .range("now-1h", "now")
                .group_by("endpoint"),
        )
        .unwrap();
    assert_eq!(by.data.len(), 2);
    assert_eq!(by.data[1].group["endpoint"], "/search");
    assert!((by.data[1].value - 1000.0).abs() <= 10.0);
    let mut q = Query::new("response_time", Aggregation::Max).range("now-1h", "now");
    q.filters.insert("user_type".into(), "pro".into());
    assert_eq!(m.query(&q).unwrap().data[0].value, 199.0);
    // Per-interval points.
    let mut q = Query::new("response_time", Aggregation::Count).range("now-1h", "now");
    q.interval = Some("10m".into());
    let pts = &m.query(&q).unwrap().data[0].points;
    assert_eq!(pts.iter().map(|p| p.value).sum::<f64>(), 210.0);
    assert!(pts.len() >= 2);
    // Retention: after two hours the first samples are gone.
    clock.advance(2 * 60 * MIN);
    m.record_metric(
        "response_time",
        1.0,
        &[("endpoint", "/chat"), ("user_type", "pro")],
    )
    .unwrap();
    let all = m
        .query(&Query::new("response_time", Aggregation::Count).range("now-24h", "now"))
        .unwrap();
    assert_eq!(
        all.data.iter().map(|g| g.count).sum::<u64>(),
        11,
        "200 pruned, 10 + 1 kept"
    );
    // Queries from JSON in the spec's shape.
    let q: Query = serde_json::from_str(r#"{"metric": "response_time", "aggregation": "p95", "timeRange": {"start": "now-24h", "end": "now"}, "groupBy": ["endpoint", "user_type"]}"#).unwrap();
    assert_eq!(m.query(&q).unwrap().data.len(), 2);
}

#[test]
fn counters_gauges_and_bad_input() {
    let v = build(Arc::new(ManualClock::new(T0)), "{}");
    let m = v.metrics();
    m.increment("requests", 1.0, &[("status", "200")]).unwrap();
    m.increment("requests", 2.0, &[("status", "200")]).unwrap();
    m.set_gauge("queue_depth", 7.0, &[]).unwrap();
    m.set_gauge("queue_depth", 3.0, &[]).unwrap();
    assert_eq!(
        m.query(&Query::new("requests", Aggregation::Sum))
            .unwrap()
            .data[0]
            .value,
        3.0
    );
    assert_eq!(
        m.query(&Query::new("queue_depth", Aggregation::Max))
            .unwrap()
            .data[0]
            .value,
        7.0
    );
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            m.record_metric("x", bad, &[]).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
    }
    assert_eq!(
        m.increment("requests", -1.0, &[]).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        m.record_metric("requests", 1.0, &[("status", "200")])
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument,
        "kind mismatch"
    );
    assert_eq!(
        m.record_metric("", 1.0, &[]).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    let e = m
        .query(&Query::new("requests", Aggregation::Sum).range("yesterday", "now"))
        .unwrap_err();
    assert!(e.to_string().contains("timeRange.start"), "{e}");
    assert!(m
        .query(&Query::new("requests", Aggregation::Sum).range("now", "now-1h"))
        .is_err());
    assert!(serde_json::from_str::<Query>(r#"{"metric": "x", "aggregation": "p42"}"#).is_err());
}

#[test]
fn alert_fires_after_for_and_resolves_with_events_and_acknowledge() {
    let clock = Arc::new(ManualClock::new(T0));
    let v = build(
        clock.clone(),
        r#"{"enterprisePerformance": {"metrics": {"bucketSeconds": 60}}}"#,
    );
    let m = v.metrics();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let _s = v.subscribe(None, move |e| match e {
        Event::AlertFired(a) => sink.lock().unwrap().push(("fired", a.rule.clone())),
        Event::AlertResolved(a) => sink.lock().unwrap().push(("resolved", a.rule.clone())),
        _ => {}
    });
    m.add_alert_rule(
        AlertRule::new(
            "High Response Time",
            "response_time",
            AlertCondition::Above,
            1000.0,
            Severity::High,
        )
        .aggregation(Aggregation::P95)
        .for_ms(2 * MIN as u64)
        .window_ms(MIN as u64),
    )
    .unwrap();
    m.record_metric("response_time", 1500.0, &[]).unwrap();
    assert_eq!(m.alert_states()[0].1, AlertState::Pending);
    clock.advance(MIN);
    m.record_metric("response_time", 1600.0, &[]).unwrap();
    assert!(m.active_alerts().is_empty(), "held for 1 of 2 minutes");
    clock.advance(MIN);
    m.record_metric("response_time", 1700.0, &[]).unwrap();
    let active = m.active_alerts();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].severity, Severity::High);
    assert!(!m.is_healthy());
    assert_eq!(m.overall_score(), 75);
    m.acknowledge_alert(&active[0].id, "oncall@acme").unwrap();
    assert!(m.active_alerts()[0].acknowledged);
    assert_eq!(
        m.acknowledge_alert("nope", "x").unwrap_err().code(),
        ErrorCode::NotFound
    );
    // Fast again: the window only sees the new samples.
    clock.advance(2 * MIN);
    m.record_metric("response_time", 200.0, &[]).unwrap();
    assert!(m.active_alerts().is_empty());
    assert_eq!(m.alert_history().len(), 1);
    assert!(m.is_healthy());
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            ("fired", "High Response Time".to_string()),
            ("resolved", "High Response Time".to_string())
        ]
    );
    // No data at all resolves too (evaluated on tick).
    m.add_alert_rule(AlertRule::new(
        "low traffic",
        "requests_per_min",
        AlertCondition::Below,
        5.0,
        Severity::Low,
    ))
    .unwrap();
    m.set_gauge("requests_per_min", 1.0, &[]).unwrap();
    m.tick();
    assert_eq!(m.active_alerts().len(), 1);
    clock.advance(10 * MIN);
    m.tick();
    assert!(m.active_alerts().is_empty());
    assert!(m.remove_alert_rule("low traffic").unwrap());
    let bad = AlertRule::new("", "x", AlertCondition::Above, f64::NAN, Severity::Low);
    assert_eq!(
        m.add_alert_rule(bad).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
}

#[test]
fn spec_thresholds_shorthand_and_rules_from_config() {
    let clock = Arc::new(ManualClock::new(T0));
    let mut cfg: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/vectors/config-enterprise.json")).unwrap();
    cfg["enterprisePerformance"]["alerts"]["rules"] = serde_json::json!([
        {"name": "High Response Time", "metric": "response_time", "condition": "above", "threshold": 1000,
         "severity": "high", "for": "1m", "actions": [{"type": "email", "target": "alerts@company.com"}]}
    ]);
    let v = Vallum::builder()
        .in_memory()
        .config(vallum::Config::from_value(cfg).unwrap())
        .master_key(key())
        .clock(clock.clone())
        .build()
        .unwrap();
    let names: Vec<String> = v
        .metrics()
        .alert_rules()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        names,
        vec![
            "responseTime",
            "errorRate",
            "resourceUsage",
            "High Response Time"
        ]
    );
    // errorRate 0.01: two errors in 100 requests fire at once (no `for`).
    for i in 0..100 {
        v.metrics()
            .record_metric("error_rate", if i < 2 { 1.0 } else { 0.0 }, &[])
            .unwrap();
    }
    v.metrics().tick();
    assert_eq!(v.metrics().active_alerts()[0].rule, "errorRate");
    let bad = r#"{"enterprisePerformance": {"alerts": {"rules": [{"name": "x", "metric": "m", "condition": "sideways", "threshold": 1, "severity": "low"}]}}}"#;
    let e = vallum::Config::from_json_str(bad).unwrap_err();
    assert!(
        e.to_string()
            .contains("$.enterprisePerformance.alerts.rules[0].condition"),
        "{e}"
    );
    let bad = r#"{"enterprisePerformance": {"alerts": {"rules": [{"name": "x", "metric": "m", "condition": "above", "threshold": 1, "severity": "low", "for": "soon"}]}}}"#;
    let e = Vallum::builder()
        .in_memory()
        .config(config(bad))
        .master_key(key())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("rules[0].for"), "{e}");
}

#[test]
fn user_journeys_and_report_with_trends() {
    let clock = Arc::new(ManualClock::new(T0));
    let v = build(clock.clone(), "{}");
    let m = v.metrics();
    for (i, ok) in [true, true, true, false].into_iter().enumerate() {
        let step = JourneyStep {
            action: "send_message".into(),
            duration: 100.0 * (i + 1) as f64,
            success: ok,
            metadata: Default::default(),
        };
        m.record_user_journey(&step).unwrap();
    }
    m.record_user_journey(&JourneyStep {
        action: "open_chat".into(),
        duration: 20.0,
        success: true,
        metadata: Default::default(),
    })
    .unwrap();
    let stats = m
        .journey_stats(
            &TimePoint::Expr("now-1h".into()),
            &TimePoint::Expr("now".into()),
        )
        .unwrap();
    let send = stats.iter().find(|s| s.action == "send_message").unwrap();
    assert_eq!((send.count, send.successes), (4, 3));
    assert_eq!(send.success_rate, 0.75);
    assert!((send.avg_duration - 250.0).abs() < 1e-9);
    // Two days of latencies: yesterday slower than today.
    for _ in 0..50 {
        m.record_metric("response_time", 400.0, &[]).unwrap();
    }
    clock.advance(24 * 60 * MIN);
    for _ in 0..100 {
        m.record_metric("response_time", 200.0, &[]).unwrap();
    }
    let r = m.generate_report("daily").unwrap();
    let rt = r
        .metrics
        .iter()
        .find(|t| t.metric == "response_time")
        .unwrap();
    assert_eq!(rt.count, 100);
    assert_eq!(rt.previous_avg, Some(400.0));
    assert_eq!(rt.avg_change_pct, Some(-50.0));
    assert_eq!(rt.count_change_pct, Some(100.0));
    assert_eq!(r.overall_score, 100);
    assert!(m.generate_report("fortnightly").is_err());
}

#[test]
fn prometheus_text_parses_with_a_real_parser() {
    let v = build(Arc::new(ManualClock::new(T0)), "{}");
    let m = v.metrics();
    for i in 1..=100 {
        m.record_metric(
            "response_time_ms",
            i as f64,
            &[("endpoint", "/chat"), ("quote", "say \"hi\"\\n")],
        )
        .unwrap();
    }
    m.increment("llm_requests", 5.0, &[("model", "gpt-4o")])
        .unwrap();
    m.increment("llm_requests", 2.0, &[("model", "claude-sonnet-4-5")])
        .unwrap();
    m.set_gauge("memory.entries", 42.0, &[]).unwrap();
    let text = m.prometheus();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let find = |name: &str| {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .collect::<Vec<_>>()
    };
    let reqs = find("llm_requests_total");
    assert_eq!(reqs.len(), 2);
    let gpt = reqs
        .iter()
        .find(|s| s.labels.get("model") == Some("gpt-4o"))
        .unwrap();
    assert!(
        matches!(gpt.value, prometheus_parse::Value::Counter(v) if v == 5.0),
        "{:?}",
        gpt.value
    );
    let gauge = find("memory_entries");
    assert!(matches!(gauge[0].value, prometheus_parse::Value::Gauge(v) if v == 42.0));
    let summary = find("response_time_ms");
    let prometheus_parse::Value::Summary(qs) = &summary[0].value else {
        panic!("{:?}", summary[0].value)
    };
    let p95 = qs.iter().find(|q| q.quantile == 0.95).unwrap().count;
    assert!((p95 - 95.0).abs() <= 0.95, "p95 {p95}");
    assert_eq!(
        summary[0].labels.get("quote"),
        Some("say \\\"hi\\\"\\\\n"),
        "escaped label values survive"
    );
    assert!(
        text.contains(
            "response_time_ms_count{endpoint=\"/chat\",quote=\"say \\\"hi\\\"\\\\n\"} 100\n"
        ),
        "{text}"
    );
    assert!(text.contains("# TYPE response_time_ms summary"));
    assert!(text
        .contains("response_time_ms_sum{endpoint=\"/chat\",quote=\"say \\\"hi\\\"\\\\n\"} 5050"));
    assert!(text.contains("# TYPE llm_requests_total counter"));
}

#[test]
fn prometheus_of_everything_includes_budgets_and_memory() {
    let cfg = r#"{"costManagement": {"budgets": [{"id": "org \"main\" budget", "level": "organization", "period": "monthly", "limitMicros": 5000000}]}}"#;
    let v = build(Arc::new(ManualClock::new(T0)), cfg);
    v.metrics()
        .record_metric("response_time", 12.0, &[])
        .unwrap();
    v.costs()
        .record_usage(&vallum::cost::Usage::new("gpt-4o", 1000, 500))
        .unwrap();
    let ctx = vallum::Context::new("acme").with_user("u");
    v.memory()
        .set(
            &ctx,
            vallum::Scope::User,
            "k",
            serde_json::json!(1),
            &vallum::SetOptions::default(),
        )
        .unwrap();
    let text = v.prometheus().unwrap();
    // (prometheus-parse 0.2 misreads a value that *ends* in an escaped quote,
    // so the escaped quotes here sit mid-value; the output itself is correct.)
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let get = |name: &str, label: (&str, &str)| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && s.labels.get(label.0) == Some(label.1))
            .map(|s| s.value.clone())
    };
    assert!(
        matches!(get("vallum_budget_spent_micros", ("budget", "org \\\"main\\\" budget")), Some(prometheus_parse::Value::Gauge(v)) if v == 7500.0),
        "{text}"
    );
    assert!(
        matches!(get("vallum_budget_limit_micros", ("subject", "")), Some(prometheus_parse::Value::Gauge(v)) if v == 5_000_000.0)
    );
    assert!(
        matches!(get("vallum_memory_entries", ("scope", "user")), Some(prometheus_parse::Value::Gauge(v)) if v == 1.0)
    );
    assert!(scrape.samples.iter().any(|s| s.metric == "response_time"));
}
