//! School holidays as data a school imports, never written in the code: the ministry publishes
//! the calendar of every zone (A, B, C, Corse, the overseas académies) as open data, and a school
//! imports its zone's periods from that file once a year.
//!
//! The reference format is the ministry's CSV export of the `fr-en-calendrier-scolaire` dataset:
//! `;`-separated, one row per period and académie, with the columns `description`, `population`,
//! `start_date`, `end_date`, `location`, `zones`, `annee_scolaire` (or their French labels,
//! `Description`, `Population`, `Date de début`, `Date de fin`, `Académies`, `Zones`, when the
//! export uses them). Its dates are the UTC instants of Paris midnights
//! (`2025-10-17T22:00:00+00:00` is 18 October): `start_date` is the first day of holiday and
//! `end_date` the morning classes resume, so a period runs from the first to the day before the
//! second. Rows for teachers only (`population` "Enseignants") are left out. An `.ics` calendar
//! of all-day events (the ministry's per-zone files, or a school's own) is read too.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::model::{YEARS, lossy};
use crate::paris;

/// The largest calendar file read.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// The most periods one import keeps.
pub const MAX_PERIODS: usize = 400;
/// Characters of a period's name.
pub const MAX_NAME: usize = 120;

/// A holiday zone as the file names it ("Zone A", "Corse", "Guadeloupe"); compared without case.
#[derive(Clone, Debug, Eq)]
pub struct Zone(String);

impl Zone {
    /// `None` when blank or longer than 64 characters.
    pub fn new(name: &str) -> Option<Zone> {
        let name = name.trim();
        (!name.is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_control))
            .then(|| Zone(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.0.to_lowercase() == other.0.to_lowercase()
    }
}

/// One holiday: its name and its days, `first..=last`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HolidayPeriod {
    first: NaiveDate,
    last: NaiveDate,
    name: String,
}

impl HolidayPeriod {
    /// `None` for a blank name, an end before the start or a year out of range.
    pub fn new(name: &str, first: NaiveDate, last: NaiveDate) -> Option<HolidayPeriod> {
        use chrono::Datelike;
        let (name, _) = lossy(name, MAX_NAME, false);
        let valid = !name.is_empty() && first <= last && YEARS.contains(&first.year()) && YEARS.contains(&last.year());
        valid.then_some(HolidayPeriod { first, last, name })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    pub fn last(&self) -> NaiveDate {
        self.last
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }
}

/// The period that covers a day, if any.
pub fn covering(periods: &[HolidayPeriod], day: NaiveDate) -> Option<&HolidayPeriod> {
    periods.iter().find(|p| p.covers(day))
}

/// The periods that meet the days `first..=last`, in order.
pub fn between(periods: &[HolidayPeriod], first: NaiveDate, last: NaiveDate) -> Vec<&HolidayPeriod> {
    let mut out: Vec<&HolidayPeriod> = periods.iter().filter(|p| p.first <= last && p.last >= first).collect();
    out.sort();
    out
}

/// Who a row of the ministry's file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Population {
    Everyone,
    Pupils,
    Teachers,
}

impl Population {
    fn parse(s: &str) -> Option<Population> {
        match s.trim().to_lowercase().as_str() {
            "" | "-" => Some(Population::Everyone),
            "élèves" | "eleves" | "elèves" => Some(Population::Pupils),
            "enseignants" => Some(Population::Teachers),
            _ => None,
        }
    }
}

/// Why a whole file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HolidayError {
    #[error("the file is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    #[error("not the ministry's calendar: the column {0} is missing")]
    MissingColumn(&'static str),
    #[error("the file is not readable: {0}")]
    Unreadable(String),
    #[error("more than {MAX_PERIODS} periods")]
    TooManyPeriods,
}

/// Why one row was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowProblem {
    /// A date that is not an ISO date or RFC 3339 instant.
    BadDate(String),
    /// An unknown `population`.
    UnknownPopulation(String),
    /// The end before the start, a blank name, or a year out of range.
    Invalid,
    /// An `.ics` event that repeats (holidays are periods, not rules).
    Recurring,
    /// An `.ics` event whose dates cannot be read.
    Unreadable(crate::ical::SkipReason),
}

/// What an import found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolidayImport {
    /// In order, without duplicates (the file repeats each period for every académie).
    pub periods: Vec<HolidayPeriod>,
    /// Rows of the chosen zone left out, with their line number (1 is the header) and why.
    pub skipped: Vec<(usize, RowProblem)>,
}

struct Columns {
    description: usize,
    population: Option<usize>,
    start: usize,
    end: usize,
    zones: usize,
    location: Option<usize>,
}

fn reader(text: &str) -> Result<(csv::Reader<&[u8]>, Columns), HolidayError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(HolidayError::TooLarge);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() { b';' } else { b',' };
    let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| HolidayError::Unreadable(e.to_string()))?.clone();
    let find = |names: &[&str]| {
        headers.iter().position(|h| {
            let h = h.trim().to_lowercase();
            names.iter().any(|n| h == *n)
        })
    };
    let columns = Columns {
        description: find(&["description"]).ok_or(HolidayError::MissingColumn("description"))?,
        population: find(&["population"]),
        start: find(&["start_date", "date de début", "date_de_debut", "date de debut"])
            .ok_or(HolidayError::MissingColumn("start_date"))?,
        end: find(&["end_date", "date de fin", "date_de_fin"]).ok_or(HolidayError::MissingColumn("end_date"))?,
        zones: find(&["zones", "zone"]).ok_or(HolidayError::MissingColumn("zones"))?,
        location: find(&["location", "académies", "academies", "académie"]),
    };
    Ok((rdr, columns))
}

/// The zones a ministry file holds, in the order they first appear (for the school to choose).
pub fn zones_in_csv(text: &str) -> Result<Vec<Zone>, HolidayError> {
    let (mut rdr, cols) = reader(text)?;
    let mut zones: Vec<Zone> = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| HolidayError::Unreadable(e.to_string()))?;
        if let Some(zone) = record.get(cols.zones).and_then(Zone::new)
            && !zones.contains(&zone)
        {
            zones.push(zone);
        }
    }
    Ok(zones)
}

/// The periods of one zone (and, if given, one académie) in a ministry CSV file.
pub fn from_ministry_csv(text: &str, zone: &Zone, location: Option<&str>) -> Result<HolidayImport, HolidayError> {
    let (mut rdr, cols) = reader(text)?;
    let location = location.map(|l| l.trim().to_lowercase());
    let mut out = HolidayImport::default();
    for (i, record) in rdr.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| HolidayError::Unreadable(e.to_string()))?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        if Zone::new(field(cols.zones)).as_ref() != Some(zone) {
            continue;
        }
        if let (Some(wanted), Some(col)) = (&location, cols.location)
            && field(col).to_lowercase() != *wanted
        {
            continue;
        }
        let population = cols.population.map(field).unwrap_or("");
        match Population::parse(population) {
            Some(Population::Teachers) => continue,
            Some(Population::Everyone | Population::Pupils) => {}
            None => {
                out.skipped.push((line, RowProblem::UnknownPopulation(population.to_string())));
                continue;
            }
        }
        let (start, end) = match (file_day(field(cols.start)), file_day(field(cols.end))) {
            (Some(s), Some(e)) => (s, e),
            (None, _) => {
                out.skipped.push((line, RowProblem::BadDate(field(cols.start).to_string())));
                continue;
            }
            (_, None) => {
                out.skipped.push((line, RowProblem::BadDate(field(cols.end).to_string())));
                continue;
            }
        };
        // Classes resume on the end date: the holiday's last day is the one before.
        let last = end.pred_opt().filter(|l| *l >= start).unwrap_or(start);
        match HolidayPeriod::new(field(cols.description), start, last) {
            Some(p) => out.periods.push(p),
            None => out.skipped.push((line, RowProblem::Invalid)),
        }
    }
    finish(out)
}

/// The periods of an `.ics` calendar: each non-recurring event is one period, over its days.
pub fn from_ics(text: &str) -> Result<HolidayImport, HolidayError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(HolidayError::TooLarge);
    }
    let spans = crate::ical::day_spans(text).map_err(|e| HolidayError::Unreadable(e.to_string()))?;
    let mut out = HolidayImport::default();
    for span in spans {
        match span {
            Ok(span) if span.recurring => out.skipped.push((span.line, RowProblem::Recurring)),
            Ok(span) => match HolidayPeriod::new(span.title.as_deref().unwrap_or(""), span.first, span.last) {
                Some(p) => out.periods.push(p),
                None => out.skipped.push((span.line, RowProblem::Invalid)),
            },
            Err((line, reason)) => out.skipped.push((line, RowProblem::Unreadable(reason))),
        }
    }
    finish(out)
}

fn finish(mut out: HolidayImport) -> Result<HolidayImport, HolidayError> {
    out.periods.sort();
    out.periods.dedup();
    if out.periods.len() > MAX_PERIODS {
        return Err(HolidayError::TooManyPeriods);
    }
    Ok(out)
}

/// A date of the file: an RFC 3339 instant read in Paris, or a plain ISO day.
fn file_day(s: &str) -> Option<NaiveDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(paris::day_of(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    // Written in the shape of the ministry's export (two académies per zone, teachers' rows).
    const CSV: &str = "\u{feff}description;population;start_date;end_date;location;zones;annee_scolaire\n\
        Vacances de la Toussaint;-;2025-10-17T22:00:00+00:00;2025-11-02T23:00:00+00:00;Lyon;Zone A;2025-2026\n\
        Vacances de la Toussaint;-;2025-10-17T22:00:00+00:00;2025-11-02T23:00:00+00:00;Grenoble;Zone A;2025-2026\n\
        Vacances de Noël;-;2025-12-19T23:00:00+00:00;2026-01-04T23:00:00+00:00;Lyon;Zone A;2025-2026\n\
        Vacances d'Hiver;-;2026-02-06T23:00:00+00:00;2026-02-22T23:00:00+00:00;Lyon;Zone A;2025-2026\n\
        Vacances d'Hiver;-;2026-02-20T23:00:00+00:00;2026-03-08T23:00:00+00:00;Paris;Zone C;2025-2026\n\
        Pont de l'Ascension;-;2026-05-13T22:00:00+00:00;2026-05-17T22:00:00+00:00;Lyon;Zone A;2025-2026\n\
        Vacances d'Été;Élèves;2026-07-03T22:00:00+00:00;2026-08-31T22:00:00+00:00;Lyon;Zone A;2025-2026\n\
        Vacances d'Été;Enseignants;2026-07-03T22:00:00+00:00;2026-08-30T22:00:00+00:00;Lyon;Zone A;2025-2026\n\
        Vacances de Printemps;-;pas une date;2026-04-19T22:00:00+00:00;Lyon;Zone A;2025-2026\n";

    #[test]
    fn a_zone_is_read_from_the_ministry_file() {
        let zone = Zone::new("zone a").unwrap();
        let got = from_ministry_csv(CSV, &zone, None).unwrap();
        let periods: Vec<(String, String, String)> =
            got.periods.iter().map(|p| (p.name().to_string(), p.first().to_string(), p.last().to_string())).collect();
        let want = [
            ("Vacances de la Toussaint", "2025-10-18", "2025-11-02"),
            ("Vacances de Noël", "2025-12-20", "2026-01-04"),
            ("Vacances d'Hiver", "2026-02-07", "2026-02-22"),
            ("Pont de l'Ascension", "2026-05-14", "2026-05-17"),
            ("Vacances d'Été", "2026-07-04", "2026-08-31"),
        ];
        let want: Vec<(String, String, String)> =
            want.iter().map(|(n, f, l)| (n.to_string(), f.to_string(), l.to_string())).collect();
        assert_eq!(periods, want, "once each, pupils' dates, resumption day excluded");
        assert_eq!(got.skipped, [(10, RowProblem::BadDate("pas une date".into()))]);

        assert_eq!(
            covering(&got.periods, day("2025-11-02")).map(HolidayPeriod::name),
            Some("Vacances de la Toussaint")
        );
        assert_eq!(covering(&got.periods, day("2025-11-03")), None, "classes resume");
        assert_eq!(covering(&got.periods, day("2025-10-17")), None);
        let winter: Vec<&str> =
            between(&got.periods, day("2026-01-01"), day("2026-02-10")).iter().map(|p| p.name()).collect();
        assert_eq!(winter, ["Vacances de Noël", "Vacances d'Hiver"]);
    }

    #[test]
    fn zones_and_académies_can_be_chosen() {
        let zones: Vec<String> = zones_in_csv(CSV).unwrap().iter().map(|z| z.as_str().to_string()).collect();
        assert_eq!(zones, ["Zone A", "Zone C"]);
        let c = from_ministry_csv(CSV, &Zone::new("Zone C").unwrap(), Some("paris")).unwrap();
        assert_eq!(c.periods.len(), 1);
        let none = from_ministry_csv(CSV, &Zone::new("Zone C").unwrap(), Some("Créteil")).unwrap();
        assert!(none.periods.is_empty());
    }

    #[test]
    fn french_labels_commas_and_plain_days() {
        let csv = "Description,Population,Date de début,Date de fin,Académies,Zones,annee_scolaire\n\
                   \"Vacances de Noël, fin d'année\",-,2025-12-20,2026-01-05,Lyon,Zone A,2025-2026\n";
        let got = from_ministry_csv(csv, &Zone::new("Zone A").unwrap(), None).unwrap();
        assert_eq!(
            got.periods,
            [HolidayPeriod::new("Vacances de Noël, fin d'année", day("2025-12-20"), day("2026-01-04")).unwrap()]
        );
    }

    #[test]
    fn other_files_are_refused() {
        assert_eq!(
            from_ministry_csv("date;vacances_zone_a\n2025-01-01;True\n", &Zone::new("Zone A").unwrap(), None),
            Err(HolidayError::MissingColumn("description"))
        );
        let big = "x".repeat(MAX_FILE_BYTES + 1);
        assert_eq!(from_ministry_csv(&big, &Zone::new("A").unwrap(), None), Err(HolidayError::TooLarge));
    }

    #[test]
    fn periods_from_an_ics_calendar() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n\
            BEGIN:VEVENT\r\nUID:toussaint-a\r\nDTSTART;VALUE=DATE:20251018\r\nDTEND;VALUE=DATE:20251103\r\nSUMMARY:Vacances de la Toussaint - Zone A\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:noel-a\r\nDTSTART:20251219T230000Z\r\nDTEND:20260104T230000Z\r\nSUMMARY:Vacances de Noël - Zone A\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:ete-a\r\nDTSTART;VALUE=DATE:20260704\r\nDTEND;VALUE=DATE:20260901\r\nSUMMARY:Vacances d'Été - Zone A\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:r\r\nDTSTART;VALUE=DATE:20250901\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Hebdo\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let got = from_ics(ics).unwrap();
        assert_eq!(
            got.periods,
            [
                HolidayPeriod::new("Vacances de la Toussaint - Zone A", day("2025-10-18"), day("2025-11-02")).unwrap(),
                HolidayPeriod::new("Vacances de Noël - Zone A", day("2025-12-20"), day("2026-01-04")).unwrap(),
                HolidayPeriod::new("Vacances d'Été - Zone A", day("2026-07-04"), day("2026-08-31")).unwrap(),
            ]
        );
        assert_eq!(got.skipped, [(22, RowProblem::Recurring)]);
    }
}
