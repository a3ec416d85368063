//! One typed period for budgets, cost reports, threat summaries and
//! performance reports: the same names and the same calendar everywhere.

use super::Zone;
use crate::error::{Error, Result};
use chrono::{Datelike, Months, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

/// A period of the calendar. Serialized as `hourly`, `daily`, `weekly`,
/// `monthly`, `quarterly` or `annual`; [`Period::parse`] also takes the
/// nouns (`hour`, `day`, `week`, `month`, `quarter`, `year`).
///
/// A month is a calendar month everywhere: [`Period::bounds`] gives the
/// calendar period containing an instant (budgets, cost reports) and
/// [`Period::trailing`] the period that ends at an instant (the last month
/// ends now and starts at the same time of day one calendar month ago).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// An hour.
    Hourly,
    /// Midnight to midnight.
    Daily,
    /// Monday 00:00 to Monday 00:00 (ISO weeks).
    Weekly,
    /// From the first of the month.
    Monthly,
    /// January, April, July, October.
    Quarterly,
    /// From January 1st.
    Annual,
}

// By hand, through `as_str` and `parse`: one list of names, and no second
// derived copy of it in the browser build.
impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Period::parse(&text).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown period `{text}`, expected hourly, daily, weekly, monthly, quarterly or annual"
            ))
        })
    }
}

impl Period {
    /// Every period, shortest first.
    pub const ALL: [Period; 6] = [
        Period::Hourly,
        Period::Daily,
        Period::Weekly,
        Period::Monthly,
        Period::Quarterly,
        Period::Annual,
    ];

    /// The serialized name (`daily`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hourly => "hourly",
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
            Period::Quarterly => "quarterly",
            Period::Annual => "annual",
        }
    }

    /// Parses a period name: `hourly`/`hour`, `daily`/`day`,
    /// `weekly`/`week`, `monthly`/`month`, `quarterly`/`quarter`,
    /// `annual`/`yearly`/`year`. Anything else is `invalid_argument`
    /// naming the parameter `period`.
    pub fn parse(text: &str) -> Result<Period> {
        Ok(match text {
            "hourly" | "hour" => Period::Hourly,
            "daily" | "day" => Period::Daily,
            "weekly" | "week" => Period::Weekly,
            "monthly" | "month" => Period::Monthly,
            "quarterly" | "quarter" => Period::Quarterly,
            "annual" | "yearly" | "year" => Period::Annual,
            other => {
                return Err(Error::invalid_arg(
                    "period",
                    format!("`{other}` is not hourly, daily, weekly, monthly, quarterly or annual"),
                ))
            }
        })
    }

    /// The calendar period containing `now_ms` in `tz`: (start, end) in ms
    /// since the epoch.
    pub fn bounds(self, tz: &Zone, now_ms: i64) -> (i64, i64) {
        let local_dt = tz.local(now_ms);
        let local = local_dt.date();
        if self == Period::Hourly {
            // The local clock hour containing `now_ms`, at the offset in
            // force now: the hour a fall-back repeats is an hour of its own
            // (its local start time names an earlier instant too).
            let into_hour = i64::from(local_dt.minute() * 60 + local_dt.second()) * 1000
                + i64::from(local_dt.nanosecond() / 1_000_000);
            let start = now_ms - into_hour;
            return (start, start + 3_600_000);
        }
        let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(local);
        let (start, end) = match self {
            Period::Hourly | Period::Daily => (local, local.succ_opt().unwrap_or(local)),
            Period::Weekly => {
                let monday =
                    local - chrono::Duration::days(local.weekday().num_days_from_monday() as i64);
                (monday, monday + chrono::Duration::days(7))
            }
            Period::Monthly => {
                let s = ymd(local.year(), local.month());
                (s, s + Months::new(1))
            }
            Period::Quarterly => {
                let s = ymd(local.year(), (local.month() - 1) / 3 * 3 + 1);
                (s, s + Months::new(3))
            }
            Period::Annual => (ymd(local.year(), 1), ymd(local.year() + 1, 1)),
        };
        (first_instant(tz, start), first_instant(tz, end))
    }

    /// The period that ends at `now_ms`: (start, `now_ms`). Hours, days and
    /// weeks are fixed lengths; months, quarters and years are calendar
    /// months back in UTC (so the last month of 31 March starts on 28 or
    /// 29 February).
    pub fn trailing(self, now_ms: i64) -> (i64, i64) {
        const HOUR: i64 = 3_600_000;
        let months = match self {
            Period::Hourly => return (now_ms - HOUR, now_ms),
            Period::Daily => return (now_ms - 24 * HOUR, now_ms),
            Period::Weekly => return (now_ms - 7 * 24 * HOUR, now_ms),
            Period::Monthly => 1,
            Period::Quarterly => 3,
            Period::Annual => 12,
        };
        let start = chrono::DateTime::from_timestamp_millis(now_ms)
            .and_then(|t| t.checked_sub_months(Months::new(months)))
            .map_or(now_ms - i64::from(months) * 30 * 24 * HOUR, |t| {
                t.timestamp_millis()
            });
        (start, now_ms)
    }

    /// The length of the trailing period ending at `now_ms`, in ms.
    pub fn trailing_len(self, now_ms: i64) -> i64 {
        let (start, end) = self.trailing(now_ms);
        end - start
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn first_instant(tz: &Zone, d: NaiveDate) -> i64 {
    first_instant_at(tz, d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The first instant at or after local time `t` that exists in `tz` (where
/// a DST jump skips it, the period starts when the clock resumes).
fn first_instant_at(tz: &Zone, t: chrono::NaiveDateTime) -> i64 {
    for minutes in (0..=180).step_by(30) {
        if let Some(ms) = tz.earliest(t + chrono::Duration::minutes(minutes)) {
            return ms;
        }
    }
    t.and_utc().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAR_31_2024_NOON_UTC: i64 = 1_711_886_400_000;

    #[test]
    fn names_parse_and_serialize_alike() {
        for p in Period::ALL {
            assert_eq!(Period::parse(p.as_str()).unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{p}\""));
            assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        }
        assert_eq!(Period::parse("month").unwrap(), Period::Monthly);
        assert_eq!(
            serde_json::from_str::<Period>("\"day\"").unwrap(),
            Period::Daily
        );
        let e = Period::parse("fortnightly").unwrap_err();
        assert!(e.to_string().contains("fortnightly"), "{e}");
    }

    #[test]
    fn a_month_is_a_calendar_month_both_ways() {
        let (s, e) = Period::Monthly.bounds(&Zone::UTC, MAR_31_2024_NOON_UTC);
        assert_eq!(s, 1_709_251_200_000); // 2024-03-01
        assert_eq!(e, 1_711_929_600_000); // 2024-04-01
        let (s, e) = Period::Monthly.trailing(MAR_31_2024_NOON_UTC);
        assert_eq!(e, MAR_31_2024_NOON_UTC);
        assert_eq!(s, 1_709_208_000_000); // 2024-02-29 12:00, not 30 days back
        let (s, _) = Period::Hourly.bounds(&Zone::UTC, MAR_31_2024_NOON_UTC + 1_234_567);
        assert_eq!(s, MAR_31_2024_NOON_UTC);
    }

    #[test]
    fn quarters_and_years_roll_over() {
        let dec_15_2024 = 1_734_264_000_000;
        let (s, e) = Period::Quarterly.bounds(&Zone::UTC, dec_15_2024);
        assert_eq!(s, 1_727_740_800_000); // 2024-10-01
        assert_eq!(e, 1_735_689_600_000); // 2025-01-01
        let (_, e) = Period::Annual.bounds(&Zone::UTC, dec_15_2024);
        assert_eq!(e, 1_735_689_600_000);
    }
}
