//! Organizations: company forms (`Cano Health Inc.`, `N.V.`) and employers
//! after a cue.

use super::words;
use super::{flag, Kind, Ner, NerKind, Shape, Tok};

impl Ner<'_> {
    /// Company forms (`Cano Health Inc.`, `Assystem SA`, `IwaiCosmo
    /// HoldingsInc.`) and employers after `works for`.
    pub(super) fn organizations(&mut self) {
        let n = self.toks.len();
        for pass in 0..2 {
            for k in 0..n {
                if !self.free(k) || !self.toks[k].is_word() {
                    continue;
                }
                let w = self.t(k);
                let glued = words::GLUED_ORG_SUFFIXES.iter().any(|s| {
                    w.len() > s.len() + 1
                        && w.ends_with(s)
                        && w[..w.len() - s.len()]
                            .chars()
                            .last()
                            .is_some_and(char::is_alphabetic)
                });
                let dotted = self.dotted_suffix(k);
                let strong =
                    glued || dotted.is_some() || self.in_set(k, &words::ORG_SUFFIXES_STRONG);
                let weak =
                    !strong && self.toks[k].is_cap() && self.in_set(k, &words::ORG_SUFFIXES_WEAK);
                if !strong && !weak || (pass == 0) != strong {
                    continue;
                }
                // Short forms (`SA`, `AG`, `Co`) must be capitalised.
                if !glued && w.len() <= 3 && !self.toks[k].is_cap() {
                    continue;
                }
                let start = self.org_start(k);
                if start == k && !glued {
                    continue;
                }
                // Further company forms (`Health Inc.`, `Holdings Co., Ltd.`).
                let mut end = dotted.unwrap_or(k + 1);
                loop {
                    if self
                        .toks
                        .get(end)
                        .is_some_and(|t| t.is_punct('.') && !t.space_before)
                    {
                        end += 1;
                    }
                    let next_form = |j: usize| {
                        self.free(j)
                            && self.toks.get(j).is_some_and(|t| {
                                t.is_word() && (t.space_before || self.toks[j - 1].is_punct('.'))
                            })
                            && (self.in_set(j, &words::ORG_SUFFIXES_STRONG)
                                || self.toks[j].is_cap()
                                    && self.in_set(j, &words::ORG_SUFFIXES_WEAK))
                    };
                    if next_form(end) {
                        end += 1;
                    } else if self.is(end, ",") && next_form(end + 1) {
                        end += 2;
                    } else {
                        break;
                    }
                }
                self.emit(
                    NerKind::Organization,
                    start,
                    end,
                    if strong { 0.75 } else { 0.55 },
                );
            }
        }
        for i in 0..n {
            if self.free(i) && self.toks[i].is_cap() && self.cue_before(i, &words::ORG_CUES) {
                let mut end = i;
                while end < n && self.free(end) && self.org_word(end) {
                    end += 1;
                }
                if end > i {
                    self.emit(NerKind::Organization, i, end, 0.55);
                }
            }
        }
    }

    /// A company form written with dots between its letters (`N.V.`,
    /// `S.A.`, `L.L.C.`) starting at `k`: the end of its last dot.
    fn dotted_suffix(&self, k: usize) -> Option<usize> {
        let letter = |j: usize| {
            self.toks
                .get(j)
                .is_some_and(|t| t.is_cap() && t.end - t.start == 1)
        };
        let dot = |j: usize| {
            self.toks
                .get(j)
                .is_some_and(|t| t.is_punct('.') && !t.space_before)
        };
        if !letter(k) || !self.toks[k].space_before {
            return None;
        }
        let mut joined = String::new();
        let mut j = k;
        while letter(j) && (j == k || !self.toks[j].space_before) && dot(j + 1) && j < k + 8 {
            joined.push_str(self.t(j));
            j += 2;
        }
        (joined.len() >= 2 && words::ORG_SUFFIXES_STRONG.has(&joined.to_ascii_lowercase()))
            .then_some(j)
    }

    /// Tokens that can be part of an organization's name.
    fn org_word(&self, j: usize) -> bool {
        let t = self.toks[j];
        match t.kind {
            Kind::Word => t.is_cap() || t.shape == Shape::Other,
            Kind::Num => true,
            Kind::Punct('&' | '/' | '-' | '.' | '\'') => {
                !t.space_before
                    || self.toks.get(j + 1).is_some_and(|n| !n.space_before)
                    // `Great Lakes Dredge & Dock`
                    || t.kind == Kind::Punct('&')
                        && j > 0
                        && self.toks[j - 1].is_cap()
                        && self.toks.get(j + 1).is_some_and(Tok::is_cap)
            }
            _ => false,
        }
    }

    /// The first token of the organization name that ends at suffix `k`.
    fn org_start(&self, k: usize) -> usize {
        let mut start = k;
        let mut taken = 0;
        while start > 0 && taken < 8 {
            let j = start - 1;
            if !self.free(j) {
                break;
            }
            let t = self.toks[j];
            // `of` and `and` join a company's words, not a person to a
            // company (`Judith Kerr of Assystem SA`).
            let connector = t.kind == Kind::Word
                && t.shape == Shape::Lower
                && self.in_set(j, &words::ORG_CONNECTORS)
                && j > 0
                && self.org_word(j - 1)
                && self.flags(j - 1) & flag::NAME == 0;
            let paren = t.is_punct('(') || t.is_punct(')');
            // A sentence may start with the company's name (`Golden Leaf
            // Holdings Ltd. is …`), not with a function word or a verb.
            let opener = t.is_word()
                && self.sentence_start(j)
                && (self.function_word(j) && !self.is(j, "the")
                    || self.in_set(j, &words::SENTENCE_VERBS));
            if !(self.org_word(j) || connector || paren) || opener {
                break;
            }
            start = j;
            taken += 1;
            if self.sentence_start(j) {
                break;
            }
        }
        // Do not start on punctuation.
        while start < k && self.toks[start].kind != Kind::Word && self.toks[start].kind != Kind::Num
        {
            start += 1;
        }
        start
    }
}
