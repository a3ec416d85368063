//! One recognizer over one text: its patterns or special engine, context
//! words and validation, giving raw candidates.

use super::*;

#[derive(Debug)]
pub(super) enum Special {
    None,
    Iban(CompiledPat),
    Phone(phone::PhoneFinder),
    Url,
    #[cfg(feature = "names")]
    Ner(super::ner::NerKind),
}

/// A compiled recognizer.
#[derive(Debug)]
pub(super) struct Recognizer {
    pub(super) entity: String,
    pub(super) patterns: Vec<CompiledPat>,
    pub(super) special: Special,
    /// The padded context words (`" ssn "`), searched in one pass.
    pub(super) context: Option<aho_corasick::AhoCorasick>,
    pub(super) validate: Option<Validate>,
    pub(super) invalidate: Option<Invalidate>,
    pub(super) needs: Vec<u16>,
    /// A built-in national id or account number that a bare run of digits
    /// can match: without its context words it loses to a phone reading of
    /// the same digits.
    pub(super) id_like: bool,
    /// Runs when neither the configuration nor the call names entities.
    pub(super) default_on: bool,
}

/// A candidate before offsets are mapped back: byte offsets in the
/// (normalized) text.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub(super) rec: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) score: f32,
    pub(super) pattern: usize,
}

impl Recognizer {
    pub(super) fn runs_on(&self, classes: u16) -> bool {
        self.needs.iter().any(|need| need & !classes == 0)
    }

    pub(super) fn score(&self, text: &str, base: f32, env: &Env) -> f32 {
        let mut score = base;
        if let Some(v) = self.validate {
            match v(text, env) {
                Some(true) => score = 1.0,
                Some(false) => score = 0.0,
                None => {}
            }
        }
        if self.invalidate.is_some_and(|inv| inv(text)) {
            score = 0.0;
        }
        score
    }

    /// Presidio's `PatternRecognizer.analyze` for this recognizer alone.
    pub(super) fn analyze(
        &self,
        idx: usize,
        text: &str,
        env: &Env,
        out: &mut Vec<Raw>,
        hits: &dyn Fn(usize) -> bool,
    ) {
        let mut found: Vec<Raw> = Vec::new();
        match &self.special {
            #[cfg(feature = "names")]
            Special::Ner(_) => {}
            Special::Url => {
                for (s, e, score) in url::find(text) {
                    found.push(Raw {
                        rec: idx,
                        start: s,
                        end: e,
                        score,
                        pattern: 0,
                    });
                }
            }
            Special::Phone(f) => {
                for (s, e) in f.find(text) {
                    found.push(Raw {
                        rec: idx,
                        start: s,
                        end: e,
                        score: 0.4,
                        pattern: 0,
                    });
                }
            }
            Special::Iban(pat) => {
                // The whole match, then shorter endings (the optional
                // trailing groups), first one that validates wins.
                let mut at = 0;
                while at <= text.len() {
                    let Some(c) = pat.re.captures_at(text, at) else {
                        break;
                    };
                    let Some(m0) = c.get(0) else { break };
                    let Some(g1) = c.get(1) else { break };
                    let start = g1.start();
                    let mut ends = vec![g1.end()];
                    for g in [2, 3] {
                        if let Some(m) = c.get(g).filter(|m| m.end() > start && !m.is_empty()) {
                            ends.push(m.end());
                        }
                    }
                    ends.sort_unstable();
                    ends.dedup();
                    for &end in ends.iter().rev() {
                        let score = self.score(&text[start..end], pat.score, env);
                        if score > 0.0 {
                            found.push(Raw {
                                rec: idx,
                                start,
                                end,
                                score,
                                pattern: 0,
                            });
                            break;
                        }
                    }
                    let entity_end = [c.get(1), c.get(2), c.get(3)]
                        .into_iter()
                        .flatten()
                        .map(|m| m.end())
                        .max()
                        .unwrap_or(m0.end());
                    at = entity_end.max(next_at(text, m0.start()));
                }
            }
            Special::None => {
                for (pi, pat) in self.patterns.iter().enumerate() {
                    if !hits(pi) {
                        continue;
                    }
                    let mut at = 0;
                    while at <= text.len() {
                        let (start, end, resume) = if pat.group == 0 {
                            let Some(m) = pat.re.find_at(text, at) else {
                                break;
                            };
                            (
                                m.start(),
                                m.end(),
                                if m.is_empty() {
                                    next_at(text, m.end())
                                } else {
                                    m.end()
                                },
                            )
                        } else {
                            let Some(c) = pat.re.captures_at(text, at) else {
                                break;
                            };
                            let (Some(m0), Some(g)) = (c.get(0), c.get(pat.group)) else {
                                break;
                            };
                            // Resume at the group's end: the consumed
                            // look-ahead character may start the next match.
                            let resume = if g.end() > m0.start() {
                                g.end()
                            } else {
                                next_at(text, m0.end())
                            };
                            (g.start(), g.end(), resume.max(next_at(text, m0.start())))
                        };
                        at = resume;
                        if start == end {
                            continue;
                        }
                        let m = &text[start..end];
                        let score = if pat.guard.is_some_and(|guard| !guard(m)) {
                            0.0
                        } else {
                            self.score(m, pat.score, env)
                        };
                        if score > 0.0 {
                            found.push(Raw {
                                rec: idx,
                                start,
                                end,
                                score,
                                pattern: pi,
                            });
                        } else {
                            // A rejected candidate may hide a valid one that
                            // starts inside it ("078-05-1123 4111 …" first
                            // matches "1123 4111 …"): search again from the
                            // next character. Candidates are short, so this
                            // stays linear.
                            at = at.min(next_at(text, start));
                        }
                    }
                }
            }
        }
        remove_contained(found, out);
    }
}

pub(super) fn next_at(text: &str, mut i: usize) -> usize {
    i += 1;
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}
