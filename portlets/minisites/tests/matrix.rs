//! The entitlement matrix through the kit's runner: every route of the mini-sites' ENT pages,
//! for everyone of the kit's network, on both backends. A class's site is its class's (pupils,
//! families, teachers, the director); a school's site the whole school's; a pending version is
//! its site's writers' alone; approving, restoring, ordering and setting up are the class's
//! teachers' and the director's; making public, the director's. Everyone else gets the exact
//! status the rules give (404 for what one may not know exists, 403 for what one reads but may
//! not do, 403 on every page for staff, city agents and admins) and a page without the thing's
//! words.
#![allow(clippy::unwrap_used)]

mod common;

use common::{harness, page, pending, set_visibility, site_a1, write};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{CLASS_A1, Expect, Matrix, NO_CLASS_CONTENT, Route};
use ent_portlet_minisites::{MIGRATIONS, Store};

const CLASS_READERS: &[&str] =
    &["teacher_a1", "director_a", "pupil_a1", "pupil_a1_bis", "parent_a1", "parent_a1_no_authority"];
const SCHOOL_READERS: &[&str] = &[
    "teacher_a1",
    "director_a",
    "pupil_a1",
    "pupil_a1_bis",
    "parent_a1",
    "parent_a1_no_authority",
    "teacher_a2",
    "pupil_a2",
    "parent_a2",
];
const WRITERS: &[&str] = &["teacher_a1", "director_a", "pupil_a1", "pupil_a1_bis"];
const MODERATORS: &[&str] = &["teacher_a1", "director_a"];
const DIRECTOR: &[&str] = &["director_a"];

/// `ok` and the words for the allowed; the rule's status without them for everyone else.
fn reading(label: &str, allowed: &[&str], words: &str) -> Expect {
    let e = Expect::rule(label, allowed, &[], 200);
    if e.status == 200 { e.showing(words) } else { e.hiding(words) }
}

both_backends!(MIGRATIONS; every_route_for_everyone, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let store = Store::new(db.clone());
    // A class's site: a published page with an older version and a pupil's pending one, and a
    // page of a pupil's not published yet.
    let site = site_a1(&h, "Site-de-la-classe").await;
    let published = page(&h, &n.teacher_a1, &site, "Page-en-ligne", "Texte-ancien").await;
    h.clock.advance(10);
    assert_eq!(write(&h, &n.teacher_a1, &published, "Page-en-ligne", "Texte-en-ligne").await.status, 303);
    let old = store.versions(&published).await.unwrap().into_iter().find(|v| v.number == 1).unwrap().id;
    assert_eq!(write(&h, &n.pupil_a1, &published, "Page-en-ligne", "Texte-propose").await.status, 303);
    let proposed = pending(&db, &published).await.remove(0);
    let unpublished = page(&h, &n.pupil_a1_bis, &site, "Page-pas-publiee", "Texte-brouillon").await;
    // A school's site.
    let school = site_a1(&h, "Site-de-l-ecole").await;
    assert_eq!(set_visibility(&h, &n.teacher_a1, &school, "Site-de-l-ecole", "school").await.status, 303);
    let school_page = page(&h, &n.teacher_a1, &school, "Page-ecole", "Texte-ecole").await;

    let everyone_with_pages: Vec<&str> =
        n.everyone().into_iter().map(|(l, _)| l).filter(|l| !NO_CLASS_CONTENT.contains(l)).collect();
    let mut m = Matrix::new(&h);
    m.everyone(&Route::get("/fragment/summary"), |l| Expect::rule(l, &everyone_with_pages, &[], 200)).await;
    m.everyone(&Route::get("/view/"), |l| {
        let e = Expect::rule(l, &everyone_with_pages, &[], 200);
        if CLASS_READERS.contains(&l) { e.showing("Site-de-la-classe") } else { e.hiding("Site-de-la-classe") }
    })
    .await;
    m.everyone(&Route::get(format!("/view/s/{site}")), |l| reading(l, CLASS_READERS, "Site-de-la-classe")).await;
    m.everyone(&Route::get(format!("/view/p/{published}")), |l| {
        let e = reading(l, CLASS_READERS, "Texte-en-ligne");
        // What a pupil proposed is not the families'.
        if WRITERS.contains(&l) { e } else { e.hiding("Texte-propose") }
    })
    .await;
    m.everyone(&Route::get(format!("/view/p/{published}/history")), |l| reading(l, CLASS_READERS, "Page-en-ligne"))
        .await;
    m.everyone(&Route::get(format!("/view/p/{unpublished}")), |l| reading(l, WRITERS, "Page-pas-publiee")).await;
    m.everyone(&Route::get(format!("/view/v/{proposed}")), |l| reading(l, WRITERS, "Texte-propose")).await;
    m.everyone(&Route::get(format!("/view/v/{old}")), |l| reading(l, CLASS_READERS, "Texte-ancien")).await;
    m.everyone(&Route::get(format!("/view/s/{school}")), |l| reading(l, SCHOOL_READERS, "Site-de-l-ecole")).await;
    m.everyone(&Route::get(format!("/view/p/{school_page}")), |l| reading(l, SCHOOL_READERS, "Texte-ecole")).await;

    // Acts: those who may get 303; those who read but may not, 403; the others 404.
    let act = |allowed: &'static [&'static str], refused: &'static [&'static str]| {
        move |l: &str| Expect::rule(l, allowed, refused, 303)
    };
    m.everyone(&Route::post(format!("/view/v/{proposed}/decide"), &[("action", "reject")]), act(MODERATORS, WRITERS))
        .await;
    m.everyone(&Route::post(format!("/view/v/{old}/restore"), &[]), act(MODERATORS, CLASS_READERS)).await;
    m.everyone(&Route::post(format!("/view/p/{published}/move"), &[("dir", "up")]), act(MODERATORS, CLASS_READERS))
        .await;
    m.everyone(
        &Route::post(format!("/view/s/{site}/settings"), &[("title", "Site-de-la-classe"), ("visibility", "class")]),
        act(MODERATORS, CLASS_READERS),
    )
    .await;
    m.everyone(&Route::post(format!("/view/s/{site}/public"), &[]), act(DIRECTOR, CLASS_READERS)).await;
    m.everyone(
        &Route::post(format!("/view/s/{site}/pages"), &[("title", "Nouvelle"), ("body", "texte")]),
        act(WRITERS, CLASS_READERS),
    )
    .await;
    m.everyone(
        &Route::post(format!("/view/p/{published}"), &[("title", "Page-en-ligne"), ("body", "texte")]),
        act(WRITERS, CLASS_READERS),
    )
    .await;
    // A post without its picture: the form again, for those who may send one.
    m.everyone(&Route::post(format!("/view/s/{site}/pictures"), &[]), |l| Expect::rule(l, WRITERS, CLASS_READERS, 422))
        .await;
    m.everyone(&Route::post(format!("/view/s/{school}/settings"), &[("title", "x"), ("visibility", "school")]), act(MODERATORS, SCHOOL_READERS))
        .await;
    m.everyone(&Route::post("/view/sites", &[("class", CLASS_A1), ("title", "Encore un site")]), act(MODERATORS, CLASS_READERS))
        .await;
    m.finish();
});
