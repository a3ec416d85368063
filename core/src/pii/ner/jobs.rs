//! Job titles: a phrase ending in an occupation's head noun (`Procurement
//! clerk`, `Senior reactor operator`, `Mineralogist`), where a cue says it
//! is someone's job: `as a …`, `, the …,` after a name, or a line of its
//! own in a signature block.

use super::words::{self, WordSet};
use super::{Kind, Ner, NerKind, Shape};

/// Head nouns of occupations (after the US Bureau of Labor Statistics'
/// occupation groups, written here by hand).
static HEADS: WordSet = WordSet::new(&[
    "accountant",
    "actor",
    "actuary",
    "adjuster",
    "administrator",
    "advisor",
    "adviser",
    "agent",
    "aide",
    "analyst",
    "announcer",
    "appraiser",
    "apprentice",
    "architect",
    "archivist",
    "artist",
    "assembler",
    "assessor",
    "assistant",
    "associate",
    "attendant",
    "attorney",
    "auditor",
    "author",
    "baker",
    "banker",
    "barber",
    "bartender",
    "bookkeeper",
    "broker",
    "builder",
    "butcher",
    "buyer",
    "carpenter",
    "cashier",
    "ceo",
    "cfo",
    "chef",
    "chemist",
    "clerk",
    "coach",
    "collector",
    "consultant",
    "controller",
    "cook",
    "coordinator",
    "counselor",
    "courier",
    "cto",
    "curator",
    "cutter",
    "dentist",
    "designer",
    "detective",
    "developer",
    "dietitian",
    "director",
    "dispatcher",
    "doctor",
    "drafter",
    "driver",
    "economist",
    "editor",
    "electrician",
    "engineer",
    "estimator",
    "examiner",
    "executive",
    "expert",
    "fumigator",
    "farmer",
    "firefighter",
    "fitter",
    "gardener",
    "geologist",
    "guard",
    "handler",
    "hygienist",
    "inspector",
    "installer",
    "instructor",
    "interpreter",
    "investigator",
    "janitor",
    "journalist",
    "judge",
    "laborer",
    "labourer",
    "lawyer",
    "lecturer",
    "librarian",
    "lifeguard",
    "machinist",
    "maintainer",
    "manager",
    "mechanic",
    "mediator",
    "midwife",
    "miner",
    "nurse",
    "offbearer",
    "officer",
    "operator",
    "packager",
    "packer",
    "optician",
    "painter",
    "paralegal",
    "pharmacist",
    "photographer",
    "physician",
    "physicist",
    "pilot",
    "planner",
    "plumber",
    "porter",
    "president",
    "principal",
    "producer",
    "professor",
    "programmer",
    "psychologist",
    "receptionist",
    "recruiter",
    "repairer",
    "reporter",
    "representative",
    "researcher",
    "roofer",
    "salesman",
    "saleswoman",
    "scientist",
    "secretary",
    "searcher",
    "setter",
    "sorter",
    "rigger",
    "hostler",
    "upholsterer",
    "specialist",
    "statistician",
    "superintendent",
    "supervisor",
    "surgeon",
    "surveyor",
    "tailor",
    "teacher",
    "technician",
    "technologist",
    "tender",
    "therapist",
    "trader",
    "trainer",
    "translator",
    "treasurer",
    "tutor",
    "typist",
    "underwriter",
    "vp",
    "waiter",
    "waitress",
    "welder",
    "worker",
    "writer",
]);

/// Suffixes that make a word an occupation on its own (`Mineralogist`,
/// `Statistician`, `Salesperson`, `Locksmith`).
static HEAD_SUFFIXES: words::SuffixSet = words::SuffixSet::new(&[
    "logist", "ician", "ographer", "person", "maker", "keeper", "smith", "wright",
]);

impl Ner<'_> {
    fn job_head(&self, k: usize) -> bool {
        let Some(t) = self.toks.get(k) else {
            return false;
        };
        t.is_word() && self.free(k) && (self.in_set(k, &HEADS) || HEAD_SUFFIXES.ends(self.t(k), 3))
    }

    /// A word that may stand before the head noun in a title.
    fn job_word(&self, j: usize) -> bool {
        let Some(t) = self.toks.get(j) else {
            return false;
        };
        self.free(j)
            && (t.is_word() && (!self.function_word(j) || self.is(j, "and") || self.is(j, "of"))
                || t.is_punct('-') && !t.space_before)
    }

    pub(super) fn job_titles(&mut self) {
        let n = self.toks.len();
        let mut k = 0;
        while k < n {
            if !self.job_head(k) {
                k += 1;
                continue;
            }
            // The title's first word: up to five words back, not starting
            // on `and`, `of` or a hyphen.
            let mut start = k;
            while start > 0 && k - start < 5 && self.job_word(start - 1) {
                start -= 1;
            }
            while start < k
                && (self.is(start, "and") || self.is(start, "of") || !self.toks[start].is_word())
            {
                start += 1;
            }
            let end = k + 1;
            let line_start = |i: usize| i == 0 || self.toks[i - 1].kind == Kind::Break;
            let line_end = self.toks.get(end).is_none_or(|t| t.kind == Kind::Break);
            // A line of its own whose first word is capitalised.
            let own_line = line_start(start) && line_end && self.toks[start].shape != Shape::Lower;
            // `as a …`, `works as …`, `my/our …`, `, the …,` after a name.
            let mut cue = start;
            if cue > 0 && (self.is(cue - 1, "a") || self.is(cue - 1, "an")) {
                cue -= 1;
            }
            let as_cue = cue > 0 && self.is(cue - 1, "as");
            let the_cue = start >= 2
                && self.is(start - 1, "the")
                && self.is(start - 2, ",")
                && self.toks.get(end).is_some_and(|t| t.is_punct(','));
            if own_line || as_cue || the_cue {
                self.emit(NerKind::Title, start, end, 0.6);
            }
            k = end;
        }
    }
}
