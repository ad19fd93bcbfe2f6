//! What an agenda holds: events, where each belongs (a class, a school, one person), when it
//! happens (whole days, or Paris wall-clock times), what it says, and the checks that keep every
//! value valid from the moment it is built (the store, the feed and the views never re-check).
//!
//! Who may write or read which scope is the HTTP layer's decision; this module only makes sure
//! that what it is handed is well formed.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::paris::{self, ParisTime};
use crate::recurrence::{self, Expansion, Recurrence, Window};

/// The years an agenda accepts: a typo such as `0225` or `20255` is an error, not a date.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;
/// Characters of a title.
pub const MAX_TITLE: usize = 120;
/// Characters of a place.
pub const MAX_PLACE: usize = 120;
/// Characters of a description.
pub const MAX_DESCRIPTION: usize = 4000;
/// Characters of an author's display name.
pub const MAX_NAME: usize = 120;
/// The longest all-day event, in days (a school trip, a project week; not a whole term).
pub const MAX_ALL_DAY_DAYS: i64 = 62;
/// The longest timed event, in hours (a three-day trip with its times).
pub const MAX_TIMED_HOURS: i64 = 14 * 24;
/// Exceptions (removed occurrences) of one recurring event.
pub const MAX_EXCEPTIONS: usize = 200;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident, $max:expr, $valid:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// `None` unless the text has the shape this identifier takes.
            pub fn parse(s: &str) -> Option<$name> {
                let ok = !s.is_empty() && s.len() <= $max && s.bytes().all($valid);
                ok.then(|| $name(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// A class, by its directory id (the `id` of an `ent_classes` entry).
    ClassId, 128, |b: u8| b.is_ascii_graphic()
);
opaque_id!(
    /// A school, by its UAI (`0750001A`).
    Uai, 16, |b: u8| b.is_ascii_alphanumeric()
);
opaque_id!(
    /// A person, by the public `sub` of their token.
    Sub, 255, |b: u8| b.is_ascii_graphic()
);

/// An event, by a random UUID (never reused; the feed's `UID` is made from it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(String);

impl EventId {
    pub fn new() -> EventId {
        EventId(uuid::Uuid::new_v4().to_string())
    }

    /// `None` unless a hyphenated UUID (what [`EventId::new`] makes).
    pub fn parse(s: &str) -> Option<EventId> {
        let id = uuid::Uuid::try_parse(s).ok()?;
        (id.hyphenated().to_string() == s).then(|| EventId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for EventId {
    fn default() -> Self {
        EventId::new()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `UID` an imported event had in its file, kept so that importing the same file again
/// updates the events instead of doubling them. Long UIDs (Outlook's run past a hundred
/// characters) are kept whole up to 255 bytes and by their SHA-256 beyond.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImportUid(String);

impl ImportUid {
    pub const MAX: usize = 255;

    /// `None` for an empty UID.
    pub fn new(uid: &str) -> Option<ImportUid> {
        let uid = uid.trim();
        if uid.is_empty() {
            return None;
        }
        if uid.len() <= Self::MAX && !uid.chars().any(char::is_control) {
            return Some(ImportUid(uid.to_string()));
        }
        Some(ImportUid::digest(uid))
    }

    /// A UID made from other text (a long one, or an event's start and title when it has none).
    pub(crate) fn digest(text: &str) -> ImportUid {
        ImportUid(format!("sha256:{}", ent_web::secret::sha256_hex(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a scope is, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    Class,
    School,
    Personal,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Class => "class",
            ScopeKind::School => "school",
            ScopeKind::Personal => "personal",
        }
    }

    pub fn parse(s: &str) -> Option<ScopeKind> {
        [ScopeKind::Class, ScopeKind::School, ScopeKind::Personal].into_iter().find(|k| k.as_str() == s)
    }
}

/// Where an event belongs, which decides who reads and writes it: a class's events (its
/// teachers write; its pupils and their families read), a school's (its director writes; everyone
/// in it reads), and a person's own.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Class(ClassId),
    School(Uai),
    Personal(Sub),
}

impl Scope {
    pub fn kind(&self) -> ScopeKind {
        match self {
            Scope::Class(_) => ScopeKind::Class,
            Scope::School(_) => ScopeKind::School,
            Scope::Personal(_) => ScopeKind::Personal,
        }
    }

    /// The class id, UAI or sub.
    pub fn id(&self) -> &str {
        match self {
            Scope::Class(c) => c.as_str(),
            Scope::School(s) => s.as_str(),
            Scope::Personal(p) => p.as_str(),
        }
    }

    /// The scope a stored pair names, if both parts are well formed.
    pub fn from_parts(kind: ScopeKind, id: &str) -> Option<Scope> {
        match kind {
            ScopeKind::Class => ClassId::parse(id).map(Scope::Class),
            ScopeKind::School => Uai::parse(id).map(Scope::School),
            ScopeKind::Personal => Sub::parse(id).map(Scope::Personal),
        }
    }
}

/// Why a text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("empty")]
    Empty,
    #[error("longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains a control character")]
    ControlCharacter,
}

/// Trims, turns CR LF and CR into LF, and checks length and characters. Single-line texts refuse
/// every control character; multi-line ones allow LF and tab.
fn clean(s: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let s = s.trim();
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if s.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacter);
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(s.to_string())
}

/// What an imported text becomes when it does not fit: control characters turned into spaces
/// (line breaks kept where allowed), cut at the limit. The flag says whether it was cut.
pub(crate) fn lossy(s: &str, max: usize, multiline: bool) -> (String, bool) {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let mapped: String = s
        .trim()
        .chars()
        .map(|c| if c.is_control() && !(multiline && (c == '\n' || c == '\t')) { ' ' } else { c })
        .collect();
    let mapped = if multiline { mapped } else { mapped.split_whitespace().collect::<Vec<_>>().join(" ") };
    let cut = mapped.chars().count() > max;
    let kept: String = mapped.chars().take(max).collect();
    (kept.trim_end().to_string(), cut)
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX: usize = $max;

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text cut to fit and cleaned of what is not allowed (imports); `None` if
            /// nothing is left. The flag says whether it was cut.
            pub(crate) fn lossy(s: &str) -> Option<($name, bool)> {
                let (kept, cut) = lossy(s, $max, $multiline);
                (!kept.is_empty()).then(|| ($name(kept), cut))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// An event's title: one line, never empty.
    Title, MAX_TITLE, false
);
text_type!(
    /// Where an event takes place: one line.
    Place, MAX_PLACE, false
);
text_type!(
    /// What an event is about: several lines.
    Description, MAX_DESCRIPTION, true
);

impl Title {
    pub fn parse(s: &str) -> Result<Title, TextError> {
        let s = clean(s, MAX_TITLE, false)?;
        if s.is_empty() { Err(TextError::Empty) } else { Ok(Title(s)) }
    }
}

impl Place {
    /// `None` when blank.
    pub fn parse(s: &str) -> Result<Option<Place>, TextError> {
        let s = clean(s, MAX_PLACE, false)?;
        Ok((!s.is_empty()).then_some(Place(s)))
    }
}

impl Description {
    /// `None` when blank.
    pub fn parse(s: &str) -> Result<Option<Description>, TextError> {
        let s = clean(s, MAX_DESCRIPTION, true)?;
        Ok((!s.is_empty()).then_some(Description(s)))
    }
}

/// Who wrote an event: the sub decides who may change it; the name is shown beside class and
/// school events. A personal event keeps no name (it is its owner's, and may be a pupil's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub sub: Sub,
    name: String,
}

impl Author {
    /// The name is cleaned and cut to [`MAX_NAME`] characters (it comes from a token, not a form).
    pub fn new(sub: Sub, name: &str) -> Author {
        Author { sub, name: lossy(name, MAX_NAME, false).0 }
    }

    /// An author whose name is not kept.
    pub fn anonymous(sub: Sub) -> Author {
        Author { sub, name: String::new() }
    }

    /// Empty when not kept.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Why a schedule was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the year must be between 2000 and 2099")]
    YearOutOfRange,
    #[error("the end comes before the start")]
    EndBeforeStart,
    #[error("an all-day event lasts at most {MAX_ALL_DAY_DAYS} days")]
    TooManyDays,
    #[error("a timed event lasts at most {MAX_TIMED_HOURS} hours")]
    TooLong,
    #[error("{0} does not exist in Paris (the clocks go forward)")]
    NonexistentLocalTime(NaiveDateTime),
    #[error("a recurring event has at most {MAX_EXCEPTIONS} exceptions")]
    TooManyExceptions,
    #[error("the recurrence ends before the event starts")]
    UntilBeforeStart,
    #[error("the recurrence has no occurrence")]
    NoOccurrence,
}

fn check_year(d: NaiveDate) -> Result<(), EventError> {
    if YEARS.contains(&d.year()) { Ok(()) } else { Err(EventError::YearOutOfRange) }
}

/// When an event (or one occurrence of it) happens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum When {
    /// Whole days, `first..=last` (a single day when equal).
    AllDay { first: NaiveDate, last: NaiveDate },
    /// From `start` to `end` (an instant each, read in Paris; equal for a moment in time).
    Timed { start: ParisTime, end: ParisTime },
}

impl When {
    pub fn all_day(first: NaiveDate, last: NaiveDate) -> Result<When, EventError> {
        check_year(first)?;
        check_year(last)?;
        if last < first {
            return Err(EventError::EndBeforeStart);
        }
        if first.signed_duration_since(last).num_days().abs() + 1 > MAX_ALL_DAY_DAYS {
            return Err(EventError::TooManyDays);
        }
        Ok(When::AllDay { first, last })
    }

    /// From Paris wall-clock times, as a person types them; a time the spring change skips is
    /// refused, one the autumn change repeats means the first.
    pub fn timed(start: NaiveDateTime, end: NaiveDateTime) -> Result<When, EventError> {
        let s = paris::exact(start).ok_or(EventError::NonexistentLocalTime(start))?;
        let e = paris::exact(end).ok_or(EventError::NonexistentLocalTime(end))?;
        When::between(s.with_timezone(&Utc), e.with_timezone(&Utc))
    }

    /// Between two instants.
    pub fn between(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<When, EventError> {
        let (start, end) = (paris::at(start), paris::at(end));
        check_year(start.date_naive())?;
        check_year(end.date_naive())?;
        if end < start {
            return Err(EventError::EndBeforeStart);
        }
        if end - start > Duration::hours(MAX_TIMED_HOURS) {
            return Err(EventError::TooLong);
        }
        Ok(When::Timed { start, end })
    }

    pub fn is_all_day(&self) -> bool {
        matches!(self, When::AllDay { .. })
    }

    /// The Paris day it starts on.
    pub fn first_day(&self) -> NaiveDate {
        match self {
            When::AllDay { first, .. } => *first,
            When::Timed { start, .. } => start.date_naive(),
        }
    }

    /// The Paris day it ends on (an end at midnight sharp belongs to the day before).
    pub fn last_day(&self) -> NaiveDate {
        match self {
            When::AllDay { last, .. } => *last,
            When::Timed { start, end } if end > start && end.time() == chrono::NaiveTime::MIN => {
                end.date_naive().pred_opt().unwrap_or(end.date_naive())
            }
            When::Timed { end, .. } => end.date_naive(),
        }
    }

    /// The first instant it covers (midnight of its first day for an all-day event).
    pub fn start_instant(&self) -> DateTime<Utc> {
        match self {
            When::AllDay { first, .. } => paris::midnight(*first).with_timezone(&Utc),
            When::Timed { start, .. } => start.with_timezone(&Utc),
        }
    }

    /// The instant it ends (midnight after its last day for an all-day event).
    pub fn end_instant(&self) -> DateTime<Utc> {
        match self {
            When::AllDay { last, .. } => {
                let next = last.succ_opt().unwrap_or(*last);
                paris::midnight(next).with_timezone(&Utc)
            }
            When::Timed { end, .. } => end.with_timezone(&Utc),
        }
    }

    /// Whether any of it falls inside the window (a moment in time counts at its instant).
    pub fn overlaps(&self, window: &Window) -> bool {
        let (s, e) = (self.start_instant(), self.end_instant());
        s < window.end() && (e > window.start() || (s == e && s >= window.start()))
    }

    /// The same event moved to start on `day`, at the same wall-clock time and for the same
    /// length (how each occurrence of a recurring event is drawn).
    pub(crate) fn on_day(&self, day: NaiveDate) -> When {
        match self {
            When::AllDay { first, last } => {
                let len = last.signed_duration_since(*first);
                When::AllDay { first: day, last: day + len }
            }
            When::Timed { start, end } => {
                let s = paris::resolve(day.and_time(start.time()));
                When::Timed { start: s, end: s + (*end - *start) }
            }
        }
    }

    /// The wall-clock start the recurrence rule repeats (midnight for an all-day event).
    pub(crate) fn local_start(&self) -> NaiveDateTime {
        match self {
            When::AllDay { first, .. } => first.and_time(chrono::NaiveTime::MIN),
            When::Timed { start, .. } => start.naive_local(),
        }
    }
}

/// When an event happens: once, or by a rule with its exceptions. Built only through its
/// constructors, which check the parts against each other, so a `Schedule` always expands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    when: When,
    recurrence: Option<Recurrence>,
    exceptions: BTreeSet<NaiveDate>,
}

impl Schedule {
    /// A one-off event.
    pub fn once(when: When) -> Schedule {
        Schedule { when, recurrence: None, exceptions: BTreeSet::new() }
    }

    /// A recurring event. `when` is its first occurrence; if the rule does not produce that day
    /// (weekly on Tuesdays from a Monday), the event moves to the rule's first day, keeping its
    /// time and length, so that every calendar reads the same series (RFC 5545 leaves a start
    /// outside the rule undefined). Exceptions are the Paris days of removed occurrences.
    pub fn repeating(
        when: When,
        recurrence: Recurrence,
        exceptions: BTreeSet<NaiveDate>,
    ) -> Result<Schedule, EventError> {
        if exceptions.len() > MAX_EXCEPTIONS {
            return Err(EventError::TooManyExceptions);
        }
        for d in &exceptions {
            check_year(*d)?;
        }
        if let recurrence::End::Until(until) = recurrence.end() {
            check_year(until)?;
            if until < when.first_day() {
                return Err(EventError::UntilBeforeStart);
            }
        }
        let first = recurrence::first_day(&when, &recurrence).ok_or(EventError::NoOccurrence)?;
        check_year(first)?;
        let when = if first == when.first_day() { when } else { when.on_day(first) };
        Ok(Schedule { when, recurrence: Some(recurrence), exceptions })
    }

    /// The first occurrence.
    pub fn when(&self) -> &When {
        &self.when
    }

    pub fn recurrence(&self) -> Option<&Recurrence> {
        self.recurrence.as_ref()
    }

    /// The days of removed occurrences (empty for a one-off event).
    pub fn exceptions(&self) -> &BTreeSet<NaiveDate> {
        &self.exceptions
    }

    /// The occurrences that overlap a window, in order, at most [`recurrence::MAX_OCCURRENCES`].
    pub fn occurrences(&self, window: &Window) -> Expansion {
        recurrence::expand(self, window)
    }

    /// From the first instant of the first occurrence to the end of the last one (`None` for a
    /// rule without end): what the store indexes to find the events of a window.
    pub fn span(&self) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        recurrence::span(self)
    }
}

/// What an event says and when it happens: everything its author may change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventContent {
    pub title: Title,
    pub place: Option<Place>,
    pub description: Option<Description>,
    pub schedule: Schedule,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    pub scope: Scope,
    pub author: Author,
    pub content: EventContent,
    /// The `UID` it had in the file it was imported from.
    pub import_uid: Option<ImportUid>,
    /// Epoch seconds.
    pub created_at: i64,
    /// Epoch seconds (the feed's `DTSTAMP` and `LAST-MODIFIED`).
    pub updated_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn ids_take_their_shape_only() {
        assert!(Uai::parse("0750001A").is_some());
        assert!(Uai::parse("0750001A ").is_none());
        assert!(Uai::parse("").is_none());
        assert!(ClassId::parse("c1-cp-a").is_some());
        assert!(ClassId::parse("c 1").is_none());
        assert!(Sub::parse(&"x".repeat(256)).is_none());
        let id = EventId::new();
        assert_eq!(EventId::parse(id.as_str()), Some(id.clone()));
        assert!(EventId::parse(&id.as_str().to_uppercase()).is_none());
        assert!(EventId::parse("nope").is_none());
    }

    #[test]
    fn scopes_go_to_storage_and_back() {
        for scope in [
            Scope::Class(ClassId::parse("c1").unwrap()),
            Scope::School(Uai::parse("0750001A").unwrap()),
            Scope::Personal(Sub::parse("sub-1").unwrap()),
        ] {
            let kind = ScopeKind::parse(scope.kind().as_str()).unwrap();
            assert_eq!(Scope::from_parts(kind, scope.id()), Some(scope));
        }
        assert_eq!(ScopeKind::parse("Class"), None);
    }

    #[test]
    fn texts_are_checked() {
        assert_eq!(Title::parse("  Sortie au musée ").unwrap().as_str(), "Sortie au musée");
        assert_eq!(Title::parse("   "), Err(TextError::Empty));
        assert_eq!(Title::parse("a\nb"), Err(TextError::ControlCharacter));
        assert_eq!(Title::parse(&"é".repeat(MAX_TITLE + 1)), Err(TextError::TooLong { max: MAX_TITLE }));
        assert!(Title::parse(&"é".repeat(MAX_TITLE)).is_ok(), "characters, not bytes");
        assert_eq!(Place::parse("").unwrap(), None);
        let d = Description::parse("Prévoir :\r\n- un goûter\r\n- une gourde").unwrap().unwrap();
        assert_eq!(d.as_str(), "Prévoir :\n- un goûter\n- une gourde");
        assert_eq!(Description::parse("a\u{7}b"), Err(TextError::ControlCharacter));
        let (t, cut) = Title::lossy(&format!("Réunion\n{}", "x".repeat(200))).unwrap();
        assert!(cut && t.as_str().starts_with("Réunion x") && t.as_str().chars().count() <= MAX_TITLE);
    }

    #[test]
    fn all_day_and_timed_events_are_checked() {
        assert!(When::all_day(day("2025-03-04"), day("2025-03-04")).is_ok());
        assert_eq!(When::all_day(day("2025-03-04"), day("2025-03-03")), Err(EventError::EndBeforeStart));
        assert_eq!(When::all_day(day("1999-12-31"), day("2000-01-01")), Err(EventError::YearOutOfRange));
        assert_eq!(When::all_day(day("2025-01-01"), day("2025-06-01")), Err(EventError::TooManyDays));
        let w = When::timed(local("2025-03-04 08:30"), local("2025-03-04 09:30")).unwrap();
        assert_eq!(w.start_instant().to_rfc3339(), "2025-03-04T07:30:00+00:00");
        assert_eq!(
            When::timed(local("2025-03-30 02:30"), local("2025-03-30 04:00")),
            Err(EventError::NonexistentLocalTime(local("2025-03-30 02:30")))
        );
        assert_eq!(When::timed(local("2025-03-04 10:00"), local("2025-03-04 09:00")), Err(EventError::EndBeforeStart));
        assert_eq!(When::timed(local("2025-03-04 10:00"), local("2025-03-20 09:00")), Err(EventError::TooLong));
    }

    #[test]
    fn spans_and_windows() {
        let all_day = When::all_day(day("2025-03-30"), day("2025-03-31")).unwrap();
        assert_eq!(all_day.start_instant().to_rfc3339(), "2025-03-29T23:00:00+00:00");
        assert_eq!(all_day.end_instant().to_rfc3339(), "2025-03-31T22:00:00+00:00", "the clocks changed in between");
        let window = Window::days(day("2025-03-31"), day("2025-03-31")).unwrap();
        assert!(all_day.overlaps(&window));
        let later = Window::days(day("2025-04-01"), day("2025-04-06")).unwrap();
        assert!(!all_day.overlaps(&later));
        let instant = When::timed(local("2025-04-01 00:00"), local("2025-04-01 00:00")).unwrap();
        assert!(instant.overlaps(&later) && !instant.overlaps(&window));
        let until_midnight = When::timed(local("2025-03-31 20:00"), local("2025-04-01 00:00")).unwrap();
        assert_eq!(until_midnight.last_day(), day("2025-03-31"));
        assert!(!until_midnight.overlaps(&later));
    }

    #[test]
    fn import_uids_stay_short() {
        assert_eq!(ImportUid::new(" abc@google.com ").unwrap().as_str(), "abc@google.com");
        let long = "0400000082".repeat(40);
        let uid = ImportUid::new(&long).unwrap();
        assert!(uid.as_str().starts_with("sha256:") && uid.as_str().len() <= ImportUid::MAX);
        assert_eq!(ImportUid::new(&long), Some(uid));
        assert_eq!(ImportUid::new(" "), None);
    }
}
