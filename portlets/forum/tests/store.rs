//! The forum's store on SQLite and PostgreSQL: forums made once per class and school, threads
//! and posts with their order and unread marks, what each viewer sees of held and hidden posts,
//! approval and hiding done once, moves within a forum only, reports once per reader, the
//! waiting counts and the audit of every act.
#![allow(clippy::unwrap_used)]

use ent_portlet_forum::model::{Mode, PostState, Scope, ThreadState};
use ent_portlet_forum::store::{Actor, NewPost, Viewer};
use ent_portlet_forum::{MIGRATIONS, Store};
use ent_portlet_kit::Profile;
use ent_portlet_kit::access::KnownClasses;
use ent_portlet_kit::storage::both_backends;

const NOW: i64 = 1_764_000_000;
const TEACHER: Actor<'static> = Actor { sub: "teacher-a1", name: "Camille Bernard" };

fn by<'a>(sub: &'a str, body: &'a str, held: bool) -> NewPost<'a> {
    let profile = if sub.starts_with("pupil") { Profile::Pupil } else { Profile::Teacher };
    NewPost { author_sub: sub, author_name: sub, author_profile: profile, body, held }
}

fn class(id: &str) -> Scope {
    Scope::Class { class_id: id.into() }
}

both_backends!(MIGRATIONS; forums_are_made_once, |db: Db| async move {
    let store = Store::new(db);
    let a = store.ensure_forum(&class("class-a1"), "0750001A", "CM1 A", NOW).await.unwrap();
    let again = store.ensure_forum(&class("class-a1"), "0750001A", "autre nom", NOW + 1).await.unwrap();
    assert_eq!(a.id, again.id);
    assert_eq!((again.name.as_str(), again.mode, again.open_families), ("CM1 A", Mode::None, false));
    let school = store.ensure_forum(&Scope::School, "0750001A", "École A", NOW).await.unwrap();
    assert_ne!(school.id, a.id);
    assert_eq!(school.class_id(), None);
    let categories = store.categories(&a.id).await.unwrap();
    assert_eq!(categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Général"]);
    let held = store.known_school_classes("0750001A").await.unwrap();
    assert_eq!(held.len(), 1, "the school's own forum is not a class");
    assert_eq!(store.known_class("class-a1").await.unwrap().map(|c| c.school), Some("0750001A".into()));
    store.set_mode(&a.id, Mode::PupilPosts, TEACHER, NOW).await.unwrap();
    store.set_openings(&a.id, true, false, false, TEACHER, NOW).await.unwrap();
    let a = store.forum(&a.id).await.unwrap().unwrap();
    assert_eq!((a.mode, a.open_families), (Mode::PupilPosts, true));
    let c2 = store.add_category(&a.id, "Sorties", TEACHER, NOW).await.unwrap();
    assert_eq!(store.categories(&a.id).await.unwrap()[1].id, c2);
    let audit = store.audit_lines(&a.id, 10).await.unwrap();
    let acts: Vec<&str> = audit.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(acts, ["add_category", "set_openings", "set_mode"]);
});

both_backends!(MIGRATIONS; threads_posts_quotes_and_unread_marks, |db: Db| async move {
    let store = Store::new(db);
    let f = store.ensure_forum(&class("class-a1"), "0750001A", "CM1 A", NOW).await.unwrap();
    let cat = store.categories(&f.id).await.unwrap().remove(0);
    let (tid, first) = store.create_thread(&f.id, &cat.id, "Sortie", &by("teacher-a1", "Qui vient ?", false), NOW).await.unwrap();
    let thread = store.thread(&tid).await.unwrap().unwrap();
    assert_eq!((thread.state, thread.published, thread.locked), (ThreadState::Open, 1, false));
    let reader = Viewer::Member { sub: "pupil-a1" };
    let (lines, total) = store.threads(&cat.id, reader, 0, 20).await.unwrap();
    assert_eq!((total, lines[0].unread, lines[0].replies), (1, true, 0));
    store.mark_read("pupil-a1", &tid, 1).await.unwrap();
    store.mark_read("pupil-a1", &tid, 0).await.unwrap();
    assert_eq!(store.read_seq("pupil-a1", &tid).await.unwrap(), 1, "never backwards");
    let reply = store.reply(&thread, &by("pupil-a1", "Moi !", false), Some(&first), NOW + 10).await.unwrap();
    let reply = store.post(&reply).await.unwrap().unwrap();
    assert_eq!((reply.nth, reply.seq, reply.quote_of.as_ref()), (2, Some(2), Some(&first)));
    let (lines, _) = store.threads(&cat.id, reader, 0, 20).await.unwrap();
    assert_eq!((lines[0].unread, lines[0].replies, lines[0].thread.last_at), (true, 1, NOW + 10));
    assert_eq!(store.unread_threads(&[&f.id], "pupil-a1").await.unwrap(), [(f.id.clone(), 1)]);
    store.mark_read("pupil-a1", &tid, 2).await.unwrap();
    assert!(store.unread_threads(&[&f.id], "pupil-a1").await.unwrap().is_empty());
    assert!(store.unread_threads(&[], "pupil-a1").await.unwrap().is_empty());
    let latest = store.latest_threads(&[&f.id], "pupil-a1", 5).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert!(store.latest_threads(&[], "pupil-a1", 5).await.unwrap().is_empty());
    // Pages of posts, in order.
    for i in 0..43 {
        store.reply(&thread, &by("pupil-a1-bis", &format!("n°{i}"), false), None, NOW + 20 + i).await.unwrap();
    }
    let (page3, total) = store.posts(&tid, reader, 40, 20).await.unwrap();
    assert_eq!((total, page3.len()), (45, 5));
    assert_eq!(page3.last().unwrap().body, "n°42");
    assert_eq!(store.posts_before(page3.last().unwrap(), reader).await.unwrap(), 44);
    let quoted = store.posts_by_ids(&[&first]).await.unwrap();
    assert_eq!(quoted[0].body, "Qui vient ?");
});

both_backends!(MIGRATIONS; held_and_hidden_posts_are_for_their_author_and_moderators, |db: Db| async move {
    let store = Store::new(db);
    let f = store.ensure_forum(&class("class-a1"), "0750001A", "CM1 A", NOW).await.unwrap();
    let cat = store.categories(&f.id).await.unwrap().remove(0);
    let (tid, first) = store.create_thread(&f.id, &cat.id, "Mon chat", &by("pupil-a1", "Il est roux", true), NOW).await.unwrap();
    let author = Viewer::Member { sub: "pupil-a1" };
    let other = Viewer::Member { sub: "pupil-a1-bis" };
    let moderator = Viewer::Moderator { sub: "teacher-a1" };
    assert_eq!(store.threads(&cat.id, author, 0, 20).await.unwrap().1, 1);
    assert_eq!(store.threads(&cat.id, other, 0, 20).await.unwrap().1, 0, "a held thread is its author's");
    assert_eq!(store.threads(&cat.id, moderator, 0, 20).await.unwrap().1, 1);
    assert!(store.latest_threads(&[&f.id], "pupil-a1-bis", 5).await.unwrap().is_empty());
    assert_eq!(store.waiting(&[&f.id]).await.unwrap().held, 1);
    assert!(store.approve(&first, TEACHER, NOW + 5).await.unwrap());
    assert!(!store.approve(&first, TEACHER, NOW + 6).await.unwrap(), "approved once");
    let thread = store.thread(&tid).await.unwrap().unwrap();
    assert_eq!((thread.state, thread.published, thread.last_at), (ThreadState::Open, 1, NOW + 5));
    assert_eq!(store.post(&first).await.unwrap().unwrap().seq, Some(1));
    assert_eq!(store.threads(&cat.id, other, 0, 20).await.unwrap().1, 1);
    // A held reply: its author and moderators see it, nobody else.
    let held = store.reply(&thread, &by("pupil-a1", "secret", true), None, NOW + 7).await.unwrap();
    assert_eq!(store.posts(&tid, other, 0, 20).await.unwrap().1, 1);
    assert_eq!(store.posts(&tid, author, 0, 20).await.unwrap().1, 2);
    assert_eq!(store.posts(&tid, moderator, 0, 20).await.unwrap().1, 2);
    assert!(store.hide(&held, TEACHER, NOW + 8).await.unwrap());
    assert!(!store.hide(&held, TEACHER, NOW + 9).await.unwrap(), "hidden once");
    let kept = store.post(&held).await.unwrap().unwrap();
    assert_eq!((kept.state, kept.body.as_str()), (PostState::Hidden, "secret"), "kept for the audit");
    assert_eq!(store.posts(&tid, author, 0, 20).await.unwrap().1, 1, "not even its author sees it hidden");
    assert_eq!(store.posts(&tid, moderator, 0, 20).await.unwrap().1, 2);
    assert_eq!(store.thread(&tid).await.unwrap().unwrap().published, 1, "a refused post was never published");
    // Hiding the first post hides the thread.
    assert!(store.hide(&first, TEACHER, NOW + 10).await.unwrap());
    assert_eq!(store.thread(&tid).await.unwrap().unwrap().state, ThreadState::Hidden);
    assert_eq!(store.threads(&cat.id, author, 0, 20).await.unwrap().1, 0);
    assert_eq!(store.threads(&cat.id, moderator, 0, 20).await.unwrap().1, 1);
    // Edits are marked and the old text goes to the audit.
    assert!(store.edit(&first, "Il est roux et blanc", TEACHER, NOW + 11).await.unwrap());
    let edited = store.post(&first).await.unwrap().unwrap();
    assert_eq!((edited.edited_by_name.as_deref(), edited.edited_at), (Some("Camille Bernard"), Some(NOW + 11)));
    let audit = store.audit_lines(&f.id, 10).await.unwrap();
    let acts: Vec<&str> = audit.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(acts, ["edit", "hide", "hide", "approve"]);
    assert_eq!(audit[0].detail, "Il est roux");
});

both_backends!(MIGRATIONS; locks_moves_and_reports, |db: Db| async move {
    let store = Store::new(db);
    let f = store.ensure_forum(&class("class-a1"), "0750001A", "CM1 A", NOW).await.unwrap();
    let g = store.ensure_forum(&class("class-a2"), "0750001A", "CE2 A", NOW).await.unwrap();
    let cat = store.categories(&f.id).await.unwrap().remove(0);
    let other_forums = store.categories(&g.id).await.unwrap().remove(0);
    let sorties = store.add_category(&f.id, "Sorties", TEACHER, NOW).await.unwrap();
    let (tid, first) = store.create_thread(&f.id, &cat.id, "Musée", &by("teacher-a1", "Mardi", false), NOW).await.unwrap();
    assert!(store.set_locked(&tid, true, TEACHER, NOW).await.unwrap());
    assert!(store.thread(&tid).await.unwrap().unwrap().locked);
    assert!(!store.move_thread(&tid, &other_forums.id, TEACHER, NOW).await.unwrap(), "not into another forum");
    assert_eq!(store.thread(&tid).await.unwrap().unwrap().category_id, cat.id);
    assert!(store.move_thread(&tid, &sorties, TEACHER, NOW).await.unwrap());
    assert_eq!(store.thread(&tid).await.unwrap().unwrap().category_id, sorties);
    let post = store.post(&first).await.unwrap().unwrap();
    let reporter = Actor { sub: "pupil-a1", name: "Léa Dupont" };
    assert!(store.report(&post, reporter, "méchant", NOW).await.unwrap());
    assert!(!store.report(&post, reporter, "encore", NOW).await.unwrap(), "once per reader");
    let reports = store.open_reports(&[&f.id, &g.id]).await.unwrap();
    assert_eq!((reports.len(), reports[0].reason.as_str(), reports[0].post.id.clone()), (1, "méchant", first));
    assert!(store.open_reports(&[&g.id]).await.unwrap().is_empty());
    assert_eq!(store.waiting(&[&f.id]).await.unwrap().reports, 1);
    assert!(store.close_report(&reports[0], TEACHER, NOW).await.unwrap());
    assert!(!store.close_report(&reports[0], TEACHER, NOW).await.unwrap());
    assert!(store.open_report(&reports[0].id).await.unwrap().is_none());
    assert_eq!(store.waiting(&[&f.id]).await.unwrap().reports, 0);
    let acts: Vec<String> = store.audit_lines(&f.id, 10).await.unwrap().into_iter().map(|l| l.action).collect();
    assert_eq!(acts, ["close_report", "move", "lock", "add_category"]);
});

both_backends!(MIGRATIONS; two_moderators_at_once_act_once, |db: Db| async move {
    let store = Store::new(db);
    let f = store.ensure_forum(&class("class-a1"), "0750001A", "CM1 A", NOW).await.unwrap();
    let cat = store.categories(&f.id).await.unwrap().remove(0);
    let (tid, first) = store.create_thread(&f.id, &cat.id, "T", &by("pupil-a1", "x", true), NOW).await.unwrap();
    let director = Actor { sub: "director-a", name: "Anne Girard" };
    let (a, b) = tokio::join!(store.approve(&first, TEACHER, NOW + 1), store.approve(&first, director, NOW + 1));
    assert!(a.unwrap() ^ b.unwrap(), "exactly one approval");
    assert_eq!(store.thread(&tid).await.unwrap().unwrap().published, 1);
    let thread = store.thread(&tid).await.unwrap().unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let (store, thread) = (store.clone(), thread.clone());
            tokio::spawn(async move { store.reply(&thread, &by("pupil-a1-bis", "r", false), None, NOW + 2 + i).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let posts = store.posts(&tid, Viewer::Moderator { sub: "t" }, 0, 20).await.unwrap().0;
    let nths: Vec<i64> = posts.iter().map(|p| p.nth).collect();
    assert_eq!(nths, [1, 2, 3, 4, 5, 6, 7], "replies at once each get their place");
    assert_eq!(store.thread(&tid).await.unwrap().unwrap().published, 7);
});
