//! People: honorifics, cue phrases, known names by shape, initials,
//! speakers, possessives, contact blocks, lists and repeated mentions.

use super::words::{self, WordSet};
use super::{flag, Kind, Ner, NerKind, Shape, Tok};

/// Nouns that only people have, after a possessive (`Teake's address`).
static PERSONAL_NOUNS: WordSet = WordSet::new(&[
    "address",
    "phone",
    "number",
    "email",
    "e-mail",
    "mobile",
    "wife",
    "husband",
    "partner",
    "mother",
    "father",
    "mom",
    "mum",
    "dad",
    "son",
    "daughter",
    "kid",
    "kids",
    "child",
    "children",
    "brother",
    "sister",
    "boss",
    "manager",
    "birthday",
    "boyfriend",
    "girlfriend",
    "fiancé",
    "fiancee",
    "family",
    "parents",
    "grandmother",
    "grandfather",
    "uncle",
    "aunt",
    "cousin",
    "nephew",
    "niece",
    "colleague",
    "assistant",
    "lawyer",
    "doctor",
    "diagnosis",
    "salary",
    "passport",
    "ssn",
    "home",
    "flat",
    "apartment",
    "house",
]);

/// How far after a person a repeated name word is still found (bytes
/// between the end of the first mention and the start of the next).
const REPEAT_REACH: usize = 40;

impl Ner<'_> {
    /// A capitalised word or an initial, free to take.
    pub(super) fn name_word(&self, i: usize) -> bool {
        self.free(i) && self.toks.get(i).is_some_and(Tok::is_cap)
    }

    fn is_particle(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.shape == Shape::Lower)
            && self.in_set(i, &words::PARTICLES)
    }

    /// Extends a name from token `i` (inclusive) over following name words,
    /// initials (`J.`) and particles; at most `max` words. Returns the end
    /// (exclusive) and whether any added word is a known surname.
    fn extend_name(&self, i: usize, max: usize, any_case: bool) -> (usize, bool) {
        let mut end = i + 1;
        let mut words_taken = 1;
        let mut surname = false;
        while words_taken < max {
            let j = end;
            if j >= self.toks.len() || !self.toks[j].space_before && !self.toks[j].is_punct('.') {
                break;
            }
            // `J.` after a name word.
            if self.toks[j].is_punct('.')
                && self.toks[j - 1].end - self.toks[j - 1].start == 1
                && !self.toks[j].space_before
            {
                end = j + 1;
                continue;
            }
            if self.is_particle(j) && self.name_word(j + 1) && self.toks[j + 1].space_before {
                end = j + 2;
                words_taken += 2;
                surname |= self.flags(j + 1) & flag::SURNAME != 0;
                continue;
            }
            let ok = if any_case {
                self.free(j) && self.toks[j].is_word() && !self.common(j)
            } else {
                self.name_word(j)
            };
            if !ok || self.stop_word(j) {
                break;
            }
            surname |= self.flags(j) & flag::SURNAME != 0;
            end = j + 1;
            words_taken += 1;
        }
        (end, surname)
    }

    /// A word that ends a name even when capitalised: common words, places
    /// only known as places, street types and company forms.
    pub(super) fn stop_word(&self, j: usize) -> bool {
        let w = self.t(j);
        let f = self.flags(j);
        self.function_word(j)
            || (f & flag::COMMON != 0 && f & flag::SURNAME == 0)
            || self.in_set(j, &words::UNITS)
            || (f & (flag::COUNTRY | flag::REGION) != 0 && f & flag::NAME == 0)
            || f & flag::NRP != 0
            || self.in_set(j, &words::HONORIFICS)
            || self.in_set(j, &words::ORG_SUFFIXES_STRONG)
            // `Park`, `Hill`, `Lane` end a name unless they are a surname
            // with no house number after (`Helen Park`, not `Park 12`).
            || self.in_set(j, &words::STREET_TYPES)
                && w.len() > 3
                && !(f & flag::SURNAME != 0
                    && self.toks.get(j + 1).is_none_or(|t| t.kind != Kind::Num))
    }

    pub(super) fn people(&mut self) {
        let n = self.toks.len();
        // Honorific + name: `Dr. Rodriguez`, `Mrs. Anna Meza`.
        let mut i = 0;
        while i < n {
            let dot = self
                .toks
                .get(i + 1)
                .is_some_and(|t| t.is_punct('.') && !t.space_before);
            // Lower-case (`ms. Ranko`) only with its dot: `dr` alone may be a drive.
            if self.free(i)
                && (self.toks[i].is_cap() || dot && self.toks[i].is_word())
                && self.in_set(i, &words::HONORIFICS)
            {
                let first = if dot { i + 2 } else { i + 1 };
                if self.name_word(first) && !self.stop_word(first) {
                    let (end, _) = self.extend_name(first, 4, false);
                    // A lower-case honorific (`ms. Ranko`) is only the cue.
                    if self.toks[i].is_cap() {
                        self.emit(NerKind::Title, i, first, 0.75);
                    }
                    self.emit(NerKind::Person, first, end, 0.85);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        self.initials();
        self.speakers();
        for i in 0..n {
            if !self.free(i) || !self.toks[i].is_word() {
                continue;
            }
            let strong = self.cue_before(i, &words::STRONG_PERSON_CUES);
            let any_case = strong && (self.cue_before(i, &words::NAME_IS));
            let t = self.toks[i];
            let f = self.flags(i);
            let country = f & (flag::COUNTRY | flag::REGION) != 0 && f & flag::NAME == 0;
            if strong && (t.is_cap() || any_case) && !self.stop_word(i) && !country {
                let (end, _) = self.extend_name(i, 4, any_case);
                self.emit(NerKind::Person, i, end, 0.8);
                continue;
            }
            let known = f & flag::NAME != 0 && f & flag::COMMON == 0;
            if t.is_cap()
                && known
                && self.cue_before(i, &words::WEAK_PERSON_CUES)
                && f & flag::PLACE == 0
            {
                let (end, _) = self.extend_name(i, 4, false);
                self.emit(NerKind::Person, i, end, 0.7);
                continue;
            }
            // Two capitalised words after a cue, one of them a known name
            // or written with letters English rarely uses (`with Csenger
            // Gyôry`), and together not a place.
            if t.is_cap()
                && !self.sentence_start(i)
                && self.name_pair(i)
                && self.cue_before(i, &words::WEAK_PERSON_CUES)
            {
                let (end, _) = self.extend_name(i, 4, false);
                self.emit(NerKind::Person, i, end, 0.6);
                continue;
            }
            // Lower-case chat: `call john tomorrow`.
            if t.shape == Shape::Lower
                && f & flag::GIVEN != 0
                && f & (flag::COMMON | flag::PLACE) == 0
                && self.cue_before(i, &words::WEAK_PERSON_CUES)
            {
                let mut end = i + 1;
                if self.free(end)
                    && self.toks[end].shape == Shape::Lower
                    && self.flags(end) & flag::SURNAME != 0
                    && !self.common(end)
                {
                    end += 1;
                }
                self.emit(NerKind::Person, i, end, 0.6);
            }
        }
        // Known given names and surnames by shape.
        for i in 0..n {
            let f = self.flags(i);
            let before_surname = self.name_word(i + 1)
                && self.toks[i + 1].space_before
                && self.flags(i + 1) & flag::SURNAME != 0
                && !self.stop_word(i + 1);
            if !self.name_word(i)
                || (self.stop_word(i) && f & flag::GIVEN == 0)
                || (self.function_word(i) && !(f & flag::GIVEN != 0 && before_surname))
                || self.cue_before(i, &words::PLACE_CUES)
            {
                continue;
            }
            if f & flag::GIVEN != 0 && (f & flag::COMMON != 0 || self.function_word(i)) {
                // `Will`, `May`, `Bill`: a name only before a known surname.
                if before_surname {
                    let (end, _) = self.extend_name(i, 4, false);
                    self.emit(NerKind::Person, i, end, 0.7);
                }
                continue;
            }
            if f & flag::GIVEN != 0 {
                let (end, surname) = self.extend_name(i, 4, false);
                if end > i + 1 {
                    self.emit(NerKind::Person, i, end, if surname { 0.85 } else { 0.75 });
                } else if f & (flag::COUNTRY | flag::REGION) == 0
                    // Title Case text (`Carry Me Back To …`) is not a name.
                    && !(self.toks.get(i + 1).is_some_and(Tok::is_cap) && self.function_word(i + 1))
                    && !(f & flag::CITY != 0 && self.cue_before(i, &words::PLACE_PREPOSITIONS))
                    && !(self.sentence_start(i) && f & flag::SURNAME == 0 && self.toks[i].shape == Shape::Upper)
                {
                    self.emit(
                        NerKind::Person,
                        i,
                        end,
                        if f & flag::CITY != 0 { 0.5 } else { 0.6 },
                    );
                }
                continue;
            }
            // Unknown capitalised word + known surname: `Sumaya Magnusson`.
            if f == 0
                && self.name_word(i + 1)
                && self.toks[i + 1].space_before
                && self.flags(i + 1) & flag::SURNAME != 0
                && !self.stop_word(i + 1)
                && !self.sentence_start(i)
            {
                let (end, _) = self.extend_name(i, 4, false);
                self.emit(NerKind::Person, i, end, 0.65);
            }
        }
        // A line that is only two or three name words (a signature, the
        // top of an address block), with a known given name or surname.
        let mut i = 0;
        while i < n {
            let line_start = i == 0 || self.toks[i - 1].kind == Kind::Break;
            if line_start && self.name_word(i) && !self.stop_word(i) {
                let (end, surname) = self.extend_name(i, 3, false);
                let line_end = end >= n || self.toks[end].kind == Kind::Break;
                let known = (i..end).any(|k| self.flags(k) & flag::NAME != 0);
                if end >= i + 2 && line_end && (surname || known) {
                    self.emit(NerKind::Person, i, end, 0.6);
                }
                i = end;
                continue;
            }
            i += 1;
        }
        self.possessives();
        self.signature_lines();
        self.coordinated();
        self.same_person_again();
    }

    /// `Vidoslav's address`, `Rubija's kid`: a capitalised word before a
    /// possessive and a noun that only people have (kin, contact details,
    /// a home) is a person, known name or not.
    fn possessives(&mut self) {
        for i in 0..self.toks.len() {
            let apostrophe = self
                .toks
                .get(i + 1)
                .is_some_and(|t| (t.is_punct('\'') || t.is_punct('\u{2019}')) && !t.space_before);
            if !apostrophe
                || !self.is(i + 2, "s")
                || self.toks[i + 2].space_before
                || !self.in_set(i + 3, &PERSONAL_NOUNS)
                || !self.name_word(i)
                || self.toks[i].shape != Shape::Title
                || self.stop_word(i)
                || self.flags(i) & (flag::PLACE | flag::NAME) == flag::PLACE
            {
                continue;
            }
            // With the name word before it, if there is one (`Isolda Marrero's`).
            let start = if i > 0
                && self.name_word(i - 1)
                && self.toks[i].space_before
                && !self.stop_word(i - 1)
                && !self.sentence_start(i - 1)
            {
                i - 1
            } else {
                i
            };
            self.emit(NerKind::Person, start, i + 1, 0.65);
        }
    }

    /// The first line of a contact block ([`Self::block_start`]): two or
    /// three capitalised words alone on it, followed by a line that starts with
    /// a street address or an international phone number, or holds an
    /// e-mail address
    /// (`Klaudijo Kundid` / `2674 Ilichova 26` …). Known names on such a
    /// line are found above; this takes unknown ones.
    fn signature_lines(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            if !(self.block_start(i) && self.name_word(i) && !self.stop_word(i)) {
                i += 1;
                continue;
            }
            let (end, _) = self.extend_name(i, 3, false);
            let alone = end >= i + 2 && self.toks.get(end).is_none_or(|t| t.kind == Kind::Break);
            if alone {
                let mut j = end;
                while j < n && self.toks[j].kind == Kind::Break {
                    j += 1;
                }
                let next_line_end = (j..n)
                    .find(|&k| self.toks[k].kind == Kind::Break)
                    .unwrap_or(n);
                // A house number and a street (`2674 Ilichova`), a phone
                // in international form, or an e-mail address; not a
                // numbered list (`1. Ship it`) or a date.
                let street = self.toks.get(j).is_some_and(|t| t.kind == Kind::Num)
                    && self
                        .toks
                        .get(j + 1)
                        .is_some_and(|t| t.is_cap() && t.space_before);
                let phone = self.toks.get(j).is_some_and(|t| t.is_punct('+'))
                    && self.toks.get(j + 1).is_some_and(|t| t.kind == Kind::Num);
                let contact = j < n
                    && (street || phone || (j..next_line_end).any(|k| self.toks[k].is_punct('@')));
                let places = (i..end).all(|k| self.flags(k) & flag::PLACE != 0);
                let title_case = (i..end).any(|k| self.toks[k].shape == Shape::Title);
                if contact && !places && title_case {
                    self.emit(NerKind::Person, i, end, 0.55);
                }
            }
            i = end.max(i + 1);
        }
    }

    /// Token `i` opens a block: the text's first line, or a line after a
    /// blank line or after a line ending with a colon (`Send it to:`),
    /// bullets before it on its line allowed.
    fn block_start(&self, i: usize) -> bool {
        let mut j = i;
        while j > 0 && matches!(self.toks[j - 1].kind, Kind::Punct(_)) {
            j -= 1;
        }
        if j == 0 {
            return true;
        }
        if self.toks[j - 1].kind != Kind::Break {
            return false;
        }
        j -= 1;
        j == 0
            || self.toks[j - 1].kind == Kind::Break
            || self.toks[j - 1].is_punct(':')
            || (0..j).all(|k| matches!(self.toks[k].kind, Kind::Break | Kind::Punct(_)))
    }

    /// People named in a list (`Alistair, Sarah, Cathy and Shawn`,
    /// `founders: Bodrov, Wilson and Bennett`): where one member is a
    /// person already, the other single capitalised words of the same
    /// list are people too.
    fn coordinated(&mut self) {
        let n = self.toks.len();
        let person_at = |out: &[super::Span], t: &Tok| {
            out.iter()
                .any(|s| s.kind == NerKind::Person && s.start == t.start)
        };
        let mut members: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < n {
            // A list: members separated by `,` and closed by `and`/`or`/`&`.
            members.clear();
            let mut j = i;
            let mut closed = false;
            while let Some(t) = self.toks.get(j) {
                // A member: one free name word, or a person span found before.
                let place_only = self.flags(j) & (flag::PLACE | flag::NAME) == flag::PLACE;
                let member_end = if self.name_word(j) && !self.stop_word(j) && !place_only {
                    Some(j + 1)
                } else if t.is_word() && self.claimed[j] && person_at(&self.out, t) {
                    let mut e = j + 1;
                    while e < n && self.claimed[e] && self.toks[e].is_word() {
                        e += 1;
                    }
                    Some(e)
                } else {
                    None
                };
                let Some(e) = member_end else { break };
                members.push((j, e));
                if closed {
                    break;
                }
                if self.toks.get(e).is_some_and(|t| t.is_punct(',')) {
                    j = e + 1;
                    if self.is(j, "and") || self.is(j, "or") {
                        j += 1;
                        closed = true;
                    }
                } else if self.is(e, "and")
                    || self.is(e, "or")
                    || self.toks.get(e).is_some_and(|t| t.is_punct('&'))
                {
                    j = e + 1;
                    closed = true;
                } else {
                    break;
                }
            }
            let people = members
                .iter()
                .filter(|&&(s, _)| person_at(&self.out, &self.toks[s]))
                .count();
            if closed && members.len() >= 3 && people >= 1 && people < members.len() {
                for &(s, e) in &members {
                    if e == s + 1 && self.free(s) {
                        self.emit(NerKind::Person, s, e, 0.55);
                    }
                }
            }
            i = members.last().map_or(i + 1, |&(_, e)| e.max(i + 1));
        }
    }

    /// `Tihomila Z. Crnić`, `Sigríður Þ Ottarsdóttir`: a capitalised word,
    /// a one-letter initial (with or without its dot) and another
    /// capitalised word are a name whether or not the words are known.
    fn initials(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            let initial = |j: usize| {
                self.toks
                    .get(j)
                    .is_some_and(|t| t.is_cap() && t.space_before && self.t(j).chars().count() == 1)
            };
            let ok_first = self.name_word(i)
                && self.t(i).chars().count() > 1
                && !self.stop_word(i)
                && !self.function_word(i);
            if ok_first && initial(i + 1) && self.free(i + 1) {
                let mut k = i + 2;
                if self
                    .toks
                    .get(k)
                    .is_some_and(|t| t.is_punct('.') && !t.space_before)
                {
                    k += 1;
                }
                if self.name_word(k)
                    && self.toks[k].space_before
                    && self.t(k).chars().count() > 1
                    && !self.stop_word(k)
                    && !self.function_word(k)
                {
                    let (end, _) = self.extend_name(k, 2, false);
                    self.emit(NerKind::Person, i, end, 0.75);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// A speaker at the start of a line (`Vehbija: "What a wife."`, `Maria:
    /// can you check?`): one name word before a colon, either a known given
    /// name or followed by a quotation; never a common word, a form label
    /// (`Phone:`, `Note:`), an acronym (`FAQ:`) or a place.
    fn speakers(&mut self) {
        for i in 0..self.toks.len() {
            let line_start = i == 0 || self.toks[i - 1].kind == Kind::Break;
            if !line_start || !self.name_word(i) {
                continue;
            }
            let colon = self
                .toks
                .get(i + 1)
                .is_some_and(|t| t.is_punct(':') && !t.space_before);
            let said = self
                .toks
                .get(i + 2)
                .is_some_and(|t| t.kind != Kind::Break && t.kind != Kind::Num);
            let quoted = self
                .toks
                .get(i + 2)
                .is_some_and(|t| matches!(t.kind, Kind::Punct('"' | '\u{201c}')));
            let f = self.flags(i);
            let given = f & flag::GIVEN != 0;
            let place_only = f & flag::PLACE != 0 && f & flag::NAME == 0;
            if colon
                && said
                && (given || quoted)
                && self.t(i).chars().count() >= 3
                && self.toks[i].shape == Shape::Title
                && !self.common(i)
                && !self.function_word(i)
                && !place_only
                && !self.in_set(i, &words::HONORIFICS)
                && !self.in_set(i, &words::LABELS)
            {
                self.emit(NerKind::Person, i, i + 1, 0.6);
            }
        }
    }

    /// Token `i` and the next are two capitalised words that may be a name:
    /// neither a common word or a country, not a place together, and one of
    /// them a known name or spelled with a non-ASCII letter.
    fn name_pair(&self, i: usize) -> bool {
        let j = i + 1;
        if !self.name_word(j)
            || !self.toks[j].space_before
            || self.stop_word(i)
            || self.stop_word(j)
        {
            return false;
        }
        let plain = |k: usize| {
            let f = self.flags(k);
            f & (flag::COMMON | flag::COUNTRY | flag::REGION | flag::NRP) == 0
                && !self.function_word(k)
        };
        let hint = |k: usize| self.flags(k) & flag::NAME != 0 || !self.t(k).is_ascii();
        plain(i) && plain(j) && (hint(i) || hint(j)) && self.lookup(i, j + 1) & flag::PLACE == 0
    }

    /// Another mention of a person found just before: a capitalised word
    /// equal to one of their name words, at most [`REPEAT_REACH`] bytes
    /// after that person (`… Krejčíková but everyone calls me Kateřina`).
    /// Only looking back, and only this far, keeps streaming equal to one
    /// pass: the stream keeps 128 bytes of left context.
    fn same_person_again(&mut self) {
        if self.person_words.is_empty() {
            return;
        }
        // By end offset, so each token looks only at the mentions that end
        // within reach before it (linear in the text, not in text × names).
        let mut earlier = std::mem::take(&mut self.person_words);
        earlier.sort_unstable_by_key(|&(_, end)| end);
        let mut i = 0;
        while i < self.toks.len() {
            let seen = |k: usize| {
                let start = self.toks[k].start;
                let from = earlier.partition_point(|&(_, end)| end + REPEAT_REACH < start);
                self.name_word(k)
                    && self.t(k).chars().count() > 2
                    && earlier[from..]
                        .iter()
                        .take_while(|&&(_, end)| end <= start)
                        .any(|&(h, _)| h == self.hashes[k])
            };
            if seen(i) {
                let mut end = i + 1;
                while seen(end) && self.toks[end].space_before {
                    end += 1;
                }
                self.emit(NerKind::Person, i, end, 0.6);
                // The mention found may be repeated in turn.
                for w in std::mem::take(&mut self.person_words) {
                    let at = earlier.partition_point(|&(_, e)| e <= w.1);
                    earlier.insert(at, w);
                }
                i = end;
                continue;
            }
            i += 1;
        }
        self.person_words = earlier;
    }
}
