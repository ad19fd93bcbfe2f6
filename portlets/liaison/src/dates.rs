//! Dates as French schools read them: Paris time (CET, CEST from the last Sunday of March to the
//! last Sunday of October, both at 01:00 UTC), `dd/mm/yyyy` and 24-hour clock. Written here
//! because the workspace carries no time-zone database and this is the one zone the schools use.

use ent_portlet_kit::Lang;

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day (since the epoch) of the last Sunday of a month of 31 days (March, October).
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month, 31);
    // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
    last - (last + 4).rem_euclid(7)
}

/// Paris's offset from UTC at that instant, in seconds.
fn paris_offset(ts: i64) -> i64 {
    let (year, _, _) = civil_from_days(ts.div_euclid(86_400));
    let start = last_sunday(year, 3) * 86_400 + 3600;
    let end = last_sunday(year, 10) * 86_400 + 3600;
    if (start..end).contains(&ts) { 7200 } else { 3600 }
}

/// "12/03/2025 à 08:15" (French) or "12/03/2025 at 08:15" (English), Paris time.
pub fn format(ts: i64, lang: Lang) -> String {
    let local = ts + paris_offset(ts);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let at = lang.pick("à", "at");
    format!("{d:02}/{m:02}/{y} {at} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winter_and_summer_time() {
        // 2025-01-15 12:00 UTC → 13:00 in Paris.
        assert_eq!(format(1_736_942_400, Lang::Fr), "15/01/2025 à 13:00");
        // 2025-07-01 06:30 UTC → 08:30.
        assert_eq!(format(1_751_351_400, Lang::En), "01/07/2025 at 08:30");
    }

    #[test]
    fn the_changes_happen_at_one_in_the_morning_utc() {
        // 2025-03-30 00:59:59 UTC is still winter time, 01:00:00 is summer time.
        assert_eq!(format(1_743_296_399, Lang::Fr), "30/03/2025 à 01:59");
        assert_eq!(format(1_743_296_400, Lang::Fr), "30/03/2025 à 03:00");
        // 2025-10-26 00:59 UTC is 02:59 summer time; 01:00 UTC is 02:00 winter time.
        assert_eq!(format(1_761_440_340, Lang::Fr), "26/10/2025 à 02:59");
        assert_eq!(format(1_761_440_400, Lang::Fr), "26/10/2025 à 02:00");
    }

    #[test]
    fn calendar_round_trip() {
        for days in [-1000, 0, 59, 60, 11_016, 20_000, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
