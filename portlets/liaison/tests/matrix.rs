//! The entitlement matrix: every route × everyone of the kit's network × own class, a foreign
//! class of the same school, a foreign school, a foreign child. Each row names exactly who may
//! read or write; everyone else gets 404 (what they may not know of) or 403 (what they see but
//! may not do, and every view for profiles without a notebook). Reads also check that the note's
//! text is, or is not, in the page. Pupils' names: every page anyone can open, in both
//! languages, names only the pupils that person may know of (a family its own children, the
//! class's teachers and the school's director the pupils of the class).
#![allow(clippy::unwrap_used)]

mod common;

use common::NoteId;
use ent_portlet_kit::directory::{Guardian, Pupil};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{
    Answer, CLASS_A1, CLASS_A2, CLASS_B1, Expect, Harness, Matrix, NO_CLASS_CONTENT, Network, Route,
};
use ent_portlet_kit::{Child, Directory, Identity};
use ent_portlet_liaison::MIGRATIONS;

/// The notes of the matrix, each with words found in it alone, and who may read it.
struct Fixture {
    id: String,
    title: &'static str,
    secret: &'static str,
    readers: &'static [&'static str],
}

/// Staff, city agents and admins have no notebook.
const NO_NOTEBOOK: [&str; 3] = NO_CLASS_CONTENT;

/// Readers of class A1's teacher note to the whole class.
const A1_READERS: &[&str] =
    &["teacher_a1", "director_a", "pupil_a1", "pupil_a1_bis", "parent_a1", "parent_a1_no_authority"];
/// Readers of the thread (A1 note, pupil_a1), and of parent_a1's note about pupil_a1.
const A1_FAMILY_READERS: &[&str] = &["teacher_a1", "director_a", "parent_a1", "parent_a1_no_authority"];

async fn fixtures(h: &Harness) -> (Vec<Fixture>, String) {
    let n = &h.net;
    let sig = [("signature", "1")];
    let a1 = common::note(h, &n.teacher_a1, CLASS_A1, "Titre-a1", "secret-a1 musée", &sig).await;
    let a1_bis = common::note(
        h,
        &n.teacher_a1,
        CLASS_A1,
        "Titre-a1-bis",
        "secret-a1-bis",
        &[("to", "pupils"), ("pupil", "pupil-a1-bis")],
    )
    .await;
    let a2 = common::note(h, &n.teacher_a2, CLASS_A2, "Titre-a2", "secret-a2", &sig).await;
    let b1 = common::note(h, &n.teacher_b1, CLASS_B1, "Titre-b1", "secret-b1", &sig).await;
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

/// Pupils and parents see the form to write a note but may not; the others may not know it.
fn family_refused(label: &str) -> Vec<&str> {
    if label.starts_with("pupil") || label.starts_with("parent") { vec![label] } else { vec![] }
}

/// Everyone but parents may see the form to write to the teachers and not use it.
fn not_parent(label: &str) -> Vec<&str> {
    if label.starts_with("parent") { vec![] } else { vec![label] }
}

const CLASS_WRITERS: [(&str, &[&str]); 3] = [
    (CLASS_A1, &["teacher_a1", "director_a"]),
    (CLASS_A2, &["teacher_a2", "director_a"]),
    (CLASS_B1, &["teacher_b1", "director_b"]),
];

const CHILD_PARENTS: [(&str, &[&str]); 3] = [
    ("pupil-a1", &["parent_a1", "parent_a1_no_authority"]),
    ("pupil-a2", &["parent_a2"]),
    ("pupil-b1", &["parent_b1"]),
];

both_backends!(MIGRATIONS; reads, |db| async move {
    let h = common::harness(db);
    let (fixtures, a1) = fixtures(&h).await;
    let mut m = Matrix::new(&h);
    // One note: its readers see its text, everyone else a 404 without it.
    for f in &fixtures {
        let route = Route::get(format!("/view/notes/{}", f.id));
        m.everyone(&route, |label| {
            let e = Expect::rule(label, f.readers, &[], 200);
            if e.status == 200 { e.showing(f.secret) } else { e.hiding(f.secret) }
        })
        .await;
    }
    // The list and the summary show a note only to its readers.
    // Titles end the link text: "Titre-a1<" does not match "Titre-a1-bis<".
    let titled = |e: Expect, label: &str, in_summary: bool| {
        fixtures.iter().fold(e, |e, f| {
            let title = format!("{}<", f.title);
            match (f.readers.contains(&label), in_summary) {
                (true, false) => e.showing(title),
                (true, true) => e,
                (false, _) => e.hiding(title),
            }
        })
    };
    m.everyone(&Route::get("/view/notes"), |label| {
        let status = if NO_NOTEBOOK.contains(&label) { 403 } else { 200 };
        titled(Expect::status(status), label, false)
    })
    .await;
    m.everyone(&Route::get("/fragment/summary"), |label| {
        let e = titled(Expect::status(200), label, true);
        if NO_NOTEBOOK.contains(&label) { e.showing("rien à afficher pour votre profil") } else { e }
    })
    .await;
    // The thread (A1 note, pupil_a1): its family and the class's staff only.
    m.everyone(&Route::get(format!("/view/notes/{a1}/thread?pupil=pupil-a1")), |label| {
        let e = Expect::rule(label, A1_FAMILY_READERS, &[], 200);
        if e.status == 200 { e.showing("secret-reply") } else { e.hiding("secret-reply") }
    })
    .await;
    // The parent's view of the note holds their own thread, never another family's.
    m.everyone(&Route::get(format!("/view/notes/{a1}")), |label| {
        let e = Expect::rule(label, A1_READERS, &[], 200);
        if ["parent_a1", "parent_a1_no_authority"].contains(&label) {
            e.showing("secret-reply")
        } else {
            e.hiding("secret-reply")
        }
    })
    .await;
    // The forms to write.
    for (class, writers) in CLASS_WRITERS {
        let route = Route::get(format!("/view/notes/new?class={class}"));
        m.everyone(&route, |label| Expect::rule(label, writers, &family_refused(label), 200)).await;
    }
    for (child, parents) in CHILD_PARENTS {
        let route = Route::get(format!("/view/ask?child={child}"));
        m.everyone(&route, |label| Expect::rule(label, parents, &not_parent(label), 200)).await;
    }
    m.finish();
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
    let h = common::harness(db);
    let (fixtures, a1) = fixtures(&h).await;
    let a1_bis = fixtures[1].id.clone();
    let asked = fixtures[4].id.clone();
    let mut m = Matrix::new(&h);
    // Remind (before anyone signs): the class's teacher; readers who may not are refused.
    let route = Route::post(format!("/view/notes/{a1}/remind"), &[]);
    m.everyone(&route, |label| Expect::rule(label, &["teacher_a1"], A1_READERS, 303)).await;
    for (label, who) in h.net.everyone() {
        // Sign for pupil_a1: only the parent with authority; readers who may not are refused.
        let seen: Vec<&str> = A1_READERS.iter().copied().filter(|l| *l != "parent_a1").collect();
        let route = Route::post(format!("/view/notes/{a1}/sign"), &[("pupil", "pupil-a1")]);
        m.check(label, who, &route, &Expect::rule(label, &["parent_a1"], &seen, 303)).await;
        // Sign for a child the note does not concern, or someone else's child.
        let seen: &[&str] = if label.starts_with("parent") { &[] } else { &["teacher_a1", "director_a", "pupil_a1_bis"] };
        let route = Route::post(format!("/view/notes/{a1_bis}/sign"), &[("pupil", "pupil-a1")]);
        m.check(label, who, &route, &Expect::rule(label, &[], seen, 303)).await;
        // Reply in the thread (A1 note, pupil_a1), and to the parent's note: the family and the
        // class's teacher.
        let writers = ["teacher_a1", "parent_a1", "parent_a1_no_authority"];
        let route = Route::post(format!("/view/notes/{a1}/reply"), &[("pupil", "pupil-a1"), ("body", "Bonjour")]);
        m.check(label, who, &route, &Expect::rule(label, &writers, &["director_a"], 303)).await;
        let route = Route::post(format!("/view/notes/{asked}/reply"), &[("pupil", "pupil-a1"), ("body", "Vu")]);
        m.check(label, who, &route, &Expect::rule(label, &writers, &["director_a"], 303)).await;
        // Write a note to each class.
        for (class, writers) in CLASS_WRITERS {
            let route = Route::post("/view/notes", &[("class", class), ("title", "T"), ("body", "B")]);
            m.check(label, who, &route, &Expect::rule(label, writers, &family_refused(label), 303)).await;
        }
        // Write to the teachers about each child.
        for (child, parents) in CHILD_PARENTS {
            let route = Route::post("/view/ask", &[("child", child), ("title", "T"), ("body", "B")]);
            m.check(label, who, &route, &Expect::rule(label, parents, &not_parent(label), 303)).await;
        }
    }
    m.finish();
});

both_backends!(MIGRATIONS; named_attacks, |db| async move {
    let h = common::harness(db);
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
    assert_ne!(h.audience, "urn:ent:portlet:homework");
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
        let res = h.post_with_token(Some(&token), &path, &[("pupil", "pupil-a1"), ("class", CLASS_A1)], "fr").await;
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

// ----- Pupils' names -----

/// A family the network lacks: Timéo Martin, Noé's brother in A1, and Sarah Martin, who holds
/// parental authority over both. A parent of two children in a class sees both of theirs and
/// no one else's.
struct Siblings {
    timeo: Identity,
    sarah: Identity,
}

impl Siblings {
    fn new(net: &Network) -> Siblings {
        let mut timeo = net.pupil_a1_bis.clone();
        timeo.sub = "pupil-a1-ter".into();
        timeo.name = Some("Timéo Martin".into());
        let child = |p: &Identity| Child {
            sub: p.sub.clone(),
            class: Some(CLASS_A1.into()),
            legal_guardian: true,
            given_name: p.name.as_deref().and_then(|n| n.split_whitespace().next()).map(str::to_owned),
            class_name: Some("CM1 A".into()),
            school: Some(ent_portlet_kit::testing::SCHOOL_A.into()),
        };
        let mut sarah = net.parent_a2.clone();
        sarah.sub = "parent-a1-siblings".into();
        sarah.name = Some("Sarah Martin".into());
        sarah.children = vec![child(&net.pupil_a1_bis), child(&timeo)];
        Siblings { timeo, sarah }
    }

    /// The network's rosters with this family in A1.
    fn directory(&self, net: &Network) -> Directory {
        let sarah =
            Guardian { sub: self.sarah.sub.clone(), name: self.sarah.display_name().into(), legal_guardian: true };
        let mut rosters = net.rosters();
        for roster in rosters.iter_mut().filter(|r| r.id == CLASS_A1) {
            for p in roster.pupils.iter_mut().filter(|p| p.sub == net.pupil_a1_bis.sub) {
                p.guardians.push(sarah.clone());
            }
            roster.pupils.push(Pupil {
                sub: self.timeo.sub.clone(),
                name: self.timeo.display_name().into(),
                guardians: vec![sarah.clone()],
            });
        }
        Directory::fixed(rosters)
    }
}

/// The pupils each person may see named. Every other pupil's given name, family name and sub
/// must be absent from every page the person opens.
const MAY_NAME: [(&str, &[&str]); 18] = [
    ("teacher_a1", &["pupil_a1", "pupil_a1_bis", "pupil_a1_ter"]),
    ("teacher_a2", &["pupil_a2"]),
    ("teacher_b1", &["pupil_b1"]),
    ("director_a", &["pupil_a1", "pupil_a1_bis", "pupil_a1_ter", "pupil_a2"]),
    ("director_b", &["pupil_b1"]),
    ("pupil_a1", &["pupil_a1"]),
    ("pupil_a1_bis", &["pupil_a1_bis"]),
    ("pupil_a1_ter", &["pupil_a1_ter"]),
    ("pupil_a2", &["pupil_a2"]),
    ("pupil_b1", &["pupil_b1"]),
    ("parent_a1", &["pupil_a1"]),
    ("parent_a1_no_authority", &["pupil_a1"]),
    ("parent_a1_siblings", &["pupil_a1_bis", "pupil_a1_ter"]),
    ("parent_a2", &["pupil_a2"]),
    ("parent_b1", &["pupil_b1"]),
    ("staff_a", &[]),
    ("city_agent", &[]),
    ("admin", &[]),
];

/// The notes of the names matrix.
struct NameNotes {
    /// Teacher A1 to the families of Léa, Noé and Timéo, signature asked: Léa's and Noé's
    /// signed, Timéo's not; reminded; a thread for each of the three.
    chosen: String,
    /// The director to the families of Léa and Noé, no signature.
    chosen_by_director: String,
    all: Vec<String>,
}

async fn name_fixtures(h: &Harness, s: &Siblings) -> NameNotes {
    let n = &h.net;
    let sig = ("signature", "1");
    let to = ("to", "pupils");
    let (lea, noe, timeo) = (("pupil", "pupil-a1"), ("pupil", "pupil-a1-bis"), ("pupil", "pupil-a1-ter"));
    let chosen =
        common::note(h, &n.teacher_a1, CLASS_A1, "Choisis", "Séance de piscine", &[to, lea, noe, timeo, sig]).await;
    let chosen_by_director =
        common::note(h, &n.director_a, CLASS_A1, "Direction", "Rendez-vous", &[to, lea, noe]).await;
    let whole = common::note(h, &n.teacher_a1, CLASS_A1, "Classe", "Photo de classe", &[sig]).await;
    let a2 = common::note(h, &n.teacher_a2, CLASS_A2, "Classe A2", "Cross", &[sig]).await;
    let b1 = common::note(h, &n.teacher_b1, CLASS_B1, "Choisis B1", "Chorale", &[to, ("pupil", "pupil-b1"), sig]).await;
    let ask = [("title", "Question"), ("body", "Absence")];
    let asked_lea = h.post(&n.parent_a1, "/view/ask", &[&[("child", "pupil-a1")], &ask[..]].concat()).await.note_id();
    let asked_timeo = h.post(&s.sarah, "/view/ask", &[&[("child", "pupil-a1-ter")], &ask[..]].concat()).await.note_id();
    let ok = |res: Answer| assert_eq!(res.status, 303, "{}", res.body);
    for (who, note, pupil) in [
        (&n.parent_a1, &chosen, "pupil-a1"),
        (&n.parent_a1, &whole, "pupil-a1"),
        (&s.sarah, &chosen, "pupil-a1-bis"),
        (&s.sarah, &whole, "pupil-a1-ter"),
        (&n.parent_a2, &a2, "pupil-a2"),
    ] {
        ok(h.post(who, &format!("/view/notes/{note}/sign"), &[("pupil", pupil)]).await);
    }
    for (who, note, pupil) in [
        (&n.parent_a1, &chosen, "pupil-a1"),
        (&s.sarah, &chosen, "pupil-a1-bis"),
        (&s.sarah, &chosen, "pupil-a1-ter"),
        (&n.teacher_a1, &chosen, "pupil-a1-ter"),
        (&n.teacher_a1, &asked_timeo, "pupil-a1-ter"),
        (&n.parent_a2, &a2, "pupil-a2"),
    ] {
        ok(h.post(who, &format!("/view/notes/{note}/reply"), &[("pupil", pupil), ("body", "Bien noté")]).await);
    }
    ok(h.post(&n.teacher_a1, &format!("/view/notes/{chosen}/remind"), &[]).await);
    let all = vec![chosen.clone(), chosen_by_director.clone(), whole, a2, b1, asked_lea, asked_timeo];
    NameNotes { chosen, chosen_by_director, all }
}

/// Every page `who` can open, in that language: the card, the lists, each note and each thread,
/// the forms, and the pages that posts refused or in error draw again (nothing is written:
/// replies and notes are empty; a reminder is recorded at most once and draws the note).
async fn pages(h: &Harness, who: &Identity, notes: &[String], pupils: &[&str], lang: &str) -> Vec<(String, Answer)> {
    let token = h.token(who);
    let mut gets: Vec<String> = ["/fragment/summary", "/view", "/view/", "/view/notes", "/view/notes/new", "/view/ask"]
        .map(String::from)
        .to_vec();
    for class in [CLASS_A1, CLASS_A2, CLASS_B1] {
        gets.push(format!("/view/notes?class={class}"));
        gets.push(format!("/view/notes/new?class={class}"));
    }
    for pupil in pupils {
        gets.push(format!("/view/notes?child={pupil}"));
        gets.push(format!("/view/ask?child={pupil}"));
    }
    for note in notes {
        gets.push(format!("/view/notes/{note}"));
        gets.extend(pupils.iter().map(|p| format!("/view/notes/{note}/thread?pupil={p}")));
    }
    let mut answers = Vec::new();
    for path in gets {
        let res = h.get_with_token(&token, &path, lang).await;
        answers.push((format!("GET {path}"), res));
    }
    let mut posts: Vec<(String, Vec<(&str, &str)>)> = Vec::new();
    for note in notes {
        posts.push((format!("/view/notes/{note}/remind"), vec![]));
        posts.extend(pupils.iter().map(|p| (format!("/view/notes/{note}/reply"), vec![("pupil", *p), ("body", "")])));
    }
    posts.extend(pupils.iter().map(|p| ("/view/ask".to_string(), vec![("child", *p), ("title", ""), ("body", "")])));
    for (path, form) in posts {
        let res = h.post_with_token(Some(&token), &path, &form, lang).await;
        assert_ne!(res.status, 500, "POST {path}: {}", res.body);
        answers.push((format!("POST {path} {form:?}"), res));
    }
    answers
}

/// Whether `text` holds `id` as a whole: `pupil-a1` is not in `pupil-a1-bis`.
fn contains_id(text: &str, id: &str) -> bool {
    let id_char = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(id).any(|(i, _)| {
        !text[..i].chars().next_back().is_some_and(id_char) && !text[i + id.len()..].chars().next().is_some_and(id_char)
    })
}

/// Whether a page shows signature counts ("2/3 signés", "2/3 signed").
fn shows_counts(text: &str) -> bool {
    text.match_indices('/').any(|(i, _)| {
        let rest = &text[i + 1..];
        let after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        text[..i].ends_with(|c: char| c.is_ascii_digit())
            && after.len() < rest.len()
            && (after.starts_with(" signés") || after.starts_with(" signed"))
    })
}

fn words(who: &Identity) -> Vec<&str> {
    who.name.as_deref().unwrap_or("").split_whitespace().collect()
}

both_backends!(MIGRATIONS; names, |db| async move {
    let net = Network::new();
    let s = Siblings::new(&net);
    let h = common::with_directory(db, Some(s.directory(&net)));
    let notes = name_fixtures(&h, &s).await;
    let mut readers = h.net.everyone();
    readers.push(("pupil_a1_ter", &s.timeo));
    readers.push(("parent_a1_siblings", &s.sarah));
    let mut pupils = h.net.pupils();
    pupils.push(("pupil_a1_ter", &s.timeo));
    let subs: Vec<&str> = pupils.iter().map(|(_, p)| p.sub.as_str()).collect();
    assert_eq!(readers.len(), MAY_NAME.len(), "every reader has a row");
    // Every leak is listed before failing: one run shows them all.
    let mut leaks = Vec::new();
    for (label, who) in &readers {
        let (_, may) = MAY_NAME.iter().find(|(l, _)| l == label).unwrap();
        // Words a page may hold: the reader's own name and those of the pupils they may know of
        // (a family name shared by a brother is not his).
        let allowed: Vec<&str> = pupils
            .iter()
            .filter(|(l, _)| may.contains(l))
            .flat_map(|(_, p)| words(p))
            .chain(words(who))
            .collect();
        let hidden: Vec<&Identity> = pupils.iter().filter(|(l, _)| !may.contains(l)).map(|(_, p)| *p).collect();
        let mut hidden_words: Vec<&str> =
            hidden.iter().flat_map(|p| words(p)).filter(|w| !allowed.contains(w)).collect();
        hidden_words.sort_unstable();
        hidden_words.dedup();
        let family = label.starts_with("pupil") || label.starts_with("parent");
        for lang in ["fr", "en"] {
            for (page, res) in pages(&h, who, &notes.all, &subs, lang).await {
                for word in &hidden_words {
                    if res.body.contains(word) {
                        leaks.push(format!("{label} {lang} {page} names {word}"));
                    }
                }
                for other in &hidden {
                    if contains_id(&res.body, &other.sub) {
                        leaks.push(format!("{label} {lang} {page} holds {}", other.sub));
                    }
                }
                // How many other families signed is the staff's to know.
                if family && shows_counts(&res.body) {
                    leaks.push(format!("{label} {lang} {page} shows signature counts"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    // The class's teacher and the school's director see whom a note to chosen families concerns.
    let chosen = format!("/view/notes/{}", notes.chosen);
    for who in [&h.net.teacher_a1, &h.net.director_a] {
        let page = h.get(who, &chosen).await;
        assert!(page.body.contains("Pour les familles de : Léa Dupont, Noé Martin, Timéo Martin"), "{}", page.body);
        assert!(page.body.contains("2/3 signés"), "{}", page.body);
        let page = h.get_en(who, &chosen).await;
        assert!(page.body.contains("For the families of: Léa Dupont, Noé Martin, Timéo Martin"), "{}", page.body);
    }
    // A family sees its own children there, all of them, and only those the note concerns.
    for (who, fr, en) in [
        (&h.net.parent_a1, "Concerne : Léa Dupont<", "About: Léa Dupont<"),
        (&h.net.parent_a1_no_authority, "Concerne : Léa Dupont<", "About: Léa Dupont<"),
        (&h.net.pupil_a1, "Concerne : Léa Dupont<", "About: Léa Dupont<"),
        (&s.sarah, "Concerne : Noé Martin, Timéo Martin<", "About: Noé Martin, Timéo Martin<"),
        (&s.timeo, "Concerne : Timéo Martin<", "About: Timéo Martin<"),
    ] {
        let page = h.get(who, &chosen).await;
        assert!(page.body.contains(fr), "{fr}: {}", page.body);
        assert!(h.get_en(who, &chosen).await.body.contains(en), "{en}");
    }
    let page = h.get(&s.sarah, &format!("/view/notes/{}", notes.chosen_by_director)).await;
    assert!(page.body.contains("Concerne : Noé Martin<") && !page.body.contains("Timéo"), "{}", page.body);
});
