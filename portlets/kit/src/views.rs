//! What every portlet's pages are made of, drawn once with the contract's classes
//! (docs/portlets.md): a row of tabs, badges, lists of items, tables, notices, empty states, the
//! week grid and its days, pagination; and [`render`]/[`page`], the one way to turn a template
//! into an answer. Each part is an askama template of the kit (`portlets/kit/templates`) that a
//! portlet's template places with `{{ part }}`: the part escapes its own values, so it is
//! inserted as it is.

use askama::Template;
use askama::filters::HtmlSafe;
use axum::response::Response;

use crate::fragment::{PortletError, html};

/// Renders a template, or a 500 whose cause stays in the log.
pub fn render(template: &impl Template) -> Result<String, PortletError> {
    template.render().map_err(PortletError::internal)
}

/// A template as a `200` fragment answer.
pub fn page(template: &impl Template) -> Result<Response, PortletError> {
    Ok(html(render(template)?))
}

/// A text as paragraphs: one per non-blank line, so that no markup (nor inline style) is needed
/// to keep its shape.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
}

/// HTML a template rendered (its values escaped), to place inside another template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    pub fn of(template: &impl Template) -> Result<Html, PortletError> {
        render(template).map(Html)
    }

    /// Markup the kit made safe itself (`richtext`).
    pub(crate) fn cleaned(html: String) -> Html {
        Html(html)
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Html {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl HtmlSafe for Html {}

/// One link of a row of tabs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A row of tabs (children, classes, views), drawn only when it holds any.
#[derive(Clone, Debug, Default, Template)]
#[template(path = "kit_tabs.html")]
pub struct Tabs {
    /// What the row chooses, for screen readers ("Enfants", "Classes").
    pub label: String,
    pub tabs: Vec<Tab>,
}

impl Tabs {
    pub fn new(label: impl Into<String>, tabs: Vec<Tab>) -> Tabs {
        Tabs { label: label.into(), tabs }
    }

    pub fn is_empty(&self) -> bool {
        self.tabs.is_empty()
    }
}

impl HtmlSafe for Tabs {}

/// How a badge reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Ok,
    Warn,
}

/// A short status: signed, to sign, due tomorrow.
#[derive(Clone, Debug, PartialEq, Eq, Template)]
#[template(path = "kit_badge.html")]
pub struct Badge {
    pub tone: Tone,
    pub text: String,
}

impl Badge {
    pub fn plain(text: impl Into<String>) -> Badge {
        Badge { tone: Tone::Plain, text: text.into() }
    }
    pub fn ok(text: impl Into<String>) -> Badge {
        Badge { tone: Tone::Ok, text: text.into() }
    }
    pub fn warn(text: impl Into<String>) -> Badge {
        Badge { tone: Tone::Warn, text: text.into() }
    }

    /// The stylesheet's classes for this tone.
    pub fn class(&self) -> &'static str {
        match self.tone {
            Tone::Plain => "badge",
            Tone::Ok => "badge badge-ok",
            Tone::Warn => "badge badge-warn",
        }
    }
}

impl HtmlSafe for Badge {}

/// One line of a list: a link, its badges, its dates and authors.
#[derive(Clone, Debug, PartialEq, Eq, Template)]
#[template(path = "kit_item.html")]
pub struct Item {
    pub href: String,
    pub title: String,
    pub meta: String,
    pub badges: Vec<Badge>,
}

impl HtmlSafe for Item {}

/// A list of items, or its empty state.
#[derive(Clone, Debug, Default, Template)]
#[template(path = "kit_items.html")]
pub struct Items {
    pub items: Vec<Item>,
    /// Said when there is no item; nothing when empty.
    pub empty: String,
}

impl HtmlSafe for Items {}

/// A message box (`role` `status` or `alert`).
#[derive(Clone, Debug, Template)]
#[template(path = "kit_notice.html")]
pub struct Notice {
    pub role: &'static str,
    pub text: String,
}

impl Notice {
    pub fn status(text: impl Into<String>) -> Notice {
        Notice { role: "status", text: text.into() }
    }
}

impl HtmlSafe for Notice {}

/// An empty state: nothing to show, said politely.
#[derive(Clone, Debug, Template)]
#[template(path = "kit_empty.html")]
pub struct Empty {
    pub text: String,
}

impl Empty {
    pub fn new(text: impl Into<String>) -> Empty {
        Empty { text: text.into() }
    }
}

impl HtmlSafe for Empty {}

/// A table cell: text, or a badge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Badge(Badge),
}

/// A row: its heading cell (the thing it is about) and the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub head: String,
    pub cells: Vec<Cell>,
}

/// A data table (who signed).
#[derive(Clone, Debug, Template)]
#[template(path = "kit_table.html")]
pub struct Table {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl HtmlSafe for Table {}

/// A link with its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub label: String,
    pub href: String,
}

/// Previous and next (weeks, days, pages), with extra actions beside them.
#[derive(Clone, Debug, Default, Template)]
#[template(path = "kit_pagination.html")]
pub struct Pagination {
    pub label: String,
    pub previous: Option<Anchor>,
    pub next: Option<Anchor>,
}

impl Pagination {
    pub fn is_empty(&self) -> bool {
        self.previous.is_none() && self.next.is_none()
    }
}

impl HtmlSafe for Pagination {}

/// One day of a grid: its heading (a `<time>`), a badge ("aujourd'hui"), what the portlet shows.
#[derive(Clone, Debug)]
pub struct Day {
    pub iso: String,
    pub label: String,
    pub badge: Option<Badge>,
    pub body: Html,
}

/// How the days are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Monday to Friday side by side.
    Week,
    /// One day.
    Day,
}

/// The week grid (or one day of it).
#[derive(Clone, Debug, Template)]
#[template(path = "kit_days.html")]
pub struct Days {
    pub layout: Layout,
    pub days: Vec<Day>,
}

impl HtmlSafe for Days {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_fragment_rules;

    #[test]
    fn parts_use_the_contract_classes_and_escape_their_values() {
        let tabs = Tabs::new("Enfants", vec![Tab { label: "<b>".into(), href: "/p/x/a".into(), current: true }]);
        let item =
            Item { href: "/p/x/n".into(), title: "T".into(), meta: "m".into(), badges: vec![Badge::warn("à signer")] };
        let table = Table {
            caption: "c".into(),
            columns: vec!["Élève".into(), "État".into()],
            rows: vec![Row { head: "Léa".into(), cells: vec![Cell::Badge(Badge::ok("signé"))] }],
        };
        let days = Days {
            layout: Layout::Week,
            days: vec![Day { iso: "2025-03-04".into(), label: "mardi".into(), badge: None, body: Html::default() }],
        };
        let pages = Pagination {
            label: "Semaines".into(),
            previous: Some(Anchor { label: "avant".into(), href: "/p/x/w".into() }),
            next: None,
        };
        let all = [
            render(&tabs),
            render(&Items { items: vec![item], empty: "vide".into() }),
            render(&table),
            render(&days),
            render(&pages),
            render(&Notice::status("n")),
            render(&Empty::new("rien")),
        ]
        .map(|r| r.unwrap_or_default())
        .join("\n");
        assert_fragment_rules(&all, "/p/x");
        assert!(all.contains("&#60;b&#62;") && all.contains("aria-current=\"page\""), "{all}");
        assert!(all.contains("class=\"badge badge-ok\"") && all.contains("<time datetime=\"2025-03-04\">"), "{all}");
    }
}
