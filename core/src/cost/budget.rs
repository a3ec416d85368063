//! Budgets, calendar periods and the reservation ledger.

use crate::error::{Error, Result};
use crate::storage::UsageField;
use crate::vocab::Period;
use crate::vocab::Zone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whose spending a budget limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    /// All spending.
    Organization,
    /// One department (attribution `department`).
    Department,
    /// One team.
    Team,
    /// One user — or, without a subject, each user separately.
    User,
    /// One project.
    Project,
    /// One cost center.
    CostCenter,
}

impl BudgetLevel {
    pub(crate) fn field(self) -> Option<UsageField> {
        match self {
            BudgetLevel::Organization => None,
            BudgetLevel::Department => Some(UsageField::Department),
            BudgetLevel::Team => Some(UsageField::Team),
            BudgetLevel::User => Some(UsageField::User),
            BudgetLevel::Project => Some(UsageField::Project),
            BudgetLevel::CostCenter => Some(UsageField::CostCenter),
        }
    }
}

/// One budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Budget {
    /// Unique id, e.g. `department:engineering:monthly`.
    pub id: String,
    /// Level.
    pub level: BudgetLevel,
    /// The department, team, user, project or cost center it limits. Without
    /// one, a non-organization budget applies to each subject separately
    /// (e.g. every user gets the limit).
    #[serde(default)]
    pub subject: Option<String>,
    /// For per-user budgets: only users assigned this tier (see `Costs::set_user_tier`).
    #[serde(default)]
    pub tier: Option<String>,
    /// Only calls of this organization count. Without it, every
    /// organization has its own line with this limit (budgets are never
    /// shared between tenants).
    #[serde(default)]
    pub organization: Option<String>,
    /// Period.
    pub period: Period,
    /// Limit in micro-dollars.
    pub limit_micros: i64,
    /// Fraction of the limit at which a `budget_warning` event fires (default 0.8).
    #[serde(default = "default_warning")]
    pub warning_threshold: f64,
    /// Refuse calls that would exceed the limit (default true).
    #[serde(default = "default_true")]
    pub hard_limit: bool,
    /// For soft budgets: hours after the limit is first exceeded during
    /// which calls are still allowed; after that they are refused until the
    /// period ends. Without it a soft budget only warns.
    #[serde(default)]
    pub grace_period_hours: Option<u32>,
}

fn default_warning() -> f64 {
    0.8
}
fn default_true() -> bool {
    true
}

impl Budget {
    /// A hard budget with an 80 % warning.
    pub fn new(
        id: impl Into<String>,
        level: BudgetLevel,
        subject: Option<&str>,
        period: Period,
        limit_micros: i64,
    ) -> Self {
        Self {
            id: id.into(),
            level,
            subject: subject.map(str::to_string),
            tier: None,
            organization: None,
            period,
            limit_micros,
            warning_threshold: 0.8,
            hard_limit: true,
            grace_period_hours: None,
        }
    }

    pub(crate) fn validate(&self, path: &str) -> Result<()> {
        if self.id.is_empty() {
            return Err(Error::config(format!("{path}.id"), "must not be empty"));
        }
        if self.period == Period::Hourly {
            return Err(Error::config(
                format!("{path}.period"),
                "budgets are daily, weekly, monthly, quarterly or annual",
            ));
        }
        if self.limit_micros < 0 {
            return Err(Error::config(
                format!("{path}.limitMicros"),
                "must not be negative",
            ));
        }
        if !(self.warning_threshold > 0.0 && self.warning_threshold <= 1.0) {
            return Err(Error::config(
                format!("{path}.warningThreshold"),
                "must be in (0, 1]",
            ));
        }
        if self.level == BudgetLevel::Organization && self.subject.is_some() {
            return Err(Error::config(
                format!("{path}.subject"),
                "an organization budget has no subject",
            ));
        }
        Ok(())
    }
}

fn dollars(v: f64, path: &str) -> Result<i64> {
    if !v.is_finite() || !(0.0..=1e12).contains(&v) {
        return Err(Error::config(
            path,
            format!("{v} is not an amount in dollars"),
        ));
    }
    Ok((v * 1e6).round() as i64)
}

/// The spec's YAML (`budget_management:` from the Aurelis spec, or
/// `cost_management:`), converted to budgets. Limits are in dollars.
pub fn budgets_from_yaml(yaml: &str) -> Result<Vec<Budget>> {
    let doc: serde_norway::Value = serde_norway::from_str(yaml)
        .map_err(|e| Error::config("$", format!("not valid YAML: {e}")))?;
    let root = doc
        .get("budget_management")
        .map(|v| ("budget_management", v))
        .or_else(|| doc.get("cost_management").map(|v| ("cost_management", v)))
        .ok_or_else(|| {
            Error::config(
                "$",
                "expected a `budget_management:` or `cost_management:` block",
            )
        })?;
    let (name, block) = root;
    let json: serde_json::Value = serde_json::to_value(block)
        .map_err(|e| Error::config(format!("$.{name}"), e.to_string()))?;
    let at = |p: &str| format!("$.{name}.{p}");
    let enforcement = json.get("enforcement").cloned().unwrap_or_default();
    let hard_default = enforcement
        .get("hard_limits")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let grace = enforcement
        .get("grace_period_hours")
        .or_else(|| enforcement.get("grace_period"))
        .map(|v| {
            v.as_u64()
                .and_then(|h| u32::try_from(h).ok())
                .ok_or_else(|| {
                    Error::config(
                        at("enforcement.grace_period_hours"),
                        "must be a whole number of hours",
                    )
                })
        })
        .transpose()?;
    let soft = enforcement
        .get("soft_limits")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let num = |v: &serde_json::Value, p: &str| {
        v.as_f64()
            .ok_or_else(|| Error::config(at(p), "must be a number"))
    };
    let mut out = Vec::new();
    let mut push = |mut b: Budget, hard: bool| {
        b.hard_limit = hard;
        if !hard && soft {
            b.grace_period_hours = grace;
        }
        out.push(b);
    };

    let periods = [
        ("daily_limit", Period::Daily),
        ("weekly_limit", Period::Weekly),
        ("monthly_limit", Period::Monthly),
        ("quarterly_limit", Period::Quarterly),
        ("annual_limit", Period::Annual),
    ];
    let mut dept_blocks: Vec<(String, serde_json::Value)> = Vec::new();
    if let Some(d) = json.get("department_budgets").and_then(|v| v.as_object()) {
        dept_blocks.extend(d.iter().map(|(k, v)| {
            (
                format!("department_budgets.{k}"),
                serde_json::json!({"name": k, "cfg": v}),
            )
        }));
    }
    let budgets = json.get("budgets");
    if let Some(d) = budgets
        .and_then(|b| b.get("departments"))
        .and_then(|v| v.as_object())
    {
        dept_blocks.extend(d.iter().map(|(k, v)| {
            (
                format!("budgets.departments.{k}"),
                serde_json::json!({"name": k, "cfg": v}),
            )
        }));
    }
    if let Some(org) = budgets.and_then(|b| b.get("organization")) {
        for (key, period) in periods {
            if let Some(v) = org.get(key) {
                let limit = dollars(
                    num(v, &format!("budgets.organization.{key}"))?,
                    &at(&format!("budgets.organization.{key}")),
                )?;
                let id = format!(
                    "organization:{}",
                    serde_json::to_value(period)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                );
                push(
                    Budget::new(id, BudgetLevel::Organization, None, period, limit),
                    hard_default,
                );
            }
        }
    }
    for (path, d) in dept_blocks {
        let dept = d["name"].as_str().unwrap_or_default().to_string();
        let cfg = &d["cfg"];
        let warning = match cfg.get("warning_threshold") {
            Some(v) => num(v, &format!("{path}.warning_threshold"))?,
            None => 0.8,
        };
        let hard = cfg
            .get("hard_limit")
            .and_then(|v| v.as_bool())
            .unwrap_or(hard_default);
        for (key, period) in periods {
            if let Some(v) = cfg.get(key) {
                let limit = dollars(
                    num(v, &format!("{path}.{key}"))?,
                    &at(&format!("{path}.{key}")),
                )?;
                let p = serde_json::to_value(period)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let mut b = Budget::new(
                    format!("department:{dept}:{p}"),
                    BudgetLevel::Department,
                    Some(&dept),
                    period,
                    limit,
                );
                b.warning_threshold = warning;
                push(b, hard);
            }
        }
    }
    if let Some(u) = json.get("user_limits").and_then(|v| v.as_object()) {
        for (key, v) in u {
            let Some(tier) = key.strip_suffix("_monthly") else {
                if key.ends_with("_unlimited") {
                    continue; // an unlimited tier simply has no budget
                }
                return Err(Error::config(
                    at(&format!("user_limits.{key}")),
                    "expected `<tier>_monthly` or `<tier>_unlimited`",
                ));
            };
            let limit = dollars(
                num(v, &format!("user_limits.{key}"))?,
                &at(&format!("user_limits.{key}")),
            )?;
            let mut b = Budget::new(
                format!("user:{tier}:monthly"),
                BudgetLevel::User,
                None,
                Period::Monthly,
                limit,
            );
            b.tier = (tier != "default").then(|| tier.to_string());
            push(b, hard_default);
        }
    }
    for (i, b) in out.iter().enumerate() {
        b.validate(&format!("$.{name}[{i}]"))?;
    }
    Ok(out)
}

/// Where a budget stands in its current period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    /// Budget id.
    pub budget: String,
    /// The organization this ledger line is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The subject this ledger line is for (e.g. the user of a per-user budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Period start (ms).
    pub period_start: i64,
    /// Period end (ms).
    pub period_end: i64,
    /// Limit (µ$).
    pub limit_micros: i64,
    /// Spent this period (µ$).
    pub spent_micros: i64,
    /// Held by reservations in flight (µ$).
    pub reserved_micros: i64,
    /// `limit − spent − reserved` (may be negative for soft budgets).
    pub remaining_micros: i64,
    /// `spent / limit`.
    pub utilization: f64,
    /// Linear projection of spend to the period end (µ$).
    pub projected_micros: i64,
}

/// One ledger line: a budget (and subject) in its current period.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) period_start: i64,
    pub(crate) period_end: i64,
    pub(crate) spent: i64,
    pub(crate) reserved: i64,
    pub(crate) warned: bool,
    pub(crate) exceeded_at: Option<i64>,
    /// When the line was last used (for pruning idle lines).
    pub(crate) used_at: i64,
}

/// Ledger key: budget index, organization and subject value.
pub(crate) type LineKey = (usize, Option<String>, Option<String>);

pub(crate) fn status(
    b: &Budget,
    organization: Option<String>,
    subject: Option<String>,
    l: &Line,
    now: i64,
) -> BudgetStatus {
    let elapsed = (now - l.period_start).max(1) as i128;
    let len = (l.period_end - l.period_start).max(1) as i128;
    BudgetStatus {
        budget: b.id.clone(),
        organization,
        subject,
        period_start: l.period_start,
        period_end: l.period_end,
        limit_micros: b.limit_micros,
        spent_micros: l.spent,
        reserved_micros: l.reserved,
        remaining_micros: b.limit_micros - l.spent - l.reserved,
        utilization: if b.limit_micros == 0 {
            0.0
        } else {
            l.spent as f64 / b.limit_micros as f64
        },
        projected_micros: i64::try_from(l.spent as i128 * len / elapsed).unwrap_or(i64::MAX),
    }
}

/// Parses an IANA time zone name.
pub fn parse_tz(name: &str, path: &str) -> Result<Zone> {
    Zone::parse(name).ok_or_else(|| {
        Error::config(
            path,
            format!("unknown time zone `{name}` (use an IANA name such as `Europe/Berlin`)"),
        )
    })
}

pub(crate) type Ledger = BTreeMap<LineKey, Line>;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ms(y: i32, m: u32, d: u32, h: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn periods_across_month_and_year_boundaries_in_utc() {
        let tz = &Zone::UTC;
        let t = ms(2026, 12, 31, 23);
        assert_eq!(
            Period::Daily.bounds(tz, t),
            (ms(2026, 12, 31, 0), ms(2027, 1, 1, 0))
        );
        assert_eq!(
            Period::Monthly.bounds(tz, t),
            (ms(2026, 12, 1, 0), ms(2027, 1, 1, 0))
        );
        assert_eq!(
            Period::Quarterly.bounds(tz, t),
            (ms(2026, 10, 1, 0), ms(2027, 1, 1, 0))
        );
        assert_eq!(
            Period::Annual.bounds(tz, t),
            (ms(2026, 1, 1, 0), ms(2027, 1, 1, 0))
        );
        // 2026-12-31 is a Thursday; its ISO week starts Monday the 28th.
        assert_eq!(
            Period::Weekly.bounds(tz, t),
            (ms(2026, 12, 28, 0), ms(2027, 1, 4, 0))
        );
        let feb = ms(2028, 2, 29, 12);
        assert_eq!(
            Period::Monthly.bounds(tz, feb),
            (ms(2028, 2, 1, 0), ms(2028, 3, 1, 0))
        );
        assert_eq!(
            Period::Quarterly.bounds(tz, ms(2026, 4, 1, 0)),
            (ms(2026, 4, 1, 0), ms(2026, 7, 1, 0))
        );
    }

    #[test]
    fn periods_follow_the_configured_time_zone() {
        let tz = &parse_tz("America/New_York", "$").unwrap();
        // 2027-01-01 03:00 UTC is still 2026-12-31 22:00 in New York.
        let t = ms(2027, 1, 1, 3);
        let (s, e) = Period::Monthly.bounds(tz, t);
        assert_eq!(s, ms(2026, 12, 1, 5), "midnight EST = 05:00 UTC");
        assert_eq!(e, ms(2027, 1, 1, 5));
        let (s, e) = Period::Annual.bounds(tz, t);
        assert_eq!((s, e), (ms(2026, 1, 1, 5), ms(2027, 1, 1, 5)));
        // Across DST: March 2026 starts in EST (UTC-5) and ends in EDT (UTC-4).
        let (s, e) = Period::Monthly.bounds(tz, ms(2026, 3, 15, 12));
        assert_eq!((s, e), (ms(2026, 3, 1, 5), ms(2026, 4, 1, 4)));
        let tokyo = parse_tz("Asia/Tokyo", "$").unwrap();
        assert_eq!(
            Period::Daily.bounds(&tokyo, ms(2026, 6, 30, 16)).0,
            ms(2026, 6, 30, 15)
        );
        assert!(parse_tz("Mars/Olympus", "$.tz").is_err());
    }

    #[test]
    fn spec_budget_yaml_loads() {
        let yaml = r#"
budget_management:
  enabled: true
  department_budgets:
    engineering:
      monthly_limit: 10000
      warning_threshold: 0.8
      hard_limit: true
    data_science:
      monthly_limit: 15000
      warning_threshold: 0.75
      hard_limit: false
  user_limits:
    default_monthly: 500
    manager_monthly: 2000
    admin_monthly: 5000
  alerts:
    email_notifications: true
    slack_integration: true
    dashboard_alerts: true
  enforcement:
    soft_limits: true
    grace_period_hours: 24
    auto_throttling: true
"#;
        let b = budgets_from_yaml(yaml).unwrap();
        let eng = b
            .iter()
            .find(|b| b.id == "department:engineering:monthly")
            .unwrap();
        assert_eq!(
            (eng.limit_micros, eng.hard_limit, eng.grace_period_hours),
            (10_000_000_000, true, None)
        );
        let ds = b
            .iter()
            .find(|b| b.id == "department:data_science:monthly")
            .unwrap();
        assert_eq!(
            (ds.warning_threshold, ds.hard_limit, ds.grace_period_hours),
            (0.75, false, Some(24))
        );
        let def = b.iter().find(|b| b.id == "user:default:monthly").unwrap();
        assert_eq!(
            (
                def.limit_micros,
                def.tier.as_deref(),
                def.subject.as_deref()
            ),
            (500_000_000, None, None)
        );
        assert_eq!(
            b.iter()
                .find(|b| b.id == "user:manager:monthly")
                .unwrap()
                .tier
                .as_deref(),
            Some("manager")
        );
        assert_eq!(b.len(), 5);
    }

    #[test]
    fn spec_cost_management_yaml_loads() {
        let yaml = r#"
cost_management:
  enabled: true
  budgets:
    organization:
      monthly_limit: 100000
      quarterly_limit: 280000
      annual_limit: 1000000
    departments:
      engineering:
        monthly_limit: 40000
        warning_threshold: 0.8
      qa:
        monthly_limit: 10000
        warning_threshold: 0.9
  user_limits:
    default_monthly: 1000
    senior_monthly: 3000
    manager_unlimited: true
  enforcement:
    soft_limits: true
    hard_limits: true
    grace_period: 24  # hours
"#;
        let b = budgets_from_yaml(yaml).unwrap();
        assert_eq!(b.len(), 3 + 2 + 2);
        let org = b.iter().find(|b| b.id == "organization:quarterly").unwrap();
        assert_eq!((org.limit_micros, org.hard_limit), (280_000_000_000, true));
        let e = budgets_from_yaml("cost_management:\n  user_limits:\n    default_monthly: lots\n")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("$.cost_management.user_limits.default_monthly"),
            "{e}"
        );
        assert!(budgets_from_yaml("other: 1").is_err());
        assert!(budgets_from_yaml(": : :").is_err());
    }
}
