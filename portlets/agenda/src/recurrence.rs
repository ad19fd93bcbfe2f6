//! Recurrence: the subset of RFC 5545's RRULE that school events need, kept as a rule (never as
//! copies), and its expansion into occurrences for a bounded window.
//!
//! The subset: `FREQ` DAILY, WEEKLY (with `BYDAY`), MONTHLY (with `BYMONTHDAY`, or `BYDAY` with
//! or without an ordinal: `2TU`, `-1FR`), `INTERVAL`, `UNTIL` or `COUNT`, `WKST`. What else a
//! file may carry (YEARLY, `BYMONTH`, `BYSETPOS`, `BYHOUR`…) is refused with the part named.
//!
//! Expansion uses the `rrule` crate on *wall-clock* times: the rule runs over Paris local dates
//! and times as if they were a zone without clock changes, and each occurrence is then placed in
//! Paris by [`crate::paris::resolve`]. So a weekly 8:30 lesson stays at 8:30 on both sides of the
//! last Sundays of March and October, which is what RFC 5545 asks of a rule with a `TZID` start
//! and what people expect, and `rrule`'s own time-zone arithmetic is never relied on.
//! `UNTIL` is kept as a Paris day (inclusive): the feed writes it as the UTC instant that ends
//! that day, and the import turns a file's `UNTIL` back into the last day it allows.
//!
//! Bounds: a window spans at most [`MAX_WINDOW_DAYS`] days and one event yields at most
//! [`MAX_OCCURRENCES`] occurrences in it; `INTERVAL` and `COUNT` are capped.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

use crate::model::{Schedule, When};
use crate::paris;

/// The largest `INTERVAL`.
pub const MAX_INTERVAL: u16 = 99;
/// The largest `COUNT`.
pub const MAX_COUNT: u16 = 1000;
/// The most occurrences one event yields in one window.
pub const MAX_OCCURRENCES: usize = 366;
/// The longest window, in days (a school year and its margins).
pub const MAX_WINDOW_DAYS: i64 = 400;

const WEEKDAYS: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// Days of the week, Monday first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WeekdaySet(u8);

impl WeekdaySet {
    pub fn new(days: impl IntoIterator<Item = Weekday>) -> WeekdaySet {
        WeekdaySet(days.into_iter().fold(0, |bits, d| bits | 1 << d.num_days_from_monday()))
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Monday to Sunday.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        WEEKDAYS.into_iter().filter(move |d| self.contains(*d))
    }
}

/// A day of the month for `BYMONTHDAY`: 1 to 31, or -1 (the last) to -31. A month without that
/// day is skipped (RFC 5545): "monthly on the 31st" has no occurrence in April.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay(i8);

impl MonthDay {
    pub fn new(day: i8) -> Option<MonthDay> {
        ((1..=31).contains(&day) || (-31..=-1).contains(&day)).then_some(MonthDay(day))
    }

    pub fn get(self) -> i8 {
        self.0
    }
}

/// A weekday in a month: every Monday (`MO`), the second Tuesday (`2TU`), the last Friday (`-1FR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NthWeekday {
    nth: Option<i8>,
    weekday: Weekday,
}

impl NthWeekday {
    /// `nth` from 1 to 5 or -5 to -1.
    pub fn new(nth: Option<i8>, weekday: Weekday) -> Option<NthWeekday> {
        match nth {
            Some(n) if !((1..=5).contains(&n) || (-5..=-1).contains(&n)) => None,
            _ => Some(NthWeekday { nth, weekday }),
        }
    }

    pub fn nth(self) -> Option<i8> {
        self.nth
    }

    pub fn weekday(self) -> Weekday {
        self.weekday
    }
}

/// Which days a rule produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Every `INTERVAL` days.
    Daily,
    /// Every `INTERVAL` weeks, on these days (none: the start's weekday).
    Weekly(WeekdaySet),
    /// Every `INTERVAL` months, on these days of the month (none: the start's day).
    MonthlyOnDays(Vec<MonthDay>),
    /// Every `INTERVAL` months, on these weekdays (at least one).
    MonthlyOnWeekdays(Vec<NthWeekday>),
}

/// When a rule stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Never,
    /// The last Paris day an occurrence may start on.
    Until(NaiveDate),
    /// This many occurrences, exceptions included (RFC 5545: exceptions remove occurrences the
    /// rule counted).
    Count(u16),
}

/// A recurrence rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recurrence {
    pattern: Pattern,
    interval: u16,
    end: End,
    week_start: Weekday,
}

/// Why a rule was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("malformed rule part {0:?}")]
    Malformed(String),
    #[error("the rule has no FREQ")]
    MissingFrequency,
    #[error("FREQ={0} is not supported (DAILY, WEEKLY and MONTHLY are)")]
    UnsupportedFrequency(String),
    #[error("{0} is not supported")]
    UnsupportedPart(String),
    #[error("INTERVAL must be between 1 and {MAX_INTERVAL}")]
    BadInterval,
    #[error("COUNT must be between 1 and {MAX_COUNT}")]
    BadCount,
    #[error("a rule has UNTIL or COUNT, not both")]
    UntilAndCount,
    #[error("BYMONTHDAY must be 1 to 31 or -31 to -1")]
    BadMonthDay,
    #[error("malformed weekday {0:?}")]
    BadWeekday(String),
    #[error("BYDAY and BYMONTHDAY together are not supported")]
    DaysAndMonthDays,
    #[error("{part} does not go with FREQ={freq}")]
    NotForThisFrequency { part: &'static str, freq: &'static str },
    #[error("a monthly rule by weekday needs at least one weekday")]
    NoWeekday,
}

impl Recurrence {
    pub fn new(pattern: Pattern, interval: u16, end: End) -> Result<Recurrence, RecurrenceError> {
        if !(1..=MAX_INTERVAL).contains(&interval) {
            return Err(RecurrenceError::BadInterval);
        }
        if let End::Count(n) = end
            && !(1..=MAX_COUNT).contains(&n)
        {
            return Err(RecurrenceError::BadCount);
        }
        let pattern = match pattern {
            Pattern::MonthlyOnDays(mut days) => {
                // As people write them: 1, 15, then from the end (-1).
                days.sort_by_key(|d| (d.0 < 0, d.0.abs()));
                days.dedup();
                Pattern::MonthlyOnDays(days)
            }
            Pattern::MonthlyOnWeekdays(days) if days.is_empty() => return Err(RecurrenceError::NoWeekday),
            Pattern::MonthlyOnWeekdays(mut days) => {
                days.sort_by_key(|d| (d.nth.unwrap_or(0), d.weekday.num_days_from_monday()));
                days.dedup();
                Pattern::MonthlyOnWeekdays(days)
            }
            other => other,
        };
        Ok(Recurrence { pattern, interval, end, week_start: Weekday::Mon })
    }

    /// The first day of the week (`WKST`), which matters to weekly rules with an interval and
    /// several days. Monday unless told otherwise, as in France and RFC 5545.
    pub fn with_week_start(mut self, week_start: Weekday) -> Recurrence {
        self.week_start = week_start;
        self
    }

    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    pub fn interval(&self) -> u16 {
        self.interval
    }

    pub fn end(&self) -> End {
        self.end
    }

    pub fn week_start(&self) -> Weekday {
        self.week_start
    }

    /// The rule as the store keeps it: an RRULE value whose `UNTIL` is a Paris day
    /// (`FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20260703`).
    pub fn to_rule_text(&self) -> String {
        let until = match self.end {
            End::Until(d) => Some(d.format("%Y%m%d").to_string()),
            _ => None,
        };
        self.rule_text(until)
    }

    /// The rule as a feed writes it for an event that starts with `when`: `UNTIL` is a DATE for
    /// an all-day event and, for a timed one, the UTC instant that ends the Paris day (RFC 5545:
    /// a zoned start wants a UTC `UNTIL`).
    pub fn to_ical(&self, when: &When) -> String {
        let until = match (self.end, when) {
            (End::Until(d), When::AllDay { .. }) => Some(d.format("%Y%m%d").to_string()),
            (End::Until(d), When::Timed { .. }) => {
                let end_of_day =
                    d.succ_opt().map(paris::midnight).map(|m| m.with_timezone(&Utc) - Duration::seconds(1));
                end_of_day.map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
            }
            _ => None,
        };
        self.rule_text(until)
    }

    fn rule_text(&self, until: Option<String>) -> String {
        let mut parts = Vec::new();
        let freq = match self.pattern {
            Pattern::Daily => "DAILY",
            Pattern::Weekly(_) => "WEEKLY",
            Pattern::MonthlyOnDays(_) | Pattern::MonthlyOnWeekdays(_) => "MONTHLY",
        };
        parts.push(format!("FREQ={freq}"));
        if self.interval != 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        match &self.pattern {
            Pattern::Daily => {}
            Pattern::Weekly(days) if days.is_empty() => {}
            Pattern::Weekly(days) => {
                let days: Vec<&str> = days.iter().map(weekday_code).collect();
                parts.push(format!("BYDAY={}", days.join(",")));
            }
            Pattern::MonthlyOnDays(days) if days.is_empty() => {}
            Pattern::MonthlyOnDays(days) => {
                let days: Vec<String> = days.iter().map(|d| d.0.to_string()).collect();
                parts.push(format!("BYMONTHDAY={}", days.join(",")));
            }
            Pattern::MonthlyOnWeekdays(days) => {
                let days: Vec<String> = days
                    .iter()
                    .map(|d| format!("{}{}", d.nth.map(|n| n.to_string()).unwrap_or_default(), weekday_code(d.weekday)))
                    .collect();
                parts.push(format!("BYDAY={}", days.join(",")));
            }
        }
        match (self.end, until) {
            (End::Count(n), _) => parts.push(format!("COUNT={n}")),
            (End::Until(_), Some(until)) => parts.push(format!("UNTIL={until}")),
            _ => {}
        }
        if self.week_start != Weekday::Mon {
            parts.push(format!("WKST={}", weekday_code(self.week_start)));
        }
        parts.join(";")
    }

    /// A rule as [`Recurrence::to_rule_text`] writes it (`UNTIL` a day).
    pub fn parse(text: &str) -> Result<Recurrence, RecurrenceError> {
        let raw = RawRule::parse(text)?;
        let until = match raw.until {
            None => None,
            Some(RawUntil::Date(d)) => Some(d),
            Some(_) => return Err(RecurrenceError::Malformed("UNTIL".into())),
        };
        raw.into_recurrence(until)
    }

    /// The rule for the `rrule` crate, on wall-clock times (see the module docs).
    fn to_rrule(&self, start: NaiveDateTime) -> Option<rrule::RRuleSet> {
        use rrule::{Frequency, NWeekday, RRule};
        let freq = match self.pattern {
            Pattern::Daily => Frequency::Daily,
            Pattern::Weekly(_) => Frequency::Weekly,
            Pattern::MonthlyOnDays(_) | Pattern::MonthlyOnWeekdays(_) => Frequency::Monthly,
        };
        let mut rule = RRule::new(freq).interval(self.interval).week_start(self.week_start);
        match &self.pattern {
            Pattern::Daily => {}
            Pattern::Weekly(days) => {
                if !days.is_empty() {
                    rule = rule.by_weekday(days.iter().map(NWeekday::Every).collect());
                }
            }
            Pattern::MonthlyOnDays(days) => {
                if !days.is_empty() {
                    rule = rule.by_month_day(days.iter().map(|d| d.0).collect());
                }
            }
            Pattern::MonthlyOnWeekdays(days) => {
                rule = rule.by_weekday(days.iter().map(|d| NWeekday::new(d.nth.map(i16::from), d.weekday)).collect());
            }
        }
        match self.end {
            End::Never => {}
            End::Count(n) => rule = rule.count(u32::from(n)),
            End::Until(d) => rule = rule.until(wall(d.and_time(NaiveTime::from_hms_opt(23, 59, 59)?))),
        }
        rule.build(wall(start)).ok()
    }
}

/// A wall-clock time as `rrule` sees it: in a zone without clock changes.
fn wall(local: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&local)
}

pub(crate) fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn parse_weekday(code: &str) -> Option<Weekday> {
    WEEKDAYS.into_iter().find(|d| weekday_code(*d).eq_ignore_ascii_case(code))
}

/// A rule's `UNTIL` as written, before it is read against the event's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawUntil {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    Floating(NaiveDateTime),
}

/// A rule's parts as written, before the subset is checked (shared by the store and the import).
#[derive(Clone, Debug, Default)]
pub(crate) struct RawRule {
    freq: Option<String>,
    interval: Option<u16>,
    count: Option<u16>,
    pub(crate) until: Option<RawUntil>,
    by_day: Vec<(Option<i8>, Weekday)>,
    by_month_day: Vec<i8>,
    by_set_pos: Vec<i8>,
    week_start: Option<Weekday>,
}

impl RawRule {
    pub(crate) fn parse(text: &str) -> Result<RawRule, RecurrenceError> {
        let mut raw = RawRule::default();
        let malformed = |part: &str| RecurrenceError::Malformed(part.to_string());
        for part in text.trim().split(';').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| malformed(part))?;
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim();
            match name.as_str() {
                "FREQ" => raw.freq = Some(value.to_ascii_uppercase()),
                "INTERVAL" => raw.interval = Some(value.parse().map_err(|_| RecurrenceError::BadInterval)?),
                "COUNT" => raw.count = Some(value.parse().map_err(|_| RecurrenceError::BadCount)?),
                "UNTIL" => raw.until = Some(parse_until(value).ok_or_else(|| malformed(part))?),
                "BYDAY" => {
                    for code in value.split(',') {
                        raw.by_day.push(parse_by_day(code.trim())?);
                    }
                }
                "BYMONTHDAY" => {
                    for d in value.split(',') {
                        let d: i8 = d.trim().parse().map_err(|_| RecurrenceError::BadMonthDay)?;
                        MonthDay::new(d).ok_or(RecurrenceError::BadMonthDay)?;
                        raw.by_month_day.push(d);
                    }
                }
                "BYSETPOS" => {
                    for p in value.split(',') {
                        raw.by_set_pos.push(p.trim().parse().map_err(|_| malformed(part))?);
                    }
                }
                "WKST" => {
                    raw.week_start =
                        Some(parse_weekday(value).ok_or_else(|| RecurrenceError::BadWeekday(value.into()))?)
                }
                // RFC 5545 lets x-names and IANA parts extend a rule: unknown means unsupported.
                _ => return Err(RecurrenceError::UnsupportedPart(name)),
            }
        }
        Ok(raw)
    }

    /// The rule in the supported subset, with `UNTIL` already turned into the last Paris day.
    pub(crate) fn into_recurrence(self, until: Option<NaiveDate>) -> Result<Recurrence, RecurrenceError> {
        let end = match (until, self.count) {
            (Some(_), Some(_)) => return Err(RecurrenceError::UntilAndCount),
            (Some(d), None) => End::Until(d),
            (None, Some(n)) => End::Count(n),
            (None, None) => End::Never,
        };
        let interval = self.interval.unwrap_or(1);
        let freq = self.freq.ok_or(RecurrenceError::MissingFrequency)?;
        let mut by_day = self.by_day;
        // Exchange writes "the second Tuesday" as BYSETPOS=2;BYDAY=TU: the same rule when there is
        // one weekday and one position.
        if !self.by_set_pos.is_empty() {
            match (freq.as_str(), by_day.as_slice(), self.by_set_pos.as_slice()) {
                ("MONTHLY", [(None, day)], [pos]) if NthWeekday::new(Some(*pos), *day).is_some() => {
                    by_day = vec![(Some(*pos), *day)];
                }
                _ => return Err(RecurrenceError::UnsupportedPart("BYSETPOS".into())),
            }
        }
        let pattern = match freq.as_str() {
            "DAILY" => {
                if !self.by_month_day.is_empty() {
                    return Err(RecurrenceError::NotForThisFrequency { part: "BYMONTHDAY", freq: "DAILY" });
                }
                match by_day.as_slice() {
                    [] => Pattern::Daily,
                    // Thunderbird writes "every weekday" as FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR: with an
                    // interval of one, that is a weekly rule on those days.
                    days if interval == 1 && days.iter().all(|(n, _)| n.is_none()) => {
                        Pattern::Weekly(WeekdaySet::new(days.iter().map(|(_, d)| *d)))
                    }
                    _ => return Err(RecurrenceError::NotForThisFrequency { part: "BYDAY", freq: "DAILY" }),
                }
            }
            "WEEKLY" => {
                if !self.by_month_day.is_empty() {
                    return Err(RecurrenceError::NotForThisFrequency { part: "BYMONTHDAY", freq: "WEEKLY" });
                }
                if by_day.iter().any(|(n, _)| n.is_some()) {
                    return Err(RecurrenceError::NotForThisFrequency { part: "BYDAY with a position", freq: "WEEKLY" });
                }
                Pattern::Weekly(WeekdaySet::new(by_day.iter().map(|(_, d)| *d)))
            }
            "MONTHLY" => match (by_day.is_empty(), self.by_month_day.is_empty()) {
                (false, false) => return Err(RecurrenceError::DaysAndMonthDays),
                (false, true) => Pattern::MonthlyOnWeekdays(
                    by_day
                        .iter()
                        .map(|(n, d)| {
                            NthWeekday::new(*n, *d).ok_or_else(|| {
                                let n = n.map(|n| n.to_string()).unwrap_or_default();
                                RecurrenceError::BadWeekday(format!("{n}{}", weekday_code(*d)))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                (true, _) => {
                    Pattern::MonthlyOnDays(self.by_month_day.iter().filter_map(|d| MonthDay::new(*d)).collect())
                }
            },
            other => return Err(RecurrenceError::UnsupportedFrequency(other.to_string())),
        };
        let rule = Recurrence::new(pattern, interval, end)?;
        Ok(match self.week_start {
            Some(w) => rule.with_week_start(w),
            None => rule,
        })
    }
}

fn parse_until(value: &str) -> Option<RawUntil> {
    if value.len() == 8 {
        return NaiveDate::parse_from_str(value, "%Y%m%d").ok().map(RawUntil::Date);
    }
    if let Some(utc) = value.strip_suffix('Z').or_else(|| value.strip_suffix('z')) {
        return NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok().map(RawUntil::Utc);
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").ok().map(RawUntil::Floating)
}

fn parse_by_day(code: &str) -> Result<(Option<i8>, Weekday), RecurrenceError> {
    let bad = || RecurrenceError::BadWeekday(code.to_string());
    if code.len() < 2 || !code.is_char_boundary(code.len() - 2) {
        return Err(bad());
    }
    let (nth, day) = code.split_at(code.len() - 2);
    let day = parse_weekday(day).ok_or_else(bad)?;
    let nth = match nth.trim_start_matches('+') {
        "" => None,
        n => Some(n.parse::<i8>().map_err(|_| bad())?),
    };
    Ok((nth, day))
}

/// A stretch of time views ask about: `start..end`, at most [`MAX_WINDOW_DAYS`] long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Why a window was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("the window ends before it starts")]
    Empty,
    #[error("a window spans at most {MAX_WINDOW_DAYS} days")]
    TooLong,
}

impl Window {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Window, WindowError> {
        if end <= start {
            return Err(WindowError::Empty);
        }
        if end - start > Duration::days(MAX_WINDOW_DAYS) {
            return Err(WindowError::TooLong);
        }
        Ok(Window { start, end })
    }

    /// The Paris days `first..=last` (a week view: Monday to Sunday).
    pub fn days(first: NaiveDate, last: NaiveDate) -> Result<Window, WindowError> {
        let next = last.succ_opt().ok_or(WindowError::TooLong)?;
        Window::new(paris::midnight(first).with_timezone(&Utc), paris::midnight(next).with_timezone(&Utc))
    }

    /// One Paris day (the reminders: tomorrow).
    pub fn day(day: NaiveDate) -> Window {
        let start = paris::midnight(day).with_timezone(&Utc);
        let end = day.succ_opt().map(|d| paris::midnight(d).with_timezone(&Utc)).unwrap_or(start + Duration::days(1));
        Window { start, end }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

/// The occurrences of one event in a window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// In order of start.
    pub occurrences: Vec<When>,
    /// True when [`MAX_OCCURRENCES`] cut the list.
    pub truncated: bool,
}

/// The first day a rule produces from `when`'s start (which may be later than that start).
pub(crate) fn first_day(when: &When, rule: &Recurrence) -> Option<NaiveDate> {
    let set = rule.to_rrule(when.local_start())?;
    set.all(1).dates.first().map(|d| d.naive_utc().date())
}

pub(crate) fn expand(schedule: &Schedule, window: &Window) -> Expansion {
    let when = schedule.when();
    let Some(rule) = schedule.recurrence() else {
        let occurrences = if when.overlaps(window) { vec![when.clone()] } else { Vec::new() };
        return Expansion { occurrences, truncated: false };
    };
    let Some(set) = rule.to_rrule(when.local_start()) else {
        return Expansion::default();
    };
    // The occurrences that can overlap the window start from one event-length (and a day of
    // margin for the clock changes) before it, up to a day after it, in wall-clock time.
    let length = when.end_instant() - when.start_instant();
    let from = paris::at(window.start()).naive_local() - length - Duration::days(1);
    let to = paris::at(window.end()).naive_local() + Duration::days(1);
    // rrule counts only what falls between the bounds; ask for one more than kept to know
    // whether the list was cut.
    let asked = u16::try_from(2 * MAX_OCCURRENCES).unwrap_or(u16::MAX);
    let found = set.after(wall(from)).before(wall(to)).all(asked);
    let mut out = Expansion::default();
    for date in found.dates {
        let day = date.naive_utc().date();
        if schedule.exceptions().contains(&day) {
            continue;
        }
        let occurrence = when.on_day(day);
        if !occurrence.overlaps(window) {
            continue;
        }
        if out.occurrences.len() == MAX_OCCURRENCES {
            out.truncated = true;
            break;
        }
        out.occurrences.push(occurrence);
    }
    out
}

pub(crate) fn span(schedule: &Schedule) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let when = schedule.when();
    let start = when.start_instant();
    let Some(rule) = schedule.recurrence() else {
        return (start, Some(when.end_instant()));
    };
    match rule.end() {
        End::Never => (start, None),
        // An upper bound: the last day allowed may not be one the rule produces.
        End::Until(last) => (start, Some(when.on_day(last).end_instant())),
        End::Count(n) => {
            let last = rule
                .to_rrule(when.local_start())
                .and_then(|set| set.all(n).dates.last().map(|d| d.naive_utc().date()))
                .unwrap_or(when.first_day());
            (start, Some(when.on_day(last).end_instant()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{Datelike, Timelike};

    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn timed(start: &str, end: &str) -> When {
        When::timed(local(start), local(end)).unwrap()
    }

    fn rule(text: &str) -> Recurrence {
        Recurrence::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn schedule(when: When, text: &str, exceptions: &[&str]) -> Schedule {
        Schedule::repeating(when, rule(text), exceptions.iter().map(|d| day(d)).collect()).unwrap()
    }

    /// The occurrences' starts, as RFC 3339 with the Paris offset.
    fn starts(s: &Schedule, first: &str, last: &str) -> Vec<String> {
        let expansion = s.occurrences(&Window::days(day(first), day(last)).unwrap());
        expansion
            .occurrences
            .iter()
            .map(|w| match w {
                When::Timed { start, .. } => start.to_rfc3339(),
                When::AllDay { first, .. } => first.to_string(),
            })
            .collect()
    }

    #[test]
    fn rules_read_and_write_the_same() {
        for text in [
            "FREQ=DAILY",
            "FREQ=DAILY;INTERVAL=2;COUNT=10",
            "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20260703",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=SU",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=MONTHLY;BYMONTHDAY=1,15,-1",
            "FREQ=MONTHLY;BYDAY=2TU;COUNT=6",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=MONTHLY;BYDAY=MO",
        ] {
            assert_eq!(rule(text).to_rule_text(), text);
        }
        assert_eq!(rule("freq=weekly;byday=th,mo").to_rule_text(), "FREQ=WEEKLY;BYDAY=MO,TH", "canonical order");
    }

    #[test]
    fn what_is_outside_the_subset_is_named() {
        use RecurrenceError as E;
        let err = |t: &str| Recurrence::parse(t).unwrap_err();
        assert_eq!(err("FREQ=YEARLY"), E::UnsupportedFrequency("YEARLY".into()));
        assert_eq!(err("FREQ=HOURLY"), E::UnsupportedFrequency("HOURLY".into()));
        assert_eq!(err("FREQ=MONTHLY;BYMONTH=3"), E::UnsupportedPart("BYMONTH".into()));
        assert_eq!(err("FREQ=WEEKLY;BYHOUR=8"), E::UnsupportedPart("BYHOUR".into()));
        assert_eq!(err("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"), E::UnsupportedPart("BYSETPOS".into()));
        assert_eq!(err("FREQ=DAILY;COUNT=2;UNTIL=20250101"), E::UntilAndCount);
        assert_eq!(err("FREQ=DAILY;INTERVAL=0"), E::BadInterval);
        assert_eq!(err("FREQ=DAILY;INTERVAL=100"), E::BadInterval);
        assert_eq!(err("FREQ=DAILY;COUNT=1001"), E::BadCount);
        assert_eq!(err("FREQ=MONTHLY;BYMONTHDAY=32"), E::BadMonthDay);
        assert_eq!(err("FREQ=MONTHLY;BYDAY=6MO"), E::BadWeekday("6MO".into()));
        assert_eq!(err("FREQ=WEEKLY;BYDAY=XX"), E::BadWeekday("XX".into()));
        assert_eq!(err("FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=13"), E::DaysAndMonthDays);
        assert_eq!(
            err("FREQ=WEEKLY;BYDAY=2MO"),
            E::NotForThisFrequency { part: "BYDAY with a position", freq: "WEEKLY" }
        );
        assert_eq!(err("FREQ=DAILY;INTERVAL=2;BYDAY=MO"), E::NotForThisFrequency { part: "BYDAY", freq: "DAILY" });
        assert_eq!(err("INTERVAL=2"), E::MissingFrequency);
        assert_eq!(err("FREQ=DAILY;X-FOO=1"), E::UnsupportedPart("X-FOO".into()));
        assert_eq!(err("FREQ=DAILY;UNTIL=20250101T000000Z"), E::Malformed("UNTIL".into()), "the store keeps days");
    }

    #[test]
    fn equivalent_spellings_of_other_calendars() {
        // Thunderbird's "every weekday", Exchange's "second Tuesday".
        let t = RawRule::parse("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR").unwrap().into_recurrence(None).unwrap();
        assert_eq!(t.to_rule_text(), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
        let e = RawRule::parse("FREQ=MONTHLY;BYSETPOS=2;BYDAY=TU").unwrap().into_recurrence(None).unwrap();
        assert_eq!(e.to_rule_text(), "FREQ=MONTHLY;BYDAY=2TU");
    }

    #[test]
    fn a_weekly_lesson_keeps_its_local_time_across_both_clock_changes() {
        // Tuesdays 8:30–9:30 from March to November 2025: clocks change on 30 March and 26 October.
        let s = schedule(timed("2025-03-18 08:30", "2025-03-18 09:30"), "FREQ=WEEKLY;BYDAY=TU;UNTIL=20251111", &[]);
        assert_eq!(
            starts(&s, "2025-03-17", "2025-04-06"),
            ["2025-03-18T08:30:00+01:00", "2025-03-25T08:30:00+01:00", "2025-04-01T08:30:00+02:00"]
        );
        assert_eq!(
            starts(&s, "2025-10-20", "2025-11-16"),
            [
                "2025-10-21T08:30:00+02:00",
                "2025-10-28T08:30:00+01:00",
                "2025-11-04T08:30:00+01:00",
                "2025-11-11T08:30:00+01:00"
            ]
        );
        // The length is kept too.
        let occ = s.occurrences(&Window::days(day("2025-04-01"), day("2025-04-01")).unwrap()).occurrences;
        let When::Timed { start, end } = &occ[0] else { panic!("timed") };
        assert_eq!(*end - *start, Duration::hours(1));
    }

    #[test]
    fn every_week_of_the_century_keeps_its_wall_clock_time() {
        // A weekly 8:30–9:30 rule from 2000 to 2099, expanded year by year: every occurrence is at
        // 8:30 Paris time, lasts an hour, falls on a Tuesday, and none is missing or doubled.
        let s = schedule(timed("2000-01-04 08:30", "2000-01-04 09:30"), "FREQ=WEEKLY;BYDAY=TU", &[]);
        let mut previous: Option<NaiveDate> = None;
        for year in 2000..=2099 {
            let window = Window::days(day(&format!("{year}-01-01")), day(&format!("{year}-12-31"))).unwrap();
            let e = s.occurrences(&window);
            assert!(!e.truncated && (52..=53).contains(&e.occurrences.len()), "{year}");
            for w in e.occurrences {
                let When::Timed { start, end } = w else { panic!("timed") };
                assert_eq!(start.time(), NaiveTime::from_hms_opt(8, 30, 0).unwrap(), "{start}");
                assert_eq!(end - start, Duration::hours(1), "{start}");
                assert_eq!(start.weekday(), Weekday::Tue);
                if let Some(p) = previous {
                    assert_eq!(start.date_naive() - p, Duration::days(7), "{start}");
                }
                previous = Some(start.date_naive());
            }
        }
    }

    #[test]
    fn a_daily_event_inside_the_changing_hour() {
        // 02:30 does not exist on 30 March (read as 03:30 summer time) and happens twice on
        // 26 October (the first, summer time, is meant).
        let s = schedule(timed("2025-03-29 02:30", "2025-03-29 02:45"), "FREQ=DAILY;COUNT=3", &[]);
        assert_eq!(
            starts(&s, "2025-03-29", "2025-03-31"),
            ["2025-03-29T02:30:00+01:00", "2025-03-30T03:30:00+02:00", "2025-03-31T02:30:00+02:00"]
        );
        let s = schedule(timed("2025-10-25 02:30", "2025-10-25 02:45"), "FREQ=DAILY;COUNT=3", &[]);
        assert_eq!(
            starts(&s, "2025-10-25", "2025-10-27"),
            ["2025-10-25T02:30:00+02:00", "2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"]
        );
    }

    #[test]
    fn monthly_on_the_31st_skips_the_shorter_months() {
        let s = schedule(timed("2025-01-31 18:00", "2025-01-31 19:00"), "FREQ=MONTHLY;BYMONTHDAY=31", &[]);
        let got = starts(&s, "2025-01-01", "2025-12-31");
        let days: Vec<&str> = got.iter().map(|s| &s[..10]).collect();
        assert_eq!(
            days,
            ["2025-01-31", "2025-03-31", "2025-05-31", "2025-07-31", "2025-08-31", "2025-10-31", "2025-12-31"]
        );
        // Without BYMONTHDAY, the start's day is meant: the same.
        let s = schedule(timed("2025-01-31 18:00", "2025-01-31 19:00"), "FREQ=MONTHLY;COUNT=4", &[]);
        let got = starts(&s, "2025-01-01", "2025-12-31");
        let days: Vec<&str> = got.iter().map(|s| &s[..10]).collect();
        assert_eq!(
            days,
            ["2025-01-31", "2025-03-31", "2025-05-31", "2025-07-31"],
            "COUNT counts occurrences, not months"
        );
        // Every year of the century: the seven months that have a 31st, at 18:00.
        let s = schedule(timed("2000-01-31 18:00", "2000-01-31 19:00"), "FREQ=MONTHLY;BYMONTHDAY=31", &[]);
        for year in 2000..=2099 {
            let window = Window::days(day(&format!("{year}-01-01")), day(&format!("{year}-12-31"))).unwrap();
            let months: Vec<u32> = s
                .occurrences(&window)
                .occurrences
                .iter()
                .map(|w| match w {
                    When::Timed { start, .. } if start.day() == 31 && start.hour() == 18 => start.month(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(months, [1, 3, 5, 7, 8, 10, 12], "{year}");
        }
        // The last day of every month.
        let s =
            schedule(When::all_day(day("2025-01-31"), day("2025-01-31")).unwrap(), "FREQ=MONTHLY;BYMONTHDAY=-1", &[]);
        assert_eq!(starts(&s, "2025-01-01", "2025-04-30"), ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]);
    }

    #[test]
    fn monthly_by_weekday() {
        // The school council: second Tuesday, and the last Friday, of each month.
        let s = schedule(timed("2025-09-09 18:00", "2025-09-09 19:30"), "FREQ=MONTHLY;BYDAY=2TU;COUNT=4", &[]);
        let got = starts(&s, "2025-09-01", "2026-06-30");
        assert_eq!(
            got,
            [
                "2025-09-09T18:00:00+02:00",
                "2025-10-14T18:00:00+02:00",
                "2025-11-11T18:00:00+01:00",
                "2025-12-09T18:00:00+01:00"
            ]
        );
        let s = schedule(When::all_day(day("2025-09-26"), day("2025-09-26")).unwrap(), "FREQ=MONTHLY;BYDAY=-1FR", &[]);
        assert_eq!(starts(&s, "2025-09-01", "2025-11-30"), ["2025-09-26", "2025-10-31", "2025-11-28"]);
    }

    #[test]
    fn exceptions_remove_occurrences_that_count_still_counts() {
        let s = schedule(
            timed("2025-09-01 08:30", "2025-09-01 09:00"),
            "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6",
            &["2025-09-04", "2025-09-11", "2025-12-25"],
        );
        let got = starts(&s, "2025-09-01", "2025-12-31");
        let days: Vec<&str> = got.iter().map(|s| &s[..10]).collect();
        assert_eq!(days, ["2025-09-01", "2025-09-08", "2025-09-15", "2025-09-18"]);
    }

    #[test]
    fn a_start_outside_the_rule_moves_to_its_first_day() {
        // Created on a Monday, weekly on Tuesdays and Thursdays: the event starts on Tuesday.
        let s = schedule(timed("2025-09-01 08:30", "2025-09-01 09:00"), "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3", &[]);
        assert_eq!(s.when().first_day(), day("2025-09-02"));
        assert_eq!(s.when().start_instant().to_rfc3339(), "2025-09-02T06:30:00+00:00");
        let got = starts(&s, "2025-09-01", "2025-09-30");
        assert_eq!(got.len(), 3);
        // A rule that produces nothing.
        let none = Schedule::repeating(
            When::all_day(day("2025-09-01"), day("2025-09-01")).unwrap(),
            rule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20250901"),
            BTreeSet::new(),
        );
        assert_eq!(none, Err(crate::model::EventError::NoOccurrence));
        let before = Schedule::repeating(
            When::all_day(day("2025-09-01"), day("2025-09-01")).unwrap(),
            rule("FREQ=DAILY;UNTIL=20250831"),
            BTreeSet::new(),
        );
        assert_eq!(before, Err(crate::model::EventError::UntilBeforeStart));
    }

    #[test]
    fn long_events_are_found_from_their_end() {
        // A three-day all-day event every month: the window that holds only its last day sees it.
        let s = schedule(When::all_day(day("2025-09-29"), day("2025-10-01")).unwrap(), "FREQ=MONTHLY", &[]);
        let occ = s.occurrences(&Window::days(day("2025-10-01"), day("2025-10-01")).unwrap()).occurrences;
        assert_eq!(occ, [When::AllDay { first: day("2025-09-29"), last: day("2025-10-01") }]);
    }

    #[test]
    fn expansions_and_windows_are_bounded() {
        assert_eq!(Window::days(day("2025-01-01"), day("2026-03-01")), Err(WindowError::TooLong));
        assert_eq!(Window::days(day("2025-01-02"), day("2025-01-01")), Err(WindowError::Empty));
        // Daily for years, from 2000: a late window still expands (and quickly), to its length.
        let s = schedule(timed("2000-01-03 08:00", "2000-01-03 08:10"), "FREQ=DAILY", &[]);
        let e = s.occurrences(&Window::days(day("2098-12-01"), day("2099-12-31")).unwrap());
        assert_eq!((e.occurrences.len(), e.truncated), (MAX_OCCURRENCES, true));
        let e = s.occurrences(&Window::days(day("2099-01-01"), day("2099-01-31")).unwrap());
        assert_eq!((e.occurrences.len(), e.truncated), (31, false));
    }

    #[test]
    fn spans_cover_every_occurrence() {
        let s = schedule(timed("2025-01-31 18:00", "2025-01-31 19:00"), "FREQ=MONTHLY;COUNT=4", &[]);
        let (start, end) = s.span();
        assert_eq!(start.to_rfc3339(), "2025-01-31T17:00:00+00:00");
        assert_eq!(end.map(|e| e.to_rfc3339()).as_deref(), Some("2025-07-31T17:00:00+00:00"));
        let s = schedule(timed("2025-01-31 18:00", "2025-01-31 19:00"), "FREQ=WEEKLY;UNTIL=20250630", &[]);
        assert_eq!(s.span().1.map(|e| e.to_rfc3339()).as_deref(), Some("2025-06-30T17:00:00+00:00"));
        let s = schedule(timed("2025-01-31 18:00", "2025-01-31 19:00"), "FREQ=WEEKLY", &[]);
        assert_eq!(s.span().1, None);
        let once = Schedule::once(timed("2025-01-31 18:00", "2025-01-31 19:00"));
        assert_eq!(once.span().1.map(|e| e.to_rfc3339()).as_deref(), Some("2025-01-31T18:00:00+00:00"));
    }

    #[test]
    fn until_in_a_feed_ends_the_paris_day() {
        let r = rule("FREQ=WEEKLY;UNTIL=20250630");
        assert_eq!(r.to_ical(&timed("2025-01-06 08:00", "2025-01-06 09:00")), "FREQ=WEEKLY;UNTIL=20250630T215959Z");
        assert_eq!(r.to_ical(&timed("2025-01-06 08:00", "2025-01-06 09:00")).len(), 34);
        let winter = rule("FREQ=WEEKLY;UNTIL=20251231");
        assert_eq!(
            winter.to_ical(&timed("2025-01-06 08:00", "2025-01-06 09:00")),
            "FREQ=WEEKLY;UNTIL=20251231T225959Z"
        );
        assert_eq!(
            r.to_ical(&When::all_day(day("2025-01-06"), day("2025-01-06")).unwrap()),
            "FREQ=WEEKLY;UNTIL=20250630"
        );
    }
}
