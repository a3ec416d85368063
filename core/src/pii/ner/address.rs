//! Postal addresses and postcodes: a small grammar over tokens.
//!
//! ```text
//! address   = street tail | military | po-box tail
//! street    = NUM words NUM?          (words hold a street type: `12 Main St`)
//!           | NUM Cap-words NUM       (`5412 Slovenčeva 63`, weak alone)
//!           | words NUM               (words hold a street type: `Rue du Bac 12`, `Ringvej 240`)
//! tail      = (unit | sep component){0,5}
//! unit      = Apt|Suite|Unit|Flat|Floor|Box|# … NUM
//! component = postcode | REGION postcode? | Cap-words (REGION)? postcode?
//! sep       = `,` | line break
//! ```
//!
//! A street counts on its own when it has a street type; without one it
//! needs a unit, or a tail that ends in a known place or a postcode.

use super::words::{self, WordSet};
use super::{flag, Kind, Ner, NerKind, Shape};

static MIL_UNITS: WordSet = WordSet::new(&["psc", "unit", "cmr"]);
static SHIPS: WordSet = WordSet::new(&["usns", "uss", "usnv", "uscgc", "usv"]);
static POST_OFFICES: WordSet = WordSet::new(&["apo", "fpo", "dpo"]);
static MIL_REGIONS: WordSet = WordSet::new(&["aa", "ae", "ap"]);
static CONNECTORS: WordSet = WordSet::new(&[
    "de", "du", "des", "la", "le", "of", "the", "van", "von", "der", "den", "di", "del", "da",
    "do", "dos", "am", "an", "im", "u", "pri", "na", "nad", "sur", "en", "y", "e", "et",
]);

impl Ner<'_> {
    fn street_type(&self, j: usize) -> bool {
        let w = self.t(j);
        self.in_set(j, &words::STREET_TYPES) || w.len() > 5 && words::GLUED_STREET_TYPES.ends(w, 3)
    }

    fn address_word(&self, j: usize, first: bool) -> bool {
        let Some(t) = self.toks.get(j) else {
            return false;
        };
        // Lower-case street types: `rue`, `út`, and abbreviations with
        // their dot (`ul.`).
        let lower_type = t.shape == Shape::Lower
            && self.street_type(j)
            && (self.t(j).chars().count() >= 3
                || self
                    .toks
                    .get(j + 1)
                    .is_some_and(|d| d.is_punct('.') && !d.space_before)
                || !self.t(j).is_ascii());
        self.free(j)
            && t.is_word()
            && (t.is_cap()
                || (!first && t.shape == Shape::Lower && self.in_set(j, &CONNECTORS))
                || lower_type)
    }

    fn num(&self, j: usize, max_len: usize) -> bool {
        self.toks
            .get(j)
            .is_some_and(|t| t.kind == Kind::Num && t.end - t.start <= max_len && self.free(j))
    }

    pub(super) fn addresses(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            if !self.free(i) {
                i += 1;
                continue;
            }
            let core = self
                .military(i)
                .or_else(|| self.po_box(i))
                .or_else(|| self.street(i));
            if let Some((end, strong)) = core {
                let (end, tail_strong) = self.tail(end);
                if strong || tail_strong {
                    let (start, end) = self.corner(i, end);
                    self.emit(NerKind::StreetAddress, start, end, 0.8);
                } else {
                    // Weak alone: reported below the default threshold
                    // unless an address word is near; not claimed.
                    self.out.push(super::Span {
                        kind: NerKind::StreetAddress,
                        start: self.toks[i].start,
                        end: self.toks[end - 1].end,
                        score: 0.35,
                    });
                }
                i = end;
                continue;
            }
            i += 1;
        }
        for i in 0..n {
            if self.free(i) && self.cue_before(i, &words::ZIP_CUES) {
                if let Some(end) = self.postcode(i) {
                    self.emit(NerKind::ZipCode, i, end, 0.75);
                }
            }
        }
    }

    /// `the corner of <street> and <street>`: the whole phrase, when the
    /// address `i..end` follows `corner of`.
    fn corner(&self, i: usize, end: usize) -> (usize, usize) {
        let start = if i >= 2 && self.is(i - 2, "corner") && self.is(i - 1, "of") {
            if i >= 3 && self.is(i - 3, "the") {
                i - 3
            } else {
                i - 2
            }
        } else {
            return (i, end);
        };
        // `and` + up to five capitalised words or a numbered street.
        if !self.is(end, "and") {
            return (start, end);
        }
        let mut k = end + 1;
        if let Some((e, _)) = self.street(k) {
            return (start, e);
        }
        while k < end + 6 && self.address_word(k, k == end + 1) && self.toks[k].space_before {
            k += 1;
        }
        (start, if k > end + 1 { k } else { end })
    }

    /// `(end, has street type)` of a street starting at `i`.
    fn street(&self, i: usize) -> Option<(usize, bool)> {
        let t = *self.toks.get(i)?;
        // A unit or a second number before the street (`Suite 424 07123
        // Albrechtstrasse 62`, `7085 3489 Granville St`).
        if let Some(u) = self.unit(i) {
            return self.street(u).map(|(e, _)| (e, true));
        }
        if t.kind == Kind::Num
            && self.num(i + 1, 6)
            && self.toks.get(i + 1).is_some_and(|n| n.space_before)
        {
            if let Some(found) = self.street(i + 1).or_else(|| self.po_box(i + 1)) {
                return Some(found);
            }
        }
        // After an address cue, words and a number make a street.
        let cued = self.cue_before(i, &words::ADDRESS_CUES);
        if t.kind == Kind::Num && t.end - t.start <= 6 {
            let mut j = i + 1;
            let mut typed = false;
            let mut taken = 0;
            // Street words up to a unit (`… Street Apt. 353`); an
            // abbreviation keeps its dot (`Avda. Rio Nalon`, `Αγ. Ανδρέα`).
            while taken < 6
                && self.address_word(j, taken == 0)
                && self.toks[j].space_before
                && !(taken > 0 && self.in_set(j, &words::UNITS))
            {
                typed |= self.street_type(j);
                j += 1;
                taken += 1;
                if self
                    .toks
                    .get(j)
                    .is_some_and(|d| d.is_punct('.') && !d.space_before)
                    && (self.street_type(j - 1) || self.t(j - 1).chars().count() <= 4)
                {
                    j += 1;
                }
            }
            if taken == 0 {
                return None;
            }
            if self.num(j, 6) && self.toks[j].space_before {
                return Some((j + 1, typed || cued));
            }
            if typed {
                return Some((j, true));
            }
            return self.unit(self.skip_separators(j).0).map(|_| (j, false));
        }
        if t.is_cap() {
            let mut j = i;
            let mut typed = false;
            while j < i + 5 && self.address_word(j, j == i) && (j == i || self.toks[j].space_before)
            {
                typed |= self.street_type(j);
                j += 1;
            }
            if (typed || cued) && self.num(j, 5) && self.toks[j].space_before {
                return Some((j + 1, true));
            }
        }
        None
    }

    /// US military addresses: `PSC 1234, Box 5678 / APO AE 12345`,
    /// `USNS Jones / FPO AP 12345`, `Unit 1234 Box 5678 / DPO AA 12345`.
    fn military(&self, i: usize) -> Option<(usize, bool)> {
        let mut j;
        if self.in_set(i, &MIL_UNITS) && self.num(i + 1, 5) {
            j = i + 2;
            if self.is(j, ",") {
                j += 1;
            }
            if !(self.is(j, "box") && self.num(j + 1, 5)) {
                return None;
            }
            j += 2;
        } else if self.in_set(i, &SHIPS) && self.name_like(i + 1) {
            j = i + 2;
            while self.name_like(j) && j < i + 4 {
                j += 1;
            }
        } else {
            return None;
        }
        let (k, _) = self.skip_separators(j);
        if POST_OFFICES.has(self.toks.get(k).map_or("", |_| self.t(k)))
            && MIL_REGIONS.has(self.toks.get(k + 1).map_or("", |_| self.t(k + 1)))
            && self.num(k + 2, 5)
        {
            return Some((k + 3, true));
        }
        None
    }

    fn name_like(&self, j: usize) -> bool {
        self.toks
            .get(j)
            .is_some_and(|t| t.is_cap() && t.space_before)
    }

    /// `P.O. Box 123`, `PO Box 123`.
    fn po_box(&self, i: usize) -> Option<(usize, bool)> {
        let j =
            if self.is(i, "p") && self.is(i + 1, ".") && self.is(i + 2, "o") && self.is(i + 3, ".")
            {
                i + 4
            } else if self.is(i, "po") {
                i + 1
            } else {
                return None;
            };
        (self.is(j, "box") && self.num(j + 1, 6)).then_some((j + 2, true))
    }

    /// Skips `,`, line breaks and the decoration after a line break
    /// (`}}`, `???`, `>`). Returns the next token and whether a separator
    /// was seen.
    fn skip_separators(&self, mut j: usize) -> (usize, bool) {
        let mut sep = false;
        let mut after_break = false;
        while let Some(t) = self.toks.get(j) {
            match t.kind {
                Kind::Break => {
                    sep = true;
                    after_break = true;
                }
                Kind::Punct(',') => sep = true,
                // The dot after a house number at the end of a line
                // (`Rákóczi út 22.` ⏎ `Middelburg`).
                Kind::Punct('.')
                    if !t.space_before
                        && self.toks.get(j + 1).is_some_and(|n| n.kind == Kind::Break)
                        && j > 0
                        && self.toks[j - 1].kind == Kind::Num => {}
                Kind::Punct('}' | '{' | '|' | '>' | '*' | '?' | '-' | '\u{2022}')
                    if after_break => {}
                _ => break,
            }
            j += 1;
        }
        (j, sep)
    }

    /// `Apt. 636`, `Suite 706`, `#12`, `Box 3321`.
    fn unit(&self, j: usize) -> Option<usize> {
        let t = self.toks.get(j)?;
        let designator =
            t.is_punct('#') || t.is_word() && self.in_set(j, &words::UNITS) && self.free(j);
        if !designator {
            return None;
        }
        let mut k = j + 1;
        if self.is(k, ".") {
            k += 1;
        }
        if self.is(k, "#") {
            k += 1;
        }
        let u = self.toks.get(k)?;
        let short_code =
            u.is_word() && u.end - u.start <= 3 && self.t(k).bytes().any(|b| b.is_ascii_digit());
        (u.kind == Kind::Num || short_code).then_some(k + 1)
    }

    /// Postcodes: `12345`, `12345-6789`, `5100-684`, `312 18`, `51-124`,
    /// `HP17 8NZ`, `M5V 2T6`. Returns the end.
    pub(super) fn postcode(&self, j: usize) -> Option<usize> {
        let t = self.toks.get(j)?;
        let s = self.t(j);
        let digits = |k: usize, lens: &[usize]| {
            self.toks.get(k).is_some_and(|t| {
                t.kind == Kind::Num
                    && lens.contains(&(t.end - t.start))
                    && self.t(k).bytes().all(|b| b.is_ascii_digit())
            })
        };
        let glued = |k: usize| self.toks.get(k).is_some_and(|t| !t.space_before);
        if digits(j, &[4, 5, 6]) {
            if self.is(j + 1, "-") && glued(j + 1) && glued(j + 2) && digits(j + 2, &[3, 4]) {
                return Some(j + 3);
            }
            return Some(j + 1);
        }
        if digits(j, &[3]) && digits(j + 1, &[2]) && self.toks[j + 1].space_before {
            return Some(j + 2);
        }
        if digits(j, &[2])
            && self.is(j + 1, "-")
            && glued(j + 1)
            && glued(j + 2)
            && digits(j + 2, &[3])
        {
            return Some(j + 3);
        }
        // UK outward code + inward code; Canadian FSA + LDU.
        let outward = |w: &str| {
            let b = w.as_bytes();
            (2..=4).contains(&b.len())
                && b[0].is_ascii_uppercase()
                && b.iter().any(u8::is_ascii_digit)
                && b.iter().all(u8::is_ascii_alphanumeric)
                && b.iter().all(|c| !c.is_ascii_lowercase())
        };
        let inward = |w: &str| {
            let b = w.as_bytes();
            b.len() == 3
                && b[0].is_ascii_digit()
                && b[1..].iter().all(u8::is_ascii_alphanumeric)
                && b.iter().all(|c| !c.is_ascii_lowercase())
                && b.iter().any(u8::is_ascii_uppercase)
        };
        if outward(s)
            && self.toks.get(j + 1).is_some_and(|n| n.space_before)
            && inward(self.toks.get(j + 1).map_or("", |_| self.t(j + 1)))
        {
            let _ = t;
            return Some(j + 2);
        }
        None
    }

    /// Extends an address over units and comma- or line-separated
    /// components. Returns the end and whether a component confirmed it (a
    /// unit, a known place, a postcode).
    fn tail(&self, mut end: usize) -> (usize, bool) {
        let mut strong = false;
        let mut components = 0;
        let mut after_unit = false;
        loop {
            let (j, sep) = self.skip_separators(end);
            if let Some(u) = self.unit(j) {
                end = u;
                strong = true;
                after_unit = true;
                continue;
            }
            if components >= 5 {
                break;
            }
            // Without a separator only a postcode or a region code may follow.
            let Some((c_end, known)) = self.component(j, sep || after_unit) else {
                break;
            };
            // A bare postcode may be followed by its town (`10115 Berlin`).
            after_unit = self.postcode(j) == Some(c_end);
            end = c_end;
            strong |= known;
            components += 1;
        }
        (end, strong)
    }

    fn component(&self, j: usize, sep: bool) -> Option<(usize, bool)> {
        if let Some(e) = self.postcode(j) {
            // More digit groups follow: a phone number on the next line
            // ("…, Austria 37228\n0676 590 19 25"), not a postcode.
            if self.toks.get(e).is_some_and(|t| t.kind == Kind::Num) {
                return None;
            }
            return Some((e, true));
        }
        let t = self.toks.get(j)?;
        if !self.free(j) || !t.is_word() {
            return None;
        }
        let region_code = |k: usize| {
            self.toks.get(k).is_some_and(|t| {
                t.shape == Shape::Upper && (2..=3).contains(&(t.end - t.start)) && t.space_before
            })
        };
        if !sep {
            if region_code(j) {
                return self.postcode(j + 1).map(|e| (e, true));
            }
            return None;
        }
        // Cap words, then maybe a region code and a postcode.
        let mut k = j;
        while k < j + 5
            && self.address_word(k, k == j)
            && (k == j || self.toks[k].space_before)
            && (k == j || self.postcode(k).is_none())
        {
            k += 1;
        }
        if k == j {
            return None;
        }
        let mut known = (j..k).any(|s| self.lookup(s, k) & flag::PLACE != 0);
        let mut end = k;
        if let Some(e) = self.postcode(end) {
            end = e;
            known = true;
        } else if region_code(end) && self.postcode(end + 1).is_some() {
            end = self.postcode(end + 1).unwrap_or(end + 1);
            known = true;
        }
        // The component must end the line, the address, or the sentence.
        let next = self.toks.get(end);
        let closed = matches!(
            next.map(|t| t.kind),
            None | Some(Kind::Break | Kind::Punct(',' | '.' | ';' | ')' | '!' | '?'))
        );
        // A known place may run on into the sentence (`…, Austria for post`).
        (closed || known).then_some((end, known))
    }
}
