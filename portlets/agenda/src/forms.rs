//! The event form: its values as typed (or as stored, to edit), checked field by field into
//! what the model accepts — a title, a place, a description, whole days or Paris times, and a
//! recurrence (every day, week or month, an interval, weekdays, monthly on a day or an nth
//! weekday, until a day or a number of times, exceptions) — with each refusal said beside its
//! field, so that a refused form comes back (`422`) with everything typed.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use ent_portlet_kit::field::{self, Errors, Problem};
use ent_portlet_kit::{Lang, Posted};

use crate::days;
use crate::model::{
    Description, Event, EventContent, EventError, MAX_EXCEPTIONS, Place, Schedule, TextError, Title, When,
};
use crate::recurrence::{End, MAX_COUNT, MAX_INTERVAL, MonthDay, NthWeekday, Pattern, Recurrence, WeekdaySet};
use crate::texts::{Texts, texts};

/// Monday to Sunday, with the codes the form posts (RFC 5545's).
pub const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "MO"),
    (Weekday::Tue, "TU"),
    (Weekday::Wed, "WE"),
    (Weekday::Thu, "TH"),
    (Weekday::Fri, "FR"),
    (Weekday::Sat, "SA"),
    (Weekday::Sun, "SU"),
];

/// How an event repeats, as the form offers it.
pub const REPEATS: [&str; 4] = ["none", "daily", "weekly", "monthly"];
/// How a monthly event finds its day: the same day of the month, the same nth weekday, the same
/// last weekday.
pub const MONTHLY: [&str; 3] = ["day", "nth", "last"];
/// How a repetition ends.
pub const ENDS: [&str; 3] = ["never", "until", "count"];

/// The form's values, as typed, and its errors by field name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventForm {
    /// The target's value (`personal`, `school:…`, `class:…`); fixed once the event exists.
    pub scope: String,
    pub title: String,
    pub place: String,
    pub description: String,
    pub all_day: bool,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub repeat: String,
    pub interval: String,
    pub weekdays: Vec<String>,
    pub monthly: String,
    pub ends: String,
    pub until: String,
    pub count: String,
    /// Days without an occurrence, one per line (`YYYY-MM-DD` or `DD/MM/YYYY`).
    pub exceptions: String,
    pub errors: Errors,
}

impl EventForm {
    /// A new event on `day`, from 9:00 to 10:00, once.
    pub fn blank(scope: &str, day: NaiveDate) -> EventForm {
        EventForm {
            scope: scope.to_string(),
            start_date: day.to_string(),
            start_time: "09:00".into(),
            end_date: String::new(),
            end_time: "10:00".into(),
            repeat: "none".into(),
            interval: "1".into(),
            monthly: "day".into(),
            ends: "never".into(),
            count: "10".into(),
            ..EventForm::default()
        }
    }

    /// A stored event, to edit.
    pub fn of(scope: &str, event: &Event) -> EventForm {
        let content = &event.content;
        let when = content.schedule.when();
        let mut f = EventForm::blank(scope, when.first_day());
        f.title = content.title.to_string();
        f.place = content.place.as_ref().map(|p| p.to_string()).unwrap_or_default();
        f.description = content.description.as_ref().map(|d| d.to_string()).unwrap_or_default();
        match when {
            When::AllDay { first, last } => {
                f.all_day = true;
                f.start_date = first.to_string();
                f.end_date = if last == first { String::new() } else { last.to_string() };
            }
            When::Timed { start, end } => {
                f.start_date = start.date_naive().to_string();
                f.start_time = days::clock(start);
                f.end_date =
                    if end.date_naive() == start.date_naive() { String::new() } else { end.date_naive().to_string() };
                f.end_time = days::clock(end);
            }
        }
        if let Some(rule) = content.schedule.recurrence() {
            f.interval = rule.interval().to_string();
            match rule.pattern() {
                Pattern::Daily => f.repeat = "daily".into(),
                Pattern::Weekly(set) => {
                    f.repeat = "weekly".into();
                    f.weekdays =
                        WEEKDAYS.iter().filter(|(d, _)| set.contains(*d)).map(|(_, c)| c.to_string()).collect();
                }
                Pattern::MonthlyOnDays(_) => {
                    f.repeat = "monthly".into();
                    f.monthly = "day".into();
                }
                Pattern::MonthlyOnWeekdays(days) => {
                    f.repeat = "monthly".into();
                    let last = days.iter().any(|d| d.nth().is_some_and(|n| n < 0));
                    f.monthly = if last { "last" } else { "nth" }.into();
                }
            }
            match rule.end() {
                End::Never => f.ends = "never".into(),
                End::Until(d) => {
                    f.ends = "until".into();
                    f.until = d.to_string();
                }
                End::Count(n) => {
                    f.ends = "count".into();
                    f.count = n.to_string();
                }
            }
            let exceptions: Vec<String> = content.schedule.exceptions().iter().map(|d| d.to_string()).collect();
            f.exceptions = exceptions.join("\n");
        }
        f
    }

    /// The values of a post, as typed.
    pub fn from_posted(p: &Posted) -> EventForm {
        EventForm {
            scope: p.text("scope").to_string(),
            title: p.text("title").to_string(),
            place: p.text("place").to_string(),
            description: p.text("description").to_string(),
            all_day: !p.text("all_day").is_empty(),
            start_date: p.text("start_date").trim().to_string(),
            start_time: p.text("start_time").trim().to_string(),
            end_date: p.text("end_date").trim().to_string(),
            end_time: p.text("end_time").trim().to_string(),
            repeat: p.text("repeat").to_string(),
            interval: p.text("interval").trim().to_string(),
            weekdays: p.all("weekday").into_iter().map(str::to_owned).collect(),
            monthly: p.text("monthly").to_string(),
            ends: p.text("ends").to_string(),
            until: p.text("until").trim().to_string(),
            count: p.text("count").trim().to_string(),
            exceptions: p.text("exceptions").to_string(),
            errors: Errors::default(),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors.any()
    }

    /// The first day typed, when it reads as one (the monthly choices are said from it).
    pub fn start_day(&self) -> Option<NaiveDate> {
        field::day(&self.start_date).ok().map(days::naive)
    }

    /// Checks the values; on success, what to store. Errors are written into the form.
    pub fn validate(&mut self, lang: Lang) -> Option<EventContent> {
        let t = texts(lang);
        let title = match Title::parse(&self.title) {
            Ok(title) => Some(title),
            Err(e) => {
                self.errors.set("title", text_problem(t, &e, t.title_missing));
                None
            }
        };
        let place = match Place::parse(&self.place) {
            Ok(place) => Some(place),
            Err(e) => {
                self.errors.set("place", text_problem(t, &e, ""));
                None
            }
        };
        let description = match Description::parse(&self.description) {
            Ok(description) => Some(description),
            Err(e) => {
                self.errors.set("description", text_problem(t, &e, ""));
                None
            }
        };
        let when = self.when(t);
        let schedule = when.and_then(|when| self.schedule(t, when));
        if self.has_errors() {
            return None;
        }
        Some(EventContent { title: title?, place: place?, description: description?, schedule: schedule? })
    }

    /// A day field: required, or (`optional`) empty for `None`.
    fn day(&mut self, t: &Texts, name: &str, raw: &str, optional: bool) -> Option<Option<NaiveDate>> {
        if optional && raw.trim().is_empty() {
            return Some(None);
        }
        match field::day(raw) {
            Ok(d) => Some(Some(days::naive(d))),
            Err(p) => {
                self.errors.set(name, if p == Problem::Missing { t.day_missing } else { t.not_a_date });
                None
            }
        }
    }

    fn time(&mut self, t: &Texts, name: &str, raw: &str) -> Option<NaiveTime> {
        if raw.is_empty() {
            self.errors.set(name, t.time_missing);
            return None;
        }
        // What `<input type="time">` sends: `HH:MM`, sometimes with seconds.
        let time = NaiveTime::parse_from_str(raw, "%H:%M").or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"));
        match time {
            Ok(time) => Some(time),
            Err(_) => {
                self.errors.set(name, t.not_a_time);
                None
            }
        }
    }

    /// When the event (its first occurrence) happens.
    fn when(&mut self, t: &Texts) -> Option<When> {
        let (start_raw, end_raw) = (self.start_date.clone(), self.end_date.clone());
        let first = self.day(t, "start_date", &start_raw, false).flatten();
        let last = self.day(t, "end_date", &end_raw, true);
        if self.all_day {
            let (first, last) = (first?, last?.unwrap_or(first?));
            return When::all_day(first, last).map_err(|e| self.schedule_error(t, &e)).ok();
        }
        let (start_raw, end_raw) = (self.start_time.clone(), self.end_time.clone());
        let start_time = self.time(t, "start_time", &start_raw);
        let end_time = self.time(t, "end_time", &end_raw);
        let (first, last) = (first?, last?.unwrap_or(first?));
        let (start, end) = (first.and_time(start_time?), last.and_time(end_time?));
        When::timed(start, end).map_err(|e| self.schedule_error(t, &e)).ok()
    }

    /// Once, or by the rule the form describes.
    fn schedule(&mut self, t: &Texts, when: When) -> Option<Schedule> {
        if !REPEATS.contains(&self.repeat.as_str()) {
            self.errors.set("repeat", t.not_a_choice);
            return None;
        }
        if self.repeat == "none" {
            if !self.exceptions.trim().is_empty() {
                self.errors.set("exceptions", t.exceptions_need_repeat);
                return None;
            }
            return Some(Schedule::once(when));
        }
        let interval = match self.interval.parse::<u16>() {
            Ok(n) if (1..=MAX_INTERVAL).contains(&n) => Some(n),
            _ => {
                self.errors.set("interval", t.interval_range(MAX_INTERVAL));
                None
            }
        };
        let pattern = self.pattern(t, when.first_day());
        let end = self.end(t);
        let exceptions = self.exception_days(t);
        let rule =
            Recurrence::new(pattern?, interval?, end?).map_err(|_| self.errors.set("repeat", t.bad_rule)).ok()?;
        Schedule::repeating(when, rule, exceptions?).map_err(|e| self.schedule_error(t, &e)).ok()
    }

    fn pattern(&mut self, t: &Texts, first: NaiveDate) -> Option<Pattern> {
        match self.repeat.as_str() {
            "daily" => Some(Pattern::Daily),
            "weekly" => {
                let mut days = Vec::new();
                for code in &self.weekdays {
                    match WEEKDAYS.iter().find(|(_, c)| c == code) {
                        Some((d, _)) => days.push(*d),
                        None => {
                            self.errors.set("weekdays", t.not_a_choice);
                            return None;
                        }
                    }
                }
                // No day ticked: the first day's weekday, as RFC 5545 reads a rule without BYDAY.
                Some(Pattern::Weekly(WeekdaySet::new(days)))
            }
            _ => match self.monthly.as_str() {
                "day" => {
                    let day = i8::try_from(first.day()).ok().and_then(MonthDay::new);
                    day.map(|d| Pattern::MonthlyOnDays(vec![d]))
                }
                "nth" => nth_of(first).map(|n| Pattern::MonthlyOnWeekdays(vec![n])),
                "last" => NthWeekday::new(Some(-1), first.weekday()).map(|n| Pattern::MonthlyOnWeekdays(vec![n])),
                _ => {
                    self.errors.set("monthly", t.not_a_choice);
                    None
                }
            },
        }
    }

    fn end(&mut self, t: &Texts) -> Option<End> {
        match self.ends.as_str() {
            "never" => Some(End::Never),
            "until" => {
                let raw = self.until.clone();
                self.day(t, "until", &raw, false).flatten().map(End::Until)
            }
            "count" => match self.count.parse::<u16>() {
                Ok(n) if (1..=MAX_COUNT).contains(&n) => Some(End::Count(n)),
                _ => {
                    self.errors.set("count", t.count_range(MAX_COUNT));
                    None
                }
            },
            _ => {
                self.errors.set("ends", t.not_a_choice);
                None
            }
        }
    }

    /// The exceptions typed: days, one per line (or separated by commas or spaces).
    fn exception_days(&mut self, t: &Texts) -> Option<BTreeSet<NaiveDate>> {
        let mut out = BTreeSet::new();
        for word in self.exceptions.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|w| !w.is_empty())
        {
            match read_day(word) {
                Some(d) => {
                    out.insert(d);
                }
                None => {
                    self.errors.set("exceptions", t.not_a_day_in_list(word));
                    return None;
                }
            }
        }
        if out.len() > MAX_EXCEPTIONS {
            self.errors.set("exceptions", t.too_many_exceptions(MAX_EXCEPTIONS));
            return None;
        }
        Some(out)
    }

    /// Puts a schedule's refusal beside the field it comes from.
    fn schedule_error(&mut self, t: &Texts, e: &EventError) {
        let (field, message) = match e {
            EventError::YearOutOfRange => ("start_date", t.year_range.to_string()),
            EventError::EndBeforeStart if self.all_day => ("end_date", t.end_before_start.to_string()),
            EventError::EndBeforeStart => ("end_time", t.end_before_start.to_string()),
            EventError::TooManyDays => ("end_date", t.too_many_days(crate::model::MAX_ALL_DAY_DAYS)),
            EventError::TooLong => ("end_date", t.too_long_event(crate::model::MAX_TIMED_HOURS / 24)),
            EventError::NonexistentLocalTime(at) => (self.field_of(at), t.time_skipped.to_string()),
            EventError::TooManyExceptions => ("exceptions", t.too_many_exceptions(MAX_EXCEPTIONS)),
            EventError::UntilBeforeStart => ("until", t.until_before_start.to_string()),
            EventError::NoOccurrence => ("repeat", t.no_occurrence.to_string()),
        };
        self.errors.set(field, message);
    }

    /// Which of the two times typed is this one.
    fn field_of(&self, at: &NaiveDateTime) -> &'static str {
        if days::clock_naive(at.time()) == self.start_time { "start_time" } else { "end_time" }
    }
}

/// The same weekday of the month as `day` by its rank (the 2nd Tuesday), when it has one a
/// rule can name (1st to 5th).
pub fn nth_of(day: NaiveDate) -> Option<NthWeekday> {
    let rank = i8::try_from((day.day() - 1) / 7 + 1).ok()?;
    NthWeekday::new(Some(rank), day.weekday())
}

/// A day as people type it in a list: `2025-03-04` or `04/03/2025`.
fn read_day(word: &str) -> Option<NaiveDate> {
    let iso = ent_portlet_kit::Date::parse(word).map(days::naive);
    iso.or_else(|| NaiveDate::parse_from_str(word, "%d/%m/%Y").ok().filter(|d| days::kit(*d).is_some()))
}

fn text_problem(t: &Texts, e: &TextError, missing: &str) -> String {
    match e {
        TextError::Empty => missing.to_string(),
        TextError::TooLong { max } => t.too_long(*max),
        TextError::ControlCharacter => t.one_line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ent_portlet_kit::Pairs;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        let fields = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Posted { fields: Pairs::from_pairs(fields), files: vec![] }
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("scope", "personal"),
            ("title", "Piscine"),
            ("start_date", "2025-09-02"),
            ("start_time", "14:00"),
            ("end_time", "15:00"),
            ("repeat", "weekly"),
            ("interval", "1"),
            ("weekday", "TU"),
            ("monthly", "day"),
            ("ends", "until"),
            ("until", "2026-07-03"),
        ]
    }

    #[test]
    fn a_weekly_event_is_a_rule() {
        let mut f = EventForm::from_posted(&posted(&base()));
        let content = f.validate(Lang::Fr);
        assert!(!f.has_errors(), "{:?}", f.errors);
        let content = content.unwrap_or_else(|| panic!("no content"));
        let rule = content.schedule.recurrence().map(Recurrence::to_rule_text);
        assert_eq!(rule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260703"));
        // And back into a form that gives the same rule.
        let event = Event {
            id: crate::model::EventId::new(),
            scope: crate::model::Scope::Personal(crate::model::Sub::parse("me").unwrap_or_else(|| panic!("sub"))),
            author: crate::model::Author::anonymous(crate::model::Sub::parse("me").unwrap_or_else(|| panic!("sub"))),
            content: content.clone(),
            import_uid: None,
            created_at: 0,
            updated_at: 0,
        };
        let mut again = EventForm::of("personal", &event);
        assert_eq!(again.validate(Lang::Fr), Some(content));
    }

    #[test]
    fn monthly_by_nth_and_last_weekday() {
        let thursday = NaiveDate::from_ymd_opt(2025, 9, 25).unwrap_or(NaiveDate::MIN);
        assert_eq!(nth_of(thursday).map(|n| n.nth()), Some(Some(4)));
        for (monthly, rule) in [("nth", "FREQ=MONTHLY;BYDAY=4TH"), ("last", "FREQ=MONTHLY;BYDAY=-1TH")] {
            let mut pairs = base();
            pairs.retain(|(k, _)| !["repeat", "monthly", "ends", "start_date"].contains(k));
            pairs.extend([
                ("repeat", "monthly"),
                ("monthly", monthly),
                ("ends", "never"),
                ("start_date", "2025-09-25"),
            ]);
            let mut f = EventForm::from_posted(&posted(&pairs));
            let got = f.validate(Lang::En).and_then(|c| c.schedule.recurrence().map(Recurrence::to_rule_text));
            assert_eq!(got.as_deref(), Some(rule), "{:?}", f.errors);
        }
    }

    #[test]
    fn each_refusal_is_beside_its_field() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("title", "  ")], "title"),
            (&[("start_date", "2025-02-30")], "start_date"),
            (&[("end_time", "13:00")], "end_time"),
            (&[("start_time", "25:00")], "start_time"),
            (&[("start_date", "2026-03-29"), ("start_time", "02:30"), ("end_time", "04:00")], "start_time"),
            (&[("until", "2025-08-01")], "until"),
            (&[("interval", "0")], "interval"),
            (&[("ends", "count"), ("count", "5000")], "count"),
            (&[("exceptions", "2025-09-09\ndemain")], "exceptions"),
            (&[("weekday", "XX")], "weekdays"),
            (&[("repeat", "yearly")], "repeat"),
        ];
        for (changes, field) in cases {
            let mut pairs = base();
            pairs.retain(|(k, _)| !changes.iter().any(|(c, _)| c == k));
            pairs.extend(changes.iter().copied());
            let mut f = EventForm::from_posted(&posted(&pairs));
            assert!(f.validate(Lang::Fr).is_none(), "{changes:?}");
            assert!(f.errors.has(field), "{changes:?}: {:?}", f.errors);
        }
    }

    #[test]
    fn exceptions_read_both_ways_of_writing_a_day() {
        let mut pairs = base();
        pairs.push(("exceptions", "2025-10-21, 28/10/2025"));
        let mut f = EventForm::from_posted(&posted(&pairs));
        let content = f.validate(Lang::Fr).unwrap_or_else(|| panic!("{:?}", f.errors));
        let days: Vec<String> = content.schedule.exceptions().iter().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2025-10-21", "2025-10-28"]);
    }
}
