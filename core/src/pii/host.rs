//! Recognizers the host application plugs in: a Python callable running a
//! spaCy or GLiNER pipeline, a JavaScript function running a transformers.js
//! model, or any Rust type implementing [`HostRecognizer`]. Their spans join
//! the built-in findings before overlaps are resolved, so the same rules
//! decide between them, and every path that detects (detect, mask, the
//! guard, vaults, streams) uses them.

use super::Detector;
use crate::error::{Error, Result};
use std::sync::Arc;

/// The score a host span gets when its recognizer gives none.
pub const DEFAULT_HOST_SCORE: f32 = 0.85;

/// One span a host recognizer found, with offsets in its [`Offsets`] unit.
#[derive(Debug, Clone, PartialEq)]
pub struct HostSpan {
    /// One of the entity names the recognizer was registered with.
    pub entity: String,
    /// Start offset (inclusive).
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// Confidence in 0–1; [`DEFAULT_HOST_SCORE`] when `None`.
    pub score: Option<f32>,
}

/// Spans as JSON text, from a host that cannot build [`HostSpan`]s itself
/// (JavaScript): an array whose items are objects `{entity, start, end,
/// score?}` or arrays `[entity, start, end, score?]`. Anything else is an
/// `invalid_argument` error naming the item.
pub fn parse_host_spans(json: &str) -> Result<Vec<HostSpan>> {
    use serde_json::Value;
    let bad = |why: String| Error::invalid_arg("recognizer", why);
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(json) else {
        return Err(bad("a recognizer must return an array of spans".to_owned()));
    };
    let offset = |v: Option<&Value>| {
        v.and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let (entity, start, end, score) = match v {
            Value::Object(o)
                if o.keys()
                    .all(|k| matches!(k.as_str(), "entity" | "start" | "end" | "score")) =>
            {
                (
                    o.get("entity"),
                    o.get("start"),
                    o.get("end"),
                    o.get("score"),
                )
            }
            Value::Array(a) if (3..=4).contains(&a.len()) => {
                (a.first(), a.get(1), a.get(2), a.get(3))
            }
            _ => (None, None, None, None),
        };
        let score = match score {
            None | Some(Value::Null) => Some(None),
            Some(s) => s.as_f64().map(|f| Some(f as f32)),
        };
        match (
            entity.and_then(Value::as_str),
            offset(start),
            offset(end),
            score,
        ) {
            (Some(entity), Some(start), Some(end), Some(score)) => out.push(HostSpan {
                entity: entity.to_owned(),
                start,
                end,
                score,
            }),
            _ => {
                let mut shown = v.to_string();
                shown.truncate(shown.char_indices().nth(80).map_or(shown.len(), |(b, _)| b));
                return Err(bad(format!(
                    "span [{i}] {shown} is not {{entity, start, end, score?}} or [entity, start, end, score?] with whole offsets"
                )));
            }
        }
    }
    Ok(out)
}

/// How a host recognizer counts offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Offsets {
    /// UTF-8 bytes (Rust).
    #[default]
    Bytes,
    /// Unicode scalar values (Python's `str` indices, spaCy's `start_char`).
    Chars,
    /// UTF-16 code units (JavaScript string indices).
    Utf16,
}

impl Offsets {
    /// Parses `bytes`, `chars` or `utf16`.
    pub fn parse(s: &str) -> Result<Offsets> {
        match s {
            "bytes" => Ok(Offsets::Bytes),
            "chars" => Ok(Offsets::Chars),
            "utf16" => Ok(Offsets::Utf16),
            _ => Err(Error::invalid_arg(
                "offsets",
                format!("unknown offset unit '{s}': expected bytes, chars or utf16"),
            )),
        }
    }
}

/// A recognizer implemented by the host.
pub trait HostRecognizer: Send + Sync {
    /// Spans in `text`. An error fails the detection that called it (no
    /// text is released unmasked because a recognizer failed).
    fn recognize(&self, text: &str) -> Result<Vec<HostSpan>>;
}

impl<F> HostRecognizer for F
where
    F: Fn(&str) -> Result<Vec<HostSpan>> + Send + Sync,
{
    fn recognize(&self, text: &str) -> Result<Vec<HostSpan>> {
        self(text)
    }
}

/// A registered host recognizer.
pub(crate) struct Plugged {
    pub(crate) name: String,
    pub(crate) entities: Vec<String>,
    pub(crate) offsets: Offsets,
    pub(crate) inner: Arc<dyn HostRecognizer>,
}

impl std::fmt::Debug for Plugged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugged")
            .field("name", &self.name)
            .field("entities", &self.entities)
            .field("offsets", &self.offsets)
            .finish_non_exhaustive()
    }
}

impl Detector {
    /// Plugs in a recognizer implemented by the host under `name`, reporting
    /// `entities` (new names or built-in ones) with offsets in `offsets`.
    /// Its spans are merged with the built-in findings by the same overlap
    /// rules, in every detection: detect, mask, the guard, vaults, streams.
    /// A bad name, an empty entity list or a name already plugged in is an
    /// `invalid_argument` error.
    pub fn add_recognizer(
        &self,
        name: &str,
        entities: &[String],
        offsets: Offsets,
        recognizer: Arc<dyn HostRecognizer>,
    ) -> Result<()> {
        check_name("name", name)?;
        if entities.is_empty() {
            return Err(Error::invalid_arg(
                "entities",
                format!("recognizer '{name}' must report at least one entity"),
            ));
        }
        for e in entities {
            check_name("entities", e)?;
        }
        let mut guard = self.plugged.write();
        if guard.iter().any(|p| p.name == name) {
            return Err(Error::invalid_arg(
                "name",
                format!("a recognizer named '{name}' is already plugged in; remove it first"),
            ));
        }
        let mut next: Vec<Arc<Plugged>> = guard.as_ref().clone();
        next.push(Arc::new(Plugged {
            name: name.to_owned(),
            entities: entities.to_vec(),
            offsets,
            inner: recognizer,
        }));
        *guard = Arc::new(next);
        Ok(())
    }

    /// Removes the host recognizer `name`; whether there was one.
    pub fn remove_recognizer(&self, name: &str) -> bool {
        let mut guard = self.plugged.write();
        let before = guard.len();
        let next: Vec<Arc<Plugged>> = guard.iter().filter(|p| p.name != name).cloned().collect();
        let removed = next.len() != before;
        *guard = Arc::new(next);
        removed
    }

    /// The names of the host recognizers plugged in, in order.
    pub fn host_recognizers(&self) -> Vec<String> {
        self.plugged.read().iter().map(|p| p.name.clone()).collect()
    }
}

/// Checks a recognizer or entity name: 1–64 of `A-Z a-z 0-9 _ - .`.
fn check_name(what: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_arg(
            what,
            format!("'{name}' must be 1-64 letters, digits, '_', '-' or '.'"),
        ))
    }
}

impl Plugged {
    pub(crate) fn entities(&self) -> &[String] {
        &self.entities
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Runs the recognizer on `text` and returns `(entity index, start,
    /// end, score)` in UTF-8 bytes, or an error naming what was wrong.
    pub(crate) fn run(&self, text: &str) -> Result<Vec<(usize, usize, usize, f32)>> {
        let spans = self.inner.recognize(text).map_err(|e| {
            Error::invalid_arg(
                "recognizer",
                format!("recognizer '{}' failed: {e}", self.name),
            )
        })?;
        let mut out = Vec::with_capacity(spans.len());
        let mut conv = Converter::new(text, self.offsets);
        for (i, s) in spans.iter().enumerate() {
            let bad = |why: String| {
                Error::invalid_arg(
                    "recognizer",
                    format!(
                        "recognizer '{}' returned a bad span [{i}]: {why}",
                        self.name
                    ),
                )
            };
            let Some(entity) = self.entities.iter().position(|e| *e == s.entity) else {
                return Err(bad(format!(
                    "entity '{}' is not one it was registered with ({})",
                    s.entity,
                    self.entities.join(", ")
                )));
            };
            let score = s.score.unwrap_or(DEFAULT_HOST_SCORE);
            if !(0.0..=1.0).contains(&score) {
                return Err(bad(format!("score {score} is not between 0 and 1")));
            }
            if s.start > s.end {
                return Err(bad(format!("start {} is after end {}", s.start, s.end)));
            }
            let (Some(start), Some(end)) = (conv.byte(s.start), conv.byte(s.end)) else {
                return Err(bad(format!(
                    "{}..{} is not inside the text ({} {})",
                    s.start,
                    s.end,
                    conv.len(),
                    conv.unit()
                )));
            };
            if start < end {
                out.push((entity, start, end, score));
            }
        }
        Ok(out)
    }
}

/// Offsets in a unit → UTF-8 byte offsets: one pass over the text builds
/// the table the first time a span needs it (linear in the text).
struct Converter<'a> {
    text: &'a str,
    unit: Offsets,
    /// Unit index → byte offset; `None` inside a surrogate pair.
    table: Option<Vec<Option<usize>>>,
}

impl<'a> Converter<'a> {
    fn new(text: &'a str, unit: Offsets) -> Self {
        Converter {
            text,
            unit,
            table: None,
        }
    }

    fn unit(&self) -> &'static str {
        match self.unit {
            Offsets::Bytes => "bytes",
            Offsets::Chars => "characters",
            Offsets::Utf16 => "UTF-16 code units",
        }
    }

    fn len(&self) -> usize {
        match self.unit {
            Offsets::Bytes => self.text.len(),
            Offsets::Chars => self.text.chars().count(),
            Offsets::Utf16 => self.text.encode_utf16().count(),
        }
    }

    /// The byte offset of `at`, if it is a boundary inside the text.
    fn byte(&mut self, at: usize) -> Option<usize> {
        if self.unit == Offsets::Bytes {
            return self.text.is_char_boundary(at).then_some(at);
        }
        let (text, unit) = (self.text, self.unit);
        let table = self.table.get_or_insert_with(|| {
            let mut t = Vec::with_capacity(text.len() + 1);
            for (b, c) in text.char_indices() {
                t.push(Some(b));
                if unit == Offsets::Utf16 && c.len_utf16() == 2 {
                    t.push(None);
                }
            }
            t.push(Some(text.len()));
            t
        });
        table.get(at).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_convert_from_every_unit() {
        let text = "é🎉x";
        let mut c = Converter::new(text, Offsets::Chars);
        assert_eq!(
            (c.byte(0), c.byte(1), c.byte(2), c.byte(3), c.byte(4)),
            (Some(0), Some(2), Some(6), Some(7), None)
        );
        let mut u = Converter::new(text, Offsets::Utf16);
        // é = 1 unit, 🎉 = 2 units (3 is inside the pair), x = 1.
        assert_eq!(
            (u.byte(1), u.byte(2), u.byte(3), u.byte(4), u.byte(5)),
            (Some(2), None, Some(6), Some(7), None)
        );
        let mut b = Converter::new(text, Offsets::Bytes);
        assert_eq!(
            (b.byte(2), b.byte(3), b.byte(7), b.byte(8)),
            (Some(2), None, Some(7), None)
        );
    }
}
