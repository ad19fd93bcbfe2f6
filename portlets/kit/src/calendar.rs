//! Calendar days and times as French schools read them: strict ISO dates (`YYYY-MM-DD`, form
//! fields and stored columns), weekdays, school weeks (Monday–Friday), the words for them in
//! French and English, and Paris time (the schools' zone), computed from the EU summer-time
//! rule so that no time-zone database is needed.

use std::fmt;

use crate::fragment::Lang;

/// A calendar day, as a count of days since 1970-01-01 (so that adding days is arithmetic).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

/// The years the diary accepts: a typo such as `0225` or `20255` is an error, not a date.
const YEARS: std::ops::RangeInclusive<i64> = 2000..=2099;

const DAYS_FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const DAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// The day, if it exists (and its year is one the diary accepts).
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Date> {
        if !YEARS.contains(&year) || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, i64::from(month), i64::from(day))))
    }

    /// Strictly `YYYY-MM-DD` (what `<input type="date">` sends); anything else is `None`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
            return None;
        }
        let year = s[0..4].parse().ok()?;
        let month = s[5..7].parse().ok()?;
        let day = s[8..10].parse().ok()?;
        Date::from_ymd(year, month, day)
    }

    /// (year, month 1–12, day 1–31).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.0)
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> usize {
        (self.0 + 3).rem_euclid(7) as usize
    }

    pub fn add_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }

    /// Days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Date) -> i64 {
        other.0 - self.0
    }

    /// The Monday of this day's week.
    pub fn monday(self) -> Date {
        self.add_days(-(self.weekday() as i64))
    }

    /// The days of the school week (Monday to Friday) that holds this day.
    pub fn school_week(self) -> [Date; 5] {
        let m = self.monday();
        [m, m.add_days(1), m.add_days(2), m.add_days(3), m.add_days(4)]
    }

    /// Monday to Friday.
    pub fn is_school_day(self) -> bool {
        self.weekday() < 5
    }

    /// The next Monday-to-Friday day after this one (Friday → Monday).
    pub fn next_school_day(self) -> Date {
        let mut d = self.add_days(1);
        while !d.is_school_day() {
            d = d.add_days(1);
        }
        d
    }

    /// The previous Monday-to-Friday day before this one (Monday → Friday).
    pub fn previous_school_day(self) -> Date {
        let mut d = self.add_days(-1);
        while !d.is_school_day() {
            d = d.add_days(-1);
        }
        d
    }

    /// This day if it is a school day, else the next one (a weekend opens on Monday).
    pub fn school_day_from(self) -> Date {
        if self.is_school_day() { self } else { self.next_school_day() }
    }

    /// Today in Paris.
    pub fn today() -> Date {
        Date::paris(crate::now())
    }

    /// The Paris calendar day of a Unix time: UTC+1, or UTC+2 from the last Sunday of March to
    /// the last Sunday of October, both at 01:00 UTC (the EU rule since 1996).
    pub fn paris(unix: i64) -> Date {
        Date((unix + paris_offset(unix)).div_euclid(86_400))
    }

    /// Noon of this day in Paris, as a Unix time.
    pub fn paris_noon(self) -> i64 {
        let utc_noon = self.0 * 86_400 + 12 * 3_600;
        utc_noon - paris_offset(utc_noon)
    }

    /// The first instant at which Paris clocks read `secs` seconds after this day's midnight
    /// (`7 * 3600`: 07:00). In the hour that happens twice (the last Sunday of October,
    /// 02:00–03:00) it is the first time round; in the hour that never happens (the last Sunday
    /// of March, 02:00–03:00) it is the instant the clocks jump to 03:00.
    pub fn paris_time(self, secs: i64) -> i64 {
        let local = self.0 * 86_400 + secs;
        let summer = local - 7_200;
        if paris_offset(summer) == 7_200 {
            return summer;
        }
        let winter = local - 3_600;
        if paris_offset(winter) == 3_600 {
            return winter;
        }
        paris_changes(self.ymd().0)[0]
    }

    /// "mardi 4 mars 2025" / "Tuesday 4 March 2025".
    pub fn long(self, lang: Lang) -> String {
        let (y, m, d) = self.ymd();
        let i = (m - 1) as usize;
        match lang {
            Lang::Fr => format!("{} {} {} {y}", DAYS_FR[self.weekday()], ordinal_fr(d), MONTHS_FR[i]),
            Lang::En => format!("{} {d} {} {y}", DAYS_EN[self.weekday()], MONTHS_EN[i]),
        }
    }

    /// "mardi 4 mars" / "Tuesday 4 March".
    pub fn short(self, lang: Lang) -> String {
        let (_, m, d) = self.ymd();
        let i = (m - 1) as usize;
        match lang {
            Lang::Fr => format!("{} {} {}", DAYS_FR[self.weekday()], ordinal_fr(d), MONTHS_FR[i]),
            Lang::En => format!("{} {d} {}", DAYS_EN[self.weekday()], MONTHS_EN[i]),
        }
    }

    /// "lundi" / "Monday".
    pub fn weekday_name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => DAYS_FR[self.weekday()],
            Lang::En => DAYS_EN[self.weekday()],
        }
    }
}

/// Paris's offset from UTC at that instant, in seconds: UTC+1, or UTC+2 from the last Sunday of
/// March to the last Sunday of October, both at 01:00 UTC (the EU rule since 1996).
pub fn paris_offset(unix: i64) -> i64 {
    let (year, _, _) = civil_from_days(unix.div_euclid(86_400));
    let [summer_starts, summer_ends] = paris_changes(year);
    if (summer_starts..summer_ends).contains(&unix) { 7_200 } else { 3_600 }
}

/// The two instants of a year at which Paris changes its clocks: to summer time (the last Sunday
/// of March) and back (the last Sunday of October), both at 01:00 UTC.
pub fn paris_changes(year: i64) -> [i64; 2] {
    [last_sunday(year, 3) * 86_400 + 3_600, last_sunday(year, 10) * 86_400 + 3_600]
}

/// What Paris clocks read at an instant: the day, and the seconds since its midnight.
pub fn paris_wall_clock(unix: i64) -> (Date, i64) {
    let local = unix + paris_offset(unix);
    (Date(local.div_euclid(86_400)), local.rem_euclid(86_400))
}

/// An instant in Paris time: "12/03/2025 à 08:15" (French) or "12/03/2025 at 08:15" (English).
pub fn format_instant(unix: i64, lang: Lang) -> String {
    let local = unix + paris_offset(unix);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let at = lang.pick("à", "at");
    format!("{d:02}/{m:02}/{y} {at} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

/// French writes the first of the month "1er".
fn ordinal_fr(d: u32) -> String {
    if d == 1 { "1er".into() } else { d.to_string() }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The day number of the last Sunday of a 31-day month.
fn last_sunday(year: i64, month: i64) -> i64 {
    let last = Date(days_from_civil(year, month, 31));
    last.0 - ((last.weekday() as i64 + 1) % 7)
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian, days since 1970-01-01).

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_only_strict_iso_days() {
        assert_eq!(d("2025-03-04").iso(), "2025-03-04");
        assert_eq!(d("2024-02-29").ymd(), (2024, 2, 29));
        for bad in ["2025-02-29", "2025-13-01", "2025-00-10", "2025-3-4", "04/03/2025", "", "2025-03-04x", "1899-01-01"]
        {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn weekdays_and_school_weeks() {
        let tue = d("2025-03-04");
        assert_eq!(tue.weekday(), 1);
        assert_eq!(tue.monday(), d("2025-03-03"));
        assert_eq!(tue.school_week()[4], d("2025-03-07"));
        assert_eq!(d("2025-03-07").next_school_day(), d("2025-03-10"));
        assert_eq!(d("2025-03-10").previous_school_day(), d("2025-03-07"));
        assert_eq!(d("2025-03-08").school_day_from(), d("2025-03-10"));
        assert_eq!(d("2025-03-09").monday(), d("2025-03-03"), "Sunday belongs to the week it ends");
        assert_eq!(d("2024-12-31").add_days(1), d("2025-01-01"));
    }

    #[test]
    fn today_in_paris_follows_summer_time() {
        // 2025-03-30 is the last Sunday of March: summer time from 01:00 UTC.
        let day = |unix: i64| Date::paris(unix).iso();
        let march_29_2300_utc = days_from_civil(2025, 3, 29) * 86_400 + 23 * 3600;
        assert_eq!(day(march_29_2300_utc), "2025-03-30", "23:00 UTC is midnight in winter");
        let june_21_2230_utc = days_from_civil(2025, 6, 21) * 86_400 + 22 * 3600 + 1800;
        assert_eq!(day(june_21_2230_utc), "2025-06-22", "22:30 UTC is 00:30 in summer");
        let june_21_2130_utc = june_21_2230_utc - 3600;
        assert_eq!(day(june_21_2130_utc), "2025-06-21");
        let dec_31_2259_utc = days_from_civil(2025, 12, 31) * 86_400 + 22 * 3600 + 59 * 60;
        assert_eq!(day(dec_31_2259_utc), "2025-12-31");
    }

    #[test]
    fn words_in_both_languages() {
        assert_eq!(d("2025-03-04").long(Lang::Fr), "mardi 4 mars 2025");
        assert_eq!(d("2025-03-04").long(Lang::En), "Tuesday 4 March 2025");
        assert_eq!(d("2025-08-01").short(Lang::Fr), "vendredi 1er août");
    }

    #[test]
    fn winter_and_summer_time() {
        // 2025-01-15 12:00 UTC → 13:00 in Paris.
        assert_eq!(format_instant(1_736_942_400, Lang::Fr), "15/01/2025 à 13:00");
        // 2025-07-01 06:30 UTC → 08:30.
        assert_eq!(format_instant(1_751_351_400, Lang::En), "01/07/2025 at 08:30");
    }

    #[test]
    fn wall_clock_times_and_back() {
        let monday = d("2025-03-31");
        // 07:00 on the Monday after the change to summer time is 05:00 UTC.
        assert_eq!(monday.paris_time(7 * 3600), 1_743_397_200);
        assert_eq!(paris_wall_clock(1_743_397_200), (monday, 7 * 3600));
        // 07:00 on the Monday after the change back is 06:00 UTC.
        assert_eq!(d("2025-10-27").paris_time(7 * 3600), 1_761_544_800);
        // 02:30 on 30 March 2025 never happens: the clocks jump from 02:00 to 03:00 at 01:00 UTC.
        assert_eq!(d("2025-03-30").paris_time(2 * 3600 + 1800), 1_743_296_400);
        // 02:30 on 26 October 2025 happens twice: first at 00:30 UTC, then at 01:30 UTC.
        let first = d("2025-10-26").paris_time(2 * 3600 + 1800);
        assert_eq!(first, 1_761_438_600);
        assert_eq!(paris_wall_clock(first + 3600), paris_wall_clock(first));
        assert_eq!(paris_changes(2025), [1_743_296_400, 1_761_440_400]);
    }

    #[test]
    fn the_changes_happen_at_one_in_the_morning_utc() {
        // 2025-03-30 00:59:59 UTC is still winter time, 01:00:00 is summer time.
        assert_eq!(format_instant(1_743_296_399, Lang::Fr), "30/03/2025 à 01:59");
        assert_eq!(format_instant(1_743_296_400, Lang::Fr), "30/03/2025 à 03:00");
        // 2025-10-26 00:59 UTC is 02:59 summer time; 01:00 UTC is 02:00 winter time.
        assert_eq!(format_instant(1_761_440_340, Lang::Fr), "26/10/2025 à 02:59");
        assert_eq!(format_instant(1_761_440_400, Lang::Fr), "26/10/2025 à 02:00");
    }
}
