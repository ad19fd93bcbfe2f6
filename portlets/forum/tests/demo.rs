//! The demo forum: what `ent demo` writes in a new forum is what its accounts then see — the
//! class forum opened to its families, the teacher's thread with the pupils' answers (one
//! quoting another), and a pupil's reply waiting for the teacher, which no family sees.
#![allow(clippy::unwrap_used)]

use ent_portlet_forum::{MIGRATIONS, PORTLET};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Harness, Network};
use ent_portlet_kit::{Clock, Date, Start};

both_backends!(MIGRATIONS; the_demo_forum_is_what_the_demo_accounts_see, |t: &TestDb| async move {
    let today = Date::from_ymd(2025, 3, 4).unwrap();
    let net = Network::new();
    PORTLET.fill_demo(&t.url, &net.demo_school(today)).await.unwrap();
    let h = Harness::with(&PORTLET, t.db.clone(), Some(net.directory()), Clock::on(today));

    let card = h.get(&net.parent_a1, "/fragment/summary").await.text();
    assert!(card.contains("Notre sortie au musée") && card.contains("3 réponses"), "{card}");
    let teacher = h.get(&net.teacher_a1, "/fragment/summary").await.text();
    assert!(teacher.contains("1 message à valider"), "{teacher}");
    let queue = h.get(&net.teacher_a1, "/view/moderation").await.text();
    assert!(queue.contains("avec nos parents"), "{queue}");
    // The thread, as the demo parent reads it: the answers and the quote, not the held reply.
    let home = h.get(&net.parent_a1, "/view").await.text();
    let forum = home.split("/p/forum/f/").nth(1).unwrap().split('"').next().unwrap();
    let list = h.get(&net.parent_a1, &format!("/view/f/{forum}")).await.text();
    let thread = list.split("/p/forum/t/").nth(1).unwrap().split('"').next().unwrap();
    let page = h.get(&net.parent_a1, &format!("/view/t/{thread}")).await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("grand tableau") && text.contains("Léa Dupont a écrit"), "{text}");
    assert!(!text.contains("avec nos parents"), "the held reply is the teacher's to approve");
    h.assert_fragment_rules(&text);
    // Another class's family sees none of it.
    assert!(!h.get(&net.parent_a2, "/fragment/summary").await.text().contains("sortie au musée"));
});
