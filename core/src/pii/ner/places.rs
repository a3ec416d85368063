//! Places: countries, regions and cities from the gazetteer, and unknown
//! towns after a place cue or above their country.

use super::words;
use super::{flag, Kind, Ner, NerKind, Shape};

impl Ner<'_> {
    /// Countries, regions and cities from the gazetteer; unknown
    /// capitalised words after a place cue or before `, <country>`.
    pub(super) fn places(&mut self) {
        let n = self.toks.len();
        let max = self.gaz.map_or(1, |g| g.max_words()).min(6);
        let mut i = 0;
        while i < n {
            // `Mobile:` is a label, not the city in Alabama.
            if !self.name_word(i) || self.in_set(i, &words::LABELS) && self.is(i + 1, ":") {
                i += 1;
                continue;
            }
            // Longest gazetteer entry starting here.
            let mut best: Option<(usize, u8)> = None;
            let mut end = i;
            let mut words_seen = 0;
            while end < n && words_seen < max {
                let t = self.toks[end];
                let ok = self.free(end)
                    && (t.is_cap()
                        || (end > i
                            && t.shape == Shape::Lower
                            && self.in_set(end, &words::PLACE_CONNECTORS)))
                    && (end == i || t.space_before || t.is_punct('-'));
                if !ok {
                    break;
                }
                end += 1;
                words_seen += 1;
                let f = self.lookup(i, end);
                if f & flag::PLACE != 0 {
                    best = Some((end, f));
                }
            }
            if let Some((end, f)) = best {
                let multi = end > i + 1;
                let cue = self.cue_before(i, &words::PLACE_PREPOSITIONS)
                    || self.cue_before(i, &words::PLACE_CUES)
                    || self.toks.get(end).is_some_and(|t| t.is_punct(','))
                        && self
                            .toks
                            .get(end + 1)
                            .is_some_and(|_| self.flags(end + 1) & flag::PLACE != 0);
                let ambiguous = f & (flag::COMMON | flag::NAME) != 0;
                // Many countries are also surnames (`Portugal`, `Finland`):
                // only a given name or a common word makes one ambiguous.
                let country_ambiguous = f & (flag::COMMON | flag::GIVEN) != 0;
                let score =
                    if f & (flag::COUNTRY | flag::REGION) != 0 && (!country_ambiguous || cue) {
                        0.75
                    } else if multi || cue {
                        0.7
                    } else if !ambiguous && !self.sentence_start(i) {
                        0.6
                    } else if !ambiguous {
                        0.5
                    } else {
                        0.0
                    };
                if score > 0.0 {
                    self.emit(NerKind::Location, i, end, score);
                    i = end;
                    continue;
                }
            }
            // Unknown words after a strong place cue, or before
            // `, <country or region>`.
            if self.cue_before(i, &words::PLACE_CUES) || self.before_country(i) {
                let mut end = i + 1;
                while end < n
                    && end < i + 3
                    && self.name_word(end)
                    && self.toks[end].space_before
                    && !self.stop_word(end)
                {
                    end += 1;
                }
                if self.flags(i) & flag::COMMON == 0 {
                    self.emit(NerKind::Location, i, end, 0.55);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// `Town, Country`: token `i` starts up to three capitalised words
    /// followed by a comma and a known country or region.
    fn before_country(&self, i: usize) -> bool {
        let mut j = i;
        while j < self.toks.len() && j < i + 3 && self.toks[j].is_cap() {
            j += 1;
        }
        // `Town, Country`, or `Town` alone on the line above `Country` in
        // an address block (a line with lines above it: not a heading).
        let line_start = i > 0 && self.toks[i - 1].kind == Kind::Break;
        j > i
            && self
                .toks
                .get(j)
                .is_some_and(|t| t.is_punct(',') || line_start && t.kind == Kind::Break)
            && (j + 1..(j + 4).min(self.toks.len()))
                .any(|e| self.lookup(j + 1, e + 1) & (flag::COUNTRY | flag::REGION) != 0)
    }
}
