//! The entitlement matrix through the kit's runner: every route of the forum for every person
//! of the kit's network, with the exact status the rules give — the thing for who may, 403 for
//! who reads the forum but may not do this, 404 for everyone else, who may not know it exists —
//! and pages that never show a held or hidden post to whom it is not for. The runner checks the
//! fragment rules on every page.
#![allow(clippy::unwrap_used)]

mod common;

use common::{class_a1, last_post, reply, settings, start, started};
use ent_portlet_forum::model::Scope;
use ent_portlet_forum::{MIGRATIONS, Store};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{CLASS_A2, Expect, Matrix, Route};

/// Class A1's forum, opened to its families.
const A1_READERS: &[&str] =
    &["teacher_a1", "director_a", "pupil_a1", "pupil_a1_bis", "parent_a1", "parent_a1_no_authority"];
const A1_WRITERS: &[&str] = &["teacher_a1", "director_a", "pupil_a1", "pupil_a1_bis"];
const A1_MODERATORS: &[&str] = &["teacher_a1", "director_a"];
/// School A's forum, not opened.
const SCHOOL_A_READERS: &[&str] = &["staff_a", "teacher_a1", "teacher_a2", "director_a"];
/// Who moderates some forum.
const MODERATORS: &[&str] = &["teacher_a1", "teacher_a2", "teacher_b1", "director_a", "director_b"];

/// `ok` for `allowed`, 403 for `refused`, 404 for everyone else.
fn cell(label: &str, allowed: &[&str], refused: &[&str], ok: u16) -> Expect {
    if allowed.contains(&label) {
        Expect::status(ok)
    } else if refused.contains(&label) {
        Expect::status(403)
    } else {
        Expect::status(404)
    }
}

/// `ok` and the words for `allowed`; 404 without them for everyone else.
fn readers(allowed: &[&str], label: &str, words: &str) -> Expect {
    if allowed.contains(&label) { Expect::status(200).showing(words) } else { Expect::status(404).hiding(words) }
}

both_backends!(MIGRATIONS; every_route_for_everyone, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let a1 = class_a1(&h, &db).await;
    let school = common::forum(&h, &db, Scope::School).await;
    common::forum(&h, &db, Scope::Class { class_id: CLASS_A2.into() }).await;
    common::forum(&h, &db, Scope::Class { class_id: "class-b1".into() }).await;
    common::forum(&h, &db, Scope::School).await;
    h.get(&n.director_b, "/view").await;
    settings(&h, &n.teacher_a1, &a1, &[("mode", "posts"), ("open_families", "1")]).await;
    let thread = started(&h, &db, &a1, "Sujet-visible", "Texte-visible").await;
    let visible = last_post(&db, &thread).await;
    reply(&h, &n.pupil_a1, &thread, "Texte-en-attente", None).await;
    let held = last_post(&db, &thread).await;
    reply(&h, &n.pupil_a1_bis, &thread, "Texte-masqué", None).await;
    let hidden = last_post(&db, &thread).await;
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/p/{hidden}/hide"), &[]).await.status, 303);
    let held_thread = common::thread_of(&start(&h, &db, &n.pupil_a1, &a1, "Sujet-en-attente", "x").await);
    let school_thread = common::thread_of(&start(&h, &db, &n.staff_a, &school, "Sujet-école", "y").await);
    let category = common::first_category(&db, &a1).await;
    let (f, t) = (format!("/view/f/{a1}"), format!("/view/t/{thread}"));
    let mut m = Matrix::new(&h);

    // What everyone has: their forums, their card.
    m.everyone(&Route::get("/view"), |l| {
        if ["city_agent", "admin"].contains(&l) { Expect::status(403) } else { Expect::status(200) }
    })
    .await;
    m.everyone(&Route::get("/fragment/summary"), |l| {
        let e = Expect::status(200);
        if A1_READERS.contains(&l) { e.showing("Sujet-visible") } else { e.hiding("Sujet-visible") }
    })
    .await;

    // Class A1's forum, its thread and its posts.
    m.everyone(&Route::get(&f), |l| {
        let e = readers(A1_READERS, l, "Sujet-visible");
        if A1_MODERATORS.contains(&l) || l == "pupil_a1" { e.showing("Sujet-en-attente") } else { e.hiding("Sujet-en-attente") }
    })
    .await;
    m.everyone(&Route::get(&t), |l| {
        let e = readers(A1_READERS, l, "Texte-visible");
        let e = if A1_MODERATORS.contains(&l) || l == "pupil_a1" {
            e.showing("Texte-en-attente")
        } else {
            e.hiding("Texte-en-attente")
        };
        if A1_MODERATORS.contains(&l) { e.showing("Texte-masqué") } else { e.hiding("Texte-masqué") }
    })
    .await;
    m.everyone(&Route::get(format!("/view/t/{held_thread}")), |l| {
        readers(&["teacher_a1", "director_a", "pupil_a1"], l, "Sujet-en-attente")
    })
    .await;
    m.everyone(&Route::get(format!("/view/p/{visible}")), |l| readers(A1_READERS, l, "Texte-visible")).await;
    m.everyone(&Route::get(format!("/view/p/{held}")), |l| {
        readers(&["teacher_a1", "director_a", "pupil_a1"], l, "Texte-en-attente")
    })
    .await;
    m.everyone(&Route::get(format!("/view/p/{hidden}")), |l| readers(A1_MODERATORS, l, "Texte-masqué")).await;

    // Writing: pupils, teachers, the director; families read.
    m.everyone(&Route::get(format!("{f}/new")), |l| cell(l, A1_WRITERS, A1_READERS, 200)).await;
    let empty_thread = Route::post(format!("{f}/new"), &[("category", &category), ("title", ""), ("body", "")]);
    m.everyone(&empty_thread, |l| cell(l, A1_WRITERS, A1_READERS, 422)).await;
    m.everyone(&Route::post(format!("{t}/reply"), &[("body", "")]), |l| cell(l, A1_WRITERS, A1_READERS, 422)).await;
    m.everyone(&Route::post(format!("/view/p/{visible}/report"), &[("reason", "r")]), |l| {
        cell(l, A1_READERS, &[], 303)
    })
    .await;

    // Moderation: the class's teacher and the director.
    m.everyone(&Route::get(format!("/view/p/{visible}/edit")), |l| cell(l, A1_MODERATORS, A1_READERS, 200)).await;
    m.everyone(&Route::post(format!("/view/p/{visible}/edit"), &[("body", "")]), |l| {
        cell(l, A1_MODERATORS, A1_READERS, 422)
    })
    .await;
    m.everyone(&Route::post(format!("/view/p/{visible}/approve"), &[]), |l| cell(l, A1_MODERATORS, A1_READERS, 303))
        .await;
    m.everyone(&Route::post(format!("/view/p/{hidden}/hide"), &[]), |l| cell(l, A1_MODERATORS, &[], 303)).await;
    m.everyone(&Route::post(format!("{t}/lock"), &[("locked", "0")]), |l| cell(l, A1_MODERATORS, A1_READERS, 303))
        .await;
    m.everyone(&Route::post(format!("{t}/move"), &[("category", &category)]), |l| {
        cell(l, A1_MODERATORS, A1_READERS, 303)
    })
    .await;
    m.everyone(&Route::get(format!("{f}/settings")), |l| cell(l, A1_MODERATORS, A1_READERS, 200)).await;
    let same = Route::post(format!("{f}/settings"), &[("mode", "posts"), ("open_families", "1")]);
    m.everyone(&same, |l| cell(l, A1_MODERATORS, A1_READERS, 303)).await;
    m.everyone(&Route::post(format!("{f}/categories"), &[("name", "")]), |l| cell(l, A1_MODERATORS, A1_READERS, 422))
        .await;
    m.everyone(&Route::get("/view/moderation"), |l| {
        let e = if MODERATORS.contains(&l) { Expect::status(200) } else { Expect::status(403) };
        if A1_MODERATORS.contains(&l) { e.showing("Texte-en-attente") } else { e.hiding("Texte-en-attente") }
    })
    .await;

    // A report is closed by the class's moderators only.
    let report = Store::new(db.clone()).open_reports(&[&a1]).await.unwrap().remove(0);
    let close = Route::post(format!("/view/r/{}/close", report.id), &[]);
    for (label, who) in h.net.everyone() {
        if !A1_MODERATORS.contains(&label) {
            m.check(label, who, &close, &Expect::status(404)).await;
        }
    }
    m.check("director_a", &n.director_a, &close, &Expect::status(303)).await;

    // School A's forum: its adults.
    m.everyone(&Route::get(format!("/view/f/{school}")), |l| readers(SCHOOL_A_READERS, l, "Sujet-école")).await;
    m.everyone(&Route::get(format!("/view/t/{school_thread}")), |l| readers(SCHOOL_A_READERS, l, "Sujet-école")).await;
    m.everyone(&Route::get(format!("/view/f/{school}/settings")), |l| {
        cell(l, &["director_a"], SCHOOL_A_READERS, 200)
    })
    .await;
    m.finish();
});
