//! Floor 0: text handling shared by PII detection and the threat scanner —
//! invisible characters, the normalized view that skips them (with the way
//! back to original offsets), byte → character offsets, regex preparation
//! and the credential patterns both recognize.

pub(crate) mod secrets;

use crate::vocab::Severity;
use std::collections::BTreeMap;

/// The invisible-Unicode class of `c`, if any (also what PII matching skips):
/// its rule name and severity for the threat scanner.
pub(crate) fn invisible(c: char) -> Option<(&'static str, Severity)> {
    match c {
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(("bidi_control", Severity::High)),
        '\u{E0000}'..='\u{E007F}' => Some(("tag_characters", Severity::Critical)),
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}' => Some(("zero_width", Severity::Medium)),
        _ => None,
    }
}

/// Characters that render as nothing and are skipped while matching:
/// zero-width characters, bidi controls and tag characters.
pub fn is_invisible(c: char) -> bool {
    invisible(c).is_some()
}

/// The text with invisible characters removed, and the way back.
pub(crate) struct Normalized<'t> {
    original: &'t str,
    /// `None` when nothing was removed.
    clean: Option<(String, Vec<usize>)>,
}

impl<'t> Normalized<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        let suspicious = text
            .bytes()
            .any(|b| matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xEF | 0xF3));
        if !suspicious || !text.chars().any(is_invisible) {
            return Normalized {
                original: text,
                clean: None,
            };
        }
        let mut s = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            if is_invisible(c) {
                continue;
            }
            for k in 0..c.len_utf8() {
                map.push(i + k);
            }
            s.push(c);
        }
        map.push(text.len());
        Normalized {
            original: text,
            clean: Some((s, map)),
        }
    }

    pub(crate) fn text(&self) -> &str {
        self.clean
            .as_ref()
            .map_or(self.original, |(s, _)| s.as_str())
    }

    /// Original offset of a start position.
    pub(crate) fn map(&self, i: usize) -> usize {
        self.clean
            .as_ref()
            .map_or(i, |(_, m)| m.get(i).copied().unwrap_or(self.original.len()))
    }

    /// Original offset of an end position: just past the last kept byte.
    pub(crate) fn map_end(&self, i: usize) -> usize {
        match &self.clean {
            None => i,
            Some((_, m)) if i == 0 => m.first().copied().unwrap_or(0),
            Some((_, m)) => m.get(i - 1).map_or(self.original.len(), |&p| p + 1),
        }
    }
}

/// The character offset of each byte offset in `points` (each at a char
/// boundary or the end of `text`), in one pass over the text.
pub(crate) fn char_offsets(text: &str, points: &mut Vec<usize>) -> BTreeMap<usize, usize> {
    points.sort_unstable();
    points.dedup();
    let mut map = BTreeMap::new();
    let mut pi = 0;
    let ends = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    for (chars, i) in ends.enumerate() {
        while pi < points.len() && points[pi] <= i {
            map.insert(points[pi], chars);
            pi += 1;
        }
    }
    map
}

/// Rewrites a pattern for the `regex` crate's fast engines: ASCII `\d` and
/// ASCII word boundaries.
pub(crate) fn prepare_regex(re: &str) -> String {
    re.replace(r"\d", "[0-9]").replace(r"\b", r"(?-u:\b)")
}

/// Lowercase hex of `bytes`. One encoder for audit MACs, PII pseudonyms and
/// reservation ids (kept in the core rather than the `hex` crate: the
/// browser build is at its size budget and these few lines cost less).
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Bytes of hex text (either case), or `None` if it is not an even number
/// of hex digits.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    t.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}
