//! The agenda's things said in plain words, in the person's language: when an event happens
//! ("mardi 4 mars 2025, 14:00–15:00"), how it repeats ("Chaque semaine le mardi, jusqu'au …"),
//! a holiday period, and why an imported calendar's item or a holiday row was left out or
//! changed. Phrases whose shape differs between French and English (lists, ordinals) are built
//! here from the texts table's words.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use ent_portlet_kit::Lang;

use crate::days;
use crate::holidays::{HolidayError, HolidayPeriod, RowProblem};
use crate::ical::{ImportError, ImportNote, SkipReason};
use crate::model::{EventError, Schedule, When};
use crate::recurrence::{End, MonthDay, NthWeekday, Pattern, RecurrenceError};
use crate::texts::Texts;

/// "lundi" / "Monday" for a weekday alone.
pub fn weekday(d: Weekday, lang: Lang) -> &'static str {
    // 2024-01-01 was a Monday: the kit's calendar names the day that many days later.
    let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN);
    days::weekday_name(monday + Duration::days(i64::from(d.num_days_from_monday())), lang)
}

/// "a, b et c" / "a, b and c".
fn list(items: &[String], t: &Texts) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {} {last}", init.join(", "), t.and),
    }
}

/// "1er", "2e" / "1st", "2nd".
pub fn ordinal(n: i8, lang: Lang) -> String {
    match lang {
        Lang::Fr if n == 1 => "1er".into(),
        Lang::Fr => format!("{n}e"),
        Lang::En => {
            let suffix = match (n % 10, n % 100) {
                (1, r) if r != 11 => "st",
                (2, r) if r != 12 => "nd",
                (3, r) if r != 13 => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
    }
}

/// When an occurrence happens, in full: "mardi 4 mars 2025, 14:00–15:00", "du … au …".
pub fn when(when: &When, t: &Texts) -> String {
    let lang = t.lang;
    match when {
        When::AllDay { first, last } if first == last => format!("{}, {}", days::long(*first, lang), t.all_day_lower),
        When::AllDay { first, last } => t.from_to(&days::long(*first, lang), &days::long(*last, lang)),
        When::Timed { start, end } if start.date_naive() == end.date_naive() => {
            format!("{}, {}–{}", days::long(start.date_naive(), lang), days::clock(start), days::clock(end))
        }
        When::Timed { start, end } => t.from_to(
            &format!("{} {}", days::long(start.date_naive(), lang), days::clock(start)),
            &format!("{} {}", days::long(end.date_naive(), lang), days::clock(end)),
        ),
    }
}

/// How a schedule repeats, or `None` for a one-off event.
pub fn repeats(schedule: &Schedule, t: &Texts) -> Option<String> {
    let rule = schedule.recurrence()?;
    let lang = t.lang;
    let first = schedule.when().first_day();
    let n = rule.interval();
    let phrase = match rule.pattern() {
        Pattern::Daily if n == 1 => t.every_day.to_string(),
        Pattern::Daily => t.every_n_days(n),
        Pattern::Weekly(set) => {
            let mut names: Vec<String> = set.iter().map(|d| t.the_weekday(weekday(d, lang))).collect();
            if names.is_empty() {
                names.push(t.the_weekday(weekday(first.weekday(), lang)));
            }
            let on = list(&names, t);
            if n == 1 { t.every_week_on(&on) } else { t.every_n_weeks_on(n, &on) }
        }
        Pattern::MonthlyOnDays(month_days) => {
            let mut names: Vec<String> = month_days.iter().map(|d| month_day(*d, t)).collect();
            if names.is_empty() {
                names.push(t.day_n(&ordinal(i8::try_from(first.day()).unwrap_or(1), t.lang)));
            }
            let on = list(&names, t);
            if n == 1 { t.every_month_on(&on) } else { t.every_n_months_on(n, &on) }
        }
        Pattern::MonthlyOnWeekdays(weekdays) => {
            let names: Vec<String> = weekdays.iter().map(|d| nth_weekday(*d, t)).collect();
            let on = list(&names, t);
            if n == 1 { t.every_month_on(&on) } else { t.every_n_months_on(n, &on) }
        }
    };
    let end = match rule.end() {
        End::Never => String::new(),
        End::Until(d) => t.until_day(&days::long(d, lang)),
        End::Count(c) => t.times(c),
    };
    Some(format!("{phrase}{end}"))
}

/// "le 12", "le dernier jour" / "day 12", "the last day".
fn month_day(d: MonthDay, t: &Texts) -> String {
    match d.get() {
        -1 => t.last_day.to_string(),
        n if n < 0 => t.nth_day_from_end(&ordinal(-n, t.lang)),
        n => t.day_n(&ordinal(n, t.lang)),
    }
}

/// "le 2e mardi", "le dernier vendredi", "chaque lundi".
fn nth_weekday(d: NthWeekday, t: &Texts) -> String {
    let day = weekday(d.weekday(), t.lang);
    match d.nth() {
        None => t.each_weekday(day),
        Some(-1) => t.last_weekday(day),
        Some(n) if n < 0 => t.nth_last_weekday(&ordinal(-n, t.lang), day),
        Some(n) => t.nth_weekday(&ordinal(n, t.lang), day),
    }
}

/// "Décembre 2026" / "December 2026".
pub fn month(d: NaiveDate, t: &Texts) -> String {
    let names = [
        t.january,
        t.february,
        t.march,
        t.april,
        t.may,
        t.june,
        t.july,
        t.august,
        t.september,
        t.october,
        t.november,
        t.december,
    ];
    format!("{} {}", names.get(d.month0() as usize).copied().unwrap_or(""), d.year())
}

/// "Vacances de Noël : du samedi 19 décembre 2026 au dimanche 3 janvier 2027".
pub fn period(p: &HolidayPeriod, t: &Texts) -> String {
    let span = if p.first() == p.last() {
        days::long(p.first(), t.lang)
    } else {
        t.from_to(&days::long(p.first(), t.lang), &days::long(p.last(), t.lang))
    };
    format!("{}{}{span}", p.name(), t.colon)
}

/// Why an item of an imported calendar was left out.
pub fn skip_reason(r: &SkipReason, t: &Texts) -> String {
    match r {
        SkipReason::NotAnEvent(kind) => match kind.as_str() {
            "VTODO" => t.skip_task.to_string(),
            "VJOURNAL" => t.skip_journal.to_string(),
            other => t.skip_other_component(other),
        },
        SkipReason::Cancelled => t.skip_cancelled.into(),
        SkipReason::NoStart => t.skip_no_start.into(),
        SkipReason::NoTitle => t.skip_no_title.into(),
        SkipReason::BadDate(v) => t.skip_bad_date(v),
        SkipReason::UnknownTimeZone(z) => t.skip_unknown_zone(z),
        SkipReason::Recurrence(e) => rule_problem(e, t),
        SkipReason::Schedule(e) => schedule_problem(e, t),
        SkipReason::ExclusionRule => t.skip_exrule.into(),
        SkipReason::ThisAndFuture => t.skip_this_and_future.into(),
        SkipReason::DuplicateUid => t.skip_duplicate.into(),
        SkipReason::Malformed { line } => t.skip_malformed(*line),
        SkipReason::Unfinished => t.skip_unfinished.into(),
    }
}

fn rule_problem(e: &RecurrenceError, t: &Texts) -> String {
    match e {
        RecurrenceError::UnsupportedFrequency(f) => t.rule_frequency(f),
        RecurrenceError::UnsupportedPart(p) => t.rule_part(p),
        _ => t.rule_malformed.into(),
    }
}

fn schedule_problem(e: &EventError, t: &Texts) -> String {
    match e {
        EventError::YearOutOfRange => t.year_range.into(),
        EventError::EndBeforeStart => t.end_before_start.into(),
        EventError::TooManyDays => t.too_many_days(crate::model::MAX_ALL_DAY_DAYS),
        EventError::TooLong => t.too_long_event(crate::model::MAX_TIMED_HOURS / 24),
        EventError::NonexistentLocalTime(_) => t.time_skipped.into(),
        EventError::TooManyExceptions => t.too_many_exceptions(crate::model::MAX_EXCEPTIONS),
        EventError::UntilBeforeStart => t.until_before_start.into(),
        EventError::NoOccurrence => t.no_occurrence.into(),
    }
}

/// What the import changed in an event it kept.
pub fn note(n: &ImportNote, t: &Texts) -> String {
    match n {
        ImportNote::TitleCut => t.note_title_cut.into(),
        ImportNote::PlaceCut => t.note_place_cut.into(),
        ImportNote::DescriptionCut => t.note_description_cut.into(),
        ImportNote::RuleKeptAtParisTime { zone } => t.note_paris_time(zone),
        ImportNote::ExtraDatesIgnored(n) => t.note_extra_dates(*n),
        ImportNote::ChangedOccurrence => t.note_changed_occurrence.into(),
    }
}

/// Why a whole calendar file was refused.
pub fn import_error(e: &ImportError, t: &Texts) -> String {
    match e {
        ImportError::TooLarge => t.file_too_large(crate::ical::MAX_IMPORT_BYTES / (1024 * 1024)),
        ImportError::NotACalendar => t.not_a_calendar.into(),
        ImportError::TooManyEvents => t.too_many_events(crate::ical::MAX_IMPORT_EVENTS),
    }
}

/// Why a holiday row was left out.
pub fn row_problem(p: &RowProblem, t: &Texts) -> String {
    match p {
        RowProblem::BadDate(v) => t.skip_bad_date(v),
        RowProblem::UnknownPopulation(v) => t.unknown_population(v),
        RowProblem::Invalid => t.invalid_period.into(),
        RowProblem::Recurring => t.recurring_period.into(),
        RowProblem::Unreadable(reason) => skip_reason(reason, t),
    }
}

/// Why a holiday file was refused.
pub fn holiday_error(e: &HolidayError, t: &Texts) -> String {
    match e {
        HolidayError::TooLarge => t.file_too_large(crate::holidays::MAX_FILE_BYTES / (1024 * 1024)),
        HolidayError::MissingColumn(c) => t.missing_column(c),
        HolidayError::Unreadable(_) => t.unreadable_file.into(),
        HolidayError::TooManyPeriods => t.too_many_periods(crate::holidays::MAX_PERIODS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recurrence::Recurrence;
    use crate::texts::texts;

    fn schedule(rule: &str) -> Schedule {
        let day = NaiveDate::from_ymd_opt(2025, 9, 2).unwrap_or(NaiveDate::MIN);
        let when = When::all_day(day, day).unwrap_or_else(|e| panic!("{e}"));
        let rule = Recurrence::parse(rule).unwrap_or_else(|e| panic!("{e}"));
        Schedule::repeating(when, rule, Default::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn rules_in_both_languages() {
        let fr = texts(Lang::Fr);
        let en = texts(Lang::En);
        let weekly = schedule("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260703");
        assert_eq!(
            repeats(&weekly, fr).as_deref(),
            Some("Chaque semaine le mardi et le jeudi, jusqu'au vendredi 3 juillet 2026")
        );
        assert_eq!(
            repeats(&weekly, en).as_deref(),
            Some("Every week on Tuesday and Thursday, until Friday 3 July 2026")
        );
        let monthly = schedule("FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU;COUNT=5");
        assert_eq!(repeats(&monthly, fr).as_deref(), Some("Tous les 2 mois le 1er mardi, 5 fois"));
        assert_eq!(repeats(&monthly, en).as_deref(), Some("Every 2 months on the 1st Tuesday, 5 times"));
        let last = schedule("FREQ=MONTHLY;BYMONTHDAY=-1");
        assert_eq!(repeats(&last, en).as_deref(), Some("Every month on the last day"));
        assert_eq!(repeats(&schedule("FREQ=DAILY;INTERVAL=3"), fr).as_deref(), Some("Tous les 3 jours"));
        assert_eq!(ordinal(22, Lang::En), "22nd");
        assert_eq!(ordinal(12, Lang::En), "12th");
    }
}
