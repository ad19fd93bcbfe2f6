//! The entitlement matrix: every route × everyone of the kit's network × own class, a foreign
//! class of the same school, a foreign school, a foreign child. Each row names exactly who may
//! read or write; everyone else gets 404 (what they may not know of) or 403 (what they see but
//! may not do, and every view for profiles without a notebook). Reads also check that the note's
//! text is, or is not, in the page.
#![allow(clippy::unwrap_used)]

mod common;

use common::{AUD, Harness, expect};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, CLASS_B1};
use ent_portlet_liaison::MIGRATIONS;

/// The notes of the matrix, each with words found in it alone, and who may read it.
struct Fixture {
    id: String,
    title: &'static str,
    secret: &'static str,
    readers: &'static [&'static str],
}

const NO_NOTEBOOK: [&str; 3] = ["staff_a", "city_agent", "admin"];

/// Readers of class A1's teacher note to the whole class.
const A1_READERS: &[&str] =
    &["teacher_a1", "director_a", "pupil_a1", "pupil_a1_bis", "parent_a1", "parent_a1_no_authority"];
/// Readers of the thread (A1 note, pupil_a1), and of parent_a1's note about pupil_a1.
const A1_FAMILY_READERS: &[&str] = &["teacher_a1", "director_a", "parent_a1", "parent_a1_no_authority"];

async fn fixtures(h: &Harness) -> (Vec<Fixture>, String) {
    let n = &h.net;
    let sig = [("signature", "1")];
    let a1 = h.note(&n.teacher_a1, CLASS_A1, "Titre-a1", "secret-a1 musée", &sig).await;
    let a1_bis = h
        .note(&n.teacher_a1, CLASS_A1, "Titre-a1-bis", "secret-a1-bis", &[("to", "pupils"), ("pupil", "pupil-a1-bis")])
        .await;
    let a2 = h.note(&n.teacher_a2, CLASS_A2, "Titre-a2", "secret-a2", &sig).await;
    let b1 = h.note(&n.teacher_b1, CLASS_B1, "Titre-b1", "secret-b1", &sig).await;
    let asked = h
        .post(&n.parent_a1, "/view/ask", &[("child", "pupil-a1"), ("title", "Titre-ask"), ("body", "secret-ask")])
        .await
        .note_id();
    let reply = h
        .post(&n.parent_a1, &format!("/view/notes/{a1}/reply"), &[("pupil", "pupil-a1"), ("body", "secret-reply")])
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let fixtures = vec![
        Fixture { id: a1.clone(), title: "Titre-a1", secret: "secret-a1 musée", readers: A1_READERS },
        // A note to chosen families: pupil_a1's parents are a foreign family for it.
        Fixture {
            id: a1_bis,
            title: "Titre-a1-bis",
            secret: "secret-a1-bis",
            readers: &["teacher_a1", "director_a", "pupil_a1_bis"],
        },
        Fixture {
            id: a2,
            title: "Titre-a2",
            secret: "secret-a2",
            readers: &["teacher_a2", "director_a", "pupil_a2", "parent_a2"],
        },
        Fixture {
            id: b1,
            title: "Titre-b1",
            secret: "secret-b1",
            readers: &["teacher_b1", "director_b", "pupil_b1", "parent_b1"],
        },
        // A parent's note to the teachers: never the pupil's to read.
        Fixture { id: asked, title: "Titre-ask", secret: "secret-ask", readers: A1_FAMILY_READERS },
    ];
    (fixtures, a1)
}

both_backends!(MIGRATIONS; reads, |db| async move {
    let h = Harness::new(db);
    let (fixtures, a1) = fixtures(&h).await;
    for (label, who) in h.net.everyone() {
        // One note.
        for f in &fixtures {
            let res = h.get(who, &format!("/view/notes/{}", f.id)).await;
            let want = expect(label, f.readers, &[], 200);
            assert_eq!(res.status, want, "{label} GET note {}", f.secret);
            assert_eq!(res.body.contains(f.secret), want == 200, "{label} sees {}", f.secret);
        }
        // The list and the summary show a note only to its readers.
        let list = h.get(who, "/view/notes").await;
        assert_eq!(list.status, if NO_NOTEBOOK.contains(&label) { 403 } else { 200 }, "{label} list");
        let summary = h.get(who, "/fragment/summary").await;
        assert_eq!(summary.status, 200, "{label} summary");
        for f in &fixtures {
            // Titles end the link text: "Titre-a1<" does not match "Titre-a1-bis<".
            let title = format!("{}<", f.title);
            assert_eq!(list.body.contains(&title), f.readers.contains(&label), "{label} lists {title}");
            if !f.readers.contains(&label) {
                assert!(!summary.body.contains(&title), "{label} summary shows {title}");
            }
        }
        if NO_NOTEBOOK.contains(&label) {
            assert!(summary.body.contains("rien à afficher pour votre profil"), "{label}: {}", summary.body);
        }
        // The thread (A1 note, pupil_a1): its family and the class's staff only.
        let res = h.get(who, &format!("/view/notes/{a1}/thread?pupil=pupil-a1")).await;
        let want = expect(label, A1_FAMILY_READERS, &[], 200);
        assert_eq!(res.status, want, "{label} GET thread");
        assert_eq!(res.body.contains("secret-reply"), want == 200, "{label} sees the reply");
        // The parent's view of the note holds their own thread, never another family's.
        let note = h.get(who, &format!("/view/notes/{a1}")).await;
        let parent_of_a1 = ["parent_a1", "parent_a1_no_authority"].contains(&label);
        assert_eq!(note.body.contains("secret-reply"), parent_of_a1, "{label} sees the reply in the note");
        // The forms to write.
        for (class, writers) in [
            (CLASS_A1, &["teacher_a1", "director_a"][..]),
            (CLASS_A2, &["teacher_a2", "director_a"][..]),
            (CLASS_B1, &["teacher_b1", "director_b"][..]),
        ] {
            let res = h.get(who, &format!("/view/notes/new?class={class}")).await;
            let refused = if label.starts_with("pupil") || label.starts_with("parent") { vec![label] } else { vec![] };
            assert_eq!(res.status, expect(label, writers, &refused, 200), "{label} GET new note for {class}");
        }
        for (child, parents) in [
            ("pupil-a1", &["parent_a1", "parent_a1_no_authority"][..]),
            ("pupil-a2", &["parent_a2"][..]),
            ("pupil-b1", &["parent_b1"][..]),
        ] {
            let res = h.get(who, &format!("/view/ask?child={child}")).await;
            let refused = if label.starts_with("parent") { vec![] } else { vec![label] };
            assert_eq!(res.status, expect(label, parents, &refused, 200), "{label} GET ask about {child}");
        }
    }
    // Foreign classes and children in the list's tabs.
    let n = &h.net;
    assert_eq!(h.get(&n.teacher_a1, "/view/notes?class=class-a2").await.status, 404);
    assert_eq!(h.get(&n.teacher_a1, "/view/notes?class=class-b1").await.status, 404);
    assert_eq!(h.get(&n.director_a, "/view/notes?class=class-b1").await.status, 404);
    assert_eq!(h.get(&n.parent_a1, "/view/notes?child=pupil-a2").await.status, 404);
    assert_eq!(h.get(&n.parent_a1, "/view/notes?child=pupil-a1").await.status, 200);
    assert_eq!(h.get(&n.director_a, "/view/notes?class=class-a2").await.status, 200);
});

both_backends!(MIGRATIONS; writes, |db| async move {
    let h = Harness::new(db);
    let (fixtures, a1) = fixtures(&h).await;
    let a1_bis = fixtures[1].id.clone();
    let asked = fixtures[4].id.clone();
    for (label, who) in h.net.everyone() {
        let readers_of_a1 = A1_READERS;
        // Remind (before anyone signs): the class's teacher; readers who may not are refused.
        let res = h.post(who, &format!("/view/notes/{a1}/remind"), &[]).await;
        assert_eq!(res.status, expect(label, &["teacher_a1"], readers_of_a1, 303), "{label} remind: {}", res.body);
    }
    for (label, who) in h.net.everyone() {
        // Sign for pupil_a1: only the parent with authority; readers who may not are refused.
        let res = h.post(who, &format!("/view/notes/{a1}/sign"), &[("pupil", "pupil-a1")]).await;
        let seen: Vec<&str> = A1_READERS.iter().copied().filter(|l| *l != "parent_a1").collect();
        assert_eq!(res.status, expect(label, &["parent_a1"], &seen, 303), "{label} sign");
        // Sign for a child the note does not concern, or someone else's child.
        let res = h.post(who, &format!("/view/notes/{a1_bis}/sign"), &[("pupil", "pupil-a1")]).await;
        let seen: &[&str] = if label.starts_with("parent") { &[] } else { &["teacher_a1", "director_a", "pupil_a1_bis"] };
        assert_eq!(res.status, expect(label, &[], seen, 303), "{label} sign a1-bis for pupil-a1");
        // Reply in the thread (A1 note, pupil_a1): the family and the class's teacher.
        let res = h.post(who, &format!("/view/notes/{a1}/reply"), &[("pupil", "pupil-a1"), ("body", "Bonjour")]).await;
        let writers = ["teacher_a1", "parent_a1", "parent_a1_no_authority"];
        assert_eq!(res.status, expect(label, &writers, &["director_a"], 303), "{label} reply");
        // Reply to the parent's note.
        let res = h.post(who, &format!("/view/notes/{asked}/reply"), &[("pupil", "pupil-a1"), ("body", "Vu")]).await;
        assert_eq!(res.status, expect(label, &writers, &["director_a"], 303), "{label} reply to the parent note");
        // Write a note to each class.
        for (class, writers) in [
            (CLASS_A1, &["teacher_a1", "director_a"][..]),
            (CLASS_A2, &["teacher_a2", "director_a"][..]),
            (CLASS_B1, &["teacher_b1", "director_b"][..]),
        ] {
            let res = h.post(who, "/view/notes", &[("class", class), ("title", "T"), ("body", "B")]).await;
            let refused = if label.starts_with("pupil") || label.starts_with("parent") { vec![label] } else { vec![] };
            assert_eq!(res.status, expect(label, writers, &refused, 303), "{label} writes to {class}");
        }
        // Write to the teachers about each child.
        for (child, parents) in [
            ("pupil-a1", &["parent_a1", "parent_a1_no_authority"][..]),
            ("pupil-a2", &["parent_a2"][..]),
            ("pupil-b1", &["parent_b1"][..]),
        ] {
            let res = h.post(who, "/view/ask", &[("child", child), ("title", "T"), ("body", "B")]).await;
            let refused = if label.starts_with("parent") { vec![] } else { vec![label] };
            assert_eq!(res.status, expect(label, parents, &refused, 303), "{label} asks about {child}");
        }
    }
});

both_backends!(MIGRATIONS; named_attacks, |db| async move {
    let h = Harness::new(db);
    let (fixtures, a1) = fixtures(&h).await;
    let asked = &fixtures[4].id;
    let n = &h.net;
    // parent_a2 signs for pupil_a1: the note is not theirs to know.
    let res = h.post(&n.parent_a2, &format!("/view/notes/{a1}/sign"), &[("pupil", "pupil-a1")]).await;
    assert_eq!(res.status, 404);
    // parent_a1_no_authority reads the note but may not sign it.
    assert_eq!(h.get(&n.parent_a1_no_authority, &format!("/view/notes/{a1}")).await.status, 200);
    let res = h.post(&n.parent_a1_no_authority, &format!("/view/notes/{a1}/sign"), &[("pupil", "pupil-a1")]).await;
    assert_eq!(res.status, 403);
    // parent_a2 reads parent_a1's thread.
    assert_eq!(h.get(&n.parent_a2, &format!("/view/notes/{a1}/thread?pupil=pupil-a1")).await.status, 404);
    // A pupil reads their parent's note to the teacher.
    assert_eq!(h.get(&n.pupil_a1, &format!("/view/notes/{asked}")).await.status, 404);
    assert_eq!(h.get(&n.pupil_a1, &format!("/view/notes/{asked}/thread?pupil=pupil-a1")).await.status, 404);
    // teacher_a2 reads class A1's notes.
    assert_eq!(h.get(&n.teacher_a2, &format!("/view/notes/{a1}")).await.status, 404);
    assert_eq!(h.get(&n.teacher_a2, "/view/notes?class=class-a1").await.status, 404);
    // Nobody signed: the failed attempts left nothing.
    let page = h.get(&n.teacher_a1, &format!("/view/notes/{a1}")).await;
    assert!(page.body.contains("0/1 signés"), "{}", page.body);
    // A token for another portlet opens no route.
    let token = h.issuer.token(&n.teacher_a1, "urn:ent:portlet:homework");
    assert_ne!(AUD, "urn:ent:portlet:homework");
    for path in [
        "/fragment/summary".to_string(),
        "/view/notes".into(),
        format!("/view/notes/{a1}"),
        format!("/view/notes/{a1}/thread?pupil=pupil-a1"),
        format!("/view/notes/new?class={CLASS_A1}"),
        "/view/ask?child=pupil-a1".into(),
    ] {
        let res = h.get_with_token(&token, &path, "fr").await;
        assert_eq!(res.status, 401, "GET {path}");
        assert_eq!(res.headers["www-authenticate"], "Bearer error=\"invalid_token\"");
    }
    for path in [
        "/view/notes".to_string(),
        format!("/view/notes/{a1}/sign"),
        format!("/view/notes/{a1}/remind"),
        format!("/view/notes/{a1}/reply"),
        "/view/ask".into(),
    ] {
        let res = h.post_with_token(&token, &path, &[("pupil", "pupil-a1"), ("class", CLASS_A1)]).await;
        assert_eq!(res.status, 401, "POST {path}");
    }
    // Made-up and malformed note ids.
    for id in ["0123456789abcdef0123456789abcdef", "../../etc", "ABC", "0123456789ABCDEF0123456789ABCDEF"] {
        assert_eq!(h.get(&n.teacher_a1, &format!("/view/notes/{id}")).await.status, 404, "{id}");
    }
    // A teacher may not slip a pupil of another class into a note.
    let res = h
        .post(&n.teacher_a1, "/view/notes", &[("class", CLASS_A1), ("title", "T"), ("body", "B"), ("to", "pupils"), ("pupil", "pupil-a2")])
        .await;
    assert_eq!(res.status, 404);
});
