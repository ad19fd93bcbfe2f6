//! The entitlement matrix: every route × everyone in the kit's network × own class, another
//! class of the same school, a class of another school, and (reads) a child given by `child=`.
//! The table below is the rule, written out; the test checks each cell (status, and for reads
//! whether the class's text is in the answer) on both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CLASSES, Class, Diary, TODAY, assert_fragment_rules};
use ent_portlet_homework::MIGRATIONS;
use ent_portlet_kit::Identity;
use ent_portlet_kit::testing::{Expect, Matrix, Route};

/// Per person: reads of A1, A2, B1 and of `child=pupil-a1`; writes for A1, A2, B1.
/// `R` = 200 showing that class's entry, `W` = allowed, `4` = 404, `3` = 403.
const TABLE: [(&str, &str, &str); 16] = [
    ("teacher_a1", "R444", "W44"),
    ("teacher_a2", "4R44", "4W4"),
    ("teacher_b1", "44R4", "44W"),
    ("director_a", "RR44", "WW4"),
    ("director_b", "44R4", "44W"),
    ("pupil_a1", "R444", "333"),
    ("pupil_a1_bis", "R444", "333"),
    ("pupil_a2", "4R44", "333"),
    ("pupil_b1", "44R4", "333"),
    ("parent_a1", "R44R", "333"),
    ("parent_a1_no_authority", "R44R", "333"),
    ("parent_a2", "4R44", "333"),
    ("parent_b1", "44R4", "333"),
    ("staff_a", "3333", "333"),
    ("city_agent", "3333", "333"),
    ("admin", "3333", "333"),
];

/// What the home page card shows per class (A1, A2, B1): `S` the entry's text, `N` the class's
/// name but not its text (a director's counts), `-` neither text nor anything of it.
const SUMMARY: [(&str, &str); 16] = [
    ("teacher_a1", "S--"),
    ("teacher_a2", "-S-"),
    ("teacher_b1", "--S"),
    ("director_a", "NN-"),
    ("director_b", "--N"),
    ("pupil_a1", "S--"),
    ("pupil_a1_bis", "S--"),
    ("pupil_a2", "-S-"),
    ("pupil_b1", "--S"),
    ("parent_a1", "S--"),
    ("parent_a1_no_authority", "S--"),
    ("parent_a2", "-S-"),
    ("parent_b1", "--S"),
    ("staff_a", "---"),
    ("city_agent", "---"),
    ("admin", "---"),
];

fn code(cell: char) -> u16 {
    match cell {
        'R' => 200,
        '3' => 403,
        '4' => 404,
        other => panic!("bad cell {other}"),
    }
}

/// A read: the expected status, and the class's text present exactly when allowed.
fn read_expect(cell: char, class: &Class) -> Expect {
    let mut e = Expect::status(code(cell));
    for c in &CLASSES {
        if cell == 'R' && c.id == class.id { e = e.showing(c.secret) } else { e = e.hiding(c.secret) }
    }
    e
}

async fn reads(
    h: &Diary,
    m: &mut Matrix<'_>,
    label: &str,
    who: &Identity,
    row: &str,
    write_row: &str,
    entries: &[String],
) {
    let cells: Vec<char> = row.chars().collect();
    let writes: Vec<char> = write_row.chars().collect();
    for (i, class) in CLASSES.iter().enumerate() {
        for view in ["week", "day", "due"] {
            let route = Route::get(format!("/view/{view}?class={}&date={TODAY}", class.id));
            let mut e = read_expect(cells[i], class);
            // Edit links (and the link to write) only for those who may follow them.
            let edit = format!("/entries/{}/edit", entries[i]);
            e = if writes[i] == 'W' && view != "due" { e.showing(edit) } else { e.hiding(edit) };
            e = if writes[i] == 'W' { e.showing("/entries/new") } else { e.hiding("/entries/new") };
            m.check(label, who, &route, &e).await;
        }
        // The class's file.
        let file = h.store.get(&entries[i]).await.unwrap().unwrap().files[0].id.clone();
        let route = Route::get(format!("/view/files/{file}"));
        let a = m.check(label, who, &route, &Expect::status(code(cells[i]))).await;
        if (a.bytes == format!("%PDF {}", class.secret).as_bytes()) != (cells[i] == 'R') {
            m.fail(format!("{label} {route}: the file's bytes"));
        }
    }
    // A child given by `child=`: only pupil_a1's parents may open it.
    for view in ["week", "day", "due"] {
        let route = Route::get(format!("/view/{view}?child=pupil-a1&date={TODAY}"));
        m.check(label, who, &route, &read_expect(cells[3], &CLASSES[0])).await;
    }
}

fn write_code(cell: char, allowed: u16) -> u16 {
    match cell {
        'W' => allowed,
        '3' => 403,
        '4' => 404,
        other => panic!("bad cell {other}"),
    }
}

async fn writes(h: &Diary, label: &str, who: &Identity, row: &str, entries: &[String]) {
    for (cell, class, seeded) in row.chars().zip(CLASSES.iter()).zip(entries).map(|((a, b), c)| (a, b, c)) {
        let ctx = format!("{label} {}", class.id);

        let a = h.get(who, &format!("/view/entries/new?class={}", class.id)).await;
        assert_eq!(a.status.as_u16(), write_code(cell, 200), "{ctx} new form");
        if cell == 'W' {
            assert_fragment_rules(&a.text());
        }

        let before = h.store.class_entries(class.id, common::d(TODAY), common::d(TODAY)).await.unwrap().len();
        let text = format!("written by {label}");
        let a = h.post(who, "/view/entries", &[("class", class.id), ("day", TODAY), ("done", &text)]).await;
        assert_eq!(a.status.as_u16(), write_code(cell, 303), "{ctx} create: {}", a.text());
        let after = h.store.class_entries(class.id, common::d(TODAY), common::d(TODAY)).await.unwrap();
        assert_eq!(after.len(), before + usize::from(cell == 'W'), "{ctx} create");
        if cell == 'W' {
            assert!(a.location().starts_with("/view/week?"), "{ctx}: {}", a.location());
            let mine = after.iter().find(|e| e.content.done == text).unwrap();
            assert_eq!(
                (mine.placement.author_sub.as_str(), mine.placement.school.as_str()),
                (who.sub.as_str(), class.school)
            );
        }

        let a = h.get(who, &format!("/view/entries/{seeded}/edit")).await;
        assert_eq!(a.status.as_u16(), write_code(cell, 200), "{ctx} edit form");
        assert_eq!(a.text().contains(class.secret), cell == 'W', "{ctx} edit form");

        // Updates and deletes work on entries of their own, so that the seeded ones stay.
        let fresh = h.seed(class, "fresh").await;
        let a = h.post(who, &format!("/view/entries/{fresh}"), &[("day", TODAY), ("done", "changed")]).await;
        assert_eq!(a.status.as_u16(), write_code(cell, 303), "{ctx} update: {}", a.text());
        let stored = h.store.get(&fresh).await.unwrap().unwrap();
        assert_eq!(stored.content.done == "changed", cell == 'W', "{ctx} update");

        let a = h.post(who, &format!("/view/entries/{fresh}/delete"), &[]).await;
        assert_eq!(a.status.as_u16(), write_code(cell, 303), "{ctx} delete");
        assert_eq!(h.store.get(&fresh).await.unwrap().is_none(), cell == 'W', "{ctx} delete");
        if cell != 'W' {
            h.store.delete(&fresh).await.unwrap();
        }
    }
}

async fn summary(m: &mut Matrix<'_>, label: &str, who: &Identity, row: &str) {
    let mut e = Expect::status(200);
    for (cell, class) in row.chars().zip(CLASSES.iter()) {
        e = if cell == 'S' { e.showing(class.secret) } else { e.hiding(class.secret) };
        if cell == 'N' {
            e = e.showing(class.name);
        }
    }
    m.check(label, who, &Route::get("/fragment/summary"), &e).await;
}

ent_storage::both_backends!(MIGRATIONS; everyone_reads_and_writes_exactly_what_the_table_says, |db| async move {
    let h = Diary::new(db);
    let mut entries = Vec::new();
    for class in &CLASSES {
        entries.push(h.seed(class, class.secret).await);
    }
    let everyone = h.net.everyone();
    assert_eq!(everyone.len(), TABLE.len(), "every identity of the network has a row");
    let mut m = Matrix::new(&h.h);
    for ((label, who), (row_label, read_row, write_row)) in everyone.iter().zip(TABLE) {
        assert_eq!(*label, row_label);
        let (_, summary_row) = SUMMARY.iter().find(|(l, _)| l == label).unwrap();
        reads(&h, &mut m, label, who, read_row, write_row, &entries).await;
        summary(&mut m, label, who, summary_row).await;
    }
    m.finish();
    for ((label, who), (_, _, write_row)) in everyone.iter().zip(TABLE) {
        writes(&h, label, who, write_row, &entries).await;
    }
});

ent_storage::both_backends!(MIGRATIONS; a_token_for_another_portlet_opens_nothing, |db| async move {
    let h = Diary::new(db);
    let entry = h.seed(&CLASSES[0], "x").await;
    let file = h.store.get(&entry).await.unwrap().unwrap().files[0].id.clone();
    let token = h.issuer.token(&h.net.teacher_a1, "urn:ent:portlet:liaison");
    let routes = [
        ("GET", "/fragment/summary".to_string()),
        ("GET", "/view/".to_string()),
        ("GET", "/view/week".to_string()),
        ("GET", "/view/day".to_string()),
        ("GET", "/view/due".to_string()),
        ("GET", "/view/entries/new".to_string()),
        ("POST", "/view/entries".to_string()),
        ("GET", format!("/view/entries/{entry}/edit")),
        ("POST", format!("/view/entries/{entry}")),
        ("POST", format!("/view/entries/{entry}/delete")),
        ("GET", format!("/view/files/{file}")),
    ];
    for (method, path) in routes {
        for token in [Some(token.as_str()), None] {
            let req = h.request(method, token, &path, "fr");
            let req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("class=class-a1&day=2025-03-04&done=x"))
                .unwrap();
            let a = h.call(req).await;
            assert_eq!(a.status.as_u16(), 401, "{method} {path}");
            assert_eq!(a.headers["www-authenticate"], "Bearer error=\"invalid_token\"");
        }
    }
    assert_eq!(h.store.get(&entry).await.unwrap().unwrap().content.done, "Séance x", "nothing changed");
    let health = h.call(axum::http::Request::get("/health").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(health.status.as_u16(), 200);
});
