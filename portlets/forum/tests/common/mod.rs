//! What the forum's router tests add to the kit's harness: a set clock, the forums of the
//! network's class A1 and school A, and starting threads and replying through the forms.
#![allow(clippy::unwrap_used, dead_code)]

use ent_portlet_forum::model::{ForumId, PostId, Scope, ThreadId};
use ent_portlet_forum::{PORTLET, Store};
use ent_portlet_kit::testing::{Answer, CLASS_A1, CLASS_A2, Harness, Network, SCHOOL_A, SCHOOL_B};
use ent_portlet_kit::{Clock, Db, Identity};

/// The forum on `db` with the network's rosters and a clock set at the run's time (tokens
/// carry the system's).
pub fn harness(db: Db) -> Harness {
    let net = Network::new();
    Harness::with(&PORTLET, db, Some(net.directory()), Clock::at(ent_portlet_kit::now()))
}

/// Makes (by a visit of the person who may) and returns a class forum or a school forum.
pub async fn forum(h: &Harness, db: &Db, scope: Scope) -> ForumId {
    let (who, school) = match &scope {
        Scope::Class { class_id } if class_id == CLASS_A1 => (&h.net.teacher_a1, SCHOOL_A),
        Scope::Class { class_id } if class_id == CLASS_A2 => (&h.net.teacher_a2, SCHOOL_A),
        Scope::Class { .. } => (&h.net.teacher_b1, SCHOOL_B),
        Scope::School => (&h.net.director_a, SCHOOL_A),
    };
    let home = h.get(who, "/view").await;
    assert_eq!(home.status, 200, "{}", home.body);
    Store::new(db.clone()).forum_of(&scope, school).await.unwrap().unwrap().id
}

pub async fn class_a1(h: &Harness, db: &Db) -> ForumId {
    forum(h, db, Scope::Class { class_id: CLASS_A1.into() }).await
}

/// The forum's first category.
pub async fn first_category(db: &Db, forum: &ForumId) -> String {
    Store::new(db.clone()).categories(forum).await.unwrap().remove(0).id.to_string()
}

/// Starts a thread through the form; the answer.
pub async fn start(h: &Harness, db: &Db, who: &Identity, forum: &ForumId, title: &str, body: &str) -> Answer {
    let category = first_category(db, forum).await;
    h.post(who, &format!("/view/f/{forum}/new"), &[("category", &category), ("title", title), ("body", body)]).await
}

/// The thread a `303` after starting one names.
pub fn thread_of(answer: &Answer) -> ThreadId {
    assert_eq!(answer.status, 303, "{}", answer.body);
    let loc = answer.location();
    let id = loc.strip_prefix("/view/t/").unwrap().split('?').next().unwrap();
    ThreadId::parse(id).unwrap()
}

/// Starts a thread that is published at once (as the class's teacher); its id.
pub async fn started(h: &Harness, db: &Db, forum: &ForumId, title: &str, body: &str) -> ThreadId {
    thread_of(&start(h, db, &h.net.teacher_a1, forum, title, body).await)
}

/// Replies through the form; the answer.
pub async fn reply(h: &Harness, who: &Identity, thread: &ThreadId, body: &str, quote: Option<&PostId>) -> Answer {
    let quote = quote.map(|q| q.to_string()).unwrap_or_default();
    h.post(who, &format!("/view/t/{thread}/reply"), &[("body", body), ("quote", &quote)]).await
}

/// The posts of a thread, every state, in order.
pub async fn posts(db: &Db, thread: &ThreadId) -> Vec<ent_portlet_forum::store::Post> {
    let everything = ent_portlet_forum::store::Viewer::Moderator { sub: "test" };
    Store::new(db.clone()).posts(thread, everything, 0, 1000).await.unwrap().0
}

/// The last post of a thread.
pub async fn last_post(db: &Db, thread: &ThreadId) -> PostId {
    posts(db, thread).await.pop().unwrap().id
}

/// Sets a forum's mode and openings through the settings form, as `who`.
pub async fn settings(h: &Harness, who: &Identity, forum: &ForumId, fields: &[(&str, &str)]) -> Answer {
    h.post(who, &format!("/view/f/{forum}/settings"), fields).await
}
