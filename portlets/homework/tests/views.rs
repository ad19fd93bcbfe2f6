//! The portlet through its router beyond the matrix: another teacher's entry, a parent of two
//! children, forms refused with everything kept, files in and out, languages, escaping, and the
//! service started by `build` on a real port.
#![allow(clippy::unwrap_used)]

mod common;

use common::{BASE, CLASSES, Diary, TODAY, TOMORROW, assert_fragment_rules, d, file};
use ent_portlet_homework::MIGRATIONS;
use ent_portlet_homework::store::MAX_FILE_BYTES;
use ent_portlet_kit::testing::TestFile;
use ent_portlet_kit::testing::{CLASS_A1, CLASS_B1, SCHOOL_A};
use ent_portlet_kit::{Child, ClassRef, ClassRole, Identity};

fn pdf(file_name: &str, data: Vec<u8>) -> TestFile {
    file(file_name, "application/pdf", data)
}

ent_storage::both_backends!(MIGRATIONS; another_teacher_of_the_class_reads_but_does_not_edit, |db| async move {
    let h = Diary::new(db);
    let entry = h.seed(&CLASSES[0], "secret-a1").await;
    let co = Identity {
        sub: "co-teacher-a1".into(),
        name: Some("Léo Simon".into()),
        classes: vec![ClassRef { id: CLASS_A1.into(), name: "CM1 A".into(), school: SCHOOL_A.into(), role: ClassRole::Teacher }],
        ..h.net.teacher_a1.clone()
    };
    let week = h.get(&co, &format!("/view/week?class={CLASS_A1}&date={TODAY}")).await;
    assert_eq!(week.status, 200);
    assert!(week.text().contains("secret-a1"));
    assert!(!week.text().contains(&format!("/entries/{entry}/edit")), "no edit link on another's entry");
    assert!(week.text().contains("/entries/new"), "but a link to write their own");
    assert_eq!(h.get(&co, &format!("/view/entries/{entry}/edit")).await.status, 403);
    let a = h.post(&co, &format!("/view/entries/{entry}"), &[("day", TODAY), ("done", "mine now")]).await;
    assert_eq!(a.status, 403);
    assert_eq!(h.post(&co, &format!("/view/entries/{entry}/delete"), &[]).await.status, 403);
    assert_eq!(h.store.get(&entry).await.unwrap().unwrap().content.done, "Séance secret-a1");
    // The director of the school may correct or remove it.
    let a = h.post(&h.net.director_a, &format!("/view/entries/{entry}"), &[("day", TODAY), ("done", "corrigé")]).await;
    assert_eq!(a.status, 303);
    let stored = h.store.get(&entry).await.unwrap().unwrap();
    assert_eq!(stored.content.done, "corrigé");
    assert_eq!(stored.placement.author_sub, h.net.teacher_a1.sub, "the author stays the author");
});

ent_storage::both_backends!(MIGRATIONS; a_parent_of_two_children_sees_both_diaries, |db| async move {
    let h = Diary::new(db);
    h.seed(&CLASSES[0], "secret-a1").await;
    h.seed(&CLASSES[2], "secret-b1").await;
    let mut parent = h.net.parent_a1.clone();
    parent.children.push(Child {
        sub: h.net.pupil_b1.sub.clone(),
        class: Some(CLASS_B1.into()),
        legal_guardian: true,
        given_name: Some("Hugo".into()),
        // A token from before `ent_children` named classes: the diary's own entries name it.
        class_name: None,
        school: None,
    });

    let summary = h.get(&parent, "/fragment/summary").await.text();
    assert!(summary.contains("Devoir secret-a1") && summary.contains("Devoir secret-b1"), "{summary}");
    assert!(summary.contains("Léa · CM1 A") && summary.contains("Hugo · CP B"), "each child by first name: {summary}");
    assert!(summary.contains("Pour demain"), "{summary}");

    let week = h.get(&parent, "/view/week").await;
    assert_eq!(week.status, 200);
    let text = week.text();
    assert!(text.contains("secret-a1") && !text.contains("secret-b1"), "the first child's diary first");
    assert!(text.contains("child=pupil-b1"), "a tab for the second child");
    assert!(text.contains("aria-current=\"page\""));
    let second = h.get(&parent, &format!("/view/day?child=pupil-b1&date={TODAY}")).await.text();
    assert!(second.contains("secret-b1") && !second.contains("secret-a1"));
    assert_eq!(h.get(&parent, "/view/due?child=pupil-a2").await.status, 404);
    // A parent never writes, not even for their own child's class.
    let a = h.post(&parent, "/view/entries", &[("class", CLASS_A1), ("day", TODAY), ("done", "x")]).await;
    assert_eq!(a.status, 403);
});

ent_storage::both_backends!(MIGRATIONS; a_refused_form_keeps_what_was_typed_and_stores_nothing, |db| async move {
    let h = Diary::new(db);
    let teacher = &h.net.teacher_a1;
    let count = || async { h.store.class_entries(CLASS_A1, d("2025-01-01"), d("2025-12-31")).await.unwrap().len() };

    // Empty text: the form comes back with the day and the item typed.
    let a = h
        .post(teacher, "/view/entries", &[("class", CLASS_A1), ("day", TODAY), ("done", "  "), ("item_due_0", TOMORROW)])
        .await;
    assert_eq!(a.status, 422);
    let body = a.text();
    assert_fragment_rules(&body);
    assert!(body.contains(&format!("value=\"{TODAY}\"")), "{body}");
    assert!(body.contains(&format!("value=\"{TOMORROW}\"")), "{body}");
    assert!(body.contains("Écrivez ce qui est à faire pour cette date."), "{body}");
    assert!(body.contains("aria-invalid=\"true\""));
    assert!(body.contains("name=\"_csrf\" value=\"csrf-token\""));
    assert_eq!(count().await, 0);

    // A bad date: the typed value is shown again with its error, and the text is kept.
    let a = h
        .post(
            teacher,
            "/view/entries",
            &[("class", CLASS_A1), ("day", "2025-02-30"), ("done", "Lecture <b>p. 12</b>"), ("item_text_0", "Poésie")],
        )
        .await;
    assert_eq!(a.status, 422);
    let body = a.text();
    assert!(body.contains("value=\"2025-02-30\""));
    assert!(body.contains("Ce n&#39;est pas une date valide."), "{body}");
    assert!(body.contains("Lecture &#60;b&#62;p. 12&#60;/b&#62;"), "kept, and escaped: {body}");
    assert!(body.contains("value=\"Poésie\""));
    assert_eq!(count().await, 0);

    // An oversized file: refused with the text kept, nothing stored.
    let big = pdf("énorme.pdf", vec![b'x'; MAX_FILE_BYTES + 1]);
    let a = h
        .post_multipart(teacher, "/view/entries", &[("class", CLASS_A1), ("day", TODAY), ("done", "Avec fichier")], &[big])
        .await;
    assert_eq!(a.status, 422);
    let body = a.text();
    assert!(body.contains("dépasse 5 Mo") && body.contains("Avec fichier"), "{body}");
    assert!(body.contains("Choisissez à nouveau les fichiers"));
    assert_eq!(count().await, 0);

    // Editing: an invalid update changes nothing stored, files included.
    let entry = h.seed(&CLASSES[0], "secret-a1").await;
    let before = h.store.get(&entry).await.unwrap().unwrap();
    let removed = before.files[0].id.clone();
    let a = h
        .post_multipart(
            teacher,
            &format!("/view/entries/{entry}"),
            &[("day", "2025-03-08"), ("done", "nouveau texte"), ("remove_file", &removed)],
            &[pdf("b.pdf", b"b".to_vec())],
        )
        .await;
    assert_eq!(a.status, 422);
    let body = a.text();
    assert!(body.contains("Choisissez un jour de classe") && body.contains("nouveau texte"), "{body}");
    assert!(body.contains(&format!("value=\"{removed}\" checked")), "the ticked removal stays ticked");
    assert_eq!(h.store.get(&entry).await.unwrap().unwrap(), before);
});

ent_storage::both_backends!(MIGRATIONS; files_go_in_with_the_entry_and_out_as_attachments, |db| async move {
    let h = Diary::new(db);
    let teacher = &h.net.teacher_a1;
    // More than axum's 2 MB default, less than the kit's body limit.
    let sheet = pdf("C:\\Users\\prof\\Fiche poésie;1.pdf", vec![b'%'; 3 * 1024 * 1024]);
    let page = file("page.html", "text/html", b"<script>alert(1)</script>".to_vec());
    let a = h
        .post_multipart(
            teacher,
            "/view/entries",
            &[("class", CLASS_A1), ("day", TODAY), ("done", "Fiches"), ("item_text_0", "Lire"), ("item_due_0", TOMORROW)],
            &[sheet, page],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.text());
    assert_eq!(a.location(), format!("/view/week?class={CLASS_A1}&date={TODAY}"));
    let entry = h.store.class_entries(CLASS_A1, d(TODAY), d(TODAY)).await.unwrap().remove(0);
    assert_eq!(entry.files.len(), 2);

    let pdf_meta = entry.files.iter().find(|f| f.name.ends_with(".pdf")).unwrap_or_else(|| panic!("{:?}", entry.files));
    assert_eq!(pdf_meta.name, "Fiche poésie_1.pdf");
    let a = h.get(&h.net.parent_a1, &format!("/view/files/{}", pdf_meta.id)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "application/pdf");
    let disposition = a.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"Fiche po_sie_1.pdf\""), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''Fiche%20po%C3%A9sie_1.pdf"), "{disposition}");
    assert_eq!(a.bytes.len(), 3 * 1024 * 1024);

    let html_meta = entry.files.iter().find(|f| f.name == "page.html").unwrap();
    let a = h.get(&h.net.pupil_a1, &format!("/view/files/{}", html_meta.id)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "application/octet-stream", "HTML is never served as HTML");
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
    assert_eq!(h.get(&h.net.pupil_a1, "/view/files/no-such-file").await.status, 404);

    // The week shows the files and the item; the edit form lists the files to remove.
    let week = h.get(teacher, &format!("/view/week?date={TODAY}")).await.text();
    assert!(week.contains(&format!("{BASE}/files/{}", pdf_meta.id)) && week.contains("Fiche poésie_1.pdf"));
    assert!(week.contains(&format!("<time datetime=\"{TOMORROW}\">")));
    let a = h
        .post(
            teacher,
            &format!("/view/entries/{}", entry.id),
            // The same file ticked twice (a replayed field) is removed once.
            &[("day", TODAY), ("done", "Fiches"), ("remove_file", &html_meta.id), ("remove_file", &html_meta.id)],
        )
        .await;
    assert_eq!(a.status, 303);
    let after = h.store.get(&entry.id).await.unwrap().unwrap();
    assert_eq!(after.files.len(), 1);
    assert!(after.content.items.is_empty(), "the item left blank is gone");
    assert_eq!(h.get(teacher, &format!("/view/files/{}", html_meta.id)).await.status, 404);

    // Six files are more than an entry holds.
    let six: Vec<TestFile> = (0..6).map(|i| pdf(&format!("{i}.pdf"), b"x".to_vec())).collect();
    let a = h.post_multipart(teacher, "/view/entries", &[("class", CLASS_A1), ("day", TODAY), ("done", "Six")], &six).await;
    assert_eq!(a.status, 422);
    assert!(a.text().contains("Au plus 5 fichiers"));
});

ent_storage::both_backends!(MIGRATIONS; views_speak_french_or_english_and_escape_everything, |db| async move {
    let h = Diary::new(db);
    let a = h
        .post(
            &h.net.teacher_a1,
            "/view/entries",
            &[
                ("class", CLASS_A1),
                ("day", TODAY),
                ("done", "<script>alert(1)</script>\nLigne 2"),
                ("item_text_0", "\" onmouseover=\"x"),
                ("item_due_0", TOMORROW),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    for path in [format!("/view/week?date={TODAY}"), format!("/view/day?date={TODAY}"), "/view/due".into()] {
        let fr = h.get(&h.net.pupil_a1, &path).await.text();
        assert_fragment_rules(&fr);
        assert!(!fr.contains("<script>alert"), "{fr}");
        assert!(fr.contains("Cahier de textes"), "{fr}");
        let en = h.get_in(&h.net.pupil_a1, &path, "en").await.text();
        assert_fragment_rules(&en);
        assert!(en.contains("Homework diary"), "{en}");
    }
    let fr = h.get(&h.net.pupil_a1, &format!("/view/week?date={TODAY}")).await.text();
    assert!(fr.contains("&#60;script&#62;alert(1)&#60;/script&#62;</p>\n<p>Ligne 2</p>"), "lines become paragraphs: {fr}");
    assert!(fr.contains("mardi 4 mars 2025") && fr.contains("Semaine suivante"));
    assert!(fr.contains(&format!("{BASE}/week?class={CLASS_A1}&#38;date=2025-03-10")), "next week: {fr}");
    let en = h.get_in(&h.net.pupil_a1, "/fragment/summary", "en").await.text();
    assert!(en.contains("Due tomorrow") && en.contains("1 task due this week"), "{en}");
    let fr = h.get(&h.net.teacher_a1, "/fragment/summary").await.text();
    assert!(fr.contains("1 séance aujourd&#39;hui"), "{fr}");
    assert!(fr.contains(&format!("{BASE}/entries/new?class={CLASS_A1}")));
    let en = h.get_in(&h.net.director_a, "/fragment/summary", "en").await.text();
    assert!(en.contains("CM1 A") && en.contains("1 entry this week"), "{en}");
    let staff = h.get_in(&h.net.staff_a, "/fragment/summary", "en").await.text();
    assert!(staff.contains("class=\"empty\"") && staff.contains("nothing to show here"), "{staff}");
    // A malformed day is a bad request, not a guess.
    assert_eq!(h.get(&h.net.pupil_a1, "/view/day?date=tomorrow").await.status, 400);
});

ent_storage::both_backends!(MIGRATIONS; build_serves_on_a_real_port, |t: &TestDb| async move {
    use ent_portlet_kit::testing::{TestIssuer, serve_jwks};
    // The provider's JWKS, served like the provider does.
    let issuer = TestIssuer::new();
    let jwks_url = serve_jwks(&issuer).await;

    let config: ent_portlet_kit::PortletConfig = toml::from_str(&format!(
        "issuer = \"{}\"\nresource = \"{}\"\njwks_url = \"{jwks_url}\"\ndatabase_url = \"{}\"\n",
        issuer.issuer,
        common::AUD,
        t.url
    ))
    .unwrap();
    let server = ent_portlet_homework::PORTLET.build(config).await.unwrap();
    let http = reqwest::Client::new();
    let health = http.get(format!("{}/health", server.url())).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let net = ent_portlet_kit::testing::Network::new();
    let res = http
        .get(format!("{}/fragment/summary", server.url()))
        .bearer_auth(issuer.token(&net.pupil_a1, common::AUD))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let res = http.get(format!("{}/view/week", server.url())).send().await.unwrap();
    assert_eq!(res.status(), 401);
    server.shutdown().await.unwrap();
});

ent_storage::both_backends!(MIGRATIONS; a_director_has_every_class_the_directory_lists, |db| async move {
    let h = Diary::new(db);
    // Nothing written yet: the director's classes are the directory's, as in every portlet.
    let week = h.get(&h.net.director_a, "/view/week").await;
    assert_eq!(week.status, 200);
    let text = week.text();
    assert!(text.contains("CM1 A") && text.contains("CE2 A") && !text.contains("CP B"), "{text}");
    let form = h.get(&h.net.director_a, &format!("/view/entries/new?class={}", CLASSES[1].id)).await;
    assert_eq!(form.status, 200);
    assert_eq!(h.get(&h.net.director_a, &format!("/view/entries/new?class={}", CLASSES[2].id)).await.status, 404);
});

// A parent's tab names the child's class from the token, before the diary holds anything for
// it ("Léa · CM1 A", never "Léa · Classe").
ent_storage::both_backends!(MIGRATIONS; a_parents_tab_names_the_class_before_anything_is_written, |db| async move {
    let h = Diary::new(db);
    let page = h.get(&h.net.parent_a1, &format!("/view/week?date={TODAY}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Léa · CM1 A"), "{}", page.text());
    assert!(!page.text().contains("· Classe"), "{}", page.text());
});
