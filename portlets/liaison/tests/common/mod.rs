//! What the notebook's router tests add to the kit's harness: posting a note and reading the id
//! a post redirects to.
#![allow(clippy::unwrap_used, dead_code)]

use ent_portlet_kit::testing::{Answer, Harness};
use ent_portlet_kit::{Clock, Db, Directory, Identity};
use ent_portlet_liaison::PORTLET;

/// The notebook with the network's rosters as the directory.
pub fn harness(db: Db) -> Harness {
    Harness::new(&PORTLET, db)
}

pub fn with_directory(db: Db, directory: Option<Directory>) -> Harness {
    Harness::with(&PORTLET, db, directory, Clock::system())
}

/// The note id of a `303` to `/view/notes/{id}`.
pub fn note_id(answer: &Answer) -> String {
    assert_eq!(answer.status, 303, "{}", answer.body);
    let loc = answer.location();
    let id = loc.strip_prefix("/view/notes/").unwrap();
    id.split(['/', '?']).next().unwrap().to_string()
}

/// Posts a note as `who` and returns its id.
pub async fn note(h: &Harness, who: &Identity, class: &str, title: &str, body: &str, extra: &[(&str, &str)]) -> String {
    let mut form = vec![("class", class), ("title", title), ("body", body)];
    form.extend_from_slice(extra);
    note_id(&h.post(who, "/view/notes", &form).await)
}

/// `answer.note_id()`.
pub trait NoteId {
    fn note_id(&self) -> String;
}

impl NoteId for Answer {
    fn note_id(&self) -> String {
        note_id(self)
    }
}
