//! Overlapping candidates: which of two findings on the same text wins,
//! and merging the adjacent parts of one finding.

use super::*;

/// A stable sort of findings. Every caller passes a plain function, so the
/// sort is compiled once for all orders (it is large; this keeps the
/// browser build small).
pub(super) fn sort_raw(raw: &mut [Raw], order: fn(&Raw, &Raw) -> std::cmp::Ordering) {
    raw.sort_by(order);
}

/// Presidio's `remove_duplicates` in O(n log n): highest score first, then
/// earlier start, then longer; a finding contained in one kept before it is
/// dropped. Scores come in few tiers (one per pattern), so kept spans are
/// merged tier by tier into a start-sorted list with prefix maxima of ends.
pub(super) fn remove_contained(mut found: Vec<Raw>, out: &mut Vec<Raw>) {
    sort_raw(&mut found, |a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.start.cmp(&b.start))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
    });
    // (start, end) of kept findings sorted by start, and prefix max of end.
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut prefix_max: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let tier = found[i].score;
        let mut j = i;
        let mut tier_max_end = 0usize;
        let mut tier_kept = Vec::new();
        while j < found.len() && found[j].score.total_cmp(&tier).is_eq() {
            let f = &found[j];
            let n = kept.partition_point(|&(s, _)| s <= f.start);
            let in_earlier_tier = n > 0 && prefix_max[n - 1] >= f.end;
            let in_this_tier = !tier_kept.is_empty() && tier_max_end >= f.end;
            if !in_earlier_tier && !in_this_tier {
                tier_max_end = tier_max_end.max(f.end);
                tier_kept.push((f.start, f.end));
                out.push(f.clone());
            }
            j += 1;
        }
        if !tier_kept.is_empty() {
            kept.extend(tier_kept);
            kept.sort_unstable();
            prefix_max.clear();
            let mut m = 0;
            for &(_, e) in &kept {
                m = m.max(e);
                prefix_max.push(m);
            }
        }
        i = j;
    }
}

/// Merges overlapping findings (connected by overlap) into one each: the
/// union of their spans, with the entity, score and pattern of the member
/// that contains the others, else of the member `resolve` would keep.
pub(super) fn merge(mut raw: Vec<Raw>) -> Vec<Raw> {
    sort_raw(&mut raw, |a, b| {
        a.start.cmp(&b.start).then(b.end.cmp(&a.end))
    });
    // A finding that contains another explains more of the text ("+1
    // 415-555-0199" is a phone number, not the NHS number inside it);
    // otherwise the higher score, then the longer span wins.
    let contains = |a: &Raw, b: &Raw| {
        a.start <= b.start && a.end >= b.end && (a.end - a.start) > (b.end - b.start)
    };
    let better = |a: &Raw, b: &Raw| {
        if contains(a, b) {
            return true;
        }
        if contains(b, a) {
            return false;
        }
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.rec.cmp(&b.rec))
            .is_lt()
    };
    let mut out: Vec<Raw> = Vec::with_capacity(raw.len());
    let mut cluster: Option<(Raw, usize, usize)> = None;
    for f in raw {
        match &mut cluster {
            Some((best, s, e)) if f.start < *e => {
                *s = (*s).min(f.start);
                *e = (*e).max(f.end);
                if better(&f, best) {
                    *best = f;
                }
            }
            _ => {
                if let Some((best, s, e)) = cluster.take() {
                    out.push(Raw {
                        start: s,
                        end: e,
                        ..best
                    });
                }
                let (s, e) = (f.start, f.end);
                cluster = Some((f, s, e));
            }
        }
    }
    if let Some((best, s, e)) = cluster {
        out.push(Raw {
            start: s,
            end: e,
            ..best
        });
    }
    out
}

/// Keeps a non-overlapping subset: higher score first, then the longer
/// span, then the earlier start, then recognizer order.
pub(super) fn resolve(mut raw: Vec<Raw>) -> Vec<Raw> {
    sort_raw(&mut raw, |a, b| {
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.rec.cmp(&b.rec))
    });
    // Kept spans in a map by start for O(log n) overlap checks.
    let mut kept: BTreeMap<usize, Raw> = BTreeMap::new();
    for f in raw {
        let prev_overlaps = kept
            .range(..f.end)
            .next_back()
            .is_some_and(|(_, k)| k.end > f.start);
        if !prev_overlaps {
            kept.insert(f.start, f);
        }
    }
    kept.into_values().collect()
}
