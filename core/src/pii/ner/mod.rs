//! Names, places, addresses, organizations, nationality/religious/political
//! groups, ages, titles and postcodes, found without a statistical model:
//! a word tokenizer, gazetteer packs (see [`Gazetteer`]), token shape and
//! case, cue phrases (`my name is`, `Dear`, `lives in`, `works for`) and a
//! small grammar of postal addresses. Offline, deterministic and linear in
//! the text: each rule looks at a bounded window of tokens.
//!
//! Rules run from the most specific to the least: addresses, then
//! organizations (company forms), then people (honorifics, cue phrases,
//! known given names and surnames), then places, then the rest. A token one
//! rule has claimed is not looked at by a later one.

mod address;
mod gazetteer;
mod jobs;
mod orgs;
mod people;
mod places;
mod sets;
mod tokens;
mod words;

use gazetteer::flag;
pub use gazetteer::Gazetteer;
use tokens::{Kind, Shape, Tok};

/// What a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NerKind {
    Person,
    Location,
    StreetAddress,
    Organization,
    Nrp,
    Age,
    Title,
    ZipCode,
}

impl NerKind {
    /// Presidio's entity name.
    pub(crate) const fn entity(self) -> &'static str {
        match self {
            NerKind::Person => "PERSON",
            NerKind::Location => "LOCATION",
            NerKind::StreetAddress => "STREET_ADDRESS",
            NerKind::Organization => "ORGANIZATION",
            NerKind::Nrp => "NRP",
            NerKind::Age => "AGE",
            NerKind::Title => "TITLE",
            NerKind::ZipCode => "ZIP_CODE",
        }
    }
}

/// One finding: byte offsets into the text and a score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub kind: NerKind,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

/// Every span in `text`. Without a gazetteer only the rules that need no
/// word lists run (honorifics, cue phrases, addresses, company forms, ages).
pub(crate) fn find(text: &str, gaz: Option<&Gazetteer>) -> Vec<Span> {
    let mut toks = tokens::tokenize(text);
    let real = toks.len();
    // Claimed line breaks past the end: rules look a few tokens ahead
    // without bounds checks of their own.
    toks.extend((0..SENTINELS).map(|_| Tok {
        start: text.len(),
        end: text.len(),
        kind: Kind::Break,
        shape: Shape::Other,
        space_before: true,
        glued: false,
    }));
    let mut claimed = vec![false; toks.len()];
    for c in &mut claimed[real..] {
        *c = true;
    }
    let mut n = Ner {
        text,
        claimed,
        toks,
        gaz,
        out: Vec::new(),
        person_words: Vec::new(),
        flag_cache: Vec::new(),
        function: Vec::new(),
        hashes: Vec::new(),
    };
    n.hashes = n
        .toks
        .iter()
        .map(|t| words::hash_lower(t.text(text)))
        .collect();
    n.flag_cache = (0..n.toks.len()).map(|i| n.compute_flags(i)).collect();
    n.function = (0..n.toks.len())
        .map(|i| n.in_set(i, &words::FUNCTION_WORDS))
        .collect();
    n.addresses();
    n.organizations();
    n.people();
    n.places();
    n.job_titles();
    n.groups();
    n.ages();
    n.out
}

const SENTINELS: usize = 8;

pub(crate) struct Ner<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    claimed: Vec<bool>,
    gaz: Option<&'a Gazetteer>,
    out: Vec<Span>,
    /// Lower-cased hashes and end offsets of the name words of people
    /// found so far, to find the same person again shortly after
    /// (`Kateřina J. Krejčíková … calls me Kateřina`).
    person_words: Vec<(u64, usize)>,
    /// Gazetteer flags per token, looked up once.
    flag_cache: Vec<u8>,
    /// Whether each token is a function word.
    function: Vec<bool>,
    /// Each token's lower-cased hash.
    hashes: Vec<u64>,
}

impl<'a> Ner<'a> {
    /// Token `i`'s text ("" past the end).
    fn t(&self, i: usize) -> &'a str {
        self.toks.get(i).map_or("", |t| t.text(self.text))
    }

    /// Gazetteer flags of token `i` (0 without a gazetteer or for a
    /// non-word).
    fn flags(&self, i: usize) -> u8 {
        self.flag_cache.get(i).copied().unwrap_or(0)
    }

    fn compute_flags(&self, i: usize) -> u8 {
        match self.gaz {
            Some(g) if self.toks.get(i).is_some_and(Tok::is_word) => {
                let w = self.t(i);
                let f = g.word_hashed(w, self.hashes[i]);
                if f != 0 || w.is_ascii() {
                    return f;
                }
                let mut folded = String::new();
                if words::fold_ascii(w, &mut folded) {
                    g.word(&folded)
                } else {
                    0
                }
            }
            _ => 0,
        }
    }

    /// A word that never belongs to a name.
    fn function_word(&self, i: usize) -> bool {
        self.function.get(i).copied().unwrap_or(false)
    }

    fn lookup(&self, from: usize, to: usize) -> u8 {
        let Some(g) = self.gaz else { return 0 };
        let mut words: [&str; 6] = [""; 6];
        let n = to - from;
        if n == 0 || n > words.len() {
            return 0;
        }
        for (k, i) in (from..to).enumerate() {
            words[k] = self.t(i);
        }
        g.lookup(&words[..n])
    }

    /// Emits a span over tokens `from..to` and claims them.
    fn emit(&mut self, mut kind: NerKind, from: usize, to: usize, score: f32) {
        if from >= to {
            return;
        }
        // Census surnames include `Africa` and `Kingdom`: a "name" that is
        // a country or region as a whole is that place.
        if kind == NerKind::Person
            && to - from > 1
            && self.lookup(from, to) & (flag::COUNTRY | flag::REGION) != 0
        {
            kind = NerKind::Location;
        }
        let start = self.toks[from].start;
        let end = self.toks[to - 1].end;
        if kind == NerKind::Person {
            for i in from..to {
                let t = self.toks[i];
                if t.is_cap() && t.end - t.start > 2 && !self.function_word(i) && !self.common(i) {
                    self.person_words.push((self.hashes[i], end));
                }
            }
        }
        self.out.push(Span {
            kind,
            start,
            end,
            score,
        });
        for c in &mut self.claimed[from..to] {
            *c = true;
        }
    }

    fn free(&self, i: usize) -> bool {
        i < self.toks.len() && !self.claimed[i] && !self.toks[i].glued
    }

    /// The token equals the lower-case `w` (a word ignoring case, or a
    /// punctuation character).
    fn is(&self, i: usize, w: &str) -> bool {
        match self.toks.get(i).map(|t| t.kind) {
            Some(Kind::Word | Kind::Num) => self.hashes[i] == words::hash_lower(w),
            Some(Kind::Punct(c)) => w.len() == c.len_utf8() && w.starts_with(c),
            _ => false,
        }
    }

    /// Whether token `i` is in `set`.
    fn in_set(&self, i: usize, set: &words::WordSet) -> bool {
        self.toks.get(i).is_some_and(Tok::is_word) && set.has_hash(self.hashes[i])
    }

    /// Whether one of `cues` ends right before token `i` (line breaks
    /// between the cue and `i` are skipped).
    fn cue_before(&self, i: usize, cues: &words::CueSet) -> bool {
        let mut end = i.min(self.toks.len());
        while end > 0 && self.toks[end - 1].kind == Kind::Break {
            end -= 1;
        }
        if end == 0 || !cues.may_end(self.hashes[end - 1]) {
            return false;
        }
        cues.hashed().iter().any(|cue| {
            cue.len() <= end
                && cue
                    .iter()
                    .rev()
                    .zip(self.hashes[..end].iter().rev())
                    .all(|(a, b)| a == b)
        })
    }

    /// Whether one of `cues` starts right after token `i`.
    fn cue_after(&self, i: usize, cues: &words::CueSet) -> bool {
        if !self.hashes.get(i + 1).is_some_and(|h| cues.may_start(*h)) {
            return false;
        }
        cues.hashed().iter().any(|cue| {
            i + 1 + cue.len() <= self.hashes.len()
                && cue.iter().zip(&self.hashes[i + 1..]).all(|(a, b)| a == b)
        })
    }

    /// Token `i` starts a sentence or a line.
    fn sentence_start(&self, i: usize) -> bool {
        let mut j = i;
        while j > 0 {
            j -= 1;
            match self.toks[j].kind {
                Kind::Break => return true,
                Kind::Punct('.' | '!' | '?' | ':' | ';' | '"' | '(' | '[' | '\u{201c}' | '-') => {
                    return true
                }
                Kind::Punct(_) => continue,
                _ => return false,
            }
        }
        true
    }

    fn common(&self, i: usize) -> bool {
        self.flags(i) & flag::COMMON != 0
    }

    /// Nationality, religious and political group words (`Norwegian`,
    /// `africans`), as one or two words.
    fn groups(&mut self) {
        let mut i = 0;
        while i < self.toks.len() {
            if !self.free(i) || !self.toks[i].is_word() {
                i += 1;
                continue;
            }
            if self.free(i + 1)
                && self.toks.get(i + 1).is_some_and(Tok::is_cap)
                && self.lookup(i, i + 2) & flag::NRP != 0
            {
                self.emit(NerKind::Nrp, i, i + 2, 0.7);
                i += 2;
                continue;
            }
            let w = self.t(i);
            let mut f = self.flags(i);
            if f & flag::NRP == 0 {
                if let Some(g) = self.gaz {
                    // Plurals: `Africans`, `Vietnameses`.
                    for cut in ["es", "s"] {
                        if words::ends_with_lower(w, cut, 3) {
                            f = g.word(&w[..w.len() - cut.len()]);
                            if f & flag::NRP != 0 {
                                break;
                            }
                        }
                    }
                }
            }
            if f & flag::NRP != 0 {
                let t = self.toks[i];
                let demonym = [
                    "an", "ian", "ese", "ish", "ic", "er", "i", "ans", "ers", "eses",
                ]
                .iter()
                .any(|s| words::ends_with_lower(w, s, 2));
                if t.is_cap() || demonym {
                    self.emit(NerKind::Nrp, i, i + 1, if t.is_cap() { 0.7 } else { 0.55 });
                }
            }
            i += 1;
        }
    }

    /// Ages: a number from 0 to 120 with an age cue before or after it.
    fn ages(&mut self) {
        for i in 0..self.toks.len() {
            if !self.free(i) || self.toks[i].kind != Kind::Num {
                continue;
            }
            let Ok(n) = self.t(i).parse::<u32>() else {
                continue;
            };
            if n > 120 {
                continue;
            }
            let before = self.cue_before(i, &words::AGE_BEFORE);
            let after = self.cue_after(i, &words::AGE_AFTER);
            // `is 40` and `I'm 40` only count with an age word after.
            let weak_before = self.is(i.wrapping_sub(1), "is")
                || self.is(i.wrapping_sub(1), "i'm")
                || self.is(i.wrapping_sub(1), "im")
                || self.is(i.wrapping_sub(1), "am");
            // In apposition after a person: `Agnes Moore, 88, at …`,
            // `Mateo (19, Colombian)`.
            let apposition = i >= 2
                && (self.is(i - 1, ",") || self.is(i - 1, "("))
                && (self.is(i + 1, ",") || self.is(i + 1, ")"))
                && (1..=110).contains(&n)
                && self
                    .out
                    .iter()
                    .any(|s| s.kind == NerKind::Person && s.end == self.toks[i - 2].end);
            if after || (before && !weak_before) {
                self.emit(NerKind::Age, i, i + 1, 0.7);
            } else if apposition {
                self.emit(NerKind::Age, i, i + 1, 0.6);
            }
        }
    }
}

#[cfg(test)]
mod tests;
