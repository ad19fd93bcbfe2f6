//! The parents' e-mail digest against a real SMTP server on a loopback port: an address is
//! confirmed by a mailed code; the digest goes once a day at 17:00 within the school's hours,
//! says how many and from whom, never a subject or a text; a failed send is tried again; stopping
//! erases the address. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Harness, Network, SmtpReceiver, closed_port};
use ent_portlet_kit::{Clock, Date, Identity, Profile};
use ent_portlet_messaging::model::ToPart;
use ent_portlet_messaging::notify::digest::{self, Sent};
use ent_portlet_messaging::store::{DraftText, Outgoing, Store};
use ent_portlet_messaging::{MIGRATIONS, PORTLET};

/// Paris wall-clock time on a day.
fn paris(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
    Date::from_ymd(y, m, d).unwrap().paris_noon() + (h - 12) * 3600 + min * 60
}

fn name(who: &Identity) -> String {
    who.name.clone().unwrap()
}

/// `author` (a teacher of school A) writes to `to`, subject and text given.
async fn write(store: &Store, author: &Identity, to: &Identity, subject: &str, body: &str, at: i64) {
    let draft = store
        .create_draft(
            &DraftText {
                school: "0750001A",
                author_sub: &author.sub,
                author_name: &name(author),
                author_profile: Profile::Teacher,
                author_classes: &[],
                conversation_id: None,
                subject,
                body,
                addresses: &[],
            },
            at,
        )
        .await
        .unwrap();
    let recipients = vec![(to.sub.clone(), name(to))];
    let label = vec![ToPart::Person { name: name(to) }];
    let out = Outgoing { recipients: &recipients, to: &label, hold: None, session_start: None };
    store.send(&draft, &author.sub, &out, at).await.unwrap().unwrap();
}

/// The code in the confirmation mail.
fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).unwrap().to_string()
}

both_backends!(MIGRATIONS; a_parent_gets_one_digest_a_day_within_the_hours, |t: &TestDb| async move {
    let net = Network::new();
    let smtp = SmtpReceiver::start().await;
    // Tuesday 8 December 2026, 09:00 in Paris.
    let clock = Clock::at(paris(2026, 12, 8, 9, 0));
    let h = Harness::with_mailer(&PORTLET, t.db.clone(), Some(net.directory()), clock.clone(), Some(smtp.mailer()));
    let store = Store::new(t.db.clone());
    let parent = &net.parent_a1;

    // The page offers it; a made-up address is refused before any mail.
    let page = h.get(parent, "/view/notifications").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Résumé quotidien par e-mail"), "{}", page.text());
    let bad = h.post(parent, "/view/notifications", &[("action", "subscribe"), ("email", "marie at example")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("Cette adresse e-mail n&#39;est pas valide.") || bad.text().contains("pas valide"));
    assert!(smtp.received().is_empty());

    // A good one: a code is mailed to it; the address waits for it.
    let ok = h.post(parent, "/view/notifications", &[("action", "subscribe"), ("email", "marie.dupont@example.fr")]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location(), "/view/notifications?done=code_sent");
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails[0].to, vec!["marie.dupont@example.fr".to_string()]);
    let code = code_in(&mails[0].text());
    assert!(h.get(parent, "/view/notifications").await.text().contains("Un code a été envoyé à marie.dupont@example.fr."));

    // Unconfirmed, nothing goes, even with unread messages at 17:05.
    write(&store, &net.teacher_a1, parent, "Sortie au musée", "Prévoir un goûter.", paris(2026, 12, 8, 10, 0)).await;
    let mailer = smtp.mailer();
    assert_eq!(digest::run(&store, &mailer, paris(2026, 12, 8, 17, 5)).await.unwrap(), Sent::default());

    // A wrong code says how many tries are left; the right one confirms.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let answer = h.post(parent, "/view/notifications", &[("action", "confirm"), ("code", wrong)]).await;
    assert_eq!(answer.status, 422);
    assert!(answer.text().contains("4 essai(s) restant(s)"), "{}", answer.text());
    let answer = h.post(parent, "/view/notifications", &[("action", "confirm"), ("code", &code)]).await;
    assert_eq!(answer.location(), "/view/notifications?done=confirmed");
    assert!(h.get(parent, "/view/notifications").await.text().contains("Le résumé est envoyé à marie.dupont@example.fr."));

    // Confirmed at 09:00 on Tuesday: nothing before 17:00, one digest at 17:05, none at 17:20.
    let confirmed = store.subscription(&parent.sub).await.unwrap().unwrap().confirmed_at.unwrap();
    assert!(confirmed < paris(2026, 12, 8, 17, 0));
    assert_eq!(digest::run(&store, &mailer, paris(2026, 12, 8, 16, 55)).await.unwrap().mails, 0);
    assert_eq!(digest::run(&store, &mailer, paris(2026, 12, 8, 17, 5)).await.unwrap().mails, 1);
    let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
    let digest_mail = &mails[1];
    assert_eq!(digest_mail.to, vec!["marie.dupont@example.fr".to_string()]);
    assert_eq!(digest_mail.subject(), "Messagerie de l'ENT : 1 message non lu");
    let text = digest_mail.text();
    assert!(text.contains(&format!("de {}", name(&net.teacher_a1))), "{text}");
    assert!(text.contains("https://ent.test/p/messaging/inbox"), "{text}");
    assert!(!text.contains("musée") && !text.contains("goûter"), "never a subject or a text: {text}");
    assert_eq!(digest::run(&store, &mailer, paris(2026, 12, 8, 17, 20)).await.unwrap().mails, 0);

    // Friday 18:00: a message. Friday 21:00 and Saturday are outside the hours; Monday 07:00 it goes,
    // counting only what came since the last digest.
    write(&store, &net.teacher_a1, parent, "Piscine", "Maillot.", paris(2026, 12, 11, 18, 0)).await;
    write(&store, &net.director_a, parent, "Kermesse", "Gâteaux.", paris(2026, 12, 11, 18, 30)).await;
    // No run came on Wednesday and Thursday (the service was down): a run at 21:00 on Friday finds
    // the digest overdue but outside the hours, and waits.
    for (d, h_, m) in [(11, 21, 0), (12, 10, 0), (12, 17, 30), (13, 17, 30)] {
        let before = smtp.received().len();
        let run = digest::run(&store, &mailer, paris(2026, 12, d, h_, m)).await.unwrap();
        assert_eq!(run.mails, 0, "nothing on the {d} at {h_}:{m:02}");
        assert_eq!(smtp.received().len(), before);
    }
    assert_eq!(digest::run(&store, &mailer, paris(2026, 12, 14, 7, 0)).await.unwrap().mails, 1);
    let mails = smtp.wait_for(2 + 1, Duration::from_secs(10)).await;
    let monday = mails.last().unwrap();
    assert_eq!(monday.subject(), "Messagerie de l'ENT : 2 messages non lus");
    assert!(monday.text().contains(&name(&net.director_a)), "{}", monday.text());

    // Stopping erases the address: no digest any more.
    let answer = h.post(parent, "/view/notifications", &[("action", "stop")]).await;
    assert_eq!(answer.location(), "/view/notifications?done=stopped");
    assert!(store.subscription(&parent.sub).await.unwrap().is_none());
    write(&store, &net.teacher_a1, parent, "Encore", "Texte.", paris(2026, 12, 14, 9, 0)).await;
    assert_eq!(digest::run(&store, &mailer, paris(2026, 12, 14, 17, 5)).await.unwrap(), Sent::default());
});

both_backends!(MIGRATIONS; a_digest_that_could_not_leave_goes_later, |t: &TestDb| async move {
    let net = Network::new();
    let smtp = SmtpReceiver::start().await;
    let clock = Clock::at(paris(2026, 12, 8, 9, 0));
    let h = Harness::with_mailer(&PORTLET, t.db.clone(), Some(net.directory()), clock, Some(smtp.mailer()));
    let store = Store::new(t.db.clone());
    let parent = &net.parent_a2;
    h.post(parent, "/view/notifications", &[("action", "subscribe"), ("email", "parent@example.org")]).await;
    let code = code_in(&smtp.wait_for(1, Duration::from_secs(10)).await[0].text());
    assert_eq!(
        h.post(parent, "/view/notifications", &[("action", "confirm"), ("code", &code)]).await.location(),
        "/view/notifications?done=confirmed"
    );
    write(&store, &net.teacher_a1, parent, "Sortie", "Texte.", paris(2026, 12, 8, 10, 0)).await;

    // The mail server is down at 17:05: the digest is given back, not lost.
    let down = ent_portlet_kit::mail::Mailer::new(&ent_portlet_kit::mail::MailConfig::new(
        format!("smtp://{}", closed_port().await),
        "ENT <ne-pas-repondre@ent.test>",
    ))
    .unwrap();
    let run = digest::run(&store, &down, paris(2026, 12, 8, 17, 5)).await.unwrap();
    assert_eq!((run.mails, run.failed), (0, 1));
    assert_eq!(store.subscription(&parent.sub).await.unwrap().unwrap().last_sent_at, None);
    // The next run (15 minutes later) sends it.
    let run = digest::run(&store, &smtp.mailer(), paris(2026, 12, 8, 17, 20)).await.unwrap();
    assert_eq!(run.mails, 1);
    assert_eq!(smtp.wait_for(2, Duration::from_secs(10)).await[1].subject(), "Messagerie de l'ENT : 1 message non lu");
});

both_backends!(MIGRATIONS; only_parents_and_only_where_mail_is_set_up, |t: &TestDb| async move {
    let net = Network::new();
    let smtp = SmtpReceiver::start().await;
    let h = Harness::with_mailer(&PORTLET, t.db.clone(), Some(net.directory()), Clock::system(), Some(smtp.mailer()));
    for who in [&net.teacher_a1, &net.pupil_a1, &net.staff_a, &net.director_a, &net.city_agent, &net.admin] {
        let answer = h.post(who, "/view/notifications", &[("action", "subscribe"), ("email", "x@example.org")]).await;
        assert_eq!(answer.status, 403, "{} asked for a digest", who.sub);
        assert!(h.get(who, "/view/notifications").await.text().contains("proposé aux parents"));
    }
    assert!(smtp.received().is_empty());
    // Without a mail section, the page says so and nothing is accepted.
    let h = Harness::new(&PORTLET, t.db.clone());
    assert!(h.get(&net.parent_a1, "/view/notifications").await.text().contains("ne sont pas configurés"));
    let answer = h.post(&net.parent_a1, "/view/notifications", &[("action", "subscribe"), ("email", "x@example.org")]).await;
    assert_eq!(answer.status, 403);
    // Hours: only the school's director sets them; a bad text changes nothing.
    let school = "0750001A";
    assert_eq!(h.post(&net.director_b, "/view/settings/hours", &[("school", school), ("hours", "mon 08:00-09:00")]).await.status, 404);
    let bad = h.post(&net.director_a, "/view/settings/hours", &[("school", school), ("hours", "lundi matin")]).await;
    assert!(bad.location().ends_with("done=bad_hours"), "{}", bad.location());
    let ok = h.post(&net.director_a, "/view/settings/hours", &[("school", school), ("hours", "mon-fri 08:00-18:00")]).await;
    assert!(ok.location().ends_with("done=hours"), "{}", ok.location());
    let store = Store::new(t.db.clone());
    assert_eq!(store.window(school).await.unwrap().to_string(), "mon-fri 08:00-18:00");
});

both_backends!(MIGRATIONS; concurrent_guesses_share_the_five_tries, |t: &TestDb| async move {
    use ent_portlet_messaging::store::digest::{Confirmation, MAX_ATTEMPTS, NewSubscription};
    let store = Store::new(t.db.clone());
    let schools = vec!["0750001A".to_string()];
    let right = ent_web::secret::sha256_hex("123456");
    let s = NewSubscription {
        sub: "parent-x",
        email: "x@example.org",
        lang: ent_portlet_kit::Lang::Fr,
        schools: &schools,
        link: None,
        code_hash: &right,
    };
    store.subscribe(&s, 1_000).await.unwrap();
    // 40 wrong codes at once, as a script guessing would send them.
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..40 {
        let store = store.clone();
        let typed = ent_web::secret::sha256_hex(&format!("{i:06}"));
        guesses.spawn(async move { store.confirm("parent-x", &typed, 1_000).await.unwrap() });
    }
    let answers = guesses.join_all().await;
    let compared = answers.iter().filter(|a| !matches!(a, Confirmation::Nothing)).count();
    assert_eq!(compared as i64, MAX_ATTEMPTS, "only five guesses are compared: {answers:?}");
    assert!(answers.contains(&Confirmation::TooMany));
    // The address is forgotten: even the right code confirms nothing now.
    assert_eq!(store.confirm("parent-x", &right, 1_000).await.unwrap(), Confirmation::Nothing);
    assert!(store.subscription("parent-x").await.unwrap().is_none());
});
