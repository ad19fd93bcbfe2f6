//! Europe/Paris, the schools' time zone: wall-clock times turned into instants and back.
//!
//! Events are written and recur in Paris wall-clock time (a lesson at 8:30 stays at 8:30 after
//! the clocks change), so every conversion between a local time and an instant goes through this
//! module and its two rules for the hours that do not map one-to-one (RFC 5545 §3.3.5):
//! the hour skipped in spring is read with the offset in force before the gap (02:30 becomes
//! 03:30 summer time), and of the hour lived twice in autumn the first one (summer time) is meant.
//!
//! The zone comes from `chrono-tz` (the IANA database compiled in), which `rrule` already brings.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The schools' zone.
pub const ZONE: Tz = chrono_tz::Europe::Paris;

/// Its IANA name, as iCalendar's `TZID` writes it.
pub const TZID: &str = "Europe/Paris";

/// An instant, carried with its Paris wall-clock reading.
pub type ParisTime = DateTime<Tz>;

/// The instant a Paris wall-clock time stands for, by the rules of the module docs (never fails).
pub fn resolve(local: NaiveDateTime) -> ParisTime {
    resolve_in(&ZONE, local)
}

/// The same rules in any zone (an imported file's `TZID`).
pub fn resolve_in<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> DateTime<Z> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(first, _) => first,
        LocalResult::None => {
            // Inside a spring gap: read the time with the offset of three hours earlier, which is
            // before the gap (gaps last an hour, or less).
            let before = zone.from_local_datetime(&(local - Duration::hours(3))).earliest();
            let offset = before.map(|t| t.offset().fix().local_minus_utc()).unwrap_or(0);
            zone.from_utc_datetime(&(local - Duration::seconds(i64::from(offset))))
        }
    }
}

/// Like [`resolve`], but `None` for a time that does not exist (what a person typed: an error
/// to show rather than a silent shift).
pub fn exact(local: NaiveDateTime) -> Option<ParisTime> {
    ZONE.from_local_datetime(&local).earliest()
}

/// The first instant of a Paris day (midnight always exists in Paris: the clocks change at night
/// between 02:00 and 03:00).
pub fn midnight(day: NaiveDate) -> ParisTime {
    resolve(day.and_time(NaiveTime::MIN))
}

/// An instant read in Paris.
pub fn at(instant: DateTime<Utc>) -> ParisTime {
    instant.with_timezone(&ZONE)
}

/// The instant of a Unix time (seconds), in Paris; `None` outside chrono's range.
pub fn from_unix(secs: i64) -> Option<ParisTime> {
    DateTime::from_timestamp(secs, 0).map(at)
}

/// The Paris calendar day of an instant.
pub fn day_of(instant: DateTime<Utc>) -> NaiveDate {
    at(instant).date_naive()
}

/// Paris's offset from UTC at an instant, in seconds.
pub fn offset_seconds(instant: DateTime<Utc>) -> i32 {
    at(instant).offset().fix().local_minus_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn winter_and_summer_offsets() {
        assert_eq!(resolve(local("2025-01-15 08:30")).to_rfc3339(), "2025-01-15T08:30:00+01:00");
        assert_eq!(resolve(local("2025-07-01 08:30")).to_rfc3339(), "2025-07-01T08:30:00+02:00");
    }

    #[test]
    fn the_spring_gap_is_read_with_the_winter_offset() {
        // 2025-03-30: 02:00 → 03:00. 02:30 does not exist: 02:30+01:00 is 03:30 summer time.
        assert_eq!(resolve(local("2025-03-30 02:30")).to_rfc3339(), "2025-03-30T03:30:00+02:00");
        assert_eq!(exact(local("2025-03-30 02:30")), None);
        assert!(exact(local("2025-03-30 03:00")).is_some());
    }

    #[test]
    fn the_autumn_fold_means_the_first_hour() {
        // 2025-10-26: 03:00 → 02:00. 02:30 happens twice: the first is summer time.
        assert_eq!(resolve(local("2025-10-26 02:30")).to_rfc3339(), "2025-10-26T02:30:00+02:00");
        assert_eq!(
            exact(local("2025-10-26 02:30")).map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-10-26T02:30:00+02:00")
        );
    }

    #[test]
    fn days_and_midnights() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        assert_eq!(midnight(d).to_rfc3339(), "2025-03-30T00:00:00+01:00");
        let late = DateTime::parse_from_rfc3339("2025-06-21T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(day_of(late), NaiveDate::from_ymd_opt(2025, 6, 22).unwrap());
        assert_eq!(offset_seconds(late), 7200);
    }
}
