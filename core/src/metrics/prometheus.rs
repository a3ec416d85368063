//! Prometheus text exposition format 0.0.4.
//!
//! Counters become `<name>_total` (cumulative since start), gauges their last
//! value, distributions a `summary` with quantiles 0.5/0.9/0.95/0.99 over the
//! retained buckets and `_sum`/`_count` since start.

use super::{MetricKind, Metrics, Series, SeriesKey, Sketch};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn sanitize(name: &str, allow_colon: bool) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        let ok = c.is_ascii_alphabetic()
            || c == '_'
            || (allow_colon && c == ':')
            || (i > 0 && c.is_ascii_digit());
        out.push(if ok { c } else { '_' });
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

fn escape_value(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn labels(out: &mut String, labels: &[(String, String)], extra: Option<(&str, &str)>) {
    let all = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(extra);
    label_set(out, all);
}

fn label_set<'a>(out: &mut String, all: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut all = all.peekable();
    if all.peek().is_none() {
        return;
    }
    out.push('{');
    let mut first = true;
    for (k, v) in all {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&sanitize(k, false));
        out.push_str("=\"");
        escape_value(v, out);
        out.push('"');
    }
    out.push('}');
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// The Prometheus text of families Vallum adds beside its metrics (budget
/// and memory gauges): the one encoder, so names, labels and values are
/// made valid the same way everywhere.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts from text already encoded (e.g. [`Metrics::prometheus`]).
    pub fn from_text(out: String) -> Self {
        Self { out }
    }

    /// Opens a gauge family.
    pub fn gauge(&mut self, name: &str, help: &str) -> &mut Self {
        let name = sanitize(name, true);
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} gauge");
        self
    }

    /// One sample of the family opened last.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(&sanitize(name, true));
        label_set(&mut self.out, labels.iter().copied());
        let _ = writeln!(self.out, " {}", number(value));
        self
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// One series as exposed: labels, total, count, last value, merged sketch.
type Row = (Vec<(String, String)>, f64, u64, f64, Sketch);

pub(super) fn encode(m: &Metrics) -> String {
    // name → (kind, series sorted by labels)
    let mut families: BTreeMap<String, (MetricKind, Vec<Row>)> = BTreeMap::new();
    m.for_each_series(|k: &SeriesKey, s: &Series| {
        let mut merged = Sketch::new();
        if s.kind == MetricKind::Distribution {
            for (_, sk) in &s.buckets {
                merged.merge(sk);
            }
        }
        let fam = sanitize(&k.name, true);
        let entry = families.entry(fam).or_insert_with(|| (s.kind, Vec::new()));
        if entry.0 == s.kind {
            entry
                .1
                .push((k.labels.clone(), s.total, s.total_count, s.last, merged));
        }
    });
    let mut out = String::with_capacity(families.len() * 128);
    for (name, (kind, mut series)) in families {
        // Label sets are unique within a family: no ties, so no stable sort.
        series.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        match kind {
            MetricKind::Counter => {
                let base = name.strip_suffix("_total").unwrap_or(&name);
                let _ = writeln!(out, "# HELP {base}_total Vallum counter {base}.");
                let _ = writeln!(out, "# TYPE {base}_total counter");
                for (l, total, _, _, _) in &series {
                    out.push_str(base);
                    out.push_str("_total");
                    labels(&mut out, l, None);
                    let _ = writeln!(out, " {}", number(*total));
                }
            }
            MetricKind::Gauge => {
                let _ = writeln!(out, "# HELP {name} Vallum gauge {name}.");
                let _ = writeln!(out, "# TYPE {name} gauge");
                for (l, _, _, last, _) in &series {
                    out.push_str(&name);
                    labels(&mut out, l, None);
                    let _ = writeln!(out, " {}", number(*last));
                }
            }
            MetricKind::Distribution => {
                let _ = writeln!(out, "# HELP {name} Vallum distribution {name} (quantiles over the retained window).");
                let _ = writeln!(out, "# TYPE {name} summary");
                for (l, total, count, _, sk) in &series {
                    for (q, qs) in [(0.5, "0.5"), (0.9, "0.9"), (0.95, "0.95"), (0.99, "0.99")] {
                        out.push_str(&name);
                        labels(&mut out, l, Some(("quantile", qs)));
                        let v = sk.quantile(q).unwrap_or(f64::NAN);
                        let _ = writeln!(out, " {}", number(v));
                    }
                    out.push_str(&name);
                    out.push_str("_sum");
                    labels(&mut out, l, None);
                    let _ = writeln!(out, " {}", number(*total));
                    out.push_str(&name);
                    out.push_str("_count");
                    labels(&mut out, l, None);
                    let _ = writeln!(out, " {count}");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_made_valid() {
        assert_eq!(sanitize("response-time.ms", true), "response_time_ms");
        assert_eq!(sanitize("9lives", true), "_lives");
        assert_eq!(sanitize("a:b", false), "a_b");
        let mut s = String::new();
        escape_value("a\"b\\c\nd", &mut s);
        assert_eq!(s, "a\\\"b\\\\c\\nd");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
