//! The askama templates (portlets/liaison/templates) and the page models they draw, built from
//! the kit's parts (tabs, badges, lists, tables). Every value is escaped by askama; links are
//! built with the kit's `Link`, under the portal's base.

use askama::Template;
use ent_portlet_kit::Ctx;
use ent_portlet_kit::field::Errors;
use ent_portlet_kit::views::{Badge, Items, Table, Tabs};

use crate::texts::Texts;

/// The longest subject and message accepted.
pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 5000;

/// A line of the card: a link and its words.
#[derive(Clone, Debug)]
pub struct Line {
    pub href: String,
    pub text: String,
}

/// A part of the card: a heading and its notes.
#[derive(Clone, Debug)]
pub struct Section {
    pub heading: String,
    pub items: Items,
}

#[derive(Template)]
#[template(path = "summary.html")]
pub struct SummaryPage<'a> {
    pub t: &'static Texts,
    pub sections: Vec<Section>,
    pub lines: Vec<Line>,
    pub empty: &'a str,
    pub more_href: String,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub t: &'static Texts,
    pub heading: String,
    pub tabs: Tabs,
    pub actions: Vec<Line>,
    pub items: Items,
}

/// A message of a thread, ready to show.
#[derive(Clone, Debug)]
pub struct MessageView {
    pub author: String,
    pub when: String,
    pub paragraphs: Vec<String>,
}

/// A thread (note, pupil) with its reply form when the reader may write.
#[derive(Clone, Debug)]
pub struct ThreadBlock {
    pub anchor: String,
    pub pupil_sub: String,
    pub heading: String,
    pub messages: Vec<MessageView>,
    pub can_write: bool,
    pub action: String,
    pub error: Option<String>,
    pub value: String,
}

/// The staff's table of signatures.
#[derive(Clone, Debug)]
pub struct SignatureTable {
    pub counts: String,
    pub table: Table,
    pub reminded: String,
    pub can_remind: bool,
    pub remind_action: String,
}

/// A parent's signature box for one of their children.
#[derive(Clone, Debug)]
pub struct OwnSignature {
    pub anchor: String,
    pub pupil_sub: String,
    pub heading: String,
    pub status: String,
    pub reminded: bool,
    pub can_sign: bool,
    pub action: String,
}

#[derive(Template)]
#[template(path = "note.html")]
pub struct NotePage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub back_href: String,
    pub title: String,
    pub meta: String,
    pub audience: String,
    pub badges: Vec<Badge>,
    pub error: Option<String>,
    pub paragraphs: Vec<String>,
    pub signatures: Option<SignatureTable>,
    pub own_signatures: Vec<OwnSignature>,
    pub thread_links: Items,
    pub threads: Vec<ThreadBlock>,
    pub max_body: usize,
}

#[derive(Template)]
#[template(path = "thread_page.html")]
pub struct ThreadPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub back_href: String,
    pub back_text: String,
    pub th: ThreadBlock,
    pub max_body: usize,
}

/// What was typed in a note form, shown again with its errors.
#[derive(Clone, Debug, Default)]
pub struct NoteValues {
    pub title: String,
    pub body: String,
    pub chosen: bool,
    pub signature: bool,
}

#[derive(Clone, Debug)]
pub struct PupilChoice {
    pub sub: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "new_note.html")]
pub struct NewNotePage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub tabs: Tabs,
    pub action: String,
    pub class_id: String,
    pub class_name: String,
    pub pupils: Vec<PupilChoice>,
    pub values: NoteValues,
    pub errors: Errors,
    pub max_title: usize,
    pub max_body: usize,
}

#[derive(Template)]
#[template(path = "ask.html")]
pub struct AskPage<'a> {
    pub t: &'static Texts,
    pub ctx: &'a Ctx,
    pub tabs: Tabs,
    pub action: String,
    pub child_sub: String,
    pub child_name: String,
    pub values: NoteValues,
    pub errors: Errors,
    pub max_title: usize,
    pub max_body: usize,
}
