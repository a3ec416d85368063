//! The PII module's settings and its findings.

use super::*;

/// A custom recognizer, in the specification's shape
/// (`{type: "employee_id", pattern: "EMP\\d{6}", confidence: 0.9, jurisdiction: ["internal"]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomPattern {
    /// The entity name findings carry.
    #[serde(rename = "type")]
    pub entity: String,
    /// A regular expression (Rust `regex` syntax, linear time).
    pub pattern: String,
    /// Score of a match, 0–1.
    #[serde(default = "default_confidence")]
    pub confidence: f32,
    /// Words that raise the score when they appear near a match.
    #[serde(default)]
    pub context: Vec<String>,
    /// Jurisdictions the entity belongs to (informational).
    #[serde(default)]
    pub jurisdiction: Vec<String>,
}

fn default_confidence() -> f32 {
    0.6
}

/// Context-word scoring (Presidio's `LemmaContextAwareEnhancer` defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ContextSettings {
    /// Words before a finding that are searched.
    pub words_before: usize,
    /// Words after a finding that are searched.
    pub words_after: usize,
    /// Score added when a context word is found.
    pub boost: f32,
    /// Score a finding has at least when a context word is found.
    pub min_score_with_context: f32,
}

impl Default for ContextSettings {
    fn default() -> Self {
        ContextSettings {
            words_before: 5,
            words_after: 0,
            boost: 0.35,
            min_score_with_context: 0.4,
        }
    }
}

/// Detection settings (`enterpriseSecurity.piiProtection` in the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PiiSettings {
    /// Entities to detect; `None` = every built-in and custom entity.
    pub entities: Option<Vec<String>>,
    /// Findings scoring below this are dropped.
    pub score_threshold: f32,
    /// Values never reported (compared case-insensitively, trimmed).
    pub allow_list: Vec<String>,
    /// Entity → values always reported with score 1.0 (whole words).
    pub deny_list: BTreeMap<String, Vec<String>>,
    /// Custom recognizers.
    pub custom_patterns: Vec<CustomPattern>,
    /// Context-word scoring.
    pub context: ContextSettings,
    /// Regions whose national phone formats are recognized.
    pub phone_regions: Vec<Region>,
    /// Phone matching strictness, libphonenumber's levels 0–3 (default 1).
    pub phone_leniency: u8,
    /// A failed check digit rejects a candidate even where the recognizer
    /// would otherwise keep its pattern score (`DE_VAT_ID`, `KR_RRN`,
    /// `KR_FRN`: Presidio's `strict_checksum`). Default false.
    pub strict_checksums: bool,
}

impl Default for PiiSettings {
    fn default() -> Self {
        PiiSettings {
            entities: None,
            score_threshold: 0.4,
            allow_list: Vec::new(),
            deny_list: BTreeMap::new(),
            custom_patterns: Vec::new(),
            context: ContextSettings::default(),
            phone_regions: Region::DEFAULT.to_vec(),
            phone_leniency: 1,
            strict_checksums: false,
        }
    }
}

/// Per-call options of [`Detector::detect_with`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DetectOptions {
    /// Only these entities (must be enabled); `None` = all enabled.
    pub entities: Option<Vec<String>>,
    /// Overrides the configured threshold.
    pub score_threshold: Option<f32>,
    /// Apply context words (default true).
    pub context: bool,
    /// Resolve overlapping findings to a non-overlapping set (default true).
    /// Without it every recognizer's findings are returned, as Presidio's
    /// analyzer does.
    pub resolve_overlaps: bool,
    /// Merge overlapping findings into one covering their union, labelled
    /// with the one that contains the others, else the best of them
    /// (default true: what masking uses, so `detect` and `mask` report the
    /// same findings and no character of any finding survives). Takes
    /// precedence over `resolve_overlaps`; turn it off for the
    /// highest-score-wins subset.
    pub merge_overlaps: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            entities: None,
            score_threshold: None,
            context: true,
            resolve_overlaps: true,
            merge_overlaps: true,
        }
    }
}

impl DetectOptions {
    /// Only these entities.
    pub fn entities<S: Into<String>>(mut self, e: impl IntoIterator<Item = S>) -> Self {
        self.entities = Some(e.into_iter().map(Into::into).collect());
        self
    }
    /// Score threshold for this call.
    pub fn threshold(mut self, t: f32) -> Self {
        self.score_threshold = Some(t);
        self
    }
    /// Context words on or off.
    pub fn context(mut self, on: bool) -> Self {
        self.context = on;
        self
    }
    /// Merge overlapping findings into their union (see the field).
    pub fn merge_overlaps(mut self, on: bool) -> Self {
        self.merge_overlaps = on;
        self
    }
    /// Overlap resolution on or off (off also turns merging off: every
    /// recognizer's findings are returned).
    pub fn resolve_overlaps(mut self, on: bool) -> Self {
        self.resolve_overlaps = on;
        if !on {
            self.merge_overlaps = false;
        }
        self
    }
}

/// One piece of personal data found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Entity type (`EMAIL_ADDRESS`, `US_SSN`, a custom type, …).
    pub entity: String,
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// Offset in Unicode scalar values (Python string index).
    pub char_start: usize,
    /// End offset in Unicode scalar values.
    pub char_end: usize,
    /// Confidence 0–1.
    pub score: f32,
    /// The recognizer pattern that found it.
    pub recognizer: String,
}

impl Finding {
    /// The finding's text in `text` (the text it was found in).
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}
