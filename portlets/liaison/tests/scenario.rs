//! A school morning through the router, as the portal drives it: a note to sign, a reminder,
//! signatures, replies, a parent writing to the teacher, and what each person's card and views
//! then say. Every page is also checked against the fragment rules (stylesheet classes only, no
//! script, no inline style, links under the portal's base).
#![allow(clippy::unwrap_used)]

mod common;

use common::NoteId;
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Answer, CLASS_A1};
use ent_portlet_liaison::MIGRATIONS;

/// A page the portal may show: 200, and every fragment rule kept.
fn page(res: &Answer) -> &str {
    assert_eq!(res.status, 200, "{}", res.body);
    fragment_rules(&res.body);
    &res.body
}

const BASE: &str = "/p/liaison";

fn fragment_rules(body: &str) {
    ent_portlet_kit::testing::assert_fragment_rules(body, BASE);
}

both_backends!(MIGRATIONS; a_school_morning, |db| async move {
    let h = common::harness(db);
    let n = &h.net;

    // 08:00 The teacher posts a note to the class, asking for signatures.
    let form = page(&h.get(&n.teacher_a1, &format!("/view/notes/new?class={CLASS_A1}")).await).to_string();
    assert!(form.contains("Léa Dupont") && form.contains("Noé Martin"), "the roster's pupils to choose from");
    let id = common::note(
        &h,
        &n.teacher_a1, CLASS_A1, "Sortie au musée jeudi", "Prévoir un pique-nique.\nRetour à 16 h.", &[("signature", "1")])
        .await;
    let note_path = format!("/view/notes/{id}");

    // The parent with authority sees it to sign on the home card.
    let card = h.get(&n.parent_a1, "/fragment/summary").await;
    let card = page(&card);
    assert!(card.contains("Sortie au musée jeudi") && card.contains("à signer"), "{card}");
    assert!(card.contains("À signer pour Léa Dupont"), "{card}");
    assert!(!card.contains("rappel"));

    // The teacher's card counts the signatures awaited; they remind once, not twice an hour.
    let card = h.get(&n.teacher_a1, "/fragment/summary").await;
    assert!(page(&card).contains("0/1 signés"), "{}", card.body);
    assert_eq!(h.post(&n.teacher_a1, &format!("{note_path}/remind"), &[]).await.location(), note_path);
    let again = h.post(&n.teacher_a1, &format!("{note_path}/remind"), &[]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("moins d&#39;une heure"), "{}", again.body);
    fragment_rules(&again.body);

    // The parent's card and view now say "rappel".
    assert!(page(&h.get(&n.parent_a1, "/fragment/summary").await).contains("rappel"));
    let view = h.get(&n.parent_a1, &note_path).await;
    let view = page(&view);
    assert!(view.contains("rappel") && view.contains("Signer") && view.contains("Retour à 16 h."), "{view}");

    // The parent signs; a second click changes nothing.
    assert_eq!(h.post(&n.parent_a1, &format!("{note_path}/sign"), &[("pupil", "pupil-a1")]).await.location(), note_path);
    assert_eq!(h.post(&n.parent_a1, &format!("{note_path}/sign"), &[("pupil", "pupil-a1")]).await.status, 303);
    let view = h.get(&n.parent_a1, &note_path).await;
    assert!(page(&view).contains("signé le ") && view.body.contains("par Marie Dupont"), "{}", view.body);
    assert!(!view.body.contains(">Signer<"), "signed: no button left");
    let card = h.get(&n.parent_a1, "/fragment/summary").await;
    assert!(page(&card).contains("Rien à signer."), "{}", card.body);

    // The teacher sees 1 of 1 expected signature; Noé has no parent who can sign.
    let view = h.get(&n.teacher_a1, &note_path).await;
    let view = page(&view);
    assert!(view.contains("1/1 signés"), "{view}");
    assert!(view.contains("1 élève sans parent signataire"), "{view}");
    assert!(view.contains("Noé Martin") && view.contains("aucun parent ayant l&#39;autorité parentale"), "{view}");
    assert!(view.contains("Marie Dupont") && view.contains("Dernier rappel le"), "{view}");
    assert!(!view.contains("Paul Dupont"), "a parent without authority is not expected to sign");
    let card = h.get(&n.teacher_a1, "/fragment/summary").await;
    assert!(page(&card).contains("Aucune signature en attente."), "{}", card.body);
    // Nobody is left to remind.
    let late = h.post(&n.teacher_a1, &format!("{note_path}/remind"), &[]).await;
    assert_eq!(late.status, 422);

    // The pupil sees the note and that their parents signed; the other pupil, that nobody can.
    let view = h.get(&n.pupil_a1, &note_path).await;
    assert!(page(&view).contains("Signé par tes parents : oui"), "{}", view.body);
    assert!(!view.body.contains("<form"), "read only for a pupil");
    let view = h.get(&n.pupil_a1_bis, &note_path).await;
    assert!(!page(&view).contains("Signé par tes parents"));
    let card = h.get(&n.pupil_a1, "/fragment/summary").await;
    assert!(page(&card).contains("Sortie au musée jeudi"));

    // The parent replies; the teacher sees a new reply and answers in the thread.
    let reply = h.post(&n.parent_a1, &format!("{note_path}/reply"), &[("pupil", "pupil-a1"), ("body", "Léa sera là.")]).await;
    assert_eq!(reply.location(), note_path);
    let card = h.get(&n.teacher_a1, "/fragment/summary").await;
    assert!(page(&card).contains("1 nouvelle réponse"), "{}", card.body);
    let view = h.get(&n.teacher_a1, &note_path).await;
    assert!(page(&view).contains("1 message"), "{}", view.body);
    let thread = h.get(&n.teacher_a1, &format!("{note_path}/thread?pupil=pupil-a1")).await;
    assert!(page(&thread).contains("Léa sera là."));
    let card = h.get(&n.teacher_a1, "/fragment/summary").await;
    assert!(!page(&card).contains("nouvelle réponse"), "read now: {}", card.body);
    let answer = h.post(&n.teacher_a1, &format!("{note_path}/reply"), &[("pupil", "pupil-a1"), ("body", "Merci !")]).await;
    assert_eq!(answer.location(), format!("{note_path}/thread?pupil=pupil-a1"));
    let card = h.get(&n.parent_a1, "/fragment/summary").await;
    assert!(page(&card).contains("1 nouvelle réponse"), "{}", card.body);
    let view = h.get(&n.parent_a1, &note_path).await;
    assert!(page(&view).contains("Merci !") && view.body.contains("Léa sera là."));

    // The parent without authority reads all of it, and may not sign.
    let view = h.get(&n.parent_a1_no_authority, &note_path).await;
    let view = page(&view);
    assert!(view.contains("Sortie au musée jeudi") && view.contains("Merci !"));
    assert!(view.contains("Seuls les parents ayant l&#39;autorité parentale"), "{view}");
    assert!(!view.contains(">Signer<"));
    let card = h.get(&n.parent_a1_no_authority, "/fragment/summary").await;
    assert!(page(&card).contains("Derniers mots — Léa Dupont") && card.body.contains("Sortie au musée jeudi"), "{}", card.body);
    assert!(!card.body.contains("à signer"));
    let refused = h.post(&n.parent_a1_no_authority, &format!("{note_path}/sign"), &[("pupil", "pupil-a1")]).await;
    assert_eq!(refused.status, 403);

    // The director reads, counts, and may not answer.
    let card = h.get(&n.director_a, "/fragment/summary").await;
    assert!(page(&card).contains("1 mot(s) dans l&#39;école"), "{}", card.body);
    assert!(page(&h.get(&n.director_a, &format!("{note_path}/thread?pupil=pupil-a1")).await).contains("Merci !"));
});

both_backends!(MIGRATIONS; a_parent_writes_to_the_teacher, |db| async move {
    let h = common::harness(db);
    let n = &h.net;
    let form = h.get(&n.parent_a1, "/view/ask").await;
    assert!(page(&form).contains("Léa Dupont"), "{}", form.body);
    let id = h
        .post(&n.parent_a1, "/view/ask", &[("child", "pupil-a1"), ("title", "Absence vendredi"), ("body", "Rendez-vous médical.")])
        .await.note_id();
    let path = format!("/view/notes/{id}");
    // New for the teacher, not for its author; never shown to the pupil.
    let card = h.get(&n.teacher_a1, "/fragment/summary").await;
    assert!(page(&card).contains("Absence vendredi") && card.body.contains("Nouveaux mots des parents"), "{}", card.body);
    assert!(!page(&h.get(&n.parent_a1, "/fragment/summary").await).contains("nouvelle réponse"));
    assert!(!page(&h.get(&n.pupil_a1, "/fragment/summary").await).contains("Absence vendredi"));
    assert!(!page(&h.get(&n.pupil_a1, "/view/notes").await).contains("Absence vendredi"));
    // The teacher opens it and answers in its thread; the other parent reads the answer.
    let view = h.get(&n.teacher_a1, &path).await;
    assert!(page(&view).contains("Rendez-vous médical.") && view.body.contains("Mot d&#39;un parent au sujet de Léa Dupont"));
    assert!(!page(&h.get(&n.teacher_a1, "/fragment/summary").await).contains("Absence vendredi"), "read now");
    let res = h.post(&n.teacher_a1, &format!("{path}/reply"), &[("pupil", "pupil-a1"), ("body", "Bien noté.")]).await;
    assert_eq!(res.location(), path);
    assert!(page(&h.get(&n.parent_a1_no_authority, &path).await).contains("Bien noté."));
    assert!(page(&h.get(&n.parent_a1, "/view/notes").await).contains("Absence vendredi"));
    // The teachers of another class, and the other school, know nothing of it.
    assert_eq!(h.get(&n.teacher_a2, &path).await.status, 404);
    assert_eq!(h.get(&n.director_b, &path).await.status, 404);
    assert!(page(&h.get(&n.director_a, &path).await).contains("Rendez-vous médical."));
});

both_backends!(MIGRATIONS; a_note_to_chosen_families, |db| async move {
    let h = common::harness(db);
    let n = &h.net;
    let extra = [("to", "pupils"), ("pupil", "pupil-a1-bis"), ("signature", "1")];
    let id = common::note(&h, &n.teacher_a1, CLASS_A1, "Livre oublié", "Merci de le rapporter.", &extra).await;
    let view = h.get(&n.teacher_a1, &format!("/view/notes/{id}")).await;
    assert!(page(&view).contains("Pour les familles de : Noé Martin"), "{}", view.body);
    assert!(view.body.contains("0/0 signés"), "{}", view.body);
    assert_eq!(h.get(&n.parent_a1, &format!("/view/notes/{id}")).await.status, 404);
    assert!(!page(&h.get(&n.pupil_a1, "/view/notes").await).contains("Livre oublié"));
    assert!(page(&h.get(&n.pupil_a1_bis, "/view/notes").await).contains("Livre oublié"));
});

both_backends!(MIGRATIONS; forms_keep_values_and_say_what_is_wrong, |db| async move {
    let h = common::harness(db);
    let n = &h.net;
    let res = h
        .post(&n.teacher_a1, "/view/notes", &[("class", CLASS_A1), ("title", "<b>Sortie</b>"), ("body", ""), ("to", "pupils")])
        .await;
    assert_eq!(res.status, 422);
    fragment_rules(&res.body);
    assert!(res.body.contains("value=\"&#60;b&#62;Sortie&#60;/b&#62;\""), "{}", res.body);
    assert!(res.body.contains("Écrivez le message.") && res.body.contains("Cochez au moins un élève"), "{}", res.body);
    assert!(res.body.contains("id=\"to-pupils\" name=\"to\" value=\"pupils\" checked"));
    let long = "x".repeat(201);
    let res = h.post(&n.teacher_a1, "/view/notes", &[("class", CLASS_A1), ("title", &long), ("body", "B")]).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("L&#39;objet est trop long."));
    let res = h.post(&n.parent_a1, "/view/ask", &[("child", "pupil-a1"), ("title", ""), ("body", "Texte gardé")]).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Texte gardé") && res.body.contains("Indiquez l&#39;objet du mot."));
    let id = common::note(&h, &n.teacher_a1, CLASS_A1, "<script>alert(1)</script>", "a < b & c", &[]).await;
    let view = h.get(&n.teacher_a1, &format!("/view/notes/{id}")).await;
    assert!(page(&view).contains("&#60;script&#62;alert(1)&#60;/script&#62;") && view.body.contains("a &#60; b &#38; c"), "{}", view.body);
    let res = h.post(&n.parent_a1, &format!("/view/notes/{id}/reply"), &[("pupil", "pupil-a1"), ("body", "  ")]).await;
    assert_eq!(res.status, 422);
    fragment_rules(&res.body);
    // English on request.
    let en = h.get_en(&n.parent_a1, "/fragment/summary").await;
    assert!(page(&en).contains("To sign for Léa Dupont") && !en.body.contains("<h2"), "the portal titles the card: {}", en.body);
    let en = h.get_en(&n.teacher_a1, &format!("/view/notes/{id}")).await;
    assert!(page(&en).contains("Back to the notebook"));
});

both_backends!(MIGRATIONS; without_the_directory_notes_are_read_but_not_written, |db| async move {
    let full = common::harness(db.clone());
    let n = &full.net;
    let id = common::note(&full, &n.teacher_a1, CLASS_A1, "Avant la panne", "Texte", &[("signature", "1")]).await;
    let h = common::with_directory(db, None);
    let res = h.get(&n.teacher_a1, &format!("/view/notes/new?class={CLASS_A1}")).await;
    assert_eq!(res.status, 503);
    assert!(res.body.contains("annuaire") && res.body.contains("class=\"card notice\""), "{}", res.body);
    let res = h.post(&n.teacher_a1, "/view/notes", &[("class", CLASS_A1), ("title", "T"), ("body", "B")]).await;
    assert_eq!(res.status, 503);
    let res = h.post(&n.parent_a1, "/view/ask", &[("child", "pupil-a1"), ("title", "T"), ("body", "B")]).await;
    assert_eq!(res.status, 503);
    // Refusals come before the directory is needed.
    assert_eq!(h.post(&n.teacher_a2, "/view/notes", &[("class", CLASS_A1), ("title", "T"), ("body", "B")]).await.status, 404);
    assert_eq!(h.post(&n.parent_a1, "/view/notes", &[("class", CLASS_A1), ("title", "T"), ("body", "B")]).await.status, 403);
    // Everything already written still reads and signs.
    assert!(page(&h.get(&n.parent_a1, "/fragment/summary").await).contains("Avant la panne"));
    assert_eq!(h.post(&n.parent_a1, &format!("/view/notes/{id}/sign"), &[("pupil", "pupil-a1")]).await.status, 303);
    assert!(page(&h.get(&n.teacher_a1, &format!("/view/notes/{id}")).await).contains("1/1 signés"));
});

both_backends!(MIGRATIONS; health_needs_no_token_and_everything_else_does, |db| async move {
    let h = common::harness(db);
    let req = axum::http::Request::get("/health").body(axum::body::Body::empty()).unwrap();
    let res = h.call(req).await;
    assert_eq!((res.status.as_u16(), res.body.as_str()), (200, "ok"));
    let req = axum::http::Request::get("/fragment/summary").body(axum::body::Body::empty()).unwrap();
    let res = h.call(req).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.headers["www-authenticate"], "Bearer error=\"invalid_token\"");
    // The portlet root lists the notes (the portal maps /p/liaison to /view/).
    assert!(page(&h.get(&h.net.teacher_a1, "/view/").await).contains("Carnet de liaison"));
});

both_backends!(MIGRATIONS; a_reminder_waits_an_hour_on_the_clock, |db| async move {
    // The portlet's clock is set, not waited for.
    let clock = ent_portlet_kit::Clock::at(ent_portlet_kit::now());
    let net = ent_portlet_kit::testing::Network::new();
    let h = ent_portlet_kit::testing::Harness::with(&ent_portlet_liaison::PORTLET, db, Some(net.directory()), clock.clone());
    let id = common::note(&h, &h.net.teacher_a1, CLASS_A1, "Sortie", "Signez.", &[("signature", "1")]).await;
    let remind = format!("/view/notes/{id}/remind");
    assert_eq!(h.post(&h.net.teacher_a1, &remind, &[]).await.status, 303);
    clock.advance(3599);
    assert_eq!(h.post(&h.net.teacher_a1, &remind, &[]).await.status, 422, "less than an hour later");
    clock.advance(1);
    assert_eq!(h.post(&h.net.teacher_a1, &remind, &[]).await.status, 303, "an hour later");
    let page = h.get(&h.net.teacher_a1, &format!("/view/notes/{id}")).await;
    assert!(page.body.contains("(2 au total)"), "{}", page.body);
});
