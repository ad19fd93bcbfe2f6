//! Weekly opening hours in Paris time: when a portlet may do what reaches people outside the
//! workspace (a mail to a family), so that nothing arrives at night or on Sunday. A [`Window`]
//! says whether an instant is inside ([`Window::allows`]) and when it next opens
//! ([`Window::next_open`]): work that finds it closed waits until then.
//!
//! Written for a configuration file in a compact form, one entry per group of days, the entries
//! separated by commas: `mon-fri 07:00-20:00, sat 08:00-12:00`; several ranges may follow the
//! days (`mon-fri 07:00-12:00 13:30-20:00`). Days are `mon tue wed thu fri sat sun`, alone or as
//! a range in week order (`mon-fri`); hours are `HH:MM`, a range ending at `24:00` at the latest
//! and starting before it ends. The default is `mon-fri 07:00-20:00` (Saturday and Sunday
//! closed). Paris time comes from [`calendar`](crate::calendar)'s summer-time rule.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::{paris_changes, paris_wall_clock};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The minutes of a day a window is open, `start` included, `end` excluded (`end` ≤ 24:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: u32,
    end: u32,
}

/// Weekly opening hours, Paris time. Never empty: it opens at least once a week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Per weekday (Monday first), sorted ranges that neither overlap nor touch.
    days: [Vec<Span>; 7],
}

/// Why a text is not opening hours; each says what it expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("opening hours are empty: write at least one range, such as `mon-fri 07:00-20:00`")]
    Empty,
    #[error("an entry between two commas is empty")]
    EmptyEntry,
    #[error("`{0}` is not a day or a range of days in week order (mon, tue, wed, thu, fri, sat, sun; mon-fri)")]
    Days(String),
    #[error("`{0}` gives no hours: write them after the days, such as `mon-fri 07:00-20:00`")]
    NoHours(String),
    #[error("`{0}` is not a range of hours HH:MM-HH:MM between 00:00 and 24:00 that starts before it ends")]
    Hours(String),
}

impl Default for Window {
    /// Monday to Friday, 07:00 to 20:00.
    fn default() -> Window {
        let school_day = vec![Span { start: 7 * 60, end: 20 * 60 }];
        Window {
            days: [
                school_day.clone(),
                school_day.clone(),
                school_day.clone(),
                school_day.clone(),
                school_day,
                Vec::new(),
                Vec::new(),
            ],
        }
    }
}

impl Window {
    /// Reads the compact form (see the module's documentation).
    pub fn parse(text: &str) -> Result<Window, WindowError> {
        if text.trim().is_empty() {
            return Err(WindowError::Empty);
        }
        let mut days: [Vec<Span>; 7] = Default::default();
        for entry in text.split(',') {
            let entry = entry.trim();
            let mut words = entry.split_whitespace();
            let which = parse_days(words.next().ok_or(WindowError::EmptyEntry)?)?;
            let spans = words.map(parse_span).collect::<Result<Vec<_>, _>>()?;
            if spans.is_empty() {
                return Err(WindowError::NoHours(entry.to_string()));
            }
            for day in which {
                days[day].extend_from_slice(&spans);
            }
        }
        for spans in &mut days {
            *spans = merged(std::mem::take(spans));
        }
        Ok(Window { days })
    }

    /// Whether the window is open at that instant.
    pub fn allows(&self, unix: i64) -> bool {
        let (day, secs) = paris_wall_clock(unix);
        self.days[day.weekday()].iter().any(|s| i64::from(s.start) * 60 <= secs && secs < i64::from(s.end) * 60)
    }

    /// The first instant, from `unix` on, at which the window is open: `unix` itself when open.
    pub fn next_open(&self, unix: i64) -> i64 {
        if self.allows(unix) {
            return unix;
        }
        // The window opens either when the clocks pass a range's start (the autumn's repeated
        // hour passes it twice, an hour apart) or when they jump into a range (the changes of
        // time): the earliest of those instants that is open is the answer. A window opens at
        // least once a week and the March gap spoils at most one day, so two weeks hold it.
        let (today, _) = paris_wall_clock(unix);
        let mut candidates = Vec::new();
        for offset in -1..=15 {
            let day = today.add_days(offset);
            for span in &self.days[day.weekday()] {
                let at = day.paris_time(i64::from(span.start) * 60);
                candidates.extend([at, at + 3_600]);
            }
        }
        let year = today.ymd().0;
        for y in year - 1..=year + 1 {
            candidates.extend(paris_changes(y));
        }
        candidates
            .into_iter()
            .filter(|&t| t > unix && self.allows(t))
            .min()
            // Unreachable for a window that opens at all (every window does): two weeks on.
            .unwrap_or(unix + 15 * 86_400)
    }
}

fn parse_days(word: &str) -> Result<Vec<usize>, WindowError> {
    let bad = || WindowError::Days(word.to_string());
    let day = |name: &str| DAYS.iter().position(|d| d.eq_ignore_ascii_case(name)).ok_or_else(bad);
    match word.split_once('-') {
        None => Ok(vec![day(word)?]),
        Some((first, last)) => {
            let (first, last) = (day(first)?, day(last)?);
            if first > last {
                return Err(bad());
            }
            Ok((first..=last).collect())
        }
    }
}

fn parse_span(word: &str) -> Result<Span, WindowError> {
    let bad = || WindowError::Hours(word.to_string());
    let (start, end) = word.split_once('-').ok_or_else(bad)?;
    let (start, end) = (minutes(start).ok_or_else(bad)?, minutes(end).ok_or_else(bad)?);
    if start >= end {
        return Err(bad());
    }
    Ok(Span { start, end })
}

/// `HH:MM`, strictly, from 00:00 to 24:00.
fn minutes(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let h: u32 = text[0..2].parse().ok()?;
    let m: u32 = text[3..5].parse().ok()?;
    (m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// Sorted, with overlapping or touching ranges made one.
fn merged(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

impl fmt::Display for Window {
    /// The compact form, consecutive days with the same hours as one range: parsing it gives
    /// the same window back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut day = 0;
        while day < 7 {
            let spans = &self.days[day];
            let mut last = day;
            while last + 1 < 7 && self.days[last + 1] == *spans {
                last += 1;
            }
            if !spans.is_empty() {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                f.write_str(DAYS[day])?;
                if last > day {
                    write!(f, "-{}", DAYS[last])?;
                }
                for s in spans {
                    write!(f, " {:02}:{:02}-{:02}:{:02}", s.start / 60, s.start % 60, s.end / 60, s.end % 60)?;
                }
            }
            day = last + 1;
        }
        Ok(())
    }
}

impl FromStr for Window {
    type Err = WindowError;
    fn from_str(s: &str) -> Result<Window, WindowError> {
        Window::parse(s)
    }
}

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Window, D::Error> {
        let text = String::deserialize(deserializer)?;
        Window::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Instants in UTC: 2025-03-03 is a Monday in winter time (Paris = UTC+1).
    const MON_0700_WINTER: i64 = 1_740_981_600;
    const FRI_2000_WINTER: i64 = 1_741_374_000;
    const SAT_1000_WINTER: i64 = 1_741_424_400;
    const SUN_1300_WINTER: i64 = 1_741_521_600;
    const WED_1200_WINTER: i64 = 1_741_172_400;
    // 2025-07-07 is a Monday in summer time (Paris = UTC+2).
    const MON_0700_SUMMER: i64 = 1_751_864_400;
    const FRI_2000_SUMMER: i64 = 1_751_652_000;

    fn window(text: &str) -> Window {
        Window::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_default_is_school_days_seven_to_eight() {
        let w = Window::default();
        assert_eq!(w.to_string(), "mon-fri 07:00-20:00");
        assert_eq!(w, window("mon-fri 07:00-20:00"));
        assert!(w.allows(MON_0700_WINTER), "07:00 exactly is open");
        assert!(!w.allows(MON_0700_WINTER - 1), "06:59:59 is closed");
        assert!(w.allows(FRI_2000_WINTER - 1), "19:59:59 is open");
        assert!(!w.allows(FRI_2000_WINTER), "20:00 exactly is closed");
        assert!(w.allows(WED_1200_WINTER));
        assert!(!w.allows(SAT_1000_WINTER), "Saturday morning is closed");
        assert!(!w.allows(SUN_1300_WINTER), "Sunday is closed");
        assert!(w.allows(MON_0700_SUMMER) && !w.allows(MON_0700_SUMMER - 1), "in summer time too");
        assert!(w.allows(FRI_2000_SUMMER - 1) && !w.allows(FRI_2000_SUMMER));
    }

    #[test]
    fn next_open_is_now_or_the_next_opening() {
        let w = Window::default();
        assert_eq!(w.next_open(WED_1200_WINTER), WED_1200_WINTER, "open: now");
        assert_eq!(w.next_open(MON_0700_WINTER - 3_600), MON_0700_WINTER, "06:00 → 07:00 the same day");
        // Friday 21:00 → Monday 07:00.
        assert_eq!(w.next_open(FRI_2000_WINTER + 3_600), MON_0700_WINTER + 7 * 86_400);
        assert_eq!(w.next_open(FRI_2000_WINTER), MON_0700_WINTER + 7 * 86_400, "20:00 exactly waits");
        assert_eq!(w.next_open(SAT_1000_WINTER), MON_0700_WINTER + 7 * 86_400);
        // Tuesday 20:30 → Wednesday 07:00.
        assert_eq!(w.next_open(MON_0700_WINTER + 86_400 + 13 * 3_600 + 1_800), MON_0700_WINTER + 2 * 86_400);
        let saturday = window("mon-fri 07:00-20:00, sat 08:00-12:00");
        assert_eq!(saturday.next_open(FRI_2000_WINTER), SAT_1000_WINTER - 2 * 3_600, "Saturday 08:00");
        assert_eq!(saturday.next_open(SAT_1000_WINTER), SAT_1000_WINTER);
        assert_eq!(saturday.next_open(SAT_1000_WINTER + 2 * 3_600), MON_0700_WINTER + 7 * 86_400, "Saturday noon");
    }

    #[test]
    fn next_open_across_the_changes_of_time() {
        let w = Window::default();
        // Friday 28 March 2025, 21:00 winter time (20:00 UTC); the clocks go forward on Sunday
        // 30 March: Monday 31 March 07:00 is 05:00 UTC.
        assert_eq!(w.next_open(1_743_192_000), 1_743_397_200);
        // Friday 24 October 2025, 21:00 summer time (19:00 UTC); the clocks go back on Sunday
        // 26 October: Monday 27 October 07:00 is 06:00 UTC.
        assert_eq!(w.next_open(1_761_332_400), 1_761_544_800);
        for t in [1_743_397_200, 1_761_544_800] {
            assert!(w.allows(t) && !w.allows(t - 1));
        }
    }

    #[test]
    fn hours_inside_the_changes_themselves() {
        // 02:00-04:00 on 30 March 2025 opens when the clocks jump to 03:00 (01:00 UTC).
        let night = window("sun 02:00-04:00");
        assert_eq!(night.next_open(1_743_289_200), 1_743_296_400);
        // 02:15-02:30 on 26 October 2025 happens twice; closed at 02:40 summer time (00:40 UTC),
        // it opens again at 02:15 winter time (01:15 UTC).
        let twice = window("sun 02:15-02:30");
        assert_eq!(twice.next_open(1_761_439_200), 1_761_441_300);
    }

    #[test]
    fn the_compact_form_reads_and_writes_back() {
        for text in [
            "mon-fri 07:00-20:00, sat 08:00-12:00",
            "mon 08:00-12:00, wed-fri 07:00-12:00 13:30-24:00",
            "sun 00:00-24:00",
        ] {
            assert_eq!(window(text).to_string(), text);
        }
        assert_eq!(window("mon 08:00-12:00, tue-fri 08:00-12:00").to_string(), "mon-fri 08:00-12:00");
        assert_eq!(window("MON-Fri 08:00-10:00 09:00-12:00 12:00-13:00").to_string(), "mon-fri 08:00-13:00");
        assert_eq!(window("  sat  08:00-12:00 ,mon 07:00-08:00 ").to_string(), "mon 07:00-08:00, sat 08:00-12:00");
        assert_eq!(window("mon-fri 07:00-12:00, mon 11:00-14:00").to_string(), "mon 07:00-14:00, tue-fri 07:00-12:00");
    }

    #[test]
    fn malformed_texts_are_refused_with_what_was_expected() {
        let refused = |text: &str| Window::parse(text).err().unwrap_or_else(|| panic!("{text} accepted"));
        assert_eq!(refused(""), WindowError::Empty);
        assert_eq!(refused("   "), WindowError::Empty);
        assert_eq!(refused("mon-fri 07:00-20:00,"), WindowError::EmptyEntry);
        assert_eq!(refused("mon-fri"), WindowError::NoHours("mon-fri".into()));
        assert_eq!(refused("lun-ven 07:00-20:00"), WindowError::Days("lun-ven".into()));
        assert_eq!(refused("fri-mon 07:00-20:00"), WindowError::Days("fri-mon".into()));
        assert_eq!(refused("monday 07:00-20:00"), WindowError::Days("monday".into()));
        assert_eq!(refused("07:00-20:00"), WindowError::Days("07:00-20:00".into()));
        for hours in ["7:00-20:00", "07:00-25:00", "07:60-20:00", "20:00-07:00", "07:00-07:00", "07:00", "24:00-24:30"]
        {
            assert_eq!(refused(&format!("mon {hours}")), WindowError::Hours(hours.into()), "{hours}");
        }
        let message = refused("mon 20:00-07:00").to_string();
        assert!(message.contains("20:00-07:00") && message.contains("HH:MM"), "{message}");
    }

    #[test]
    fn serde_reads_and_writes_the_compact_form() {
        let w: Window =
            serde_json::from_str("\"mon-fri 07:00-20:00, sat 08:00-12:00\"").unwrap_or_else(|e| panic!("{e}"));
        assert!(w.allows(SAT_1000_WINTER));
        assert_eq!(serde_json::to_string(&w).unwrap_or_default(), "\"mon-fri 07:00-20:00, sat 08:00-12:00\"");
        let bad =
            serde_json::from_str::<Window>("\"mon-fri 20:00-07:00\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(bad.contains("20:00-07:00"), "{bad}");
    }
}
