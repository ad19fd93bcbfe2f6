//! The askama templates (`portlets/homework/templates`) and what they are filled with: plain
//! values prepared by the handlers (words from the texts table, links under the portal's base),
//! laid out with the kit's parts (tabs, pagination, the week grid). Every value is escaped.

use askama::Template;
use ent_portlet_kit::views::{Anchor, Badge, Days, Html, Pagination, Tabs, paragraphs};
use ent_portlet_kit::{Ctx, Lang, Link};

use crate::forms::EntryForm;
use crate::store::{DueItem, Entry};
use crate::texts::Texts;
use ent_portlet_kit::calendar::Date;
use ent_portlet_kit::upload::human_size;

#[derive(Clone, Debug)]
pub struct ItemView {
    pub text: String,
    pub due_iso: String,
    pub due_label: String,
}

#[derive(Clone, Debug)]
pub struct FileView {
    pub href: String,
    pub name: String,
    pub size: String,
}

#[derive(Clone, Debug)]
pub struct EntryView {
    pub id: String,
    pub done_lines: Vec<String>,
    pub items: Vec<ItemView>,
    pub files: Vec<FileView>,
    pub author: String,
    pub edit_href: Option<String>,
}

impl EntryView {
    pub fn new(ctx: &Ctx, e: &Entry, editable: bool) -> EntryView {
        EntryView {
            id: e.id.clone(),
            done_lines: paragraphs(&e.content.done),
            items: e
                .content
                .items
                .iter()
                .map(|i| ItemView { text: i.text.clone(), due_iso: i.due.iso(), due_label: i.due.short(ctx.lang) })
                .collect(),
            files: e
                .files
                .iter()
                .map(|f| FileView {
                    href: ctx.href(&Link::to(format!("/view/files/{}", f.id))),
                    name: f.name.clone(),
                    size: human_size(f.size, ctx.lang),
                })
                .collect(),
            author: e.placement.author_name.clone(),
            edit_href: editable.then(|| ctx.href(&Link::to(format!("/view/entries/{}/edit", e.id)))),
        }
    }
}

/// Something due, with the day it was given.
#[derive(Clone, Debug)]
pub struct DueView {
    pub text: String,
    pub given_iso: String,
    pub given_label: String,
}

impl DueView {
    pub fn new(lang: Lang, d: &DueItem) -> DueView {
        DueView { text: d.text.clone(), given_iso: d.given_on.iso(), given_label: d.given_on.short(lang) }
    }
}

/// What one day of the grid holds: its entries and what is due on it.
#[derive(Template)]
#[template(path = "day.html")]
pub struct DayBody {
    pub t: &'static Texts,
    pub entries: Vec<EntryView>,
    pub due: Vec<DueView>,
}

/// The "à faire" list: one group per due day.
#[derive(Clone, Debug)]
pub struct DueGroup {
    pub iso: String,
    pub label: String,
    /// "aujourd'hui", "demain", "lundi": the days that need doing now.
    pub badge: Option<Badge>,
    pub items: Vec<DueView>,
}

/// Which of the diary's views is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Week,
    Day,
    Due,
}

/// The week, day and "à faire" views.
#[derive(Template)]
#[template(path = "diary.html")]
pub struct DiaryPage {
    pub t: &'static Texts,
    pub title: String,
    pub heading: String,
    pub tabs: Tabs,
    pub modes: Tabs,
    pub mode: Mode,
    pub pagination: Pagination,
    pub write_href: Option<String>,
    pub days: Option<Days>,
    pub due_groups: Vec<DueGroup>,
    pub empty: Option<String>,
}

/// A class offered in the form's list.
#[derive(Clone, Debug)]
pub struct ClassOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A stored file in the edit form.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub id: String,
    pub name: String,
    pub size: String,
    pub checked: bool,
}

/// The entry form (new or edit).
#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub title: String,
    pub action: String,
    /// The class list (new entries); empty when editing, where `class_name` is shown instead.
    pub classes: Vec<ClassOption>,
    pub class_name: String,
    pub form: &'a EntryForm,
    pub files: Vec<StoredFile>,
    pub submit: String,
    pub cancel_href: String,
    pub delete_action: Option<String>,
}

/// The home page card for pupils and parents: one block per class (child).
#[derive(Clone, Debug)]
pub struct FamilyBlock {
    pub label: Option<String>,
    pub today: Vec<String>,
    pub next: Vec<String>,
    /// "Pour demain" / "Pour lundi".
    pub next_label: String,
    pub week_text: String,
    pub href: String,
}

/// A teacher's class on the home page card.
#[derive(Clone, Debug)]
pub struct TeacherBlock {
    pub class_name: String,
    pub today_text: String,
    pub lines: Vec<String>,
    pub view_href: String,
    pub write_href: String,
}

/// A class on a director's home page card.
#[derive(Clone, Debug)]
pub struct DirectorRow {
    pub class_name: String,
    pub count_text: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "summary.html")]
pub struct SummaryPage {
    pub t: &'static Texts,
    pub family: Vec<FamilyBlock>,
    pub teacher: Vec<TeacherBlock>,
    pub director: Vec<DirectorRow>,
    pub empty: Option<String>,
    pub more: Option<Anchor>,
}

/// "aujourd'hui" / "demain" / the weekday, for a day near `today`.
pub fn relative_day(t: &Texts, today: Date, day: Date) -> Option<String> {
    if day == today {
        Some(t.today.to_string())
    } else if day == today.add_days(1) {
        Some(t.tomorrow.to_string())
    } else if day == today.next_school_day() {
        Some(day.weekday_name(t.lang).to_string())
    } else {
        None
    }
}

/// A day's body, rendered for the kit's grid.
pub fn day_body(
    t: &'static Texts,
    entries: Vec<EntryView>,
    due: Vec<DueView>,
) -> Result<Html, ent_portlet_kit::PortletError> {
    Html::of(&DayBody { t, entries, due })
}
