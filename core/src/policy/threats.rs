//! Threat detection for prompts: injection and jailbreak phrasing,
//! system-prompt extraction, invisible and bidi-control Unicode (Trojan
//! Source, ASCII smuggling), leaked secrets, exfiltration links, abnormal
//! length or repetition, and encoded blobs. Linear time (Rust `regex`).
//!
//! Phrases are matched on a normalized copy of the text (invisible
//! characters removed, whitespace collapsed), so `ig\u{200b}nore previous
//! instructions` is still found; offsets refer to the original text.

use super::Sensitivity;
use crate::audit::{Audit, AuditEntry};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{Event, EventBus};
use crate::storage::{each_state, Backend, Op};
use crate::text::invisible;
use crate::vocab::{Period, Severity};
pub use crate::vocab::{ThreatKind, ThreatRecord};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreatFinding {
    /// Kind.
    pub kind: ThreatKind,
    /// Rule that fired.
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Byte offsets in the original text.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
}

/// The result of a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreatScan {
    /// 0 (nothing found) to 100.
    pub score: u8,
    /// The worst severity found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Findings in text order.
    pub findings: Vec<ThreatFinding>,
}

mod rules;

use rules::{compile, Compiled, DATA, PHRASES};
use ThreatKind::{AbnormalInput, InvisibleUnicode};

/// Counts of threats over a period (the spec's `ThreatSummary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreatSummary {
    /// The period (serialized `hourly`, `daily`, …).
    pub period: Period,
    /// Start (ms).
    pub start: i64,
    /// End (ms).
    pub end: i64,
    /// Threats in the period.
    pub total: u64,
    /// By kind.
    pub by_kind: BTreeMap<ThreatKind, u64>,
    /// By severity.
    pub by_severity: BTreeMap<Severity, u64>,
}

const KEPT: usize = 10_000;

/// The state kind of the threat log.
const STATE_KIND: &str = "threat";

/// A log row's id: the zero-padded time first, so ids sort by time.
fn row_id(t: &ThreatRecord) -> String {
    format!("{:016}\u{1f}{}", t.timestamp.max(0), t.id)
}

/// The threat detector. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct ThreatDetector {
    inner: Arc<DetectorInner>,
}

struct DetectorInner {
    sensitivity: Sensitivity,
    enabled: bool,
    max_len: usize,
    compiled: Compiled,
    records: Mutex<VecDeque<ThreatRecord>>,
    next: AtomicU64,
    clock: SharedClock,
    /// Where the log is kept across restarts (a persistent store).
    store: parking_lot::RwLock<Option<Arc<dyn Backend>>>,
    events: EventBus,
    audit: Audit,
}

impl std::fmt::Debug for ThreatDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreatDetector")
            .field("sensitivity", &self.inner.sensitivity)
            .finish_non_exhaustive()
    }
}

impl ThreatDetector {
    pub(crate) fn new(
        enabled: bool,
        sensitivity: Sensitivity,
        clock: SharedClock,
        events: EventBus,
        audit: Audit,
    ) -> Result<Self> {
        let (phrase_set, phrases) = compile(PHRASES, sensitivity)?;
        let (data_set, data) = compile(DATA, sensitivity)?;
        let max_len = match sensitivity {
            Sensitivity::Low => 200_000,
            Sensitivity::Medium => 50_000,
            Sensitivity::High => 20_000,
        };
        Ok(Self {
            inner: Arc::new(DetectorInner {
                sensitivity,
                enabled,
                max_len,
                compiled: Compiled {
                    phrase_set,
                    phrases,
                    data_set,
                    data,
                },
                records: Mutex::new(VecDeque::new()),
                next: AtomicU64::new(1),
                clock,
                store: parking_lot::RwLock::new(None),
                events,
                audit,
            }),
        })
    }

    /// The configured sensitivity.
    pub fn sensitivity(&self) -> Sensitivity {
        self.inner.sensitivity
    }

    /// Whether detection is on (`enterpriseSecurity.threatDetection.enabled`, default true).
    pub fn enabled(&self) -> bool {
        self.inner.enabled
    }

    /// Scans a text (the spec's threat detection): `{score, severity, findings}`.
    pub fn scan(&self, text: &str) -> ThreatScan {
        let mut findings = Vec::new();
        // Phrases are matched on a normalized copy (invisible characters
        // dropped, whitespace runs folded to one space) with an offset map.
        // ASCII text with single spaces only is its own normal form.
        let plain = text.is_ascii() && {
            let b = text.as_bytes();
            !b.iter().any(|x| (0x09..=0x0d).contains(x)) && !b.windows(2).any(|w| w == b"  ")
        };
        let mut norm = String::new();
        let mut map: Vec<usize> = Vec::new();
        if !plain {
            norm.reserve(text.len());
            map.reserve(text.len() + 1);
            let mut last_space = false;
            for (i, c) in text.char_indices() {
                if let Some((rule, severity)) = invisible(c) {
                    findings.push(ThreatFinding {
                        kind: InvisibleUnicode,
                        rule,
                        severity,
                        start: i,
                        end: i + c.len_utf8(),
                    });
                    continue;
                }
                let c = if c.is_whitespace() { ' ' } else { c };
                if c == ' ' && last_space {
                    continue;
                }
                last_space = c == ' ';
                for _ in 0..c.len_utf8() {
                    map.push(i);
                }
                norm.push(c);
            }
            map.push(text.len());
        }
        let (norm, at): (&str, &dyn Fn(usize) -> usize) = if plain {
            (text, &|i| i)
        } else {
            (&norm, &|i| map[i])
        };
        let c = &self.inner.compiled;
        for idx in c.phrase_set.matches(norm).iter() {
            let (r, re) = &c.phrases[idx];
            if let Some(m) = re.find(norm) {
                findings.push(ThreatFinding {
                    kind: r.kind,
                    rule: r.name,
                    severity: r.severity,
                    start: at(m.start()),
                    end: at(m.end()),
                });
            }
        }
        for idx in c.data_set.matches(text).iter() {
            let (r, re) = &c.data[idx];
            if let Some(m) = re.find(text) {
                findings.push(ThreatFinding {
                    kind: r.kind,
                    rule: r.name,
                    severity: r.severity,
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        // Abnormal input: length and runs of one character or one word.
        if text.len() > self.inner.max_len {
            findings.push(ThreatFinding {
                kind: AbnormalInput,
                rule: "too_long",
                severity: Severity::Medium,
                start: 0,
                end: text.len(),
            });
        }
        let run_limit = if self.inner.sensitivity == Sensitivity::High {
            100
        } else {
            400
        };
        if let Some((s, e)) =
            longest_char_run(text).filter(|(s, e)| text[*s..*e].chars().count() >= run_limit)
        {
            findings.push(ThreatFinding {
                kind: AbnormalInput,
                rule: "character_run",
                severity: Severity::Low,
                start: s,
                end: e,
            });
        }
        let word_limit = if self.inner.sensitivity == Sensitivity::High {
            20
        } else {
            50
        };
        if let Some((s, e)) = repeated_word(text, word_limit) {
            findings.push(ThreatFinding {
                kind: AbnormalInput,
                rule: "word_repetition",
                severity: Severity::Medium,
                start: s,
                end: e,
            });
        }
        findings.sort_by_key(|f| (f.start, f.end));
        // Several invisible characters are one finding of each kind.
        let mut seen_inv = std::collections::BTreeSet::new();
        findings.retain(|f| f.kind != InvisibleUnicode || seen_inv.insert(f.rule));
        let weight = |s: Severity| match s {
            Severity::Low => 10u32,
            Severity::Medium => 30,
            Severity::High => 60,
            Severity::Critical => 90,
        };
        let score = findings
            .iter()
            .map(|f| weight(f.severity))
            .sum::<u32>()
            .min(100) as u8;
        ThreatScan {
            score,
            severity: findings.iter().map(|f| f.severity).max(),
            findings,
        }
    }

    /// Scans a text and records each finding as a threat (event, audit,
    /// summary). Returns the scan.
    pub fn scan_and_record(&self, text: &str, source: &str) -> Result<ThreatScan> {
        let scan = self.scan(text);
        if !self.inner.enabled {
            return Ok(scan);
        }
        for f in &scan.findings {
            self.report_threat(ThreatRecord {
                id: String::new(),
                kind: f.kind,
                severity: f.severity,
                source: source.to_string(),
                description: format!("rule {} at bytes {}..{}", f.rule, f.start, f.end),
                timestamp: 0,
            })?;
        }
        Ok(scan)
    }

    /// Keeps a scan's findings for summaries and returns their records,
    /// without auditing or emitting them: the guard writes one audit record
    /// per call and emits the events after it.
    pub(crate) fn keep_findings(
        &self,
        scan: &ThreatScan,
        source: &str,
    ) -> Result<Vec<ThreatRecord>> {
        if !self.inner.enabled || scan.findings.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.inner.clock.now_ms();
        let out: Vec<ThreatRecord> = scan
            .findings
            .iter()
            .map(|f| ThreatRecord {
                id: format!("thr_{}", self.inner.next.fetch_add(1, Ordering::Relaxed)),
                kind: f.kind,
                severity: f.severity,
                source: source.to_string(),
                description: format!("rule {} at bytes {}..{}", f.rule, f.start, f.end),
                timestamp: now,
            })
            .collect();
        self.keep(&out)?;
        Ok(out)
    }

    /// Adds records to the log (the last [`KEPT`]), and to the store's copy
    /// with the call's next write.
    fn keep(&self, out: &[ThreatRecord]) -> Result<()> {
        let mut r = self.inner.records.lock();
        r.extend(out.iter().cloned());
        let mut dropped = false;
        while r.len() > KEPT {
            r.pop_front();
            dropped = true;
        }
        let store = self.inner.store.read();
        let Some(store) = store.as_ref() else {
            return Ok(());
        };
        let mut ops = Vec::with_capacity(out.len() + 1);
        for t in out {
            ops.push(Op::PutState {
                kind: STATE_KIND.into(),
                id: row_id(t),
                value: serde_json::to_vec(t).map_err(|e| Error::internal(e.to_string()))?,
            });
        }
        if let (true, Some(first)) = (dropped, r.front()) {
            ops.push(Op::PurgeState {
                kind: STATE_KIND.into(),
                below: row_id(first),
            });
        }
        drop(r);
        store.apply_later(ops)
    }

    /// Keeps the log in `store` when it is persistent, and loads the last
    /// [`KEPT`] records kept there.
    pub(crate) fn load_from(&self, store: Arc<dyn Backend>) -> Result<()> {
        if !store.is_persistent() {
            return Ok(());
        }
        let mut records = VecDeque::new();
        let mut next = 1;
        each_state(&*store, STATE_KIND, "threat", |_, t: ThreatRecord| {
            if let Some(n) =
                t.id.strip_prefix("thr_")
                    .and_then(|n| n.parse::<u64>().ok())
            {
                next = next.max(n + 1);
            }
            records.push_back(t);
            if records.len() > KEPT {
                records.pop_front();
            }
            Ok(())
        })?;
        *self.inner.records.lock() = records;
        self.inner.next.fetch_max(next, Ordering::Relaxed);
        *self.inner.store.write() = Some(store);
        Ok(())
    }

    /// Records a threat (the spec's `reportThreat`): kept for summaries (the
    /// last 10,000), audited, and a `threat_detected` event. Returns its id.
    pub fn report_threat(&self, mut t: ThreatRecord) -> Result<String> {
        t.id = format!("thr_{}", self.inner.next.fetch_add(1, Ordering::Relaxed));
        t.timestamp = self.inner.clock.now_ms();
        // Queued first, so the log row is written with the audit record.
        self.keep(std::slice::from_ref(&t))?;
        self.inner.audit.append(
            AuditEntry::new(if t.source.is_empty() { "unknown" } else { t.source.as_str() }, "threat.detected", format!("{:?}", t.kind).to_lowercase(), "reported")
                .details(serde_json::json!({"id": t.id, "severity": t.severity, "description": t.description})),
        )?;
        let id = t.id.clone();
        self.inner.events.emit(Event::ThreatDetected(t));
        Ok(id)
    }

    /// Threats recorded within the last `period` (see [`Period::parse`]).
    pub fn threats(&self, period: &str) -> Result<Vec<ThreatRecord>> {
        let (_, start, _) = self.window(period)?;
        Ok(self
            .inner
            .records
            .lock()
            .iter()
            .filter(|t| t.timestamp >= start)
            .cloned()
            .collect())
    }

    fn window(&self, period: &str) -> Result<(Period, i64, i64)> {
        let period = Period::parse(period)?;
        let (start, end) = period.trailing(self.inner.clock.now_ms());
        Ok((period, start, end))
    }

    /// Counts by kind and severity over the last `period` (the spec's `getThreatSummary`).
    pub fn threat_summary(&self, period: &str) -> Result<ThreatSummary> {
        let (period, start, end) = self.window(period)?;
        let mut s = ThreatSummary {
            period,
            start,
            end,
            total: 0,
            by_kind: BTreeMap::new(),
            by_severity: BTreeMap::new(),
        };
        for t in self
            .inner
            .records
            .lock()
            .iter()
            .filter(|t| t.timestamp >= start)
        {
            s.total += 1;
            *s.by_kind.entry(t.kind).or_default() += 1;
            *s.by_severity.entry(t.severity).or_default() += 1;
        }
        Ok(s)
    }
}

fn longest_char_run(text: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    let mut cur: Option<(char, usize, usize)> = None; // char, start, count
    for (i, c) in text.char_indices() {
        cur = match cur {
            Some((p, s, n)) if p == c => Some((p, s, n + 1)),
            _ => Some((c, i, 1)),
        };
        if let Some((c0, s, n)) = cur {
            if !c0.is_whitespace() && best.is_none_or(|b| n > b.2) {
                best = Some((s, i + c0.len_utf8(), n));
            }
        }
    }
    best.map(|(s, e, _)| (s, e))
}

/// The first word repeated `limit` times in a row.
fn repeated_word(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut prev: Option<&str> = None;
    let mut count = 0;
    let mut start = 0;
    let base = text.as_ptr() as usize;
    for w in text.split_whitespace() {
        // `w` is a slice of `text`: its offset is the pointer difference.
        let pos = w.as_ptr() as usize - base;
        let offset = pos + w.len();
        if Some(w) == prev {
            count += 1;
            if count >= limit {
                return Some((start, offset));
            }
        } else {
            prev = Some(w);
            count = 1;
            start = pos;
        }
    }
    None
}
