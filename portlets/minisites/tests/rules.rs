//! The publication rules through the ENT's pages, on both backends: a pupil's page waits for a
//! teacher of the class, a family reads only what is published, a pupil cannot approve, another
//! class cannot see or write, every published version is kept and can be put back, the menu's
//! order is the teachers'. Every attack is tried, not only the way in.
#![allow(clippy::unwrap_used)]

mod common;

use common::{decide, harness, page, pending, set_visibility, site_a1, write};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, CLASS_B1};
use ent_portlet_minisites::model::{VersionState, Visibility};
use ent_portlet_minisites::{MIGRATIONS, Store};

both_backends!(MIGRATIONS; a_pupils_page_waits_for_a_teacher_and_then_the_family_reads_it, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal des CM1").await;
    let p = page(&h, &n.pupil_a1, &site, "Notre potager", "Les radis-pousse-vite").await;

    // Waiting: the pupil and the teacher see it, the family does not know it exists.
    assert!(h.get(&n.pupil_a1, &format!("/view/p/{p}")).await.body.contains("Les radis-pousse-vite"));
    assert_eq!(h.get(&n.parent_a1, &format!("/view/p/{p}")).await.status, 404);
    let listed = h.get(&n.parent_a1, &format!("/view/s/{site}")).await;
    assert!(listed.status == 200 && !listed.body.contains("Notre potager"), "{}", listed.body);
    let review = h.get(&n.teacher_a1, &format!("/view/s/{site}")).await;
    assert!(review.body.contains("Notre potager") && review.body.contains("en attente"), "{}", review.body);

    // A classmate may not approve it, nor may the pupil themself.
    let waiting = pending(&db, &p).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(decide(&h, &n.pupil_a1, &waiting[0], "approve").await.status, 403);
    assert_eq!(decide(&h, &n.pupil_a1_bis, &waiting[0], "approve").await.status, 403);
    // A parent may not know it exists; a teacher of another class neither.
    assert_eq!(decide(&h, &n.parent_a1, &waiting[0], "approve").await.status, 404);
    assert_eq!(decide(&h, &n.teacher_a2, &waiting[0], "approve").await.status, 404);
    assert_eq!(decide(&h, &n.director_b, &waiting[0], "approve").await.status, 404);
    assert_eq!(h.get(&n.parent_a1, &format!("/view/v/{}", waiting[0])).await.status, 404);

    // The teacher approves: the family reads it.
    let approved = decide(&h, &n.teacher_a1, &waiting[0], "approve").await;
    assert_eq!(approved.status, 303);
    let read = h.get(&n.parent_a1, &format!("/view/p/{p}")).await;
    assert!(read.status == 200 && read.body.contains("Les radis-pousse-vite"), "{}", read.body);
    // Deciding twice changes nothing.
    let again = decide(&h, &n.director_a, &waiting[0], "reject").await;
    assert!(again.location().contains("done=already"), "{}", again.location());

    // A new version by the pupil waits again: the family keeps reading the approved one.
    let answer = write(&h, &n.pupil_a1, &p, "Notre potager", "Les radis ont été mangés par un escargot").await;
    assert!(answer.location().contains("done=waiting"));
    let read = h.get(&n.parent_a1, &format!("/view/p/{p}")).await;
    assert!(read.body.contains("radis-pousse-vite") && !read.body.contains("escargot"), "{}", read.body);
    let second = pending(&db, &p).await;
    assert_eq!(decide(&h, &n.director_a, &second[0], "reject").await.status, 303);
    let read = h.get(&n.parent_a1, &format!("/view/p/{p}")).await;
    assert!(!read.body.contains("escargot"));
    let v = Store::new(db.clone()).version(&second[0]).await.unwrap().unwrap();
    assert_eq!(v.state, VersionState::Rejected);
    assert_eq!(v.decided_by.as_deref(), Some("Anne Girard"));
});

both_backends!(MIGRATIONS; another_class_neither_sees_nor_writes, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal des CM1").await;
    let p = page(&h, &n.teacher_a1, &site, "Accueil", "Bonjour-secret").await;
    for who in [&n.pupil_a2, &n.parent_a2, &n.teacher_a2, &n.pupil_b1, &n.parent_b1, &n.teacher_b1, &n.director_b] {
        assert_eq!(h.get(who, &format!("/view/s/{site}")).await.status, 404, "{}", who.sub);
        let read = h.get(who, &format!("/view/p/{p}")).await;
        assert!(read.status == 404 && !read.body.contains("Bonjour-secret"), "{}", who.sub);
        assert_eq!(write(&h, who, &p, "Piraté", "texte").await.status, 404, "{}", who.sub);
        let created = h.post(who, &format!("/view/s/{site}/pages"), &[("title", "x"), ("body", "y")]).await;
        assert_eq!(created.status, 404, "{}", who.sub);
        assert!(!h.get(who, "/view").await.body.contains("Journal des CM1"), "{}", who.sub);
    }
    // Nobody starts a site for a class they do not teach: a pupil of it is refused, a stranger
    // does not learn it exists.
    assert_eq!(h.post(&n.pupil_a1, "/view/sites", &[("class", CLASS_A1), ("title", "x")]).await.status, 403);
    assert_eq!(h.post(&n.teacher_a2, "/view/sites", &[("class", CLASS_A1), ("title", "x")]).await.status, 404);
    assert_eq!(h.post(&n.director_a, "/view/sites", &[("class", CLASS_B1), ("title", "x")]).await.status, 404);
    // The director starts one for any class of the school.
    assert_eq!(h.post(&n.director_a, "/view/sites", &[("class", CLASS_A2), ("title", "CE2")]).await.status, 303);
    // Staff, city agents and admins have no class content.
    for who in [&n.staff_a, &n.city_agent, &n.admin] {
        assert_eq!(h.get(who, "/view").await.status, 403);
        assert_eq!(h.get(who, &format!("/view/s/{site}")).await.status, 403);
    }
    // A school's site is read by the other classes of the school, written by none of them.
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal des CM1", "school").await.status, 303);
    for who in [&n.pupil_a2, &n.parent_a2, &n.teacher_a2] {
        assert!(h.get(who, &format!("/view/p/{p}")).await.body.contains("Bonjour-secret"), "{}", who.sub);
        assert_eq!(write(&h, who, &p, "Piraté", "texte").await.status, 403, "{}", who.sub);
    }
    for who in [&n.pupil_b1, &n.parent_b1, &n.teacher_b1] {
        assert_eq!(h.get(who, &format!("/view/p/{p}")).await.status, 404, "{}", who.sub);
    }
});

both_backends!(MIGRATIONS; public_needs_the_director, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let store = Store::new(db.clone());
    let site = site_a1(&h, "Journal").await;
    // The teacher asks: it stays a school's site until the director approves.
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "public").await.status, 303);
    let s = store.site(&site).await.unwrap().unwrap();
    assert_eq!((s.visibility, s.effective()), (Visibility::Public, Visibility::School));
    assert!(h.get(&n.teacher_a1, &format!("/view/s/{site}")).await.body.contains("Public demandé"));
    // Neither the teacher nor a pupil can approve it; another school's director does not see it.
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/s/{site}/public"), &[]).await.status, 403);
    assert_eq!(h.post(&n.pupil_a1, &format!("/view/s/{site}/public"), &[]).await.status, 403);
    assert_eq!(h.post(&n.director_b, &format!("/view/s/{site}/public"), &[]).await.status, 404);
    assert!(store.site(&site).await.unwrap().unwrap().public_approved_at.is_none());
    // The director does.
    let approved = h.post(&n.director_a, &format!("/view/s/{site}/public"), &[]).await;
    assert!(approved.location().contains("done=public"), "{}", approved.body);
    let s = store.site(&site).await.unwrap().unwrap();
    assert_eq!(s.effective(), Visibility::Public);
    assert_eq!(s.public_approved_by.as_deref(), Some("Anne Girard"));
    // Back to the class and public again: the approval does not outlive it.
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "class").await.status, 303);
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "public").await.status, 303);
    assert_eq!(store.site(&site).await.unwrap().unwrap().effective(), Visibility::School);
    // The director setting it public approves it at once.
    assert_eq!(set_visibility(&h, &n.director_a, &site, "Journal", "public").await.status, 303);
    assert_eq!(store.site(&site).await.unwrap().unwrap().effective(), Visibility::Public);
    // A pupil or a family may not change the settings.
    assert_eq!(set_visibility(&h, &n.pupil_a1, &site, "Journal", "class").await.status, 403);
    assert_eq!(set_visibility(&h, &n.parent_a1, &site, "Journal", "class").await.status, 403);
});

both_backends!(MIGRATIONS; every_published_version_is_kept_and_can_be_put_back, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let store = Store::new(db.clone());
    let site = site_a1(&h, "Journal").await;
    let p = page(&h, &n.teacher_a1, &site, "Accueil", "Première version").await;
    h.clock.advance(60);
    assert_eq!(write(&h, &n.teacher_a1, &p, "Accueil", "Deuxième version").await.status, 303);
    let history = h.get(&n.parent_a1, &format!("/view/p/{p}/history")).await;
    assert!(history.body.contains("Version 1") && history.body.contains("Version 2"), "{}", history.body);
    let first = store.versions(&p).await.unwrap().into_iter().find(|v| v.number == 1).unwrap();
    // Only the class's teachers and the director put one back.
    assert_eq!(h.post(&n.pupil_a1, &format!("/view/v/{}/restore", first.id), &[]).await.status, 403);
    assert_eq!(h.post(&n.parent_a1, &format!("/view/v/{}/restore", first.id), &[]).await.status, 403);
    h.clock.advance(60);
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/v/{}/restore", first.id), &[]).await.status, 303);
    let current = store.current(&p).await.unwrap().unwrap();
    assert_eq!((current.number, current.restored_from, current.body.as_str()), (3, Some(1), "Première version"));
    assert_eq!(store.versions(&p).await.unwrap().len(), 3, "nothing is lost");
    assert!(h.get(&n.parent_a1, &format!("/view/p/{p}")).await.body.contains("Première version"));
});

both_backends!(MIGRATIONS; the_menu_is_in_the_teachers_order, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let store = Store::new(db.clone());
    let site = site_a1(&h, "Journal").await;
    let a = page(&h, &n.teacher_a1, &site, "Alpha", "a").await;
    let b = page(&h, &n.teacher_a1, &site, "Bravo", "b").await;
    assert_eq!(h.post(&n.pupil_a1, &format!("/view/p/{b}/move"), &[("dir", "up")]).await.status, 403);
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/p/{b}/move"), &[("dir", "up")]).await.status, 303);
    let order: Vec<_> = store.pages(&site).await.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(order, vec![b.clone(), a.clone()]);
    let shown = h.get(&n.parent_a1, &format!("/view/s/{site}")).await.body;
    assert!(shown.find("Bravo").unwrap() < shown.find("Alpha").unwrap());
});

both_backends!(MIGRATIONS; a_group_site_is_written_by_its_pupils_only, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Le club lecture").await;
    let settings = [("title", "Le club lecture"), ("visibility", "class"), ("member", "pupil-a1-bis"), ("member", "pupil-b1")];
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/s/{site}/settings"), &settings).await.status, 303);
    let s = Store::new(db.clone()).site(&site).await.unwrap().unwrap();
    assert_eq!(s.members, vec!["pupil-a1-bis".to_string()], "only pupils of the class can be writers");
    let created = h.post(&n.pupil_a1, &format!("/view/s/{site}/pages"), &[("title", "x"), ("body", "y")]).await;
    assert_eq!(created.status, 403, "a pupil of the class outside the group reads but does not write");
    assert_eq!(h.get(&n.pupil_a1, &format!("/view/s/{site}")).await.status, 200);
    page(&h, &n.pupil_a1_bis, &site, "Nos livres", "Le Petit Prince").await;
});

both_backends!(MIGRATIONS; forms_say_what_is_wrong_and_speak_english_on_request, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    let empty = h.post(&n.pupil_a1, &format!("/view/s/{site}/pages"), &[("title", "Titre"), ("body", "  ")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Écrivez le texte de la page."), "{}", empty.body);
    h.assert_fragment_rules(&empty.body);
    let long = "x".repeat(20_001);
    let too_long = h.post(&n.pupil_a1, &format!("/view/s/{site}/pages"), &[("title", "T"), ("body", &long)]).await;
    assert_eq!(too_long.status, 422);
    let en = h.get_en(&n.teacher_a1, &format!("/view/s/{site}")).await;
    assert!(en.body.contains("Site settings") && en.body.contains("Open the site"), "{}", en.body);
    // Ids that are not ids are not found.
    assert_eq!(h.get(&n.teacher_a1, "/view/s/..%2F..%2Fetc").await.status, 404);
    assert_eq!(h.get(&n.teacher_a1, "/view/p/ABC").await.status, 404);
});

both_backends!(MIGRATIONS; markdown_is_formatted_and_links_out_are_marked, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    let body = "# Notre sortie\n\nNous avons vu **des tableaux**. [Le musée](https://musee.example/expo)";
    let p = page(&h, &n.teacher_a1, &site, "Sortie", body).await;
    let shown = h.get(&n.parent_a1, &format!("/view/p/{p}")).await;
    h.assert_fragment_rules(&shown.body);
    assert!(shown.body.contains("<h3>Notre sortie</h3>") && shown.body.contains("<strong>des tableaux</strong>"));
    assert!(shown.body.contains("rel=\"noopener noreferrer nofollow ugc\""), "{}", shown.body);
});
