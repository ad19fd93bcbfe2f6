//! The kit's calendar days (`ent_portlet_kit::Date`: what forms read and pages label in French
//! and English) and the domain's (`chrono::NaiveDate`: what the model, the recurrence rules and
//! the store count in), turned into each other, and the words of a day and a time.

use chrono::{Datelike, NaiveDate, NaiveTime};
use ent_portlet_kit::{Date, Lang};

use crate::paris::ParisTime;

/// The domain's day for a kit day (the kit's years, 2000–2099, are all valid chrono days).
pub fn naive(d: Date) -> NaiveDate {
    let (y, m, day) = d.ymd();
    i32::try_from(y).ok().and_then(|y| NaiveDate::from_ymd_opt(y, m, day)).unwrap_or(NaiveDate::MIN)
}

/// The kit's day for a domain day; `None` outside the years both accept.
pub fn kit(d: NaiveDate) -> Option<Date> {
    Date::from_ymd(i64::from(d.year()), d.month(), d.day())
}

/// "mardi 4 mars 2025" / "Tuesday 4 March 2025".
pub fn long(d: NaiveDate, lang: Lang) -> String {
    kit(d).map(|k| k.long(lang)).unwrap_or_else(|| d.to_string())
}

/// "mardi 4 mars" / "Tuesday 4 March".
pub fn short(d: NaiveDate, lang: Lang) -> String {
    kit(d).map(|k| k.short(lang)).unwrap_or_else(|| d.to_string())
}

/// "lundi" / "Monday".
pub fn weekday_name(d: NaiveDate, lang: Lang) -> &'static str {
    kit(d).map(|k| k.weekday_name(lang)).unwrap_or("")
}

/// "14:00": a Paris time as schools write it, in both languages.
pub fn clock(t: &ParisTime) -> String {
    t.format("%H:%M").to_string()
}

/// "14:00" of a wall-clock time.
pub fn clock_naive(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// `YYYY-MM` of a day.
pub fn month_key(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// The first day of a `YYYY-MM` month.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' {
        return None;
    }
    let d = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()?;
    kit(d).map(|_| d)
}

/// The last day of the month of `first`.
pub fn month_end(first: NaiveDate) -> NaiveDate {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_go_both_ways_and_months_have_their_ends() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap_or(NaiveDate::MIN);
        assert_eq!(kit(d).map(naive), Some(d));
        assert_eq!(long(d, Lang::Fr), "mardi 4 mars 2025");
        assert_eq!(parse_month("2024-02").map(month_end).map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_month("2025-12").map(month_end).map(|d| d.to_string()).as_deref(), Some("2025-12-31"));
        for bad in ["2025-13", "2025-1", "1999-12", "x"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        assert_eq!(month_key(d), "2025-03");
    }
}
