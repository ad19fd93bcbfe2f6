//! The askama templates (`portlets/agenda/templates`) and what they are filled with: plain
//! values prepared by the handlers (words from the texts table, links under the portal's base),
//! laid out with the kit's parts (tabs, pagination, the week grid, badges). Every value is
//! escaped.

use askama::Template;
use askama::filters::HtmlSafe;
use ent_portlet_kit::Ctx;
use ent_portlet_kit::views::{Anchor, Day, Days, Html, Pagination, Tabs};

use crate::forms::EventForm;
use crate::texts::Texts;

/// One occurrence in a list: a link to its event (on the day it starts), its time, its place,
/// whose agenda it is in.
#[derive(Clone, Debug, Template)]
#[template(path = "occurrence.html")]
pub struct OccurrenceLine {
    pub href: String,
    pub title: String,
    /// What `<time datetime>` says: the start (RFC 3339) of a timed occurrence, the first day of
    /// an all-day one.
    pub datetime: String,
    /// "14:00–15:00", "Toute la journée", "jusqu'au jeudi 6 mars".
    pub when: String,
    pub place: Option<String>,
    pub scope: String,
}

impl HtmlSafe for OccurrenceLine {}

/// What one day of the week grid or of the month holds.
#[derive(Template)]
#[template(path = "day.html")]
pub struct DayBody {
    pub t: &'static Texts,
    pub holiday: Option<String>,
    pub lines: Vec<OccurrenceLine>,
}

/// Which of the agenda's views is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Week,
    Month,
}

/// The week and month views.
#[derive(Template)]
#[template(path = "agenda.html")]
pub struct AgendaPage {
    pub title: String,
    pub tabs: Tabs,
    pub modes: Tabs,
    pub heading: String,
    pub pagination: Pagination,
    /// The first is the main action (a button), the others links beside it.
    pub actions: Vec<Anchor>,
    /// Holidays of the period, and a word when a rule had more occurrences than shown.
    pub notices: Vec<String>,
    /// The week grid.
    pub week: Option<Days>,
    /// The month: the days with something on them.
    pub month: Vec<Day>,
    pub empty: Option<String>,
}

/// The home page card: tomorrow's reminder, the next days.
#[derive(Template)]
#[template(path = "summary.html")]
pub struct SummaryPage {
    pub t: &'static Texts,
    pub tomorrow: Vec<OccurrenceLine>,
    pub holiday: Option<String>,
    pub next: Vec<NextLine>,
    /// How many more the next days hold than the card shows.
    pub more: usize,
    pub open_href: String,
}

/// A line of the card: the day in words (today, tomorrow, a weekday) and the occurrence.
#[derive(Clone, Debug)]
pub struct NextLine {
    pub day: String,
    pub line: OccurrenceLine,
}

/// One event.
#[derive(Template)]
#[template(path = "event.html")]
pub struct EventPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub title: String,
    pub scope: String,
    pub when: String,
    pub datetime: String,
    pub repeats: Option<String>,
    /// The days without an occurrence, in words, joined.
    pub exceptions: String,
    pub place: Option<String>,
    pub paragraphs: Vec<String>,
    pub author: Option<String>,
    pub back_href: String,
    pub edit_href: Option<String>,
    pub delete_action: Option<String>,
    /// Removing one occurrence of a repeating event: the form's action and the day.
    pub skip: Option<(String, String, String)>,
}

/// A target offered in the form.
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The event form (new or edit).
#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub title: String,
    pub action: String,
    /// Where the event goes (new events); empty when editing, where `scope_label` is shown.
    pub targets: Vec<Choice>,
    pub scope_label: String,
    pub form: &'a EventForm,
    pub repeats: Vec<Choice>,
    pub weekdays: Vec<(String, String, bool)>,
    pub monthly: Vec<Choice>,
    pub ends: Vec<Choice>,
    pub submit: String,
    pub cancel_href: String,
}

/// The import form (`.ics` into a class or school agenda).
#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub action: String,
    pub targets: Vec<Choice>,
    pub error: Option<String>,
    pub scope_error: Option<String>,
    pub back_href: String,
}

/// One line of a report: what it is about, and what happened to it.
#[derive(Clone, Debug)]
pub struct ReportLine {
    pub what: String,
    pub why: String,
}

/// What an import did, said once after the post.
#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage {
    pub title: String,
    pub summary: String,
    pub changed_heading: String,
    pub changed: Vec<ReportLine>,
    pub skipped_heading: String,
    pub skipped: Vec<ReportLine>,
    pub links: Vec<Anchor>,
}

/// A school's imported holidays, per zone.
#[derive(Clone, Debug)]
pub struct HolidayRow {
    pub school: String,
    pub text: String,
}

/// The holidays page (directors): what each school has, and the import form.
#[derive(Template)]
#[template(path = "holidays.html")]
pub struct HolidaysPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub action: String,
    pub rows: Vec<HolidayRow>,
    pub schools: Vec<Choice>,
    pub zone: String,
    pub location: String,
    pub error: Option<String>,
    pub zone_error: Option<String>,
    pub back_href: String,
}

/// The private address page.
#[derive(Template)]
#[template(path = "subscription.html")]
pub struct SubscriptionPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    /// The address, right after it was made: shown this once.
    pub address: Option<String>,
    /// "Created on …", when an address exists.
    pub since: Option<String>,
    pub create_action: String,
    pub revoke_action: String,
    pub back_href: String,
}

/// A day's body, rendered for the kit's grid.
pub fn day_body(
    t: &'static Texts,
    holiday: Option<String>,
    lines: Vec<OccurrenceLine>,
) -> Result<Html, ent_portlet_kit::PortletError> {
    Html::of(&DayBody { t, holiday, lines })
}
