//! A stolen account cannot mass-mail, through the router with a set clock: a pupil's burst is
//! held after the sender's rate, a parent cannot reach the school's families, a young session's
//! broadcast waits for review, an old sign-in is asked to sign in again, a pupil's broadcast is
//! always reviewed; the director freezes, retracts, switches the school's messaging per profile
//! (honoured by a second instance on the same database at once) and reads what was reported;
//! nobody else does any of it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{can_open, error, sent, signed_in};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Harness, Network, SCHOOL_A, SCHOOL_B};
use ent_portlet_kit::{Db, Identity};
use ent_portlet_messaging::MIGRATIONS;

const FROZEN: &str = "L'envoi de messages est suspendu pour votre compte. Adressez-vous au directeur de l'école.";
const CLOSED: &str = "La messagerie de l'école est fermée à l'envoi pour le moment.";
const HELD_NOTICE: &str = "Votre message attend la validation d'un enseignant ou du directeur avant d'être distribué.";

/// The school's every group: its whole school.
const WHOLE_SCHOOL: &[&str] = &["g:school_pupils", "g:school_parents", "g:school_teachers", "g:school_staff"];

/// An extra family's parent as their token would name them.
fn extra_parent(net: &Network, i: usize) -> Identity {
    let mut who = net.parent_a2.clone();
    who.sub = common::extra_parent(i);
    who.name = Some(format!("Parent {i:03}"));
    who
}

/// A page's text, its escapes undone; the page must be a 200.
async fn page(h: &Harness, who: &Identity, path: &str) -> String {
    let answer = h.get(who, path).await;
    assert_eq!(answer.status, 200, "GET {path} as {}: {}", who.sub, answer.body);
    h.assert_fragment_rules(&answer.body);
    common::unescape(&answer.body)
}

/// Releases or refuses a held message as `who`.
async fn review(h: &Harness, who: &Identity, message: &str, action: &str) -> u16 {
    h.post(who, &format!("/view/review/{message}"), &[("action", action)]).await.status.as_u16()
}

both_backends!(MIGRATIONS; a_pupils_burst_is_held_after_the_rate, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    // Fifty messages in fifty seconds, each to the class's teacher.
    let mut delivered = Vec::new();
    let mut held = Vec::new();
    for i in 0..50 {
        let subject = format!("Rafale {i:02}");
        let (conversation, was_held) = sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], &subject).await);
        if was_held { held.push((conversation, subject)) } else { delivered.push((conversation, subject)) }
        h.clock.advance(1);
    }
    assert_eq!(delivered.len(), 40, "the pupil's burst is 40 deliveries");
    assert_eq!(held.len(), 10);
    assert!(delivered.iter().all(|(_, s)| s.as_str() < "Rafale 40"), "the first ones go, then every one waits");
    // Not delivered: the teacher cannot open them; the first ones they can.
    assert!(can_open(&h, &n.teacher_a1, &delivered[0].0).await);
    for (conversation, subject) in &held {
        assert!(!can_open(&h, &n.teacher_a1, conversation).await, "{subject} delivered while held");
    }
    let inbox = page(&h, &n.teacher_a1, "/view/inbox").await;
    assert!(inbox.contains("Rafale 39") && !inbox.contains("Rafale 4") && !inbox.contains("Rafale 49"), "{inbox}");
    // The sender is told, at sending and in the conversation.
    let told = page(&h, &n.pupil_a1, &format!("/view/c/{}?sent=held", held[0].0)).await;
    assert!(told.contains(HELD_NOTICE), "{told}");
    assert!(told.contains("beaucoup de messages ont été envoyés depuis ce compte en peu de temps."), "{told}");
    assert!(page(&h, &n.pupil_a1, "/view/sent").await.contains("en attente de validation"));
    // The class's teacher and the school's director review them; another class's teacher not.
    let queue = page(&h, &n.teacher_a1, "/view/review").await;
    let director_queue = page(&h, &n.director_a, "/view/review").await;
    for (_, subject) in &held {
        assert!(queue.contains(subject.as_str()), "{subject} not in the teacher's queue");
        assert!(director_queue.contains(subject.as_str()), "{subject} not in the director's queue");
    }
    assert!(page(&h, &n.teacher_a1, "/view/inbox").await.contains("À valider (10)"));
    let other = page(&h, &n.teacher_a2, "/view/review").await;
    assert!(other.contains("Aucun message en attente.") && !other.contains("Rafale"), "{other}");
    assert!(!page(&h, &n.director_b, "/view/review").await.contains("Rafale"));
    // Release delivers; delete drops; a message is decided once.
    let release = common::first_message(&db, &held[0].0, &n.pupil_a1).await;
    let drop = common::first_message(&db, &held[1].0, &n.pupil_a1).await;
    assert_eq!(review(&h, &n.teacher_a2, &release, "release").await, 404, "not their pupil");
    assert_eq!(review(&h, &n.director_b, &release, "release").await, 404, "not their school");
    assert_eq!(review(&h, &n.pupil_a1, &release, "release").await, 404, "not one's own");
    assert_eq!(review(&h, &n.teacher_a1, &release, "release").await, 303);
    assert_eq!(review(&h, &n.director_a, &drop, "refuse").await, 303);
    assert_eq!(review(&h, &n.director_a, &release, "refuse").await, 404, "already delivered");
    assert!(can_open(&h, &n.teacher_a1, &held[0].0).await, "released: delivered");
    assert!(!can_open(&h, &n.teacher_a1, &held[1].0).await, "deleted: never delivered");
    assert!(page(&h, &n.teacher_a1, "/view/inbox").await.contains(held[0].1.as_str()));
    let queue = page(&h, &n.teacher_a1, "/view/review").await;
    assert!(!queue.contains(held[0].1.as_str()) && !queue.contains(held[1].1.as_str()));
    assert!(queue.contains(held[2].1.as_str()));
    assert!(page(&h, &n.pupil_a1, "/view/sent").await.contains("refusé par l'école"));
    // An hour later the rate is back.
    h.clock.advance(3600);
    let (_, was_held) = sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Une heure après").await);
    assert!(!was_held);
});

both_backends!(MIGRATIONS; a_parent_cannot_reach_the_schools_families, |db| async move {
    let net = Network::new();
    let h = common::harness_with(db, common::directory_with_families(&net, 200));
    let n = &h.net;
    let group = "Vous ne pouvez pas écrire à ce groupe.";
    for to in ["g:class_parents:class-a1", "g:school_parents", "g:class_pupils:class-a1", "g:school_pupils"] {
        let answer = common::send(&h, &n.parent_a1, SCHOOL_A, &[to], "À toutes les familles").await;
        assert_eq!(answer.status, 422, "{to}");
        assert_eq!(error(&answer).as_deref(), Some(group), "{to}");
    }
    // Fifty families named one by one (as many as one form carries): none may be written to.
    let fifty: Vec<String> = (0..50).map(|i| format!("p:{}", common::extra_parent(i))).collect();
    let fifty: Vec<&str> = fifty.iter().map(String::as_str).collect();
    let answer = common::send(&h, &n.parent_a1, SCHOOL_A, &fifty, "À toutes les familles").await;
    assert_eq!(error(&answer).as_deref(), Some("Vous ne pouvez pas écrire à Parent 000."));
    // Two hundred: more than a form carries at all.
    let all: Vec<String> = (0..200).map(|i| format!("p:{}", common::extra_parent(i))).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let answer = common::send(&h, &n.parent_a1, SCHOOL_A, &all, "À toutes les familles").await;
    assert_eq!(answer.status, 400);
    // Even to people a parent may write to, no more than ten at once.
    let answer = common::send(
        &h,
        &n.parent_a1,
        SCHOOL_A,
        &["p:teacher-a1", "g:school_staff", "p:parent-x000", "p:parent-x001"],
        "Mélange",
    )
    .await;
    assert_eq!(error(&answer).as_deref(), Some("Vous ne pouvez pas écrire à Parent 000."));
    for i in [0, 1, 99, 199] {
        let inbox = page(&h, &extra_parent(&net, i), "/view/inbox").await;
        assert!(inbox.contains("Aucun message.") && !inbox.contains("familles"), "{inbox}");
    }
    assert!(page(&h, &n.parent_a2, "/view/inbox").await.contains("Aucun message."));
});

both_backends!(MIGRATIONS; broadcasts_need_a_recent_sign_in_and_a_seasoned_session, |db| async move {
    let net = Network::new();
    let h = common::harness_with(db.clone(), common::directory_with_families(&net, 12));
    let n = &h.net;
    // A fresh session (5 minutes) with a fresh sign-in: the whole school waits for review.
    let fresh = signed_in(&n.teacher_a1, &h, 60, 300);
    let (c, held) = sent(&common::send(&h, &fresh, SCHOOL_A, WHOLE_SCHOOL, "Kermesse samedi").await);
    assert!(held, "a young session's first broadcast is held");
    for who in [&n.parent_a1, &n.pupil_a2, &n.teacher_a2, &n.staff_a] {
        assert!(!can_open(&h, who, &c).await, "{} got a held broadcast", who.sub);
    }
    assert!(!page(&h, &extra_parent(&net, 3), "/view/inbox").await.contains("Kermesse"));
    let told = page(&h, &fresh, &format!("/view/c/{c}?sent=held")).await;
    assert!(told.contains("premier envoi à de nombreux destinataires depuis une connexion récente."), "{told}");
    // The director reviews it (the teacher's own queue holds only their families' messages).
    let queue = page(&h, &n.director_a, "/view/review").await;
    assert!(queue.contains("Kermesse samedi") && queue.contains("Camille Bernard"), "{queue}");
    assert!(queue.contains("33 destinataires"), "{queue}");
    assert!(!page(&h, &n.teacher_a1, "/view/review").await.contains("Kermesse"));
    let m = common::first_message(&db, &c, &n.teacher_a1).await;
    assert_eq!(review(&h, &n.director_a, &m, "release").await, 303);
    for who in [&n.parent_a1, &n.pupil_a2, &n.teacher_a2, &n.staff_a, &n.director_a] {
        assert!(can_open(&h, who, &c).await, "{} did not get the released broadcast", who.sub);
    }
    assert!(page(&h, &extra_parent(&net, 3), "/view/inbox").await.contains("Kermesse samedi"));
    // Released once, that session's next broadcast goes.
    let (_, held) = sent(&common::send(&h, &fresh, SCHOOL_A, WHOLE_SCHOOL, "Kermesse : rappel").await);
    assert!(!held, "the session's broadcast was released: the next one goes");
    // A token that does not say when its session started is young.
    let mut unknown = n.director_a.clone();
    unknown.auth_time = Some(h.clock.now() - 60);
    let (_, held) = sent(&common::send(&h, &unknown, SCHOOL_A, &["g:school_parents"], "Réunion").await);
    assert!(held);

    // A sign-in older than 15 minutes: asked to sign in again, back to the kept draft.
    let stale = signed_in(&n.staff_a, &h, 901, 7200);
    let answer = common::send(&h, &stale, SCHOOL_A, &["g:school_parents"], "Cantine fermée").await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(
        answer.headers.get("www-authenticate").unwrap(),
        "Bearer error=\"insufficient_user_authentication\", max_age=\"900\""
    );
    let back = answer.headers.get("x-ent-return").unwrap().to_str().unwrap().to_string();
    let draft = back.strip_prefix("/view/drafts/").unwrap().strip_suffix("?done=signed_in").unwrap().to_string();
    assert!(!page(&h, &n.parent_a1, "/view/inbox").await.contains("Cantine"), "nothing went");
    let form = page(&h, &stale, &back).await;
    assert!(form.contains("Identité confirmée : vous pouvez envoyer votre message.") && form.contains("Cantine fermée"));
    // Exactly 900 seconds is recent enough; signed in again, the same draft goes.
    let again = signed_in(&n.staff_a, &h, 900, 7200);
    let fields = [("subject", "Cantine fermée"), ("body", "Demain."), ("to", "g:school_parents"), ("action", "send")];
    let (c, held) = sent(&h.post(&again, &format!("/view/drafts/{draft}"), &fields).await);
    assert!(!held, "an old session with a recent sign-in: delivered");
    assert!(can_open(&h, &n.parent_a1, &c).await && can_open(&h, &extra_parent(&net, 11), &c).await);
    // An old session (2 hours) with a fresh sign-in: delivered at once.
    let seasoned = signed_in(&n.teacher_a2, &h, 30, 7200);
    let (c, held) = sent(&common::send(&h, &seasoned, SCHOOL_A, WHOLE_SCHOOL, "Fête de l'école").await);
    assert!(!held);
    assert!(can_open(&h, &n.pupil_a1, &c).await && can_open(&h, &n.director_a, &c).await);
    // Ten recipients are no broadcast: no sign-in asked even on an old one.
    let ten: Vec<String> = (0..10).map(|i| format!("p:{}", common::extra_parent(i))).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let old = signed_in(&n.teacher_a2, &h, 5000, 7200);
    let (_, held) = sent(&common::send(&h, &old, SCHOOL_A, &ten, "Dix familles").await);
    assert!(!held);
});

both_backends!(MIGRATIONS; a_pupils_broadcast_is_always_reviewed, |db| async move {
    let net = Network::new();
    let h = common::harness_with(db.clone(), common::directory_with_families(&net, 12));
    let n = &h.net;
    // A pupil is never asked to sign in again: their broadcasts are held, even the first one
    // of an old session on a fresh sign-in.
    let pupil = signed_in(&n.pupil_a1, &h, 10_000, 10_000);
    let (c, held) = sent(&common::send(&h, &pupil, SCHOOL_A, &["g:class_pupils:class-a1"], "Invitation").await);
    assert!(held);
    assert!(!can_open(&h, &n.pupil_a1_bis, &c).await);
    let told = page(&h, &pupil, &format!("/view/c/{c}?sent=held")).await;
    assert!(told.contains(HELD_NOTICE) && told.contains("message d'élève à de nombreux destinataires."), "{told}");
    let queue = page(&h, &n.teacher_a1, "/view/review").await;
    assert!(queue.contains("Invitation") && queue.contains("Léa Dupont"), "{queue}");
    let m = common::first_message(&db, &c, &n.pupil_a1).await;
    assert_eq!(review(&h, &n.teacher_a1, &m, "release").await, 303);
    assert!(can_open(&h, &n.pupil_a1_bis, &c).await);
    // Released or not, the next one is held too.
    let (_, held) = sent(&common::send(&h, &pupil, SCHOOL_A, &["g:class_pupils:class-a1"], "Invitation 2").await);
    assert!(held);
    // Up to ten classmates is no broadcast.
    let ten: Vec<String> = (0..10).map(|i| format!("p:{}", common::extra_pupil(i))).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let (_, held) = sent(&common::send(&h, &pupil, SCHOOL_A, &ten, "Dix copains").await);
    assert!(!held);
});

both_backends!(MIGRATIONS; a_director_freezes_and_retracts, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    // The freeze: the pupil's next message is refused at once, replies too.
    let (c, _) = sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Avant le blocage").await);
    let (answered, _) = sent(&common::send(&h, &n.teacher_a1, SCHOOL_A, &["p:pupil-a1"], "Question").await);
    let freeze = [("school", SCHOOL_A), ("sub", "pupil-a1"), ("action", "freeze")];
    for who in [&n.teacher_a1, &n.staff_a, &n.pupil_a1_bis, &n.parent_a1, &n.director_b] {
        let status = h.post(who, "/view/freeze", &freeze).await.status.as_u16();
        assert!([403, 404].contains(&status), "{} froze an account: {status}", who.sub);
    }
    sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Pas encore bloqué").await);
    let answer = h.post(&n.director_a, "/view/freeze", &freeze).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let refused = common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Après le blocage").await;
    assert_eq!(error(&refused).as_deref(), Some(FROZEN));
    let reply = h.post(&n.pupil_a1, &format!("/view/c/{answered}/reply"), &[("reply_to", "x"), ("body", "?")]).await;
    assert_eq!(reply.status, 404, "a reply names a message of the conversation");
    let to = common::first_message(&db, &answered, &n.teacher_a1).await;
    let reply = h.post(&n.pupil_a1, &format!("/view/c/{answered}/reply"), &[("reply_to", &to), ("body", "Oui")]).await;
    assert_eq!(reply.status, 422);
    assert!(common::unescape(&reply.body).contains(FROZEN), "{}", reply.body);
    // Reading goes on; the settings list the frozen account; the other school is not concerned.
    assert!(can_open(&h, &n.pupil_a1, &c).await);
    assert!(page(&h, &n.director_a, "/view/settings").await.contains("Léa Dupont"));
    assert!(!page(&h, &n.director_b, "/view/settings").await.contains("Léa Dupont"));
    // Unfrozen, the pupil sends again.
    let unfreeze = [("school", SCHOOL_A), ("sub", "pupil-a1"), ("action", "unfreeze")];
    assert_eq!(h.post(&n.teacher_a1, "/view/freeze", &unfreeze).await.status, 404, "not their school to manage");
    assert_eq!(h.post(&n.director_a, "/view/freeze", &unfreeze).await.status, 303);
    sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Débloqué").await);

    // The retraction: what the teacher sent in the last hour leaves every inbox at once; what
    // they sent before stays.
    let (old, _) = sent(&common::send(&h, &n.teacher_a1, SCHOOL_A, &["g:school_parents"], "Ancien message").await);
    h.clock.advance(2 * 3600);
    let (to_parents, _) =
        sent(&common::send(&h, &n.teacher_a1, SCHOOL_A, &["g:school_parents"], "Message piraté").await);
    let (to_pupils, _) =
        sent(&common::send(&h, &n.teacher_a1, SCHOOL_A, &["g:school_pupils", "p:staff-a"], "Autre message piraté").await);
    assert!(can_open(&h, &n.parent_a2, &to_parents).await, "read before the retraction");
    let retract = [("school", SCHOOL_A), ("sub", "teacher-a1"), ("hours", "1")];
    for who in [&n.teacher_a2, &n.staff_a, &n.parent_a1, &n.director_b, &n.city_agent] {
        let status = h.post(who, "/view/retract", &retract).await.status.as_u16();
        assert!([403, 404].contains(&status), "{} retracted: {status}", who.sub);
    }
    assert_eq!(h.post(&n.director_a, "/view/retract", &[("school", SCHOOL_A), ("sub", "teacher-a1"), ("hours", "2")]).await.status, 400, "only the offered periods");
    let answer = h.post(&n.director_a, "/view/retract", &retract).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let recipients =
        [&n.parent_a1, &n.parent_a1_no_authority, &n.parent_a2, &n.pupil_a1, &n.pupil_a1_bis, &n.pupil_a2, &n.staff_a];
    for who in recipients {
        let inbox = page(&h, who, "/view/inbox").await;
        assert!(!inbox.contains("piraté"), "{} still has a retracted message: {inbox}", who.sub);
        assert!(!can_open(&h, who, &to_parents).await && !can_open(&h, who, &to_pupils).await);
        assert!(!page(&h, who, "/view/search?q=pirat").await.contains("piraté"), "found by search");
        assert!(!page(&h, who, "/fragment/summary").await.contains("piraté"));
    }
    for who in [&n.parent_a1, &n.parent_a2] {
        assert!(page(&h, who, "/view/inbox").await.contains("Ancien message"), "outside the period: kept");
        assert!(can_open(&h, who, &old).await);
    }
    // The author sees them withdrawn; the audit says who did it.
    let sent_folder = page(&h, &n.teacher_a1, "/view/sent").await;
    assert!(sent_folder.contains("retiré par l'école"), "{sent_folder}");
    let settings = page(&h, &n.director_a, "/view/settings").await;
    assert!(settings.contains("messages retirés") && settings.contains("2 messages"), "{settings}");
});

both_backends!(MIGRATIONS; the_schools_switches_apply_at_once_on_every_instance, |t: &TestDb| async move {
    let db = t.db.clone();
    let net = Network::new();
    let h = common::harness(db.clone());
    // A second instance of the portlet on the same database.
    let db2 = Db::connect(&t.url, &MIGRATIONS).await.unwrap();
    let h2 = common::second_instance(db2.clone(), net.directory(), &h);
    let n = &h.net;
    let (c, _) =
        sent(&common::send_with_file(&h, &n.teacher_a1, SCHOOL_A, &["p:pupil-a1", "p:parent-a1"], "Sortie").await);
    let file = common::files(&db, &common::first_message(&db, &c, &n.teacher_a1).await).await.remove(0);
    let modes = [("school", SCHOOL_A), ("mode:pupil", "read_only"), ("mode:parent", "off")];
    for who in [&n.teacher_a1, &n.pupil_a1, &n.parent_a1, &n.staff_a, &n.director_b, &n.city_agent] {
        let status = h.post(who, "/view/settings/modes", &modes).await.status.as_u16();
        assert!([403, 404].contains(&status), "{} switched: {status}", who.sub);
    }
    assert_eq!(h.post(&n.director_a, "/view/settings/modes", &modes).await.status, 303);
    // Read-only for pupils, on both instances: they read, and cannot send (nor reply).
    for inst in [&h, &h2] {
        assert!(can_open(inst, &n.pupil_a1, &c).await);
        assert!(page(inst, &n.pupil_a1, "/view/inbox").await.contains("Sortie"));
        assert!(page(inst, &n.pupil_a1, "/view/search?q=sortie").await.contains("Camille Bernard"));
        assert_eq!(inst.get(&n.pupil_a1, &format!("/view/files/{file}")).await.status, 200);
        let answer = common::send(inst, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Réponse").await;
        assert_eq!(error(&answer).as_deref(), Some(CLOSED));
    }
    let to = common::first_message(&db, &c, &n.teacher_a1).await;
    let reply = h2.post(&n.pupil_a1, &format!("/view/c/{c}/reply"), &[("reply_to", &to), ("body", "Merci")]).await;
    assert_eq!(reply.status, 422);
    assert!(common::unescape(&reply.body).contains(CLOSED));
    // Off for parents: the school's messages are out of sight, and sending says it is closed.
    for inst in [&h, &h2] {
        let inbox = page(inst, &n.parent_a1, "/view/inbox").await;
        assert!(!inbox.contains("Sortie") && inbox.contains("Aucun message."), "{inbox}");
        assert!(!can_open(inst, &n.parent_a1, &c).await);
        let found = page(inst, &n.parent_a1, "/view/search?q=sortie").await;
        assert!(!found.contains("Camille Bernard"), "found by search: {found}");
        assert_eq!(inst.get(&n.parent_a1, &format!("/view/files/{file}")).await.status, 404, "its file neither");
        assert!(page(inst, &n.parent_a1, "/fragment/summary").await.contains("Aucun nouveau message."));
        let answer = common::send(inst, &n.parent_a1, SCHOOL_A, &["p:teacher-a1"], "Question").await;
        assert_eq!(error(&answer).as_deref(), Some(CLOSED));
    }
    // Teachers and the other school go on.
    sent(&common::send(&h2, &n.teacher_a1, SCHOOL_A, &["p:teacher-a2"], "Entre collègues").await);
    sent(&common::send(&h2, &n.parent_b1, SCHOOL_B, &["p:teacher-b1"], "École B").await);
    // Opened again through the second instance: the first honours it at once.
    let open = [("school", SCHOOL_A), ("mode:pupil", "open"), ("mode:parent", "open")];
    assert_eq!(h2.post(&n.director_a, "/view/settings/modes", &open).await.status, 303);
    sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a1"], "Rouvert").await);
    assert!(can_open(&h, &n.parent_a1, &c).await);
    assert!(page(&h, &n.parent_a1, "/view/search?q=sortie").await.contains("Camille Bernard"));
    assert_eq!(h.get(&n.parent_a1, &format!("/view/files/{file}")).await.status, 200);
    // And a freeze through one instance holds on the other.
    let freeze = [("school", SCHOOL_A), ("sub", "parent-a1"), ("action", "freeze")];
    assert_eq!(h.post(&n.director_a, "/view/freeze", &freeze).await.status, 303);
    let answer = common::send(&h2, &n.parent_a1, SCHOOL_A, &["p:teacher-a1"], "Bloqué").await;
    assert_eq!(error(&answer).as_deref(), Some(FROZEN));
    db2.pool.close().await;
    db2.writer.close().await;
});

both_backends!(MIGRATIONS; a_report_reaches_the_director_only, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let (c, _) = sent(&common::send(&h, &n.teacher_a1, SCHOOL_A, &["p:parent-a1", "p:parent-a2"], "Propos").await);
    let m = common::first_message(&db, &c, &n.teacher_a1).await;
    // Only a recipient reports it: the author and the others may not know it.
    for who in [&n.teacher_a1, &n.pupil_a1, &n.director_a, &n.parent_b1] {
        let status = h.post(who, &format!("/view/m/{m}/report"), &[("reason", "x")]).await.status;
        assert_eq!(status, 404, "{} reported", who.sub);
    }
    let conversation = page(&h, &n.parent_a1, &format!("/view/c/{c}")).await;
    assert!(conversation.contains("Signaler ce message au directeur"), "the report button");
    let answer = h.post(&n.parent_a1, &format!("/view/m/{m}/report"), &[("reason", "Propos déplacés")]).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location(), "/view/inbox?done=reported");
    // The director reads it with who reported it and why, and may freeze or retract its author.
    let reports = page(&h, &n.director_a, "/view/reports").await;
    assert!(reports.contains("Propos") && reports.contains("Texte de « Propos »."), "{reports}");
    assert!(reports.contains("Signalé par Marie Dupont") && reports.contains("Propos déplacés"), "{reports}");
    assert!(reports.contains("Suspendre l'envoi pour Camille Bernard"), "{reports}");
    assert!(page(&h, &n.director_a, "/view/inbox").await.contains("Signalements (1)"));
    // Nobody else: the other school's director sees nothing; the others may not open the page.
    assert!(!page(&h, &n.director_b, "/view/reports").await.contains("Propos"));
    let admin = page(&h, &n.admin, "/view/reports").await;
    assert!(!admin.contains("Texte de « Propos »"), "an admin reads no message");
    for who in [&n.teacher_a1, &n.teacher_a2, &n.pupil_a1, &n.parent_a1, &n.parent_a2, &n.staff_a, &n.city_agent] {
        let status = h.get(who, "/view/reports").await.status;
        assert_eq!(status, 403, "{} opened the reports", who.sub);
        let status = h.get(who, "/view/settings").await.status;
        assert_eq!(status, 403, "{} opened the settings", who.sub);
        let status = h.get(who, &format!("/view/settings?school={SCHOOL_A}")).await.status.as_u16();
        assert!([403, 404].contains(&status), "{} opened the settings of A: {status}", who.sub);
    }
    assert_eq!(h.get(&n.director_b, &format!("/view/settings?school={SCHOOL_A}")).await.status, 404);
    // Closing it: the director of the school only.
    assert_eq!(h.post(&n.director_b, &format!("/view/reports/{m}/close"), &[]).await.status, 404);
    assert_eq!(h.post(&n.teacher_a1, &format!("/view/reports/{m}/close"), &[]).await.status, 404);
    assert_eq!(h.post(&n.director_a, &format!("/view/reports/{m}/close"), &[]).await.status, 303);
    assert!(page(&h, &n.director_a, "/view/reports").await.contains("Aucun signalement en cours."));
});
