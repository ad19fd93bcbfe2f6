//! The demo week: what `ent demo` writes in a new diary is what its accounts then see — the
//! class's week for its teacher and its families, nothing for another class.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Diary, TODAY, d};
use ent_portlet_homework::{MIGRATIONS, PORTLET};
use ent_portlet_kit::Start;
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, Network};

ent_storage::both_backends!(MIGRATIONS; the_demo_week_is_what_the_demo_accounts_see, |t: &TestDb| async move {
    let school = Network::new().demo_school(d(TODAY));
    PORTLET.fill_demo(&t.url, &school).await.unwrap();
    let h = Diary::new(t.db.clone());

    // Monday to Friday of this week, by the class's teacher.
    let week = h.get(&h.net.teacher_a1, &format!("/view/week?class={CLASS_A1}&date={TODAY}")).await;
    assert_eq!(week.status, 200);
    for lesson in ["Le loup qui voulait changer de couleur", "les saisons", "Une souris verte", "frise de feuilles", "Dictée de mots"] {
        assert!(week.text().contains(lesson), "{lesson} missing from the week: {}", week.text());
    }
    // The family reads what is due, in French.
    let due = h.get(&h.net.parent_a1, &format!("/view/due?child={}", h.net.pupil_a1.sub)).await;
    assert_eq!(due.status, 200);
    assert!(due.text().contains("Apprendre le premier couplet"), "{}", due.text());
    // Another class's teacher and family see none of it.
    let other = h.get(&h.net.teacher_a2, &format!("/view/week?class={CLASS_A2}&date={TODAY}")).await;
    assert!(!other.text().contains("Le loup qui voulait"));
    let other = h.get(&h.net.parent_a2, "/view/due").await;
    assert!(!other.text().contains("premier couplet"));
});
