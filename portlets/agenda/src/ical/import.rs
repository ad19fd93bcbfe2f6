//! The import of an `.ics` file (what Google Calendar, Outlook, Thunderbird or Apple Calendar
//! export) into events, with a report of what was left out and why.
//!
//! Read: `VEVENT`s with `DTSTART` as a date, a UTC time, a floating time (read in the file's
//! `X-WR-TIMEZONE`, else Paris) or a time with a `TZID` (IANA, Windows or the file's own
//! `VTIMEZONE`); `DTEND` or `DURATION`; `SUMMARY`, `LOCATION`, `DESCRIPTION`; `RRULE` in the
//! supported subset with its `EXDATE`s; changed occurrences (`RECURRENCE-ID`), which become an
//! exception of their series and, unless cancelled, an event of their own. Times are turned into
//! Paris time; a recurring event from a zone whose clock changes differ from Paris's (or in UTC)
//! keeps the Paris time of its first occurrence, and the report says so.
//!
//! Left out, each with its reason: other components (tasks, journal entries), cancelled events,
//! events without a start or a title, unknown time zones, rules outside the subset, `EXRULE`,
//! changes to "this and all following" occurrences. Texts too long for the agenda are cut, and
//! the report says so. `RDATE`s (extra dates) are not kept, and the report counts them.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::lines::{ContentLine, parse, unescape, unfold};
use super::zones;
use crate::model::{Description, EventContent, EventError, ImportUid, Place, Schedule, Title, When};
use crate::paris;
use crate::recurrence::{RawRule, RawUntil, RecurrenceError};

/// The largest file read.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
/// The most events one file may hold.
pub const MAX_IMPORT_EVENTS: usize = 3000;

/// An event read from the file, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// Its `UID` (a changed occurrence: its series' UID and the occurrence it replaces).
    pub uid: ImportUid,
    pub content: EventContent,
    /// What was changed on the way in.
    pub notes: Vec<ImportNote>,
    /// The line its `BEGIN:VEVENT` is on.
    pub line: usize,
}

/// Something the import changed in an event it kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportNote {
    TitleCut,
    PlaceCut,
    DescriptionCut,
    /// The event recurs in a zone (or UTC) whose clock changes differ from Paris's: its
    /// occurrences keep the Paris time of the first one.
    RuleKeptAtParisTime {
        zone: String,
    },
    /// This many extra dates (`RDATE`) were not kept.
    ExtraDatesIgnored(usize),
    /// A changed occurrence of a recurring event, kept as an event of its own.
    ChangedOccurrence,
}

/// Why an event (or another component) was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// A task, a journal entry… (the component's name).
    NotAnEvent(String),
    Cancelled,
    NoStart,
    NoTitle,
    /// A date or time that could not be read (the value).
    BadDate(String),
    /// A `TZID` the import does not know.
    UnknownTimeZone(String),
    Recurrence(RecurrenceError),
    Schedule(EventError),
    /// An exclusion rule (`EXRULE`, deprecated by RFC 5545).
    ExclusionRule,
    /// A change to "this and all following" occurrences.
    ThisAndFuture,
    /// A second event with a `UID` already read.
    DuplicateUid,
    /// A line that is not an iCalendar content line.
    Malformed {
        line: usize,
    },
    /// A component the file never closes.
    Unfinished,
}

/// One component left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The line its `BEGIN` is on.
    pub line: usize,
    pub uid: Option<String>,
    /// Its `SUMMARY`, to show the person what was left out.
    pub title: Option<String>,
    pub reason: SkipReason,
}

/// What a file holds for the agenda.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// In file order, series before their changed occurrences.
    pub events: Vec<Imported>,
    pub skipped: Vec<Skipped>,
}

/// Why a whole file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is larger than {MAX_IMPORT_BYTES} bytes")]
    TooLarge,
    #[error("not an iCalendar file (no BEGIN:VCALENDAR)")]
    NotACalendar,
    #[error("more than {MAX_IMPORT_EVENTS} events")]
    TooManyEvents,
}

/// A component directly inside the calendar, with its own properties (not its sub-components').
#[derive(Debug)]
struct Component {
    kind: String,
    line: usize,
    props: Vec<ContentLine>,
    malformed: Option<usize>,
}

impl Component {
    fn get(&self, name: &str) -> Option<&ContentLine> {
        self.props.iter().find(|p| p.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ContentLine> {
        self.props.iter().filter(move |p| p.name == name)
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|p| unescape(&p.value)).filter(|s| !s.trim().is_empty())
    }

    fn skipped(&self, reason: SkipReason) -> Skipped {
        Skipped {
            line: self.line,
            uid: self.get("UID").map(|p| p.value.trim().to_string()),
            title: self.text("SUMMARY"),
            reason,
        }
    }

    fn is_cancelled(&self) -> bool {
        self.get("STATUS").is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"))
    }
}

/// What reading times needs from the whole file.
struct Context {
    /// The file's `VTIMEZONE` ids that name a known zone.
    declared: HashMap<String, Tz>,
    /// Where floating times are read.
    floating: Tz,
}

/// A point of a date or date-time property.
#[derive(Clone, Copy, Debug)]
enum Moment {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl Context {
    /// The values of a date or date-time property (a list for `EXDATE`), and the zone its times
    /// were written in.
    fn moments(&self, prop: &ContentLine) -> Result<(Vec<Moment>, Tz), SkipReason> {
        let zone = match prop.param("TZID") {
            Some(tzid) => {
                zones::resolve(tzid, &self.declared).ok_or_else(|| SkipReason::UnknownTimeZone(tzid.into()))?
            }
            None => self.floating,
        };
        let mut out = Vec::new();
        let mut written_in = zone;
        for value in prop.value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            let bad = || SkipReason::BadDate(value.to_string());
            if prop.param_is("VALUE", "DATE") || value.len() == 8 {
                out.push(Moment::Day(NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| bad())?));
            } else if let Some(utc) = value.strip_suffix(['Z', 'z']) {
                let t = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
                out.push(Moment::At(Utc.from_utc_datetime(&t)));
                written_in = Tz::UTC;
            } else {
                let t = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
                out.push(Moment::At(paris::resolve_in(&zone, t).with_timezone(&Utc)));
            }
        }
        Ok((out, written_in))
    }

    fn moment(&self, prop: &ContentLine) -> Result<(Moment, Tz), SkipReason> {
        let (moments, zone) = self.moments(prop)?;
        match moments.as_slice() {
            [m] => Ok((*m, zone)),
            _ => Err(SkipReason::BadDate(prop.value.clone())),
        }
    }
}

/// Reads a file. Fails as a whole only when it is not a calendar or too large; every event it
/// cannot take is in the report's `skipped`.
pub fn import_ics(text: &str) -> Result<ImportReport, ImportError> {
    let (context, components, mut report) = read_file(text)?;
    let mut series: HashMap<String, usize> = HashMap::new();
    let mut changed = Vec::new();
    for c in &components {
        match c.kind.as_str() {
            "VEVENT" => {}
            "VTIMEZONE" => continue,
            other => {
                report.skipped.push(c.skipped(SkipReason::NotAnEvent(other.to_string())));
                continue;
            }
        }
        if let Some(line) = c.malformed {
            report.skipped.push(c.skipped(SkipReason::Malformed { line }));
            continue;
        }
        if c.get("RECURRENCE-ID").is_some() {
            changed.push(c);
            continue;
        }
        if c.is_cancelled() {
            report.skipped.push(c.skipped(SkipReason::Cancelled));
            continue;
        }
        let uid = uid_of(c);
        if series.contains_key(uid.as_str()) {
            report.skipped.push(c.skipped(SkipReason::DuplicateUid));
            continue;
        }
        match read_event(c, &context, true) {
            Ok((content, notes)) => {
                series.insert(uid.as_str().to_string(), report.events.len());
                report.events.push(Imported { uid, content, notes, line: c.line });
            }
            Err(reason) => report.skipped.push(c.skipped(reason)),
        }
    }

    for c in changed {
        match read_changed(c, &context, &series, &mut report.events) {
            Ok(Some(imported)) => report.events.push(imported),
            Ok(None) => {}
            Err(reason) => report.skipped.push(c.skipped(reason)),
        }
    }
    report.skipped.sort_by_key(|s| s.line);
    Ok(report)
}

/// The file's components and what reading their times needs.
fn read_file(text: &str) -> Result<(Context, Vec<Component>, ImportReport), ImportError> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (calendar, components, report) = read_components(text)?;
    if components.iter().filter(|c| c.kind == "VEVENT").count() > MAX_IMPORT_EVENTS {
        return Err(ImportError::TooManyEvents);
    }
    let mut declared = HashMap::new();
    for tz in components.iter().filter(|c| c.kind == "VTIMEZONE") {
        let location = tz.get("X-LIC-LOCATION").and_then(|p| Tz::from_str(p.value.trim()).ok());
        if let (Some(id), Some(location)) = (tz.get("TZID"), location) {
            declared.insert(id.value.trim().to_string(), location);
        }
    }
    let floating = calendar
        .iter()
        .find(|p| p.name == "X-WR-TIMEZONE")
        .and_then(|p| zones::resolve(&p.value, &declared))
        .unwrap_or(paris::ZONE);
    Ok((Context { declared, floating }, components, report))
}

/// The Paris days an event of a file covers, read without the agenda's limits on lengths (a
/// holiday period may last two months).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DaySpan {
    pub line: usize,
    pub title: Option<String>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub recurring: bool,
}

/// An event's days, or its line and why they cannot be read.
pub(crate) type SpanOrProblem = Result<DaySpan, (usize, SkipReason)>;

/// The days of every event of a file (cancelled ones and changed occurrences left out); an
/// event whose dates cannot be read is its line and the reason.
pub(crate) fn day_spans(text: &str) -> Result<Vec<SpanOrProblem>, ImportError> {
    let (cx, components, _) = read_file(text)?;
    let events =
        components.iter().filter(|c| c.kind == "VEVENT" && !c.is_cancelled() && c.get("RECURRENCE-ID").is_none());
    Ok(events
        .map(|c| {
            let start = c.get("DTSTART").ok_or((c.line, SkipReason::NoStart))?;
            let (start, _) = cx.moment(start).map_err(|r| (c.line, r))?;
            let end = match c.get("DTEND") {
                Some(end) => Some(cx.moment(end).map_err(|r| (c.line, r))?.0),
                None => None,
            };
            let (first, last) = match (start, end) {
                (Moment::Day(first), Some(Moment::Day(end))) => (first, end.pred_opt().unwrap_or(end).max(first)),
                (Moment::At(s), Some(Moment::At(e))) => {
                    // An end at midnight belongs to the day before.
                    let last = paris::day_of(e - Duration::seconds(1));
                    (paris::day_of(s), last.max(paris::day_of(s)))
                }
                (Moment::Day(d), None) => (d, d),
                (Moment::At(s), None) => (paris::day_of(s), paris::day_of(s)),
                _ => {
                    return Err((
                        c.line,
                        SkipReason::BadDate(c.get("DTEND").map(|p| p.value.clone()).unwrap_or_default()),
                    ));
                }
            };
            Ok(DaySpan { line: c.line, title: c.text("SUMMARY"), first, last, recurring: c.get("RRULE").is_some() })
        })
        .collect())
}

/// The calendar's own properties and its top-level components; components left unfinished are
/// reported.
fn read_components(text: &str) -> Result<(Vec<ContentLine>, Vec<Component>, ImportReport), ImportError> {
    let mut calendar = Vec::new();
    let mut components = Vec::new();
    let mut report = ImportReport::default();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<Component> = None;
    let mut seen_calendar = false;
    for (n, raw) in unfold(text) {
        let Some(line) = parse(&raw) else {
            if let Some(c) = current.as_mut() {
                c.malformed.get_or_insert(n);
            } else if !seen_calendar {
                return Err(ImportError::NotACalendar);
            }
            continue;
        };
        match line.name.as_str() {
            "BEGIN" => {
                let kind = line.value.trim().to_ascii_uppercase();
                if stack.is_empty() && kind != "VCALENDAR" {
                    return Err(ImportError::NotACalendar);
                }
                seen_calendar = true;
                if stack.len() == 1 {
                    current = Some(Component { kind: kind.clone(), line: n, props: Vec::new(), malformed: None });
                }
                stack.push(kind);
            }
            "END" => {
                let kind = line.value.trim().to_ascii_uppercase();
                let Some(open) = stack.iter().rposition(|k| *k == kind) else {
                    if let Some(c) = current.as_mut() {
                        c.malformed.get_or_insert(n);
                    }
                    continue;
                };
                stack.truncate(open);
                if stack.len() <= 1
                    && let Some(c) = current.take()
                {
                    if c.kind == kind {
                        components.push(c);
                    } else {
                        report.skipped.push(c.skipped(SkipReason::Unfinished));
                    }
                }
            }
            _ => match (stack.len(), current.as_mut()) {
                (1, _) => calendar.push(line),
                (2, Some(c)) => c.props.push(line),
                _ => {}
            },
        }
    }
    if !seen_calendar {
        return Err(ImportError::NotACalendar);
    }
    if let Some(c) = current.take() {
        report.skipped.push(c.skipped(SkipReason::Unfinished));
    }
    Ok((calendar, components, report))
}

/// The event's UID, or one made from its start and title when the file forgot it (so that a
/// second import of the same file still finds it).
fn uid_of(c: &Component) -> ImportUid {
    c.get("UID").and_then(|p| ImportUid::new(&p.value)).unwrap_or_else(|| {
        let start = c.get("DTSTART").map(|p| p.value.as_str()).unwrap_or("");
        ImportUid::digest(&format!("{start}|{}", c.text("SUMMARY").unwrap_or_default()))
    })
}

/// An event's content; `with_rule` is false for a changed occurrence (which is one date).
fn read_event(c: &Component, cx: &Context, with_rule: bool) -> Result<(EventContent, Vec<ImportNote>), SkipReason> {
    let mut notes = Vec::new();
    let title = c.text("SUMMARY").and_then(|s| Title::lossy(&s)).ok_or(SkipReason::NoTitle)?;
    if title.1 {
        notes.push(ImportNote::TitleCut);
    }
    let place = c.text("LOCATION").and_then(|s| Place::lossy(&s));
    if place.as_ref().is_some_and(|p| p.1) {
        notes.push(ImportNote::PlaceCut);
    }
    let description = c.text("DESCRIPTION").and_then(|s| Description::lossy(&s));
    if description.as_ref().is_some_and(|d| d.1) {
        notes.push(ImportNote::DescriptionCut);
    }

    let (when, zone) = read_when(c, cx)?;
    let schedule = match c.get("RRULE").filter(|_| with_rule) {
        None => Schedule::once(when),
        Some(rule) => {
            if c.get("EXRULE").is_some() {
                return Err(SkipReason::ExclusionRule);
            }
            let raw = RawRule::parse(&rule.value).map_err(SkipReason::Recurrence)?;
            let until = match raw.until {
                None => None,
                Some(RawUntil::Date(d)) => Some(d),
                Some(RawUntil::Utc(t)) => Some(last_day_until(&when, Utc.from_utc_datetime(&t))),
                Some(RawUntil::Floating(t)) => {
                    Some(last_day_until(&when, paris::resolve_in(&zone, t).with_timezone(&Utc)))
                }
            };
            let rule = raw.into_recurrence(until).map_err(SkipReason::Recurrence)?;
            let mut exceptions = BTreeSet::new();
            for ex in c.all("EXDATE") {
                for m in cx.moments(ex)?.0 {
                    exceptions.insert(day_of(m));
                }
            }
            let extra: usize = c.all("RDATE").map(|p| p.value.split(',').count()).sum();
            if extra > 0 {
                notes.push(ImportNote::ExtraDatesIgnored(extra));
            }
            if !when.is_all_day() && clock_changes_differ(zone, when.first_day().year()) {
                notes.push(ImportNote::RuleKeptAtParisTime { zone: zone.name().to_string() });
            }
            Schedule::repeating(when, rule, exceptions).map_err(SkipReason::Schedule)?
        }
    };
    let content =
        EventContent { title: title.0, place: place.map(|p| p.0), description: description.map(|d| d.0), schedule };
    Ok((content, notes))
}

/// `DTSTART` with `DTEND` or `DURATION`, and the zone the start was written in.
fn read_when(c: &Component, cx: &Context) -> Result<(When, Tz), SkipReason> {
    let start = c.get("DTSTART").ok_or(SkipReason::NoStart)?;
    let (start, zone) = cx.moment(start)?;
    let end = match (c.get("DTEND"), c.get("DURATION")) {
        (Some(end), _) => Some(cx.moment(end)?.0),
        (None, Some(d)) => {
            let length = parse_duration(d.value.trim()).ok_or_else(|| SkipReason::BadDate(d.value.clone()))?;
            Some(match start {
                Moment::Day(day) => Moment::Day(day + Duration::days(length.num_days())),
                Moment::At(t) => Moment::At(t + length),
            })
        }
        (None, None) => None,
    };
    let when = match (start, end) {
        // DTEND of a date is the day after the last (exclusive); none means one day.
        (Moment::Day(first), None) => When::all_day(first, first),
        (Moment::Day(first), Some(Moment::Day(end))) => {
            When::all_day(first, end.pred_opt().filter(|l| *l >= first).unwrap_or(first))
        }
        (Moment::At(s), None) => When::between(s, s),
        (Moment::At(s), Some(Moment::At(e))) => When::between(s, e),
        (_, Some(_)) => return Err(SkipReason::BadDate(c.get("DTEND").map(|p| p.value.clone()).unwrap_or_default())),
    }
    .map_err(SkipReason::Schedule)?;
    Ok((when, zone))
}

/// A changed occurrence: an exception in its series (found by UID) and, unless cancelled, an
/// event of its own.
fn read_changed(
    c: &Component,
    cx: &Context,
    series: &HashMap<String, usize>,
    events: &mut [Imported],
) -> Result<Option<Imported>, SkipReason> {
    let rid = c.get("RECURRENCE-ID").ok_or(SkipReason::NoStart)?;
    if rid.param_is("RANGE", "THISANDFUTURE") {
        return Err(SkipReason::ThisAndFuture);
    }
    let day = day_of(cx.moment(rid)?.0);
    let uid = uid_of(c);
    if let Some(master) = series.get(uid.as_str()).and_then(|i| events.get_mut(*i))
        && let Some(rule) = master.content.schedule.recurrence()
    {
        let schedule = &master.content.schedule;
        let mut exceptions = schedule.exceptions().clone();
        exceptions.insert(day);
        master.content.schedule =
            Schedule::repeating(schedule.when().clone(), rule.clone(), exceptions).map_err(SkipReason::Schedule)?;
    }
    if c.is_cancelled() {
        return Ok(None);
    }
    let (content, mut notes) = read_event(c, cx, false)?;
    notes.push(ImportNote::ChangedOccurrence);
    let key = format!("{}/{}", uid.as_str(), rid.value.trim());
    let uid = ImportUid::new(&key).unwrap_or_else(|| ImportUid::digest(&key));
    Ok(Some(Imported { uid, content, notes, line: c.line }))
}

fn day_of(m: Moment) -> NaiveDate {
    match m {
        Moment::Day(d) => d,
        Moment::At(t) => paris::day_of(t),
    }
}

/// The last Paris day whose occurrence starts no later than a rule's `UNTIL` instant.
fn last_day_until(when: &When, until: DateTime<Utc>) -> NaiveDate {
    let day = paris::day_of(until);
    if when.on_day(day).start_instant() > until { day.pred_opt().unwrap_or(day) } else { day }
}

/// Whether a zone's offset from Paris changes during a year (UTC does; London does not).
fn clock_changes_differ(zone: Tz, year: i32) -> bool {
    let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return false;
    };
    let gap = |day: NaiveDate| {
        let noon = Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default());
        zone.offset_from_utc_datetime(&noon.naive_utc()).fix().local_minus_utc() - paris::offset_seconds(noon)
    };
    let first = gap(jan1);
    (1..366).any(|i| gap(jan1 + Duration::days(i)) != first)
}

/// An RFC 5545 duration: `P1D`, `PT1H30M`, `P1W`, `-PT15M`.
fn parse_duration(s: &str) -> Option<Duration> {
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let s = s.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if number.is_empty() && !in_time => in_time = true,
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                total += match (unit, in_time) {
                    ('W', false) => Duration::weeks(n),
                    ('D', false) => Duration::days(n),
                    ('H', true) => Duration::hours(n),
                    ('M', true) => Duration::minutes(n),
                    ('S', true) => Duration::seconds(n),
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ics(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n{body}END:VCALENDAR\r\n")
            .replace('\n', "\r\n")
            .replace("\r\r", "\r")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1D"), Some(Duration::days(1)));
        assert_eq!(parse_duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("-PT15M"), Some(Duration::minutes(-15)));
        for bad in ["", "P", "PT", "1H", "PT1D", "P1H", "PT1", "PTT1H"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn not_a_calendar() {
        assert_eq!(import_ics("hello"), Err(ImportError::NotACalendar));
        assert_eq!(import_ics(""), Err(ImportError::NotACalendar));
        assert_eq!(import_ics("BEGIN:VCARD\r\nEND:VCARD\r\n"), Err(ImportError::NotACalendar));
        assert_eq!(import_ics(&"x".repeat(MAX_IMPORT_BYTES + 1)), Err(ImportError::TooLarge));
    }

    #[test]
    fn untils_become_the_last_day_allowed() {
        // Google: UNTIL is the UTC instant of the last occurrence's start (06:30Z is 08:30 in June).
        let f = ics(
            "BEGIN:VEVENT\nUID:a\nSUMMARY:Piscine\nDTSTART;TZID=Europe/Paris:20250904T083000\nDTEND;TZID=Europe/Paris:20250904T093000\nRRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20260625T063000Z\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:b\nSUMMARY:Juste avant\nDTSTART;TZID=Europe/Paris:20250904T083000\nDTEND;TZID=Europe/Paris:20250904T093000\nRRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20260625T062959Z\nEND:VEVENT\n",
        );
        let r = import_ics(&f).unwrap();
        let untils: Vec<String> =
            r.events.iter().map(|e| e.content.schedule.recurrence().unwrap().to_rule_text()).collect();
        assert_eq!(untils, ["FREQ=WEEKLY;BYDAY=TH;UNTIL=20260625", "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260624"]);
    }

    #[test]
    fn what_is_left_out_is_reported() {
        let f = ics("BEGIN:VTODO\nUID:t\nSUMMARY:Acheter des feutres\nEND:VTODO\n\
            BEGIN:VEVENT\nUID:c\nSUMMARY:Annulé\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20251001\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:n\nSUMMARY:Sans début\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:z\nSUMMARY:Mars\nDTSTART;TZID=Olympus Mons:20251001T100000\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:y\nSUMMARY:Anniversaire\nDTSTART;VALUE=DATE:20251001\nRRULE:FREQ=YEARLY\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:e\nSUMMARY:Sans titre\nDTSTART;VALUE=DATE:20251001\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:e\nSUMMARY:Doublon\nDTSTART;VALUE=DATE:20251002\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:m\nSUMMARY:Ligne cassée\nDTSTART;VALUE=DATE:20251001\nthis is not a line\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:o\nSUMMARY:Vieux\nDTSTART;VALUE=DATE:19991001\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:u\nSUMMARY:Pas fini\nDTSTART;VALUE=DATE:20251001\n");
        let r = import_ics(&f).unwrap();
        let reasons: Vec<(Option<&str>, &SkipReason)> =
            r.skipped.iter().map(|s| (s.uid.as_deref(), &s.reason)).collect();
        assert_eq!(
            reasons,
            [
                (Some("t"), &SkipReason::NotAnEvent("VTODO".into())),
                (Some("c"), &SkipReason::Cancelled),
                (Some("n"), &SkipReason::NoStart),
                (Some("z"), &SkipReason::UnknownTimeZone("Olympus Mons".into())),
                (Some("y"), &SkipReason::Recurrence(RecurrenceError::UnsupportedFrequency("YEARLY".into()))),
                (Some("e"), &SkipReason::DuplicateUid),
                (Some("m"), &SkipReason::Malformed { line: 43 }),
                (Some("o"), &SkipReason::Schedule(EventError::YearOutOfRange)),
                (Some("u"), &SkipReason::Unfinished),
            ]
        );
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events[0].content.title.as_str(), "Sans titre");
        assert_eq!(r.skipped[0].title.as_deref(), Some("Acheter des feutres"));
    }

    #[test]
    fn floating_utc_and_zoned_times() {
        let f = "BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America/New_York\r\n\
            BEGIN:VEVENT\r\nUID:f\r\nSUMMARY:Flottant\r\nDTSTART:20251001T100000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:u\r\nSUMMARY:UTC\r\nDTSTART:20251001T100000Z\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:w\r\nSUMMARY:Windows\r\nDTSTART;TZID=\"W. Europe Standard Time\":20251001T100000\r\nDTEND;TZID=\"W. Europe Standard Time\":20251001T110000\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let r = import_ics(f).unwrap();
        let starts: Vec<String> = r
            .events
            .iter()
            .map(|e| match e.content.schedule.when() {
                When::Timed { start, .. } => start.to_rfc3339(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(starts, ["2025-10-01T16:00:00+02:00", "2025-10-01T12:00:00+02:00", "2025-10-01T10:00:00+02:00"]);
    }

    #[test]
    fn a_rule_in_utc_keeps_the_paris_time_and_says_so() {
        let f = ics(
            "BEGIN:VEVENT\nUID:r\nSUMMARY:Chorale\nDTSTART:20250304T073000Z\nDTEND:20250304T083000Z\nRRULE:FREQ=WEEKLY;COUNT=10\nRDATE:20250601T073000Z,20250602T073000Z\nEND:VEVENT\n",
        );
        let r = import_ics(&f).unwrap();
        assert_eq!(
            r.events[0].notes,
            [ImportNote::ExtraDatesIgnored(2), ImportNote::RuleKeptAtParisTime { zone: "UTC".into() }]
        );
        let window = crate::recurrence::Window::days(day("2025-04-01"), day("2025-04-01")).unwrap();
        let occ = r.events[0].content.schedule.occurrences(&window).occurrences;
        let When::Timed { start, .. } = &occ[0] else { panic!("timed") };
        assert_eq!(start.to_rfc3339(), "2025-04-01T08:30:00+02:00");
    }
}
