//! Time zones: IANA names, and the offsets from UTC that calendar periods
//! need.
//!
//! Native builds read chrono-tz's compiled tz database (cargo feature
//! `tzdb`, on by default). The browser build leaves those tables out (about
//! 145 KB of the module, gzipped) and asks the host's own tz database — the
//! JavaScript engine's `Intl` data — through a [`ZoneSource`] that its
//! binding installs with [`set_zone_source`]. Either way a [`Zone`] answers
//! the same two questions: the offset at an instant, and the earliest
//! instant at which the wall clock shows a given local time.

use chrono::NaiveDateTime;
#[cfg(not(feature = "tzdb"))]
use std::sync::Arc;

/// An IANA time zone (`Europe/Berlin`, `UTC`, …).
#[derive(Clone, PartialEq, Eq)]
pub struct Zone(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Utc,
    #[cfg(feature = "tzdb")]
    Db(chrono_tz::Tz),
    #[cfg(not(feature = "tzdb"))]
    Host(Arc<str>),
}

/// The host's tz database, for builds without the `tzdb` feature (the
/// browser). Offsets are in seconds east of UTC.
pub trait ZoneSource: Send + Sync {
    /// Whether the host knows zone `name` (an IANA name, case as given).
    fn has(&self, name: &str) -> bool;
    /// The offset of zone `name` (one [`has`](Self::has) accepted) at the
    /// instant `utc_ms`, in seconds east of UTC.
    fn offset_seconds(&self, name: &str, utc_ms: i64) -> i32;
}

#[cfg(not(feature = "tzdb"))]
static SOURCE: std::sync::OnceLock<Box<dyn ZoneSource>> = std::sync::OnceLock::new();

/// Installs the host's tz database, once per process; whether it was
/// installed (`false` for a second call, and in builds with the `tzdb`
/// feature, which read their compiled tables). Without `tzdb` and without
/// a source, only `UTC` parses.
pub fn set_zone_source(source: Box<dyn ZoneSource>) -> bool {
    #[cfg(not(feature = "tzdb"))]
    {
        SOURCE.set(source).is_ok()
    }
    #[cfg(feature = "tzdb")]
    {
        drop(source);
        false
    }
}

const DAY_MS: i64 = 86_400_000;

impl Zone {
    /// Coordinated Universal Time.
    pub const UTC: Zone = Zone(Repr::Utc);

    /// Looks up an IANA zone name; `None` when the tz database lacks it.
    pub fn parse(name: &str) -> Option<Zone> {
        if name == "UTC" {
            return Some(Zone::UTC);
        }
        // Names only: hosts that also take offsets ("+01:00") or lower
        // case would otherwise accept what the native build refuses.
        let first = name.chars().next()?;
        if !first.is_ascii_uppercase() {
            return None;
        }
        #[cfg(feature = "tzdb")]
        {
            name.parse::<chrono_tz::Tz>()
                .ok()
                .map(|t| Zone(Repr::Db(t)))
        }
        #[cfg(not(feature = "tzdb"))]
        {
            let source = SOURCE.get()?;
            source.has(name).then(|| Zone(Repr::Host(name.into())))
        }
    }

    /// The zone's name, as parsed.
    pub fn name(&self) -> &str {
        match &self.0 {
            Repr::Utc => "UTC",
            #[cfg(feature = "tzdb")]
            Repr::Db(t) => t.name(),
            #[cfg(not(feature = "tzdb"))]
            Repr::Host(n) => n,
        }
    }

    /// The offset from UTC at the instant `utc_ms`, in milliseconds.
    pub fn offset_ms(&self, utc_ms: i64) -> i64 {
        match &self.0 {
            Repr::Utc => 0,
            #[cfg(feature = "tzdb")]
            Repr::Db(t) => {
                use chrono::{Offset, TimeZone};
                match t.timestamp_millis_opt(utc_ms) {
                    chrono::LocalResult::Single(dt) => {
                        i64::from(dt.offset().fix().local_minus_utc()) * 1000
                    }
                    // Only for instants outside chrono's range.
                    _ => 0,
                }
            }
            #[cfg(not(feature = "tzdb"))]
            Repr::Host(n) => SOURCE
                .get()
                .map_or(0, |s| i64::from(s.offset_seconds(n, utc_ms)) * 1000),
        }
    }

    /// The wall-clock time in this zone at the instant `utc_ms`.
    pub(crate) fn local(&self, utc_ms: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp_millis(utc_ms.saturating_add(self.offset_ms(utc_ms)))
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    /// The earliest instant at which the wall clock here shows `local`
    /// (where a fall-back repeats it, the first; `None` where a
    /// spring-forward skips it).
    pub(crate) fn earliest(&self, local: NaiveDateTime) -> Option<i64> {
        match &self.0 {
            #[cfg(feature = "tzdb")]
            Repr::Db(t) => {
                use chrono::TimeZone;
                t.from_local_datetime(&local)
                    .earliest()
                    .map(|d| d.timestamp_millis())
            }
            _ => earliest_with(local.and_utc().timestamp_millis(), |u| self.offset_ms(u)),
        }
    }
}

/// The earliest instant whose local time is `local_ms` (the wall clock read
/// as if it were UTC), given only the zone's offset at each instant. The
/// offsets a day either side are the only candidates (zones change offset
/// at most once in two days); a candidate is real when the offset at the
/// instant it gives is that candidate.
fn earliest_with(local_ms: i64, offset_at: impl Fn(i64) -> i64) -> Option<i64> {
    let mut best: Option<i64> = None;
    for o in [
        offset_at(local_ms.saturating_sub(DAY_MS)),
        offset_at(local_ms.saturating_add(DAY_MS)),
    ] {
        let utc = local_ms.saturating_sub(o);
        if offset_at(utc) == o {
            best = Some(best.map_or(utc, |b| b.min(utc)));
        }
    }
    best
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(all(test, feature = "tzdb"))]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The offsets-only algorithm the browser build uses agrees with
    /// chrono-tz's own local-time lookup, for every half hour of two years
    /// in zones with ordinary, half-hour and southern-hemisphere DST.
    #[test]
    fn offsets_only_lookup_matches_the_tz_database() {
        for name in [
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "America/Santiago",
            "Asia/Kolkata",
        ] {
            let zone = Zone::parse(name).unwrap();
            let start = chrono::Utc
                .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
                .unwrap()
                .timestamp_millis();
            let mut gaps = 0;
            for step in 0..(2 * 365 * 48) {
                let local = chrono::DateTime::from_timestamp_millis(start + step * 1_800_000)
                    .unwrap()
                    .naive_utc();
                let want = zone.earliest(local);
                let got = earliest_with(local.and_utc().timestamp_millis(), |u| zone.offset_ms(u));
                assert_eq!(got, want, "{name} at local {local}");
                gaps += usize::from(want.is_none());
            }
            if name != "Asia/Kolkata" {
                assert!(gaps > 0, "{name}: two years without a DST gap?");
            }
        }
    }

    #[test]
    fn names_parse_as_in_the_tz_database() {
        assert_eq!(Zone::parse("UTC"), Some(Zone::UTC));
        assert_eq!(
            Zone::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        for bad in ["Mars/Olympus", "europe/berlin", "+01:00", "", " UTC"] {
            assert_eq!(Zone::parse(bad), None, "{bad:?}");
        }
        let ny = Zone::parse("America/New_York").unwrap();
        let jan = chrono::Utc
            .with_ymd_and_hms(2026, 1, 15, 12, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(ny.offset_ms(jan), -5 * 3_600_000);
        assert_eq!(ny.local(jan).to_string(), "2026-01-15 07:00:00");
        assert_eq!(format!("{ny:?}"), "America/New_York");
    }
}
