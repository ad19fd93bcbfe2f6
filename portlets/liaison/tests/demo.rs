//! The demo notebook: what `ent demo` writes in a new notebook is what its accounts then see —
//! a note the demo family must still sign, one every family signed, the teacher's answer in the
//! demo family's thread, and their word to the teacher; nothing for another class.
#![allow(clippy::unwrap_used)]

use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Harness, Network};
use ent_portlet_kit::{Clock, Date, Start};
use ent_portlet_liaison::{MIGRATIONS, PORTLET};

both_backends!(MIGRATIONS; the_demo_notebook_is_what_the_demo_accounts_see, |t: &TestDb| async move {
    let today = Date::from_ymd(2025, 3, 4).unwrap();
    let net = Network::new();
    PORTLET.fill_demo(&t.url, &net.demo_school(today)).await.unwrap();
    let h = Harness::with(&PORTLET, t.db.clone(), Some(net.directory()), Clock::on(today));

    // The demo parent: the outing waits for their signature, the photograph is signed.
    let list = h.get(&net.parent_a1, "/view").await;
    assert_eq!(list.status, 200);
    let text = list.text();
    assert!(text.contains("Sortie à la ferme pédagogique") && text.contains("Photo de classe"), "{text}");
    let card = h.get(&net.parent_a1, "/fragment/summary").await.text();
    assert!(card.contains("Sortie à la ferme pédagogique"), "the outing is to sign: {card}");
    assert!(!card.contains("Photo de classe"), "the photograph was signed: {card}");
    // The teacher sees the signatures and the family's word.
    let teacher = h.get(&net.teacher_a1, "/view").await.text();
    assert!(teacher.contains("orthophoniste") && teacher.contains("0/1 signés"), "{teacher}");
    // Another class sees none of it.
    let other = h.get(&net.parent_a2, "/view").await.text();
    assert!(!other.contains("Sortie à la ferme") && !other.contains("orthophoniste"), "{other}");
});
