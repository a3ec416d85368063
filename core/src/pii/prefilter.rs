//! The prefilter: which patterns of the recognizers that run by default
//! can match a text at all, from a few `RegexSet` passes, so that only
//! those patterns then search for spans.

use super::matching::Recognizer;
use super::types::PiiSettings;
use crate::error::{Error, Result};

/// Patterns per prefilter set. One set over all ~75 default patterns is
/// the fastest on a text it has seen, but its lazy DFA is the product of
/// every pattern's progress: on text it had not seen nearly every byte
/// built a new state (≈ 60 µs per short sentence), new sentences stayed
/// that slow however many came before, and on 1,000 different sentences it
/// was slower than sets of ten even on the second pass (its cache kept
/// filling). Sets of about ten patterns have few states each and warm up
/// within a few hundred texts. Each set's cache is capped at 2 MiB (the
/// regex crate's default), so the eight sets together are capped at the
/// 16 MiB the one set had. Measured in `benches/cold_start.rs`; see
/// docs/benchmarks.md ("Cold start").
const SET_PATTERNS: usize = 10;

#[derive(Debug)]
pub(super) struct Prefilter {
    sets: Vec<regex::RegexSet>,
    /// Where each set's results start in the flat result of [`Prefilter::scan`].
    offsets: Vec<usize>,
    /// Per recognizer and pattern, its slot in that result; `None`: not
    /// prefiltered (an opt-in recognizer), the pattern always searches.
    slots: Vec<Vec<Option<usize>>>,
}

impl Prefilter {
    /// Sets over the patterns of the recognizers that run by default
    /// (`settings.entities`, else every default-on one): whole recognizers
    /// are packed in order into sets of up to [`SET_PATTERNS`] patterns,
    /// and a pattern written twice is searched once.
    pub(super) fn new(settings: &PiiSettings, recognizers: &[Recognizer]) -> Result<Prefilter> {
        let by_default = |r: &Recognizer| match &settings.entities {
            Some(list) => list.contains(&r.entity),
            None => r.default_on,
        };
        // Patterns in set order; a slot is an index into this list.
        let mut all: Vec<&str> = Vec::new();
        let mut offsets = vec![0];
        let mut slots = Vec::with_capacity(recognizers.len());
        for r in recognizers {
            if !by_default(r) || r.patterns.is_empty() {
                slots.push(vec![None; r.patterns.len()]);
                continue;
            }
            let open = all.len() - offsets[offsets.len() - 1];
            if open > 0 && open + r.patterns.len() > SET_PATTERNS {
                offsets.push(all.len());
            }
            let mut at = Vec::with_capacity(r.patterns.len());
            for p in &r.patterns {
                let src = p.re.as_str();
                let slot = all.iter().position(|x| *x == src).unwrap_or_else(|| {
                    all.push(src);
                    all.len() - 1
                });
                at.push(Some(slot));
            }
            slots.push(at);
        }
        offsets.push(all.len());
        let sets = offsets
            .windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| {
                regex::RegexSetBuilder::new(&all[w[0]..w[1]])
                    .size_limit(1 << 24)
                    .dfa_size_limit(1 << 21)
                    .build()
                    .map_err(|e| Error::internal(format!("PII pattern set: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        offsets.dedup();
        Ok(Prefilter {
            sets,
            offsets,
            slots,
        })
    }

    /// One pass of each set over `text`: whether each slot's pattern
    /// matches somewhere (one allocation for all sets).
    pub(super) fn scan(&self, text: &str) -> Vec<bool> {
        let mut hits = vec![false; self.offsets[self.offsets.len() - 1]];
        for (set, w) in self.sets.iter().zip(self.offsets.windows(2)) {
            set.matches_read_at(&mut hits[w[0]..w[1]], text, 0);
        }
        hits
    }

    /// Whether pattern `pattern` of recognizer `rec` may match, given the
    /// result of [`Prefilter::scan`].
    pub(super) fn may_match(&self, hits: &[bool], rec: usize, pattern: usize) -> bool {
        self.slots[rec][pattern].is_none_or(|slot| hits[slot])
    }
}
