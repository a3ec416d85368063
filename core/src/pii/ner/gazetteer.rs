//! Gazetteer packs: given names, surnames, places, nationality/religious/
//! political groups and the common words that must not be read as names on
//! their own, per language.
//!
//! A pack is plain UTF-8 text (`core/data/gazetteer-en.txt`, built by
//! `scripts/gazetteer/build.sh`):
//!
//! ```text
//! #vallum-gazetteer 1 en
//! @given
//! james
//! @surname
//! smith
//! ```
//!
//! Entries are lower-case; an entry may hold several words separated by
//! single spaces (`new york`). Lookups hash the lower-cased words of the
//! text directly, so they never allocate. The table is one open-addressed
//! array of `(offset, length, flags)` into the pack's own text: about 8
//! bytes per entry plus the text itself.

use super::sets::{hash_lower, Hasher};
use crate::error::{Error, Result};

/// Entry flags: which sections an entry appears in.
pub(crate) mod flag {
    pub const GIVEN: u8 = 1;
    pub const SURNAME: u8 = 1 << 1;
    pub const COUNTRY: u8 = 1 << 2;
    pub const REGION: u8 = 1 << 3;
    pub const CITY: u8 = 1 << 4;
    pub const NRP: u8 = 1 << 5;
    pub const COMMON: u8 = 1 << 6;
    pub const PLACE: u8 = COUNTRY | REGION | CITY;
    pub const NAME: u8 = GIVEN | SURNAME;
}

const SECTIONS: &[(&str, u8)] = &[
    ("given", flag::GIVEN),
    ("surname", flag::SURNAME),
    ("country", flag::COUNTRY),
    ("region", flag::REGION),
    ("city", flag::CITY),
    ("nrp", flag::NRP),
    ("common", flag::COMMON),
];

#[derive(Clone, Copy, Default)]
struct Slot {
    offset: u32,
    len: u16,
    flags: u8,
}

/// A parsed pack. Immutable; share it with `Arc`.
pub struct Gazetteer {
    language: String,
    text: Box<str>,
    slots: Vec<Slot>,
    mask: usize,
    entries: usize,
    /// The most words any entry has.
    max_words: usize,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("language", &self.language)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// The lower-cased characters of `words` joined by single spaces.
fn key_chars<'a>(words: &'a [&'a str]) -> impl Iterator<Item = char> + 'a {
    words.iter().enumerate().flat_map(|(i, w)| {
        let sep = (i > 0).then_some(' ');
        sep.into_iter()
            .chain(w.chars().flat_map(char::to_lowercase))
    })
}

impl Gazetteer {
    /// Reads and parses a pack file: `not_found` when the file is missing,
    /// `invalid_argument` when it cannot be read or does not parse (naming
    /// the file, and the line).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Gazetteer> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                what: format!("gazetteer pack {}", path.display()),
            },
            _ => Error::invalid_arg("gazetteer", format!("{}: {e}", path.display())),
        })?;
        Gazetteer::parse(&text).map_err(|e| match e {
            Error::InvalidArgument { message, .. } => {
                Error::invalid_arg("gazetteer", format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// Parses a pack. A malformed pack is an `invalid_argument` error
    /// naming the line.
    pub fn parse(text: &str) -> Result<Gazetteer> {
        let bad =
            |line: usize, why: &str| Error::invalid_arg("gazetteer", format!("line {line}: {why}"));
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        let mut head = header.split_whitespace();
        if head.next() != Some("#vallum-gazetteer") || head.next() != Some("1") {
            return Err(bad(
                1,
                "expected the header '#vallum-gazetteer 1 <language>'",
            ));
        }
        let language = head
            .next()
            .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
            .ok_or_else(|| bad(1, "the header names no language"))?
            .to_owned();
        let count = text.lines().filter(|l| !l.starts_with(['@', '#'])).count();
        let cap = (count * 2).next_power_of_two().max(16);
        let mut g = Gazetteer {
            language,
            text: text.into(),
            slots: vec![Slot::default(); cap],
            mask: cap - 1,
            entries: 0,
            max_words: 1,
        };
        let mut section: Option<u8> = None;
        let mut offset = header.len() + 1;
        for (i, line) in text.lines().enumerate().skip(1) {
            let at = offset;
            offset += line.len() + 1;
            let line_no = i + 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('@') {
                section = Some(
                    SECTIONS
                        .iter()
                        .find(|(n, _)| *n == name.trim())
                        .map(|(_, f)| *f)
                        .ok_or_else(|| bad(line_no, &format!("unknown section '@{name}'")))?,
                );
                continue;
            }
            let Some(fl) = section else {
                return Err(bad(line_no, "an entry before any '@section' line"));
            };
            let entry = line.trim_end_matches('\r');
            if entry.len() > usize::from(u16::MAX)
                || entry.starts_with(' ')
                || entry.ends_with(' ')
                || entry.contains("  ")
                || entry.chars().any(char::is_uppercase)
            {
                return Err(bad(
                    line_no,
                    "entries are lower-case words separated by single spaces",
                ));
            }
            let offset32 = u32::try_from(at).map_err(|_| bad(line_no, "pack larger than 4 GiB"))?;
            g.max_words = g.max_words.max(entry.split(' ').count());
            g.insert(offset32, entry, fl);
        }
        Ok(g)
    }

    fn insert(&mut self, offset: u32, entry: &str, fl: u8) {
        let mut h = Hasher::new();
        entry.chars().for_each(|c| h.char(c));
        let mut i = (h.finish() as usize) & self.mask;
        loop {
            let s = self.slots[i];
            if s.flags == 0 {
                self.slots[i] = Slot {
                    offset,
                    len: entry.len() as u16,
                    flags: fl,
                };
                self.entries += 1;
                return;
            }
            if self.entry(s) == entry {
                self.slots[i].flags |= fl;
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    fn entry(&self, s: Slot) -> &str {
        let from = s.offset as usize;
        self.text
            .get(from..from + usize::from(s.len))
            .unwrap_or_default()
    }

    /// The flags of the entry spelled by `words` (compared lower-cased and
    /// joined by single spaces); 0 when absent.
    pub(crate) fn lookup(&self, words: &[&str]) -> u8 {
        if words.is_empty() || words.len() > self.max_words {
            return 0;
        }
        // ASCII text (most of it) hashes and compares byte by byte; the
        // hash is the same either way.
        let ascii = words.iter().all(|w| w.is_ascii());
        let ascii_bytes = || {
            words.iter().enumerate().flat_map(|(k, w)| {
                let sep = (k > 0).then_some(b' ');
                sep.into_iter()
                    .chain(w.bytes().map(|b| b.to_ascii_lowercase()))
            })
        };
        let mut h = Hasher::new();
        if ascii {
            ascii_bytes().for_each(|b| h.byte(b));
        } else {
            key_chars(words).for_each(|c| h.char(c));
        }
        let len = words.iter().map(|w| w.len()).sum::<usize>() + words.len() - 1;
        let mut i = (h.finish() as usize) & self.mask;
        loop {
            let s = self.slots[i];
            if s.flags == 0 {
                return 0;
            }
            let e = self.entry(s);
            let same = if ascii {
                e.len() == len && ascii_bytes().eq(e.bytes())
            } else {
                key_chars(words).eq(e.chars())
            };
            if same {
                return s.flags;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// A one-word lookup with the word's hash already computed (the
    /// tokenizer hashes every word once, the same way).
    pub(crate) fn word_hashed(&self, w: &str, hash: u64) -> u8 {
        let mut i = (hash as usize) & self.mask;
        loop {
            let s = self.slots[i];
            if s.flags == 0 {
                return 0;
            }
            let e = self.entry(s);
            let same = if w.is_ascii() {
                e.len() == w.len()
                    && e.as_bytes()
                        .iter()
                        .zip(w.bytes())
                        .all(|(a, b)| *a == b.to_ascii_lowercase())
            } else {
                e.chars().eq(w.chars().flat_map(char::to_lowercase))
            };
            if same {
                return s.flags;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Shorthand for a one-word lookup.
    pub(crate) fn word(&self, w: &str) -> u8 {
        self.word_hashed(w, hash_lower(w))
    }

    /// The pack's language tag (`en`).
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Number of distinct entries.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the pack has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The most words one entry has (`rio de janeiro` = 3).
    pub(crate) fn max_words(&self) -> usize {
        self.max_words
    }

    /// The English pack compiled into native builds (feature
    /// `gazetteer-en`), parsed once per process.
    pub fn english() -> Option<std::sync::Arc<Gazetteer>> {
        #[cfg(feature = "gazetteer-en")]
        {
            static EN: std::sync::OnceLock<Option<std::sync::Arc<Gazetteer>>> =
                std::sync::OnceLock::new();
            EN.get_or_init(|| {
                Gazetteer::parse(include_str!("../../../data/gazetteer-en.txt"))
                    .ok()
                    .map(std::sync::Arc::new)
            })
            .clone()
        }
        #[cfg(not(feature = "gazetteer-en"))]
        {
            None
        }
    }
}
