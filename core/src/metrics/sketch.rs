//! A DDSketch-style relative-error quantile sketch (Masson, Rim, Lee, VLDB
//! 2019): values map to logarithmic buckets, so any quantile is returned
//! within a relative error of `ALPHA` of the true value at that rank.
//! Sketches of the same accuracy merge exactly by adding bucket counts.

use serde::{Deserialize, Serialize};

/// Relative accuracy. 0.8 % keeps a margin under the 1 % promise.
pub const ALPHA: f64 = 0.008;
/// Values closer to zero than this are counted in the zero bucket.
const MIN_INDEXABLE: f64 = 1e-9;
/// Buckets kept per sign before the lowest ones are collapsed.
const MAX_BUCKETS: usize = 4096;

fn gamma_ln() -> f64 {
    ((1.0 + ALPHA) / (1.0 - ALPHA)).ln()
}

/// Dense bucket counts for one sign, indexed from `offset`.
#[derive(Debug, Clone, Default, PartialEq)]
struct Store {
    offset: i32,
    counts: Vec<u64>,
}

impl Store {
    fn add(&mut self, index: i32, n: u64) {
        if self.counts.is_empty() {
            self.offset = index;
            self.counts.push(n);
            return;
        }
        if index < self.offset {
            let grow = (self.offset - index) as usize;
            if self.counts.len() + grow > MAX_BUCKETS {
                // Collapse: fold everything below the kept range into the lowest bucket.
                self.counts[0] += n;
                return;
            }
            let mut v = vec![0; grow];
            v.extend_from_slice(&self.counts);
            self.counts = v;
            self.offset = index;
        }
        let i = (index - self.offset) as usize;
        if i >= self.counts.len() {
            if i + 1 > MAX_BUCKETS {
                self.collapse_low(i + 1 - MAX_BUCKETS);
                let i = (index - self.offset) as usize;
                self.counts.resize(i + 1, 0);
                self.counts[i] += n;
                return;
            }
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += n;
    }

    fn collapse_low(&mut self, k: usize) {
        let k = k.min(self.counts.len().saturating_sub(1));
        let folded: u64 = self.counts[..=k].iter().sum();
        self.counts.drain(..k);
        self.counts[0] = folded;
        self.offset += k as i32;
    }

    fn merge(&mut self, other: &Store) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add(other.offset + i as i32, c);
            }
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (i32, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(move |(i, &c)| (self.offset + i as i32, c))
    }
}

/// A mergeable quantile sketch with exact count, sum, min and max.
#[derive(Debug, Clone, PartialEq)]
pub struct Sketch {
    pos: Store,
    neg: Store,
    zero: u64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for Sketch {
    fn default() -> Self {
        Self {
            pos: Store::default(),
            neg: Store::default(),
            zero: 0,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

/// A sketch as stored (metric roll-ups kept across restarts).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SketchRow {
    pos_offset: i32,
    pos: Vec<u64>,
    neg_offset: i32,
    neg: Vec<u64>,
    zero: u64,
    count: u64,
    sum: f64,
    /// `None` for an empty sketch (JSON has no infinities).
    min: Option<f64>,
    max: Option<f64>,
}

impl Sketch {
    /// The stored form.
    pub(crate) fn to_row(&self) -> SketchRow {
        let empty = self.count == 0;
        SketchRow {
            pos_offset: self.pos.offset,
            pos: self.pos.counts.clone(),
            neg_offset: self.neg.offset,
            neg: self.neg.counts.clone(),
            zero: self.zero,
            count: self.count,
            sum: self.sum,
            min: (!empty).then_some(self.min),
            max: (!empty).then_some(self.max),
        }
    }

    /// A sketch from its stored form; `None` when the row is inconsistent
    /// (counts that do not add up, too many buckets).
    pub(crate) fn from_row(r: SketchRow) -> Option<Self> {
        let total = r
            .pos
            .iter()
            .chain(&r.neg)
            .try_fold(r.zero, |a, c| a.checked_add(*c))?;
        if total != r.count
            || r.pos.len() > MAX_BUCKETS
            || r.neg.len() > MAX_BUCKETS
            || !r.sum.is_finite()
        {
            return None;
        }
        let (min, max) = match (r.min, r.max) {
            (Some(a), Some(b)) if r.count > 0 && a.is_finite() && b.is_finite() => (a, b),
            (None, None) if r.count == 0 => (f64::INFINITY, f64::NEG_INFINITY),
            _ => return None,
        };
        Some(Self {
            pos: Store {
                offset: r.pos_offset,
                counts: r.pos,
            },
            neg: Store {
                offset: r.neg_offset,
                counts: r.neg,
            },
            zero: r.zero,
            count: r.count,
            sum: r.sum,
            min,
            max,
        })
    }
}

/// A summary of a sketch, as queries and reports return it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Samples.
    pub count: u64,
    /// Sum of samples.
    pub sum: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Self::default()
    }

    fn index(v: f64) -> i32 {
        (v.ln() / gamma_ln()).ceil() as i32
    }

    fn value_of(index: i32) -> f64 {
        let g = gamma_ln();
        // The point of bucket (γ^(i-1), γ^i] with equal relative distance to both ends.
        2.0 * (index as f64 * g).exp() / (1.0 + g.exp())
    }

    /// Adds one sample. Non-finite values must be rejected by the caller.
    pub fn add(&mut self, v: f64) {
        if v > MIN_INDEXABLE {
            self.pos.add(Self::index(v), 1);
        } else if v < -MIN_INDEXABLE {
            self.neg.add(Self::index(-v), 1);
        } else {
            self.zero += 1;
        }
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Sketch) {
        if other.count == 0 {
            return;
        }
        self.pos.merge(&other.pos);
        self.neg.merge(&other.neg);
        self.zero += other.zero;
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Samples added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of samples.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// Count, sum, min and max (`None` when empty).
    pub fn summary(&self) -> Option<Summary> {
        (self.count > 0).then_some(Summary {
            count: self.count,
            sum: self.sum,
            min: self.min,
            max: self.max,
        })
    }

    /// The value at quantile `q` (0 ≤ q ≤ 1), i.e. at rank ⌊q·(n−1)⌋ of the
    /// sorted samples, within relative error [`ALPHA`]. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = (q * (self.count - 1) as f64).floor() as u64;
        let mut seen = 0u64;
        // Most negative first: the highest index of the negative store.
        for (i, c) in self.neg.iter().rev() {
            seen += c;
            if seen > rank {
                return Some((-Self::value_of(i)).clamp(self.min, self.max));
            }
        }
        seen += self.zero;
        if seen > rank {
            return Some(0.0f64.clamp(self.min, self.max));
        }
        for (i, c) in self.pos.iter() {
            seen += c;
            if seen > rank {
                return Some(Self::value_of(i).clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact(sorted: &[f64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64).floor() as usize]
    }

    fn check(values: &[f64]) {
        let mut s = Sketch::new();
        for &v in values {
            s.add(v);
        }
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        for q in [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let want = exact(&sorted, q);
            let got = s.quantile(q).unwrap();
            let err = if want == 0.0 {
                got.abs()
            } else {
                ((got - want) / want).abs()
            };
            assert!(err <= 0.01, "q={q}: got {got}, exact {want}, rel err {err}");
        }
    }

    proptest! {
        #[test]
        fn relative_error_within_one_percent(
            values in proptest::collection::vec(prop_oneof![0.001f64..10.0, 1.0f64..100_000.0, -500.0f64..500.0, Just(0.0)], 1..2000)
        ) {
            check(&values);
        }

        #[test]
        fn merge_equals_adding_everything(a in proptest::collection::vec(0.01f64..1e6, 0..500), b in proptest::collection::vec(-1e3f64..1e6, 0..500)) {
            let mut sa = Sketch::new();
            a.iter().for_each(|&v| sa.add(v));
            let mut sb = Sketch::new();
            b.iter().for_each(|&v| sb.add(v));
            let mut all = Sketch::new();
            a.iter().chain(&b).for_each(|&v| all.add(v));
            sa.merge(&sb);
            prop_assert_eq!(sa.count(), all.count());
            for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
                prop_assert_eq!(sa.quantile(q), all.quantile(q));
            }
        }
    }

    #[test]
    fn lognormal_like_latencies_million_samples() {
        // Deterministic spread over six decades.
        let mut x = 0x1234_5678u64;
        let values: Vec<f64> = (0..1_000_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                10f64.powf((x % 1_000_000) as f64 / 1_000_000.0 * 6.0 - 1.0)
            })
            .collect();
        check(&values);
    }

    #[test]
    fn empty_and_bounds() {
        let s = Sketch::new();
        assert_eq!(s.quantile(0.5), None);
        assert_eq!(s.summary(), None);
        let mut s = Sketch::new();
        s.add(42.0);
        assert_eq!(s.quantile(0.0), Some(42.0));
        assert_eq!(s.quantile(1.0), Some(42.0));
        assert_eq!(s.quantile(1.5), None);
    }
}
