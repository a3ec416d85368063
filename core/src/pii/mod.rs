//! Finding and masking personal data (DESIGN §3.4).
//!
//! - [`Detector`] runs the built-in recognizers (Presidio's entity names, see
//!   [`ENTITIES`]) and custom ones from configuration over a text: one pass
//!   over the bytes decides which recognizers can match at all, only those
//!   run, validators confirm or drop candidates, context words raise scores,
//!   and overlapping findings are resolved deterministically.
//! - [`Masker`] applies an [`Operator`] per entity type (`redact`, `replace`,
//!   `mask`, `hash`, `encrypt`, `keep`); with a [`Vault`] placeholders are
//!   reversible, so a model's answer can be restored for the user.
//! - [`StreamMasker`] masks token streams with a bounded hold-back.
//! - [`classify`] maps findings to public / internal / confidential / restricted.
//!
//! Invisible characters (zero-width, bidi controls, tag characters) are
//! ignored while matching, so `j\u{200b}ohn@example.com` is still an e-mail
//! address; reported spans cover the original text, invisible characters
//! included, so masking removes them too.

pub(crate) use crate::text::is_invisible;
use crate::text::Normalized;
mod classify;
#[cfg(feature = "host-recognizers")]
mod host;
mod matching;
#[cfg(feature = "names")]
mod ner;
mod operators;
mod overlaps;
pub(crate) mod phone;
mod prefilter;
pub(crate) mod recognizers;
mod service;
mod stream;
mod tokens;
mod types;
mod url;
pub(crate) mod validators;
mod vault;
mod warm;

pub use classify::{classify, default_level, Classification};
#[cfg(feature = "host-recognizers")]
use host::Plugged;
#[cfg(feature = "host-recognizers")]
pub use host::{parse_host_spans, HostRecognizer, HostSpan, Offsets, DEFAULT_HOST_SCORE};
/// Without the `host-recognizers` feature no host recognizer exists.
#[cfg(not(feature = "host-recognizers"))]
#[derive(Debug)]
enum Plugged {}
#[cfg(not(feature = "host-recognizers"))]
impl Plugged {
    fn entities(&self) -> &[String] {
        match *self {}
    }
    fn name(&self) -> &str {
        match *self {}
    }
    fn run(&self, _: &str) -> Result<Vec<(usize, usize, usize, f32)>> {
        match *self {}
    }
}
use matching::{Raw, Recognizer, Special};
#[cfg(feature = "names")]
pub use ner::Gazetteer;
pub use operators::{Masked, Masker, Operator, Replacement};
use overlaps::{merge, remove_contained, resolve, sort_raw};
pub use phone::Region;
pub(crate) use service::PiiParts;
pub use service::{Pii, DEFAULT_HOLD_BACK, VAULT_KEY};
pub use stream::StreamMasker;
pub use tokens::{PiiKeys, TokenBinding};
pub use types::{ContextSettings, CustomPattern, DetectOptions, Finding, PiiSettings};
pub use vault::Vault;

use crate::clock::Clock;
use crate::error::{Error, Result};
use recognizers::{CompiledPat, Engine, Env, Invalidate, Kind, Validate, BUILTINS, OPT_IN};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every built-in entity name, in recognizer order.
/// The opt-in ones (country-specific recognizers that Presidio ships
/// disabled) follow the default ones; see [`DEFAULT_ENTITIES`].
pub const ENTITIES: &[&str] = &{
    let mut out = [""; BUILTINS.len() + OPT_IN.len()];
    let mut i = 0;
    while i < BUILTINS.len() {
        out[i] = BUILTINS[i].entity;
        i += 1;
    }
    while i < out.len() {
        out[i] = OPT_IN[i - BUILTINS.len()].entity;
        i += 1;
    }
    out
};

/// The built-in entities a detector reports unless its configuration or a
/// call names others: every entity of [`ENTITIES`] except the opt-in,
/// country-specific ones (`DE_KFZ`, `UK_POSTCODE`, …), which match too many
/// ordinary numbers and words to run on every prompt.
pub const DEFAULT_ENTITIES: &[&str] = &{
    let mut out = [""; BUILTINS.len()];
    let mut i = 0;
    while i < BUILTINS.len() {
        out[i] = BUILTINS[i].entity;
        i += 1;
    }
    out
};

/// Entities that are credentials rather than personal data.
pub fn is_secret(entity: &str) -> bool {
    BUILTINS
        .iter()
        .any(|b| b.entity == entity && b.kind == Kind::Secret)
}

/// Finds personal data. Cheap to share: `Arc` it or use [`crate::Vallum::pii`].
#[derive(Debug)]
pub struct Detector {
    recognizers: Vec<Recognizer>,
    settings: PiiSettings,
    allow: Vec<String>,
    deny: Vec<(String, regex::Regex)>,
    clock: Arc<dyn Clock>,
    /// Which patterns can match a text at all (`prefilter.rs`).
    prefilter: prefilter::Prefilter,
    /// Word lists for names and places (the English pack by default).
    #[cfg(feature = "names")]
    gazetteer: Option<Arc<Gazetteer>>,
    /// Recognizers the host plugged in; each detection takes a snapshot,
    /// so no lock is held while host code runs.
    plugged: parking_lot::RwLock<Arc<Vec<Arc<Plugged>>>>,
}

impl Detector {
    /// Every built-in recognizer with default settings.
    pub fn new(clock: Arc<dyn Clock>) -> Result<Detector> {
        Detector::with_settings(&PiiSettings::default(), clock)
    }

    /// Recognizers per `settings`. An invalid custom pattern or unknown
    /// entity name is an `invalid_config` error naming it.
    pub fn with_settings(settings: &PiiSettings, clock: Arc<dyn Clock>) -> Result<Detector> {
        let d = Detector::unwarmed(settings, clock)?;
        d.warm_up();
        Ok(d)
    }

    /// [`Detector::with_settings`] without the warm-up: the first calls
    /// build the automata's states (for measuring exactly that).
    #[doc(hidden)]
    pub fn unwarmed(settings: &PiiSettings, clock: Arc<dyn Clock>) -> Result<Detector> {
        let base = "$.enterpriseSecurity.piiProtection";
        if !(0.0..=1.0).contains(&settings.score_threshold) {
            return Err(Error::config(
                format!("{base}.scoreThreshold"),
                "must be between 0 and 1",
            ));
        }
        if settings.phone_leniency > 3 {
            return Err(Error::config(
                format!("{base}.phoneLeniency"),
                "must be 0, 1, 2 or 3",
            ));
        }
        let mut recognizers = Vec::new();
        for b in recognizers::all() {
            let (patterns, special) = match b.engine {
                Engine::Patterns(pats) => {
                    let mut out = Vec::with_capacity(pats.len());
                    for p in pats {
                        out.push(recognizers::compile(
                            p.name, p.re, p.score, p.group, p.guard,
                        )?);
                    }
                    (out, Special::None)
                }
                Engine::Iban => {
                    let pat = recognizers::compile(
                        "IBAN",
                        r"(?:^|[^A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?:[^A-Z0-9]|$)",
                        0.5,
                        1,
                        None,
                    )?;
                    (Vec::new(), Special::Iban(pat))
                }
                Engine::Phone(regions) => (
                    Vec::new(),
                    Special::Phone(phone::PhoneFinder::new(
                        regions.unwrap_or(&settings.phone_regions),
                        settings.phone_leniency,
                    )),
                ),
                Engine::Url => (Vec::new(), Special::Url),
                #[cfg(feature = "names")]
                Engine::Ner(kind) => (Vec::new(), Special::Ner(kind)),
            };
            recognizers.push(Recognizer {
                entity: b.entity.to_owned(),
                patterns,
                special,
                context: context_matcher(b.context.iter().copied())?,
                validate: b.validate,
                invalidate: b.invalidate,
                needs: b.needs.to_vec(),
                id_like: recognizers::is_id_like(b),
                default_on: b.default_on,
            });
        }
        for (i, c) in settings.custom_patterns.iter().enumerate() {
            let path = format!("{base}.customPatterns[{i}]");
            if c.entity.trim().is_empty()
                || !c
                    .entity
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                return Err(Error::config(
                    format!("{path}.type"),
                    format!(
                        "custom recognizer type '{}' must be letters, digits and '_'",
                        c.entity
                    ),
                ));
            }
            if !(0.0..=1.0).contains(&c.confidence) {
                return Err(Error::config(
                    format!("{path}.confidence"),
                    format!(
                        "custom recognizer '{}': confidence must be between 0 and 1",
                        c.entity
                    ),
                ));
            }
            let pat = regex::RegexBuilder::new(&c.pattern)
                .size_limit(1 << 22)
                .build()
                .map_err(|e| {
                    Error::config(
                        format!("{path}.pattern"),
                        format!("custom recognizer '{}': invalid pattern: {e}", c.entity),
                    )
                })?;
            recognizers.push(Recognizer {
                entity: c.entity.clone(),
                patterns: vec![CompiledPat {
                    name: c.entity.clone(),
                    re: pat,
                    score: c.confidence,
                    group: 0,
                    guard: None,
                }],
                special: Special::None,
                context: context_matcher(c.context.iter().map(String::as_str))?,
                validate: None,
                invalidate: None,
                needs: vec![recognizers::class::ANY],
                id_like: false,
                default_on: true,
            });
        }
        let known = |e: &str| recognizers.iter().any(|r| r.entity == e);
        if let Some(list) = &settings.entities {
            for (i, e) in list.iter().enumerate() {
                if !known(e) {
                    return Err(Error::config(
                        format!("{base}.entities[{i}]"),
                        format!("unknown entity '{e}'"),
                    ));
                }
            }
        }
        let mut deny = Vec::new();
        for (entity, words) in &settings.deny_list {
            let alts: Vec<String> = words
                .iter()
                .filter(|w| !w.trim().is_empty())
                .map(|w| regex::escape(w.trim()))
                .collect();
            if alts.is_empty() {
                continue;
            }
            let re = regex::Regex::new(&format!(r"(?i)\b(?:{})\b", alts.join("|")))
                .map_err(|e| Error::config(format!("{base}.denyList.{entity}"), e.to_string()))?;
            deny.push((entity.clone(), re));
        }
        let prefilter = prefilter::Prefilter::new(settings, &recognizers)?;
        let d = Detector {
            prefilter,
            recognizers,
            allow: settings
                .allow_list
                .iter()
                .map(|a| a.trim().to_lowercase())
                .collect(),
            settings: settings.clone(),
            deny,
            clock,
            #[cfg(feature = "names")]
            gazetteer: Gazetteer::english(),
            plugged: parking_lot::RwLock::new(Arc::new(Vec::new())),
        };
        Ok(d)
    }

    /// Runs every built-in recognizer once over a text that holds every
    /// entity shape, so the lazily built automata (the regex crate's DFA
    /// states, word-list hash tables) are ready and the first calls are as
    /// fast as later ones. Construction does this already; call it again on
    /// a worker thread that will detect, since the DFA caches are per
    /// thread. Host recognizers are not called.
    pub fn warm_up(&self) {
        let entities: Vec<String> = self
            .recognizers
            .iter()
            .filter(|r| self.available(&r.entity))
            .map(|r| r.entity.clone())
            .collect();
        let opts = DetectOptions::default().entities(entities);
        let text = warm::TEXT;
        // Built-ins never fail; the result is not needed.
        let _ = self.detect_builtin(text, &opts);
        let _ = self.detect_builtin(text, &DetectOptions::default());
        let _ = vault::Vault::new().unmask("<PERSON_1>");
    }

    /// Replaces the gazetteer pack names and places are looked up in
    /// (`None`: only the rules that need no word lists run).
    #[cfg(feature = "names")]
    pub fn set_gazetteer(&mut self, gazetteer: Option<Arc<Gazetteer>>) {
        self.gazetteer = gazetteer;
        self.warm_up();
    }

    /// The gazetteer pack in use.
    #[cfg(feature = "names")]
    pub fn gazetteer(&self) -> Option<&Arc<Gazetteer>> {
        self.gazetteer.as_ref()
    }

    /// The settings this detector was built with.
    pub fn settings(&self) -> &PiiSettings {
        &self.settings
    }

    /// A snapshot of the host recognizers plugged in.
    fn plugged(&self) -> Arc<Vec<Arc<Plugged>>> {
        self.plugged.read().clone()
    }

    /// Entities this detector can report: enabled built-ins, custom types
    /// and those of host recognizers, without repeats.
    pub fn entities(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .recognizers
            .iter()
            .filter(|r| self.runs_by_default(r))
            .map(|r| r.entity.clone())
            .collect();
        for p in self.plugged().iter() {
            for e in p.entities() {
                if !out.contains(e) {
                    out.push(e.clone());
                }
            }
        }
        out
    }

    /// Checks per-call options: every entity they select must be one this
    /// detector can report (an enabled built-in, a custom recognizer or a
    /// deny-list entity), else an `invalid_argument` error naming it.
    pub fn check_options(&self, opts: &DetectOptions) -> Result<()> {
        let Some(list) = &opts.entities else {
            return Ok(());
        };
        for (i, e) in list.iter().enumerate() {
            let known = self
                .recognizers
                .iter()
                .any(|r| &r.entity == e && self.available(e))
                || self.deny.iter().any(|(d, _)| d == e)
                || self.plugged().iter().any(|p| p.entities().contains(e));
            if !known {
                let mut names = self.entities();
                names.extend(self.deny.iter().map(|(d, _)| d.clone()));
                names.sort_unstable();
                names.dedup();
                return Err(Error::invalid_arg(
                    "entities",
                    format!(
                        "entities[{i}]: unknown entity '{e}'; this instance reports: {}",
                        names.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether a call may name `entity`: every built-in and custom one,
    /// unless `piiProtection.entities` narrows the list.
    fn available(&self, entity: &str) -> bool {
        self.settings
            .entities
            .as_ref()
            .is_none_or(|l| l.iter().any(|e| e == entity))
    }

    /// Whether `r` runs when a call names no entities.
    fn runs_by_default(&self, r: &Recognizer) -> bool {
        match &self.settings.entities {
            Some(list) => list.contains(&r.entity),
            None => r.default_on,
        }
    }

    /// Whether `r` runs in a call with these options.
    fn runs(&self, r: &Recognizer, opts: &DetectOptions) -> bool {
        match &opts.entities {
            Some(sel) => sel.contains(&r.entity) && self.available(&r.entity),
            None => self.runs_by_default(r),
        }
    }

    /// Runs `entity`'s check-digit validator on a bare value: `Some(true)`
    /// valid, `Some(false)` invalid, `None` no opinion or no validator.
    pub fn validate(&self, entity: &str, value: &str) -> Option<bool> {
        let env = Env {
            today: today(self.clock.now_ms()),
            strict: self.settings.strict_checksums,
        };
        let r = self.recognizers.iter().find(|r| r.entity == entity)?;
        if r.invalidate.is_some_and(|inv| inv(value)) {
            return Some(false);
        }
        r.validate.and_then(|v| v(value, &env))
    }

    /// Findings in UTF-8 `bytes` (for byte-oriented hosts). Invalid UTF-8 is
    /// an `invalid_argument` error naming the first bad byte's offset.
    pub fn detect_bytes(&self, bytes: &[u8]) -> Result<Vec<Finding>> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::invalid_arg(
                "text",
                format!("not valid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        self.detect(text)
    }

    /// Findings in `text` with the configured settings.
    pub fn detect(&self, text: &str) -> Result<Vec<Finding>> {
        self.detect_with(text, &DetectOptions::default())
    }

    /// Findings in `text` with per-call options. Linear in `text`'s length.
    ///
    /// Fails only when a host recognizer fails or returns a bad span (an
    /// `invalid_argument` error naming it): the built-in recognizers never do.
    pub fn detect_with(&self, text: &str, opts: &DetectOptions) -> Result<Vec<Finding>> {
        self.detect_inner(text, opts, true)
    }

    /// The built-in, custom and deny-list recognizers only.
    fn detect_builtin(&self, text: &str, opts: &DetectOptions) -> Result<Vec<Finding>> {
        self.detect_inner(text, opts, false)
    }

    fn detect_inner(&self, text: &str, opts: &DetectOptions, host: bool) -> Result<Vec<Finding>> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let norm = Normalized::new(text);
        let t = norm.text();
        let classes = recognizers::classes(t);
        let env = Env {
            today: today(self.clock.now_ms()),
            strict: self.settings.strict_checksums,
        };
        let mut raw = Vec::new();
        // The set pass pays off once digits bring in dozens of patterns.
        let set_hits = (classes & recognizers::class::DIGIT != 0).then(|| self.prefilter.scan(t));
        #[cfg(feature = "names")]
        let mut ner_spans: Option<Vec<ner::Span>> = None;
        for (i, r) in self.recognizers.iter().enumerate() {
            if !self.runs(r, opts) || !r.runs_on(classes) {
                continue;
            }
            #[cfg(feature = "names")]
            if let Special::Ner(kind) = r.special {
                let spans =
                    ner_spans.get_or_insert_with(|| ner::find(t, self.gazetteer.as_deref()));
                raw.extend(spans.iter().filter(|s| s.kind == kind).map(|s| Raw {
                    rec: i,
                    start: s.start,
                    end: s.end,
                    score: s.score,
                    pattern: 0,
                }));
                continue;
            }
            let hits = |pi: usize| {
                set_hits
                    .as_deref()
                    .is_none_or(|h| self.prefilter.may_match(h, i, pi))
            };
            r.analyze(i, t, &env, &mut raw, &hits);
        }
        for (di, (entity, re)) in self.deny.iter().enumerate() {
            if opts
                .entities
                .as_ref()
                .is_some_and(|sel| !sel.contains(entity))
            {
                continue;
            }
            let idx = self.recognizers.len() + di;
            for m in re.find_iter(t) {
                raw.push(Raw {
                    rec: idx,
                    start: m.start(),
                    end: m.end(),
                    score: 1.0,
                    pattern: usize::MAX,
                });
            }
        }
        // Host recognizers see the normalized text, like the built-ins.
        let plugged = if host {
            self.plugged()
        } else {
            Arc::new(Vec::new())
        };
        let host_base = self.recognizers.len() + self.deny.len();
        for (pi, p) in plugged.iter().enumerate() {
            let wanted = |e: &String| opts.entities.as_ref().is_none_or(|sel| sel.contains(e));
            if !p.entities().iter().any(wanted) {
                continue;
            }
            for (entity, start, end, score) in p.run(t)? {
                if !wanted(&p.entities()[entity]) {
                    continue;
                }
                raw.push(Raw {
                    rec: host_base + pi,
                    start,
                    end,
                    score,
                    pattern: entity,
                });
            }
        }
        if opts.context {
            self.apply_context(t, &mut raw);
        }
        let threshold = opts
            .score_threshold
            .unwrap_or(self.settings.score_threshold);
        raw.retain(|f| f.score > 0.0 && f.score >= threshold);
        self.shadow_ids(t, &mut raw);
        if !self.allow.is_empty() {
            raw.retain(|f| {
                let v = t[f.start..f.end].trim().to_lowercase();
                !self.allow.contains(&v)
            });
        }
        if opts.merge_overlaps {
            raw = merge(raw);
        } else if opts.resolve_overlaps {
            raw = resolve(raw);
        }
        sort_raw(&mut raw, |a, b| {
            a.start
                .cmp(&b.start)
                .then(a.end.cmp(&b.end))
                .then(a.rec.cmp(&b.rec))
        });
        Ok(self.finish(text, &norm, raw, &plugged))
    }

    /// `(entity, recognizer name)` of a candidate: a built-in or custom
    /// recognizer, a deny-list entry, or a host recognizer (whose entity
    /// index is in `pattern`).
    fn names_of(&self, f: &Raw, plugged: &[Arc<Plugged>]) -> (String, String) {
        let n = self.recognizers.len();
        if let Some(r) = self.recognizers.get(f.rec) {
            let name = r
                .patterns
                .get(f.pattern)
                .map_or_else(|| r.entity.clone(), |p| p.name.clone());
            return (r.entity.clone(), name);
        }
        if let Some((e, _)) = self.deny.get(f.rec - n) {
            return (e.clone(), "deny_list".to_owned());
        }
        plugged
            .get(f.rec - n - self.deny.len())
            .map_or_else(Default::default, |p| {
                (
                    p.entities().get(f.pattern).cloned().unwrap_or_default(),
                    p.name().to_owned(),
                )
            })
    }

    fn finish(
        &self,
        original: &str,
        norm: &Normalized<'_>,
        raw: Vec<Raw>,
        plugged: &[Arc<Plugged>],
    ) -> Vec<Finding> {
        let mut out: Vec<Finding> = raw
            .into_iter()
            .map(|f| {
                let (entity, recognizer) = self.names_of(&f, plugged);
                Finding {
                    entity,
                    start: norm.map(f.start),
                    end: norm.map_end(f.end),
                    char_start: 0,
                    char_end: 0,
                    score: f.score,
                    recognizer,
                }
            })
            .collect();
        fill_char_offsets(original, &mut out);
        out
    }

    /// Drops a national id made only of digits that lies inside a phone
    /// number and has none of its context words: "+1 415-555-0199" or
    /// "0412 345 678" is a phone number even where its digits pass the NHS
    /// or TFN checksum. With a context word ("NHS number 401 023 2137") the
    /// id stays and wins on an equal span by its validated score.
    fn shadow_ids(&self, t: &str, raw: &mut Vec<Raw>) {
        let phones: Vec<(usize, usize)> = raw
            .iter()
            .filter(|f| {
                self.recognizers
                    .get(f.rec)
                    .is_some_and(|r| matches!(r.special, Special::Phone(_)))
            })
            .map(|f| (f.start, f.end))
            .collect();
        if phones.is_empty() {
            return;
        }
        let cs = &self.settings.context;
        raw.retain(|f| {
            let Some(r) = self.recognizers.get(f.rec).filter(|r| r.id_like) else {
                return true;
            };
            let inside = phones.iter().any(|&(s, e)| s <= f.start && f.end <= e);
            if !inside || t[f.start..f.end].bytes().any(|c| c.is_ascii_alphabetic()) {
                return true;
            }
            r.context.as_ref().is_some_and(|ac| {
                ac.is_match(&context_window(
                    &t[..f.start],
                    &t[f.end..],
                    cs.words_before,
                    cs.words_after,
                ))
            })
        });
    }

    fn apply_context(&self, t: &str, raw: &mut [Raw]) {
        let cs = &self.settings.context;
        for f in raw.iter_mut() {
            let Some(r) = self.recognizers.get(f.rec) else {
                continue;
            };
            let Some(ac) = &r.context else { continue };
            if f.score >= 1.0 {
                continue;
            }
            let window =
                context_window(&t[..f.start], &t[f.end..], cs.words_before, cs.words_after);
            if ac.is_match(&window) {
                f.score = (f.score + cs.boost).max(cs.min_score_with_context).min(1.0);
            }
        }
    }
}

/// One automaton over a recognizer's context words, each padded with spaces
/// and lower-cased so it matches whole words of a [`context_window`].
fn context_matcher<'a>(
    words: impl Iterator<Item = &'a str>,
) -> Result<Option<aho_corasick::AhoCorasick>> {
    let padded: Vec<String> = words.map(|w| format!(" {} ", w.to_lowercase())).collect();
    if padded.is_empty() {
        return Ok(None);
    }
    aho_corasick::AhoCorasick::new(&padded)
        .map(Some)
        .map_err(|e| Error::internal(format!("context words: {e}")))
}

fn words(s: &str) -> impl DoubleEndedIterator<Item = &str> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '#' || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
}

/// The last `before` words of `head` and the first `after` words of `tail`,
/// lower-cased, each surrounded by single spaces (`" a b c "`), so a padded
/// context word (`" ssn "`) matches whole words only.
fn context_window(head: &str, tail: &str, before: usize, after: usize) -> String {
    let mut from = head.len().saturating_sub(256);
    while !head.is_char_boundary(from) {
        from += 1;
    }
    let mut last: Vec<&str> = words(&head[from..]).rev().take(before).collect();
    last.reverse();
    let mut window = String::from(" ");
    for w in last.into_iter().chain(words(tail).take(after)) {
        window.push_str(&w.to_lowercase());
        window.push(' ');
    }
    window
}

/// Fills `char_start`/`char_end` in one pass (findings need not be sorted).
pub(crate) fn fill_char_offsets(text: &str, findings: &mut [Finding]) {
    if text.is_ascii() {
        for f in findings.iter_mut() {
            f.char_start = f.start;
            f.char_end = f.end;
        }
        return;
    }
    let mut points: Vec<usize> = findings.iter().flat_map(|f| [f.start, f.end]).collect();
    let map = crate::text::char_offsets(text, &mut points);
    for f in findings.iter_mut() {
        f.char_start = map.get(&f.start).copied().unwrap_or(0);
        f.char_end = map.get(&f.end).copied().unwrap_or(0);
    }
}

/// (year, month, day) of a Unix-millisecond timestamp, UTC.
fn today(ms: i64) -> (u32, u32, u32) {
    use chrono::Datelike;
    let d = chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .date_naive();
    (d.year().max(0) as u32, d.month(), d.day())
}

/// The checks the `pii_mask` fuzz target runs on one input (also replayed
/// over `fuzz/regressions/pii_mask` by `cargo test`). Panics when an
/// invariant breaks; returns the number of findings.
#[doc(hidden)]
#[expect(
    clippy::panic,
    reason = "the fuzz oracle reports broken invariants by panicking"
)]
pub fn fuzz_check(masker: &Masker, data: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(data) else {
        if masker.detector().detect_bytes(data).is_ok() {
            panic!("invalid UTF-8 accepted");
        }
        return 0;
    };
    let masked = match masker.mask(text) {
        Ok(m) => m,
        Err(e) => panic!("mask failed: {e}"),
    };
    for f in &masked.findings {
        let original = f.text(text);
        if original.chars().count() >= 6
            && text.matches(original).count() == 1
            && masked.text.contains(original)
        {
            panic!("finding {original:?} survived masking: {:?}", masked.text);
        }
    }
    let mut vault = Vault::new();
    let rev = match masker.mask_reversible(text, &mut vault, None) {
        Ok(m) => m,
        Err(e) => panic!("mask_reversible failed: {e}"),
    };
    let _ = vault.unmask(&rev.text);
    let mut s = StreamMasker::new(masker.clone(), Vault::new(), false, 32);
    let mut out = String::new();
    let mut at = 0;
    let step = 1 + data.first().map_or(0, |b| usize::from(*b % 17));
    while at < text.len() {
        let mut end = (at + step).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        match s.push(&text[at..end]) {
            Ok(o) => out.push_str(&o),
            Err(e) => panic!("stream push failed: {e}"),
        }
        at = end;
    }
    match s.finish() {
        Ok(o) => out.push_str(&o),
        Err(e) => panic!("stream finish failed: {e}"),
    }
    masked.findings.len()
}
