//! The moderation flow between a pupil and a teacher through the routes, and what a family sees
//! of it: never a held post, never a hidden one; then every attack on the rules — a foreign
//! class's forum by id, a family posting, a pupil moderating, a parent reading a closed class
//! forum, a hidden post's id fetched directly, a quote of another thread's post or of a hidden
//! one.
#![allow(clippy::unwrap_used)]

mod common;

use common::{class_a1, last_post, posts, reply, settings, start, started, thread_of};
use ent_portlet_forum::model::{PostState, Scope};
use ent_portlet_forum::{MIGRATIONS, Store};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{CLASS_A2, SCHOOL_A};

both_backends!(MIGRATIONS; a_pupils_post_waits_for_the_teacher_and_families_never_see_it_held_or_hidden, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = class_a1(&h, &db).await;
    // Every pupil post waits; the class's families read the forum.
    let saved = settings(&h, &n.teacher_a1, &forum, &[("mode", "posts"), ("open_families", "1")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let answer = start(&h, &db, &n.pupil_a1, &forum, "Mon exposé", "Sur les **volcans**").await;
    assert!(answer.location().ends_with("done=held"), "{}", answer.location());
    let thread = thread_of(&answer);
    let first = last_post(&db, &thread).await;
    let page = format!("/view/t/{thread}");
    let forum_page = format!("/view/f/{forum}");

    // The pupil sees it waiting; nobody else but moderators knows it exists.
    let own = h.get(&n.pupil_a1, &page).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("en attente de validation") && own.body.contains("<strong>volcans</strong>"));
    h.assert_fragment_rules(&own.body);
    for who in [&n.parent_a1, &n.parent_a1_no_authority, &n.pupil_a1_bis] {
        assert_eq!(h.get(who, &page).await.status, 404, "{}", who.sub);
        assert_eq!(h.get(who, &format!("/view/p/{first}")).await.status, 404, "{}", who.sub);
        let list = h.get(who, &forum_page).await;
        assert_eq!(list.status, 200);
        assert!(!list.body.contains("Mon exposé"), "{}", who.sub);
        assert!(!h.get(who, "/fragment/summary").await.body.contains("Mon exposé"), "{}", who.sub);
    }
    // The teacher and the director see what waits on their card and in the queue.
    for who in [&n.teacher_a1, &n.director_a] {
        let card = h.get(who, "/fragment/summary").await;
        assert!(card.body.contains("1 message à valider"), "{}: {}", who.sub, card.body);
        h.assert_fragment_rules(&card.body);
        let queue = h.get(who, "/view/moderation").await;
        assert!(queue.body.contains("volcans"), "{}", who.sub);
        h.assert_fragment_rules(&queue.body);
    }
    assert!(!h.get(&n.teacher_a2, "/fragment/summary").await.body.contains("à valider"));
    // The pupil cannot approve their own post, a family cannot even find it.
    assert_eq!(h.post(&n.pupil_a1, &format!("/view/p/{first}/approve"), &[]).await.status, 403);
    assert_eq!(h.post(&n.parent_a1, &format!("/view/p/{first}/approve"), &[]).await.status, 404);
    let approved = h.post(&n.teacher_a1, &format!("/view/p/{first}/approve"), &[("back", "queue")]).await;
    assert_eq!((approved.status.as_u16(), approved.location().as_str()), (303, "/view/moderation?done=approved"));
    let read = h.get(&n.parent_a1, &page).await;
    assert_eq!(read.status, 200);
    assert!(read.body.contains("volcans") && !read.body.contains("en attente"));
    assert!(!read.body.contains("/reply"), "a family reads, and does not write");
    h.assert_fragment_rules(&read.body);

    // A classmate's reply quoting it waits; the teacher hides it: it stays, for moderators only.
    let answer = reply(&h, &n.pupil_a1_bis, &thread, "C'est *nul*", Some(&first)).await;
    assert!(answer.location().contains("done=held"), "{}", answer.location());
    let rude = last_post(&db, &thread).await;
    assert!(!h.get(&n.parent_a1, &page).await.body.contains("nul"));
    assert!(h.get(&n.teacher_a1, &page).await.body.contains("<em>nul</em>"));
    let hidden = h.post(&n.teacher_a1, &format!("/view/p/{rude}/hide"), &[]).await;
    assert_eq!(hidden.status, 303);
    assert_eq!(Store::new(db.clone()).post(&rude).await.unwrap().unwrap().state, PostState::Hidden);
    for who in [&n.parent_a1, &n.pupil_a1, &n.pupil_a1_bis] {
        assert!(!h.get(who, &page).await.body.contains("nul"), "{}", who.sub);
        assert_eq!(h.get(who, &format!("/view/p/{rude}")).await.status, 404, "{}: a hidden post by id", who.sub);
    }
    let moderator = h.get(&n.teacher_a1, &format!("/view/p/{rude}")).await;
    assert!(moderator.body.contains("masqué") && moderator.body.contains("Mon exposé"));
    assert!(moderator.body.contains("Léa Dupont a écrit"), "the quote names its author: {}", moderator.body);

    // The teacher edits the pupil's post: everyone sees who did.
    let edited = h.post(&n.teacher_a1, &format!("/view/p/{first}/edit"), &[("body", "Sur les volcans d'Auvergne")]).await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let read = h.get(&n.parent_a1, &page).await;
    assert!(read.body.contains("modifié par Camille Bernard") && read.body.contains("Auvergne"));

    // A family reports a post: the class's teachers and the director see it.
    let reported = h.post(&n.parent_a1, &format!("/view/p/{first}/report"), &[("reason", "hors sujet")]).await;
    assert_eq!(reported.status, 303);
    for who in [&n.teacher_a1, &n.director_a] {
        assert!(h.get(who, "/fragment/summary").await.body.contains("1 signalement"), "{}", who.sub);
        let queue = h.get(who, "/view/moderation").await;
        assert!(queue.body.contains("hors sujet") && queue.body.contains("Marie Dupont"), "{}", who.sub);
    }
    assert!(!h.get(&n.teacher_a2, "/view/moderation").await.body.contains("hors sujet"));

    // A locked thread takes no pupil's reply; its teacher still answers.
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/t/{thread}/lock"), &[("locked", "1")]).await.status, 303);
    assert_eq!(reply(&h, &n.pupil_a1, &thread, "encore", None).await.status, 403);
    assert_eq!(reply(&h, &n.teacher_a1, &thread, "Merci à tous.", None).await.status, 303);

    // Every act is in the audit, on the settings page.
    let audit = h.get(&n.teacher_a1, &format!("/view/f/{forum}/settings")).await;
    for act in ["a publié un message", "a masqué un message", "a modifié un message", "a verrouillé une discussion"] {
        assert!(audit.body.contains(act), "{act}: {}", audit.body);
    }
    h.assert_fragment_rules(&audit.body);
});

both_backends!(MIGRATIONS; new_threads_wait_in_the_threads_mode_and_replies_do_not, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = class_a1(&h, &db).await;
    settings(&h, &n.teacher_a1, &forum, &[("mode", "threads")]).await;
    let held = start(&h, &db, &n.pupil_a1, &forum, "Question", "Pourquoi ?").await;
    assert!(held.location().ends_with("done=held"));
    let thread = started(&h, &db, &forum, "Devoirs", "Pour lundi").await;
    let answer = reply(&h, &n.pupil_a1, &thread, "Merci", None).await;
    assert!(!answer.location().contains("held"), "{}", answer.location());
    assert!(h.get(&n.pupil_a1_bis, &format!("/view/t/{thread}")).await.body.contains("Merci"));
    // In the new-thread form, the pupil is told it will wait.
    let form = h.get(&n.pupil_a1, &format!("/view/f/{forum}/new")).await;
    assert!(form.body.contains("Votre enseignant lira votre message"));
    h.assert_fragment_rules(&form.body);
});

both_backends!(MIGRATIONS; the_rules_hold_against_attacks, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = class_a1(&h, &db).await;
    let thread = started(&h, &db, &forum, "Sortie", "Mardi au musée").await;
    let first = last_post(&db, &thread).await;
    let fpath = format!("/view/f/{forum}");
    let tpath = format!("/view/t/{thread}");

    // A parent does not read a class forum its teacher has not opened, nor learns it exists.
    for who in [&n.parent_a1, &n.parent_a1_no_authority] {
        assert_eq!(h.get(who, &fpath).await.status, 404);
        assert_eq!(h.get(who, &tpath).await.status, 404);
        assert!(!h.get(who, "/view").await.body.contains("CM1 A"));
    }
    // A foreign class's forum, by id, for every path.
    let foreign = [&n.pupil_a2, &n.teacher_a2, &n.parent_a2, &n.teacher_b1, &n.pupil_b1, &n.director_b, &n.staff_a];
    for who in foreign {
        assert_eq!(h.get(who, &fpath).await.status, 404, "{}", who.sub);
        assert_eq!(h.get(who, &tpath).await.status, 404, "{}", who.sub);
        assert_eq!(h.get(who, &format!("/view/p/{first}")).await.status, 404, "{}", who.sub);
        assert_eq!(common::start(&h, &db, who, &forum, "x", "intrus").await.status, 404, "{}", who.sub);
        assert_eq!(reply(&h, who, &thread, "intrus", None).await.status, 404, "{}", who.sub);
        assert_eq!(h.post(who, &format!("/view/p/{first}/report"), &[]).await.status, 404, "{}", who.sub);
        assert_eq!(h.post(who, &format!("/view/p/{first}/hide"), &[]).await.status, 404, "{}", who.sub);
    }
    // A family opened to reads, and does not post.
    settings(&h, &n.teacher_a1, &forum, &[("mode", "none"), ("open_families", "1")]).await;
    assert_eq!(h.get(&n.parent_a1, &tpath).await.status, 200);
    assert_eq!(reply(&h, &n.parent_a1, &thread, "Bonjour", None).await.status, 403);
    assert_eq!(common::start(&h, &db, &n.parent_a1, &forum, "x", "y").await.status, 403);
    assert_eq!(h.get(&n.parent_a1, &format!("{fpath}/new")).await.status, 403);
    assert_eq!(h.get(&n.parent_a2, &tpath).await.status, 404, "another class's family");
    // A pupil moderates nothing.
    let pupil = &n.pupil_a1;
    for (path, fields) in [
        (format!("/view/p/{first}/approve"), vec![]),
        (format!("/view/p/{first}/hide"), vec![]),
        (format!("/view/p/{first}/edit"), vec![("body", "piraté")]),
        (format!("/view/t/{thread}/lock"), vec![("locked", "1")]),
        (format!("/view/t/{thread}/move"), vec![("category", "0")]),
        (format!("{fpath}/settings"), vec![("mode", "none"), ("open_families", "0")]),
        (format!("{fpath}/categories"), vec![("name", "Jeux")]),
    ] {
        assert_eq!(h.post(pupil, &path, &fields).await.status, 403, "{path}");
    }
    assert_eq!(h.get(pupil, &format!("/view/p/{first}/edit")).await.status, 403);
    assert_eq!(h.get(pupil, &format!("{fpath}/settings")).await.status, 403);
    assert_eq!(h.get(pupil, "/view/moderation").await.status, 403);
    let post = Store::new(db.clone()).post(&first).await.unwrap().unwrap();
    assert_eq!((post.state, post.body.as_str()), (PostState::Visible, "Mardi au musée"));
    // A quote of another thread's post, of a held one, of a hidden one, or of nothing real.
    let other = started(&h, &db, &forum, "Autre", "Ailleurs").await;
    let elsewhere = last_post(&db, &other).await;
    let quote = reply(&h, pupil, &thread, "je cite", Some(&elsewhere)).await;
    assert_eq!(quote.status, 422);
    assert!(quote.body.contains("Ce message ne peut pas être cité.") && !quote.body.contains("Ailleurs"));
    h.assert_fragment_rules(&quote.body);
    settings(&h, &n.teacher_a1, &forum, &[("mode", "posts"), ("open_families", "1")]).await;
    reply(&h, &n.pupil_a1_bis, &thread, "en attente", None).await;
    let held = last_post(&db, &thread).await;
    assert_eq!(reply(&h, pupil, &thread, "je cite", Some(&held)).await.status, 422);
    h.post(&n.teacher_a1, &format!("/view/p/{held}/approve"), &[]).await;
    h.post(&n.teacher_a1, &format!("/view/p/{held}/hide"), &[]).await;
    let hidden = reply(&h, pupil, &thread, "je cite", Some(&held)).await;
    assert_eq!(hidden.status, 422);
    assert!(!hidden.body.contains("en attente"), "a hidden post's text never comes back");
    for raw in ["not-an-id", "00000000000000000000000000000000"] {
        assert_eq!(h.post(pupil, &format!("/view/t/{thread}/reply"), &[("body", "x"), ("quote", raw)]).await.status, 422);
    }
    assert!(posts(&db, &thread).await.iter().all(|p| p.body != "je cite"));
    // A thread is not moved into another forum's category.
    let a2 = common::forum(&h, &db, Scope::Class { class_id: CLASS_A2.into() }).await;
    let a2_category = common::first_category(&db, &a2).await;
    let moved = h.post(&n.director_a, &format!("/view/t/{thread}/move"), &[("category", &a2_category)]).await;
    assert_eq!(moved.status, 404);
    // A report of another class is not closed by its teacher.
    h.post(&n.parent_a1, &format!("/view/p/{first}/report"), &[]).await;
    let report = Store::new(db.clone()).open_reports(&[&forum]).await.unwrap().remove(0);
    assert_eq!(h.post(&n.teacher_a2, &format!("/view/r/{}/close", report.id), &[]).await.status, 404);
    assert_eq!(h.post(&n.parent_a1, &format!("/view/r/{}/close", report.id), &[]).await.status, 404);
    // Paths that name nothing.
    for path in ["/view/f/x", "/view/t/../../etc", "/view/p/00000000000000000000000000000000"] {
        assert_eq!(h.get(&n.teacher_a1, path).await.status, 404, "{path}");
    }
    let _ = SCHOOL_A;
});

both_backends!(MIGRATIONS; a_school_forum_is_its_adults_and_whom_its_director_opens_it_to, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = common::forum(&h, &db, Scope::School).await;
    let fpath = format!("/view/f/{forum}");
    for who in [&n.staff_a, &n.teacher_a1, &n.teacher_a2, &n.director_a] {
        assert_eq!(h.get(who, &fpath).await.status, 200, "{}", who.sub);
    }
    for who in [&n.pupil_a1, &n.parent_a1, &n.teacher_b1, &n.director_b, &n.city_agent, &n.admin] {
        assert_eq!(h.get(who, &fpath).await.status, 404, "{}", who.sub);
    }
    let answer = common::start(&h, &db, &n.staff_a, &forum, "Cantine", "Menu de la semaine").await;
    let thread = thread_of(&answer);
    // Only the director moderates it and opens it.
    assert_eq!(settings(&h, &n.teacher_a1, &forum, &[("mode", "none"), ("open_pupils", "1")]).await.status, 403);
    let saved = settings(&h, &n.director_a, &forum, &[("mode", "posts"), ("open_pupils", "1"), ("open_parents", "1")]).await;
    assert_eq!(saved.status, 303);
    assert_eq!(h.get(&n.pupil_a1, &format!("/view/t/{thread}")).await.status, 200);
    assert_eq!(h.get(&n.parent_a2, &format!("/view/t/{thread}")).await.status, 200);
    assert_eq!(reply(&h, &n.parent_a2, &thread, "Merci", None).await.status, 403, "parents read");
    let pupil = reply(&h, &n.pupil_a2, &thread, "Des frites !", None).await;
    assert!(pupil.location().contains("done=held"), "the director's mode holds pupils' posts");
    assert_eq!(h.get(&n.pupil_b1, &format!("/view/t/{thread}")).await.status, 404, "another school's pupil");
    assert!(h.get(&n.director_a, "/fragment/summary").await.body.contains("1 message à valider"));
    assert!(!h.get(&n.teacher_a1, "/fragment/summary").await.body.contains("à valider"));
});

both_backends!(MIGRATIONS; pages_unread_marks_and_english, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = class_a1(&h, &db).await;
    let thread = started(&h, &db, &forum, "Le potager", "Qui arrose ?").await;
    let list = h.get(&n.pupil_a1, &format!("/view/f/{forum}")).await;
    assert!(list.body.contains("nouveau"), "an unread thread: {}", list.body);
    assert!(h.get(&n.pupil_a1, "/view").await.body.contains("1 discussion non lue"));
    h.get(&n.pupil_a1, &format!("/view/t/{thread}")).await;
    assert!(!h.get(&n.pupil_a1, &format!("/view/f/{forum}")).await.body.contains("nouveau"));
    for i in 0..25 {
        h.clock.advance(60);
        assert_eq!(reply(&h, &n.pupil_a1_bis, &thread, &format!("Réponse numéro {i}."), None).await.status, 303);
    }
    assert!(h.get(&n.pupil_a1, &format!("/view/f/{forum}")).await.body.contains("nouveau"));
    let page1 = h.get(&n.pupil_a1, &format!("/view/t/{thread}")).await;
    assert!(page1.body.contains("Réponse numéro 18.") && !page1.body.contains("Réponse numéro 19."));
    assert!(page1.body.contains("page=2") && page1.body.contains("nouveau"));
    let page2 = h.get(&n.pupil_a1, &format!("/view/t/{thread}?page=2")).await;
    assert!(page2.body.contains("Réponse numéro 24.") && !page2.body.contains("Réponse numéro 18."));
    h.assert_fragment_rules(&page2.body);
    assert!(!h.get(&n.pupil_a1, &format!("/view/f/{forum}")).await.body.contains("nouveau"), "all read");
    assert!(!h.get(&n.pupil_a1, "/view").await.body.contains("non lue"));
    let card = h.get(&n.pupil_a1, "/fragment/summary").await;
    assert!(card.body.contains("Le potager") && card.body.contains("25 réponses"));
    let en = h.get_en(&n.pupil_a1, &format!("/view/f/{forum}")).await;
    assert!(en.body.contains("CM1 A class forum") && en.body.contains("25 replies"), "{}", en.body);
    let quote = h.get(&n.pupil_a1, &format!("/view/t/{thread}?quote={}", last_post(&db, &thread).await)).await;
    assert!(quote.body.contains("Vous citez le message de Noé Martin."));
});

both_backends!(MIGRATIONS; a_quote_of_a_post_hidden_later_does_not_show_it, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = class_a1(&h, &db).await;
    settings(&h, &n.teacher_a1, &forum, &[("mode", "none"), ("open_families", "1")]).await;
    let thread = started(&h, &db, &forum, "Récréation", "On joue à quoi ?").await;
    assert_eq!(reply(&h, &n.pupil_a1_bis, &thread, "Texte-à-masquer", None).await.status, 303);
    let rude = last_post(&db, &thread).await;
    assert_eq!(reply(&h, &n.pupil_a1, &thread, "Je ne suis pas d'accord.", Some(&rude)).await.status, 303);
    assert!(h.get(&n.parent_a1, &format!("/view/t/{thread}")).await.body.contains("Texte-à-masquer"));
    assert_eq!(h.post(&n.director_a, &format!("/view/p/{rude}/hide"), &[]).await.status, 303);
    for who in [&n.parent_a1, &n.pupil_a1, &n.pupil_a1_bis] {
        let page = h.get(who, &format!("/view/t/{thread}")).await;
        assert!(!page.body.contains("Texte-à-masquer"), "{}: the quote does not bring it back", who.sub);
        assert!(page.body.contains("Citation d&#39;un message masqué.") && page.body.contains("pas d'accord"));
    }
    let moderator = h.get(&n.teacher_a1, &format!("/view/t/{thread}")).await;
    assert!(moderator.body.contains("Texte-à-masquer"), "moderators still read it");
});
