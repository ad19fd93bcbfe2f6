//! The entitlement matrix through the kit's runner: every route that names a conversation, a
//! message, a file or a draft, and the school's pages, for everyone of the kit's network. Each
//! row names who may; everyone else gets the exact status the access rules give (404 for what
//! one may not know exists, 403 for a page one may not open) and a page without the thing's
//! words. No page names a person it should not: a group's members are not listed to each
//! other, a reply to the teacher is not shown to the pupil the thread began with.
#![allow(clippy::unwrap_used)]

mod common;

use common::sent;
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Expect, Harness, Matrix, Network, Route, SCHOOL_A, SCHOOL_B};
use ent_portlet_kit::{Db, Identity};
use ent_portlet_messaging::{MIGRATIONS, Store};

/// `ok` for these, `otherwise` for everyone else.
fn only(allowed: &[&str], label: &str, ok: u16, otherwise: u16) -> Expect {
    Expect::status(if allowed.contains(&label) { ok } else { otherwise })
}

/// `ok` and the words for these; 404 without them for everyone else.
fn readers(allowed: &[&str], label: &str, words: &str) -> Expect {
    if allowed.contains(&label) { Expect::status(200).showing(words) } else { Expect::status(404).hiding(words) }
}

/// A message with a file, sent through the form; its conversation, message and file.
async fn with_file(h: &Harness, db: &Db, who: &Identity, school: &str, to: &[&str], subject: &str) -> Thing {
    let (conversation, _) = sent(&common::send_with_file(h, who, school, to, subject).await);
    let message = common::first_message(db, &conversation, who).await;
    let file = common::files(db, &message).await.remove(0);
    Thing { conversation, message, file }
}

struct Thing {
    conversation: String,
    message: String,
    file: String,
}

/// The fixtures: a class-A1 thread with a file and a reply to the teacher alone, a message to a
/// class's parents as a group, school B's thread, a pupil's held broadcast with a file, a
/// parent's draft with a file, and a message to recall.
struct Fixtures {
    c1: Thing,
    group: String,
    b: Thing,
    held: Thing,
    draft: String,
    draft_file: String,
    recall: String,
}

const C1_READERS: &[&str] = &["teacher_a1", "parent_a1", "pupil_a1"];
const GROUP_READERS: &[&str] = &["teacher_a1", "parent_a1", "parent_a1_no_authority"];
const B_READERS: &[&str] = &["teacher_b1", "parent_b1"];
const HELD_READERS: &[&str] = &["pupil_a1", "teacher_a1", "director_a"];

async fn fixtures(h: &Harness, db: &Db) -> Fixtures {
    let n = &h.net;
    let c1 = with_file(h, db, &n.teacher_a1, SCHOOL_A, &["p:parent-a1", "p:pupil-a1"], "Sujet-c1").await;
    let reply = h
        .post(
            &n.parent_a1,
            &format!("/view/c/{}/reply", c1.conversation),
            &[("reply_to", &c1.message), ("body", "secret-reply")],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    // Fourteen families: a broadcast, on a recent sign-in in an old session.
    let teacher = common::signed_in(&n.teacher_a1, h, 60, 7200);
    let (group, _) = sent(&common::send(h, &teacher, SCHOOL_A, &["g:class_parents:class-a1"], "Sujet-group").await);
    let b = with_file(h, db, &n.teacher_b1, SCHOOL_B, &["p:parent-b1"], "Sujet-b").await;
    // Twelve classmates more make the pupil's message to the class a broadcast: held.
    let held = with_file(h, db, &n.pupil_a1, SCHOOL_A, &["g:class_pupils:class-a1"], "Sujet-held").await;
    assert_eq!(Store::new(db.clone()).message(&held.message).await.unwrap().unwrap().state.as_str(), "held");
    let saved = h
        .post_multipart(
            &n.parent_a1,
            "/view/new",
            &[
                ("school", SCHOOL_A),
                ("subject", "Sujet-draft"),
                ("body", "secret-draft"),
                ("to", "p:teacher-a1"),
                ("action", "save"),
            ],
            &[common::pdf("brouillon.pdf")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let draft = saved.location().strip_prefix("/view/drafts/").unwrap().split('?').next().unwrap().to_string();
    let draft_file = Store::new(db.clone()).attachments(&[draft.as_str()]).await.unwrap()[0].id.clone();
    let (r, _) = sent(&common::send(h, &n.teacher_a2, SCHOOL_A, &["p:pupil-a2"], "Sujet-recall").await);
    let recall = common::first_message(db, &r, &n.teacher_a2).await;
    Fixtures { c1, group, b, held, draft, draft_file, recall }
}

fn harness(db: Db) -> Harness {
    common::harness_with(db, common::directory_with_families(&Network::new(), 12))
}

both_backends!(MIGRATIONS; conversations_files_and_drafts, |db| async move {
    let h = harness(db.clone());
    let f = fixtures(&h, &db).await;
    let mut m = Matrix::new(&h);

    // A conversation: its participants only, each seeing what reached them.
    let c1 = Route::get(format!("/view/c/{}", f.c1.conversation));
    m.everyone(&c1, |l| readers(C1_READERS, l, "Texte de « Sujet-c1 ».")).await;
    m.everyone(&c1, |l| {
        let e = readers(C1_READERS, l, "Sujet-c1");
        // The parent's reply went to the teacher: the pupil does not see it.
        if ["teacher_a1", "parent_a1"].contains(&l) { e.showing("secret-reply") } else { e.hiding("secret-reply") }
    })
    .await;
    let group = Route::get(format!("/view/c/{}", f.group));
    m.everyone(&group, |l| {
        let e = readers(GROUP_READERS, l, "Parents de CM1 A");
        // A group's members are not named to each other.
        match l {
            "parent_a1" => e.hiding("Paul Dupont"),
            "parent_a1_no_authority" => e.hiding("Marie Dupont"),
            _ => e,
        }
    })
    .await;
    let b = Route::get(format!("/view/c/{}", f.b.conversation));
    m.everyone(&b, |l| readers(B_READERS, l, "Texte de « Sujet-b ».")).await;
    // Held: only its author opens it; the reviewers read it in their queue.
    let held = Route::get(format!("/view/c/{}", f.held.conversation));
    m.everyone(&held, |l| readers(&["pupil_a1"], l, "Texte de « Sujet-held ».")).await;
    m.everyone(&Route::get("/view/c/no-such-conversation"), |_| Expect::status(404)).await;

    // Files: whoever may see the message.
    m.everyone(&Route::get(format!("/view/files/{}", f.c1.file)), |l| only(C1_READERS, l, 200, 404)).await;
    m.everyone(&Route::get(format!("/view/files/{}", f.b.file)), |l| only(B_READERS, l, 200, 404)).await;
    m.everyone(&Route::get(format!("/view/files/{}", f.held.file)), |l| only(HELD_READERS, l, 200, 404)).await;
    m.everyone(&Route::get(format!("/view/files/{}", f.draft_file)), |l| only(&["parent_a1"], l, 200, 404)).await;
    m.everyone(&Route::get("/view/files/no-such-file"), |_| Expect::status(404)).await;

    // A draft: its author only, to read, send or delete.
    let draft = Route::get(format!("/view/drafts/{}", f.draft));
    m.everyone(&draft, |l| readers(&["parent_a1"], l, "secret-draft")).await;
    let send = Route::post(format!("/view/drafts/{}", f.draft), &[("body", "forged"), ("to", "p:teacher-a1"), ("action", "send")]);
    let delete = Route::post(format!("/view/drafts/{}", f.draft), &[("action", "delete")]);
    for (label, who) in h.net.everyone() {
        if label != "parent_a1" {
            m.check(label, who, &send, &Expect::status(404)).await;
            m.check(label, who, &delete, &Expect::status(404)).await;
        }
    }
    m.check("parent_a1", &h.net.parent_a1, &draft, &Expect::status(200).showing("secret-draft").hiding("forged")).await;

    // Replies, archiving, recalls and reports by those outside the conversation.
    let reply = Route::post(
        format!("/view/c/{}/reply", f.c1.conversation),
        &[("reply_to", f.c1.message.as_str()), ("body", "intrus")],
    );
    let archive = Route::post(format!("/view/c/{}/archive", f.c1.conversation), &[("archived", "1")]);
    let report = Route::post(format!("/view/m/{}/report", f.c1.message), &[("reason", "x")]);
    let recall_c1 = Route::post(format!("/view/m/{}/recall", f.c1.message), &[]);
    let recall = Route::post(format!("/view/m/{}/recall", f.recall), &[]);
    for (label, who) in h.net.everyone() {
        if !C1_READERS.contains(&label) {
            m.check(label, who, &reply, &Expect::status(404)).await;
            m.check(label, who, &archive, &Expect::status(404)).await;
            m.check(label, who, &report, &Expect::status(404)).await;
        }
        if label != "teacher_a1" {
            m.check(label, who, &recall_c1, &Expect::status(404)).await;
        }
        if label != "teacher_a2" {
            m.check(label, who, &recall, &Expect::status(404)).await;
        }
    }
    // The author may not report their own message; the recipients may.
    m.check("teacher_a1", &h.net.teacher_a1, &report, &Expect::status(404)).await;
    let n = &h.net;
    m.check("pupil_a1", &n.pupil_a1, &report, &Expect::status(303)).await;
    m.check("parent_a1", &n.parent_a1, &archive, &Expect::status(303)).await;
    m.check("teacher_a2", &n.teacher_a2, &recall, &Expect::status(303)).await;
    // Recalled: its recipient no longer sees it.
    m.check("pupil_a2", &n.pupil_a2, &Route::get("/view/inbox"), &Expect::status(200).hiding("Sujet-recall")).await;
    // Reported: the school's director reads the file (the reports page shows it), still not the
    // conversation.
    m.everyone(&Route::get(format!("/view/files/{}", f.c1.file)), |l| {
        only(&["teacher_a1", "parent_a1", "pupil_a1", "director_a"], l, 200, 404)
    })
    .await;
    m.everyone(&c1, |l| readers(C1_READERS, l, "Texte de « Sujet-c1 ».")).await;
    m.finish();
});

both_backends!(MIGRATIONS; folders_show_only_ones_own, |db| async move {
    let h = harness(db.clone());
    fixtures(&h, &db).await;
    let mut m = Matrix::new(&h);
    // Each subject, and who has it in their inbox, card and search.
    let received: [(&str, &[&str]); 5] = [
        ("Sujet-c1", &["parent_a1", "pupil_a1", "teacher_a1"]),
        ("Sujet-group", &["parent_a1", "parent_a1_no_authority"]),
        ("Sujet-b", &["parent_b1"]),
        ("Sujet-held", &[]),
        ("Sujet-draft", &[]),
    ];
    for path in ["/view/inbox", "/fragment/summary", "/view/search?q=sujet"] {
        let route = Route::get(path);
        m.everyone(&route, |l| {
            let mut e = Expect::status(200);
            for (subject, to) in received {
                // The author finds their own messages by search, not in their inbox.
                let authored = path.contains("search") && author(subject) == Some(l);
                e = if to.contains(&l) || authored { e.showing(subject) } else { e.hiding(subject) };
            }
            e
        })
        .await;
    }
    // Sent and drafts: one's own.
    m.everyone(&Route::get("/view/drafts"), |l| {
        if l == "parent_a1" { Expect::status(200).showing("Sujet-draft") } else { Expect::status(200).hiding("Sujet-draft") }
    })
    .await;
    m.everyone(&Route::get("/view/sent"), |l| {
        let e = Expect::status(200);
        let e = if l == "pupil_a1" { e.showing("Sujet-held") } else { e.hiding("Sujet-held") };
        if l == "teacher_b1" { e.showing("Sujet-b") } else { e.hiding("Sujet-b") }
    })
    .await;
    // Writing: everyone with a school; the network's city agent serves none.
    m.everyone(&Route::get("/view/new"), |l| only(&["city_agent"], l, 403, 200)).await;
    m.everyone(&Route::get(format!("/view/new?school={SCHOOL_B}")), |l| {
        only(&["teacher_b1", "director_b", "pupil_b1", "parent_b1", "admin"], l, 200, 404)
    })
    .await;
    m.finish();
});

/// Who wrote each fixture's first message.
fn author(subject: &str) -> Option<&'static str> {
    match subject {
        "Sujet-c1" | "Sujet-group" => Some("teacher_a1"),
        "Sujet-b" => Some("teacher_b1"),
        "Sujet-held" => Some("pupil_a1"),
        _ => None,
    }
}

both_backends!(MIGRATIONS; the_schools_pages, |db| async move {
    let h = harness(db.clone());
    let f = fixtures(&h, &db).await;
    let n = &h.net;
    let report = h.post(&n.parent_a1, &format!("/view/m/{}/report", f.c1.message), &[("reason", "motif-secret")]).await;
    assert_eq!(report.status, 303);
    let mut m = Matrix::new(&h);
    const TEACHERS: &[&str] = &["teacher_a1", "teacher_a2", "teacher_b1"];
    const DIRECTORS: &[&str] = &["director_a", "director_b"];
    // The hold queue: teachers (their pupils' and families' messages) and directors (the
    // school's); the held message only for the class's teacher and the school's director.
    m.everyone(&Route::get("/view/review"), |l| {
        if HELD_READERS.contains(&l) && l != "pupil_a1" {
            Expect::status(200).showing("Texte de « Sujet-held ».").showing("Sujet-held")
        } else if TEACHERS.contains(&l) || DIRECTORS.contains(&l) {
            Expect::status(200).hiding("Texte de « Sujet-held ».").hiding("Léa Dupont")
        } else {
            Expect::status(403).hiding("Texte de « Sujet-held ».")
        }
    })
    .await;
    // Deciding: the message's reviewers only (an unknown action: 400 for them, nothing done).
    let decide = Route::post(format!("/view/review/{}", f.held.message), &[("action", "peut-être")]);
    m.everyone(&decide, |l| only(&["teacher_a1", "director_a"], l, 400, 404)).await;
    let decide_other = Route::post(format!("/view/review/{}", f.c1.message), &[("action", "release")]);
    m.everyone(&decide_other, |_| Expect::status(404)).await;
    // Reports: the directors (each their school's) and admins; nobody else may open the page.
    m.everyone(&Route::get("/view/reports"), |l| match l {
        "director_a" => Expect::status(200).showing("Texte de « Sujet-c1 ».").showing("motif-secret").showing("Marie Dupont"),
        "director_b" | "admin" => Expect::status(200).hiding("Texte de « Sujet-c1 ».").hiding("motif-secret"),
        _ => Expect::status(403).hiding("Texte de « Sujet-c1 »."),
    })
    .await;
    let close = Route::post(format!("/view/reports/{}/close", f.b.message), &[]);
    m.everyone(&close, |_| Expect::status(404)).await;
    // Settings: the directors of their school, admins of any.
    m.everyone(&Route::get("/view/settings"), |l| only(&["director_a", "director_b", "admin"], l, 200, 403)).await;
    m.everyone(&Route::get(format!("/view/settings?school={SCHOOL_A}")), |l| {
        only(&["director_a", "admin"], l, 200, 404)
    })
    .await;
    // The school's forms (posted without a change): the director of the school and admins.
    let modes = Route::post("/view/settings/modes", &[("school", SCHOOL_A)]);
    m.everyone(&modes, |l| only(&["director_a", "admin"], l, 303, 404)).await;
    let retract = Route::post("/view/retract", &[("school", SCHOOL_A), ("sub", "teacher-a1"), ("hours", "5")]);
    m.everyone(&retract, |l| only(&["director_a", "admin"], l, 400, 404)).await;
    m.everyone(&Route::post("/view/settings/modes", &[]), |l| {
        only(&["director_a", "director_b", "admin"], l, 303, 403)
    })
    .await;
    // The school's notification hours (a text that is not hours: nothing saved, said so).
    let hours = Route::post("/view/settings/hours", &[("school", SCHOOL_A), ("hours", "lundi matin")]);
    m.everyone(&hours, |l| only(&["director_a", "admin"], l, 303, 404)).await;
    // The e-mail digest: a page everyone may open (it says to whom it is offered and that this
    // ENT sends no mail); asking for it, nobody here, where no mail is set up.
    m.everyone(&Route::get("/view/notifications"), |_| Expect::status(200)).await;
    let subscribe = Route::post("/view/notifications", &[("action", "subscribe"), ("email", "x@example.org")]);
    m.everyone(&subscribe, |_| Expect::status(403)).await;
    m.finish();
});
