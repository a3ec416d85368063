//! Cost reports: totals by any attribution field and period, projection to
//! the period end, top spenders and cheaper-model suggestions; JSON and CSV.

use super::{compute_charge, Costs, Period, Usage};
use crate::error::{Error, Result};
use crate::storage::{UsageField, UsageRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to report on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportRequest {
    /// The calendar period containing now (in the configured time zone).
    pub period: Period,
    /// Attribution field to break totals down by.
    #[serde(default = "default_group")]
    pub group_by: UsageField,
    /// How many top spenders (users) to list (default 10).
    #[serde(default = "default_top")]
    pub top: usize,
}

fn default_group() -> UsageField {
    UsageField::Department
}
fn default_top() -> usize {
    10
}

impl ReportRequest {
    /// A report for `period`, broken down by `group_by`.
    pub fn new(period: Period, group_by: UsageField) -> Self {
        Self {
            period,
            group_by,
            top: 10,
        }
    }
}

/// Totals of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostGroup {
    /// The group's value (`(none)` when the attribution field was absent).
    pub key: String,
    /// Charges (µ$).
    pub cost_micros: i64,
    /// Calls.
    pub requests: u64,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Completion tokens.
    pub output_tokens: i64,
}

/// A cheaper model for the same token mix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelSuggestion {
    /// Model used.
    pub model: String,
    /// Suggested model.
    pub alternative: String,
    /// What the period's calls cost (µ$).
    pub current_micros: i64,
    /// What they would have cost on the alternative (µ$).
    pub alternative_micros: i64,
    /// Difference (µ$).
    pub savings_micros: i64,
    /// The alternative's context window.
    pub alternative_context: Option<u64>,
}

/// A cost report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostReport {
    /// Period.
    pub period: Period,
    /// Period start (ms).
    pub start: i64,
    /// Period end (ms).
    pub end: i64,
    /// When the report was made (ms).
    pub generated_at: i64,
    /// Breakdown field.
    pub group_by: UsageField,
    /// Total so far (µ$).
    pub total_micros: i64,
    /// Calls so far.
    pub requests: u64,
    /// Linear projection of the total to the period end (µ$).
    pub projected_micros: i64,
    /// Totals per group, largest first.
    pub groups: Vec<CostGroup>,
    /// Top spending users, largest first.
    pub top_spenders: Vec<CostGroup>,
    /// Totals per model, largest first.
    pub models: Vec<CostGroup>,
    /// Cheaper models with a context window at least as large as the
    /// largest prompt sent to the model in the period and at least half the
    /// current model's window.
    pub suggestions: Vec<ModelSuggestion>,
}

fn group(rows: &[UsageRow], field: UsageField) -> Vec<CostGroup> {
    let mut m: BTreeMap<String, CostGroup> = BTreeMap::new();
    for r in rows {
        let key = field.of(r).unwrap_or("(none)").to_string();
        let g = m.entry(key.clone()).or_insert_with(|| CostGroup {
            key,
            cost_micros: 0,
            requests: 0,
            input_tokens: 0,
            output_tokens: 0,
        });
        g.cost_micros += r.cost_micros;
        g.requests += 1;
        g.input_tokens += r.input_tokens;
        g.output_tokens += r.output_tokens;
    }
    let mut v: Vec<CostGroup> = m.into_values().collect();
    v.sort_unstable_by(|a, b| b.cost_micros.cmp(&a.cost_micros).then(a.key.cmp(&b.key)));
    v
}

impl Costs {
    /// Builds a cost report for the current `period`.
    pub fn report(&self, req: &ReportRequest) -> Result<CostReport> {
        let now = self.now();
        let (start, end) = req.period.bounds(self.tz(), now);
        let rows = self.store().usage_between(start, end)?;
        let total: i64 = rows.iter().map(|r| r.cost_micros).sum();
        let elapsed = (now - start).max(1) as i128;
        let projected =
            i64::try_from(total as i128 * (end - start) as i128 / elapsed).unwrap_or(i64::MAX);
        let mut top: Vec<CostGroup> = group(&rows, UsageField::User)
            .into_iter()
            .filter(|g| g.key != "(none)")
            .collect();
        top.truncate(req.top);
        let models = group(&rows, UsageField::Model);
        let catalog = self.catalog();
        let mut suggestions = Vec::new();
        for m in &models {
            let Ok(current) = catalog.price(&m.key) else {
                continue;
            };
            let used: Vec<&UsageRow> = rows.iter().filter(|r| r.model == m.key).collect();
            let largest_prompt = used
                .iter()
                .map(|r| r.input_tokens.max(0) as u64)
                .max()
                .unwrap_or(0);
            let need = largest_prompt.max(current.max_input_tokens.unwrap_or(0) / 2);
            let mut best: Option<ModelSuggestion> = None;
            for (alt, price) in catalog.models() {
                if alt == m.key || price.max_input_tokens.unwrap_or(0) < need {
                    continue;
                }
                let mut cost = 0i64;
                for r in &used {
                    let u = Usage {
                        model: alt.to_string(),
                        input_tokens: r.input_tokens,
                        output_tokens: r.output_tokens,
                        cached_input_tokens: r.cached_input_tokens,
                        reasoning_tokens: r.reasoning_tokens,
                        cache_write_tokens: r.cache_write_tokens,
                        attribution: Default::default(),
                    };
                    cost += compute_charge(&u, price)?.cost_micros;
                }
                if cost < m.cost_micros && best.as_ref().is_none_or(|b| cost < b.alternative_micros)
                {
                    best = Some(ModelSuggestion {
                        model: m.key.clone(),
                        alternative: alt.to_string(),
                        current_micros: m.cost_micros,
                        alternative_micros: cost,
                        savings_micros: m.cost_micros - cost,
                        alternative_context: price.max_input_tokens,
                    });
                }
            }
            suggestions.extend(best);
        }
        suggestions.sort_by_key(|s| std::cmp::Reverse(s.savings_micros));
        Ok(CostReport {
            period: req.period,
            start,
            end,
            generated_at: now,
            group_by: req.group_by,
            total_micros: total,
            requests: rows.len() as u64,
            projected_micros: projected,
            groups: group(&rows, req.group_by),
            top_spenders: top,
            models,
            suggestions,
        })
    }
}

fn dollars(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
}

impl CostReport {
    /// The report as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Serialization {
            message: e.to_string(),
        })
    }

    /// The report as CSV: one row per group, per top spender and per model,
    /// with a `section` column; amounts in dollars with six decimals.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("section,key,cost_usd,requests,input_tokens,output_tokens\n");
        let field = self.group_by.as_str();
        let sections = [
            (field, &self.groups),
            ("top_spender", &self.top_spenders),
            ("model", &self.models),
        ];
        for (section, groups) in sections {
            for g in groups {
                out.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    crate::csv::cell(section),
                    crate::csv::cell(&g.key),
                    dollars(g.cost_micros),
                    g.requests,
                    g.input_tokens,
                    g.output_tokens
                ));
            }
        }
        out.push_str(&format!(
            "{},{},{},{},,\n",
            crate::csv::cell("total"),
            crate::csv::cell("all"),
            dollars(self.total_micros),
            self.requests
        ));
        out.push_str(&format!(
            "{},{},{},,,\n",
            crate::csv::cell("projected"),
            crate::csv::cell("period_end"),
            dollars(self.projected_micros)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(crate::csv::cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(crate::csv::cell("=SUM(A1)"), "\"'=SUM(A1)\"");
        assert_eq!(dollars(1_234_567), "1.234567");
        assert_eq!(dollars(-5), "-0.000005");
    }
}
