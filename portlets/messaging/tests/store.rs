//! Messaging's store on SQLite and PostgreSQL: the shared token buckets (exact under
//! concurrency, shared by two instances), drafts that only their author sees, delivery, read
//! marks and archives per person, the hold queue, recall, freezes, retraction, the switches read
//! by a second instance, search, lists without a ceiling, attachments, reports, and a send that
//! fails halfway leaving its draft a draft. Times are set, never waited for.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use ent_portlet_kit::upload::Accepted;
use ent_portlet_kit::{Db, Profile};
use ent_portlet_messaging::MIGRATIONS;
use ent_portlet_messaging::model::{HoldReason, Mode, State, ToPart};
use ent_portlet_messaging::store::school::EVERY_SCHOOL;
use ent_portlet_messaging::store::{Attached, DraftText, Listed, Message, Outgoing, Page, RECALL_SECS, Store};
use ent_storage::Backend;
use ent_storage::both_backends;
use ent_storage::bucket::{BucketStore, Rate, Taken};
use ent_storage::testing::TestDb;

const SCHOOL: &str = "0750001A";
const OTHER_SCHOOL: &str = "0750002B";
/// A fixed time: every test sets the clock it needs from here.
const T0: i64 = 1_750_000_000;

struct Who {
    sub: &'static str,
    name: &'static str,
    profile: Profile,
}

const TEACHER: Who = Who { sub: "teacher-a1", name: "Camille Bernard", profile: Profile::Teacher };
const LEA: Who = Who { sub: "pupil-a1", name: "Léa Dupont", profile: Profile::Pupil };
const NOE: Who = Who { sub: "pupil-a2", name: "Noé Martin", profile: Profile::Pupil };
const INES: Who = Who { sub: "pupil-b1", name: "Inès Roux", profile: Profile::Pupil };
const DIRECTOR: Who = Who { sub: "director", name: "Jeanne Petit", profile: Profile::Director };

/// Everything on one page, for the tests that are not about paging.
const ALL: Page = Page { number: 1, size: 1000 };

fn text<'a>(
    from: &'a Who,
    conversation: Option<&'a str>,
    subject: &'a str,
    body: &'a str,
    addresses: &'a [String],
) -> DraftText<'a> {
    DraftText {
        school: SCHOOL,
        author_sub: from.sub,
        author_name: from.name,
        author_profile: from.profile,
        author_classes: &["class-a1"],
        conversation_id: conversation,
        subject,
        body,
        addresses,
    }
}

async fn draft(store: &Store, from: &Who, conversation: Option<&str>, subject: &str, body: &str, now: i64) -> String {
    store.create_draft(&text(from, conversation, subject, body, &[]), now).await.unwrap()
}

/// Sends a draft to these people (each named on the recipients line), delivered or held.
async fn send(store: &Store, id: &str, from: &Who, to: &[&Who], hold: Option<HoldReason>, now: i64) -> Message {
    let recipients: Vec<(String, String)> = to.iter().map(|w| (w.sub.to_string(), w.name.to_string())).collect();
    let line: Vec<ToPart> = to.iter().map(|w| ToPart::Person { name: w.name.to_string() }).collect();
    let out = Outgoing { recipients: &recipients, to: &line, hold, session_start: Some(now - 7200) };
    store.send(id, from.sub, &out, now).await.unwrap().expect("a draft of its author")
}

/// A new conversation, delivered now.
async fn post(store: &Store, from: &Who, to: &[&Who], subject: &str, body: &str, now: i64) -> Message {
    let id = draft(store, from, None, subject, body, now).await;
    send(store, &id, from, to, None, now).await
}

/// A message in an existing conversation, delivered now.
async fn reply(store: &Store, from: &Who, conversation: &str, to: &[&Who], body: &str, now: i64) -> Message {
    let (_, subject) = store.conversation(conversation).await.unwrap().unwrap();
    let id = draft(store, from, Some(conversation), &subject, body, now).await;
    send(store, &id, from, to, None, now).await
}

fn conv(m: &Message) -> &str {
    m.conversation_id.as_deref().unwrap()
}

async fn inbox(store: &Store, who: &Who) -> Vec<Listed> {
    store.conversations(who.sub, false, &[], ALL).await.unwrap().0
}

async fn archive(store: &Store, who: &Who) -> Vec<Listed> {
    store.conversations(who.sub, true, &[], ALL).await.unwrap().0
}

fn ids(listed: &[Listed]) -> Vec<&str> {
    listed.iter().map(|l| l.conversation_id.as_str()).collect()
}

async fn unread(store: &Store, who: &Who) -> i64 {
    store.unread_count(who.sub, &[]).await.unwrap()
}

async fn audit_actions(store: &Store) -> Vec<(String, Option<String>)> {
    store.audit_log(SCHOOL, 100).await.unwrap().into_iter().map(|l| (l.action, l.subject_sub)).collect()
}

/// A second instance of the service on the same database (its own pools).
async fn second_instance(t: &TestDb) -> Db {
    Db::connect(&t.url, &MIGRATIONS).await.expect("a second instance")
}

async fn close(db: Db) {
    db.pool.close().await;
    db.writer.close().await;
}

fn file(name: &str, bytes: &[u8]) -> Accepted {
    Accepted { name: name.into(), content_type: "application/pdf".into(), data: bytes.to_vec().into() }
}

// ----- Token buckets -----

/// Ten tokens, one more every six minutes.
const TEN: Rate = Rate { capacity: 10, per_hour: 10 };

both_backends!(MIGRATIONS; a_bucket_grants_its_capacity_then_says_how_long_to_wait, |db| async move {
    let buckets = BucketStore::new(db);
    assert_eq!(buckets.level("sender:a", TEN, T0).await.unwrap(), 10_000, "a new bucket is full");
    assert_eq!(buckets.take("sender:a", 4, TEN, T0).await.unwrap(), Taken::Granted);
    assert_eq!(buckets.take("sender:a", 6, TEN, T0).await.unwrap(), Taken::Granted);
    // Empty: one token comes back in 360 s, three in 1080 s.
    assert_eq!(buckets.take("sender:a", 1, TEN, T0).await.unwrap(), Taken::Refused(Some(360)));
    assert_eq!(buckets.take("sender:a", 3, TEN, T0).await.unwrap(), Taken::Refused(Some(1080)));
    // A refused take spends nothing: half a token later the wait is half as long.
    assert_eq!(buckets.take("sender:a", 1, TEN, T0 + 180).await.unwrap(), Taken::Refused(Some(180)));
    assert_eq!(buckets.level("sender:a", TEN, T0 + 180).await.unwrap(), 500);
    assert_eq!(buckets.take("sender:a", 1, TEN, T0 + 360).await.unwrap(), Taken::Granted);
    assert_eq!(buckets.take("sender:a", 1, TEN, T0 + 360).await.unwrap(), Taken::Refused(Some(360)));
    // Other keys have buckets of their own.
    assert_eq!(buckets.take("sender:b", 10, TEN, T0 + 360).await.unwrap(), Taken::Granted);
    // More than the capacity never goes, nor anything from a bucket that does not refill.
    assert_eq!(buckets.take("sender:c", 11, TEN, T0).await.unwrap(), Taken::Refused(None));
    let still = Rate { capacity: 2, per_hour: 0 };
    assert_eq!(buckets.take("sender:d", 2, still, T0).await.unwrap(), Taken::Granted);
    assert_eq!(buckets.take("sender:d", 1, still, T0 + 86_400).await.unwrap(), Taken::Refused(None));
});

both_backends!(MIGRATIONS; a_bucket_refills_with_time_up_to_its_capacity, |db| async move {
    let buckets = BucketStore::new(db);
    assert_eq!(buckets.take("k", 10, TEN, T0).await.unwrap(), Taken::Granted);
    assert_eq!(buckets.level("k", TEN, T0 + 1800).await.unwrap(), 5_000);
    // Five tokens after half an hour, not six.
    assert_eq!(buckets.take("k", 6, TEN, T0 + 1800).await.unwrap(), Taken::Refused(Some(360)));
    assert_eq!(buckets.take("k", 5, TEN, T0 + 1800).await.unwrap(), Taken::Granted);
    // A day later it holds its capacity, no more.
    assert_eq!(buckets.level("k", TEN, T0 + 86_400).await.unwrap(), 10_000);
    assert_eq!(buckets.take("k", 10, TEN, T0 + 86_400).await.unwrap(), Taken::Granted);
    assert_eq!(buckets.take("k", 1, TEN, T0 + 86_400).await.unwrap(), Taken::Refused(Some(360)));
    // A slow refill (one token an hour) is not lost to rounding between takes.
    let slow = Rate { capacity: 1, per_hour: 1 };
    assert_eq!(buckets.take("slow", 1, slow, T0).await.unwrap(), Taken::Granted);
    for s in [1, 2, 3, 600, 1800] {
        assert!(matches!(buckets.take("slow", 1, slow, T0 + s).await.unwrap(), Taken::Refused(Some(_))));
    }
    // Levels are kept in thousandths of a token (3.6 s each here): the wait is never too short
    // and at most one thousandth too long.
    let Taken::Refused(Some(wait)) = buckets.take("slow", 1, slow, T0 + 3599).await.unwrap() else {
        panic!("not refused");
    };
    assert!((1..=4).contains(&wait), "{wait}");
    assert_eq!(buckets.take("slow", 1, slow, T0 + 3600).await.unwrap(), Taken::Granted);
});

both_backends!(MIGRATIONS; fifty_concurrent_takes_from_ten_tokens_grant_ten, |db| async move {
    let buckets = BucketStore::new(db);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let buckets = buckets.clone();
        tasks.push(tokio::spawn(async move { buckets.take("school:x", 1, TEN, T0).await }));
    }
    let mut granted = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            Taken::Granted => granted += 1,
            Taken::Refused(wait) => assert_eq!(wait, Some(360)),
        }
    }
    assert_eq!(granted, 10);
    assert_eq!(buckets.level("school:x", TEN, T0).await.unwrap(), 0);
});

both_backends!(MIGRATIONS; two_instances_draw_from_one_bucket, |t: &TestDb| async move {
    let a = BucketStore::new(t.db.clone());
    let other = second_instance(t).await;
    let b = BucketStore::new(other.clone());
    assert_eq!(a.take("sender:x", 7, TEN, T0).await.unwrap(), Taken::Granted);
    assert_eq!(b.level("sender:x", TEN, T0).await.unwrap(), 3_000);
    assert_eq!(b.take("sender:x", 4, TEN, T0).await.unwrap(), Taken::Refused(Some(360)));
    assert_eq!(b.take("sender:x", 3, TEN, T0).await.unwrap(), Taken::Granted);
    assert_eq!(a.take("sender:x", 1, TEN, T0).await.unwrap(), Taken::Refused(Some(360)));
    // Concurrent takes through both instances: still only what the bucket holds.
    b.reset("sender:x").await.unwrap();
    assert_eq!(a.level("sender:x", TEN, T0).await.unwrap(), 10_000, "a reset by one instance fills it for all");
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { store.take("sender:x", 1, TEN, T0 + 1).await }));
    }
    let mut granted = 0;
    for task in tasks {
        granted += i32::from(task.await.unwrap().unwrap() == Taken::Granted);
    }
    assert_eq!(granted, 10);
    a.reset("sender:x").await.unwrap();
    assert_eq!(b.take("sender:x", 10, TEN, T0 + 1).await.unwrap(), Taken::Granted);
    close(other).await;
});

// ----- Drafts -----

both_backends!(MIGRATIONS; a_draft_is_its_authors_alone, |db| async move {
    let store = Store::new(db);
    let to = vec!["p:pupil-a1".to_string()];
    let id = store.create_draft(&text(&TEACHER, None, "Sortie", "Jeudi", &to), T0).await.unwrap();
    let d = store.draft(&id, TEACHER.sub).await.unwrap().unwrap();
    assert_eq!((d.subject.as_str(), d.body.as_str(), d.state), ("Sortie", "Jeudi", State::Draft));
    assert_eq!((d.addresses.clone(), d.school.as_str(), d.conversation_id.clone()), (to.clone(), SCHOOL, None));
    // Nobody else reads, rewrites or deletes it.
    assert!(store.draft(&id, LEA.sub).await.unwrap().is_none());
    assert!(!store.update_draft(&id, &text(&LEA, None, "Pirate", "x", &[]), T0 + 1).await.unwrap());
    assert!(!store.delete_draft(&id, LEA.sub).await.unwrap());
    assert_eq!(store.draft(&id, TEACHER.sub).await.unwrap().unwrap().subject, "Sortie");
    // Its author rewrites it.
    let more = vec!["p:pupil-a1".to_string(), "g:class_parents:class-a1".to_string()];
    assert!(store.update_draft(&id, &text(&TEACHER, None, "Sortie au musée", "Jeudi 9 h", &more), T0 + 2).await.unwrap());
    let d = store.draft(&id, TEACHER.sub).await.unwrap().unwrap();
    assert_eq!((d.subject.as_str(), d.body.as_str(), d.addresses.clone()), ("Sortie au musée", "Jeudi 9 h", more));
    let (drafts, more_pages) = store.own(TEACHER.sub, true, ALL).await.unwrap();
    assert_eq!(drafts.iter().map(|s| s.message.id.as_str()).collect::<Vec<_>>(), [id.as_str()]);
    assert!(!more_pages);
    assert!(store.own(TEACHER.sub, false, ALL).await.unwrap().0.is_empty(), "not in the sent folder");
    assert!(store.own(LEA.sub, true, ALL).await.unwrap().0.is_empty());
    // Deleted once.
    assert!(store.delete_draft(&id, TEACHER.sub).await.unwrap());
    assert!(!store.delete_draft(&id, TEACHER.sub).await.unwrap());
    assert!(store.message(&id).await.unwrap().is_none());
    assert!(store.own(TEACHER.sub, true, ALL).await.unwrap().0.is_empty());
});

both_backends!(MIGRATIONS; a_draft_reply_is_never_seen_by_the_recipients, |db| async move {
    let store = Store::new(db);
    let first = post(&store, &TEACHER, &[&LEA], "Sortie", "Jeudi", T0).await;
    store.mark_read(conv(&first), LEA.sub, T0 + 1).await.unwrap();
    let id = draft(&store, &TEACHER, Some(conv(&first)), "Sortie", "Brouillon secret", T0 + 2).await;
    let seen: Vec<String> = store.visible(conv(&first), LEA.sub).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(seen, [first.id.as_str()]);
    let mine: Vec<String> = store.visible(conv(&first), TEACHER.sub).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(mine, [first.id.as_str()], "a draft is in the drafts folder, not in the conversation");
    assert!(!store.received(&id, LEA.sub).await.unwrap());
    assert_eq!(unread(&store, &LEA).await, 0);
    assert_eq!(inbox(&store, &LEA).await[0].last_author, TEACHER.name);
    assert!(store.search(LEA.sub, "secret", ALL).await.unwrap().0.is_empty());
    assert!(store.search(TEACHER.sub, "secret", ALL).await.unwrap().0.is_empty());
    // A sent message is no draft: it cannot be rewritten or deleted any more.
    assert!(!store.update_draft(&first.id, &text(&TEACHER, None, "Autre", "x", &[]), T0 + 3).await.unwrap());
    assert!(!store.delete_draft(&first.id, TEACHER.sub).await.unwrap());
    assert!(store.draft(&first.id, TEACHER.sub).await.unwrap().is_none());
    assert_eq!(store.message(&first.id).await.unwrap().unwrap().body, "Jeudi");
});

// ----- Sending -----

both_backends!(MIGRATIONS; recipients_receive_once_and_the_sender_sees_who_read, |db| async move {
    let store = Store::new(db);
    let id = draft(&store, &TEACHER, None, "Sortie au musée", "Jeudi", T0).await;
    // Léa is named twice (two groups): one delivery.
    let m = send(&store, &id, &TEACHER, &[&LEA, &NOE, &LEA], None, T0 + 10).await;
    assert_eq!((m.state, m.recipient_count, m.sent_at, m.hold_reason), (State::Sent, 2, Some(T0 + 10), None));
    let c = conv(&m).to_string();
    assert_eq!(store.conversation(&c).await.unwrap(), Some((SCHOOL.to_string(), "Sortie au musée".to_string())));
    let who: Vec<(String, Option<i64>)> =
        store.recipients(&m.id).await.unwrap().into_iter().map(|(sub, _, read)| (sub, read)).collect();
    assert_eq!(who, [(LEA.sub.to_string(), None), (NOE.sub.to_string(), None)]);
    for pupil in [&LEA, &NOE] {
        let listed = inbox(&store, pupil).await;
        assert_eq!(ids(&listed), [c.as_str()]);
        assert_eq!((listed[0].unread, listed[0].last_at, listed[0].last_author.as_str()), (1, T0 + 10, TEACHER.name));
        assert_eq!(unread(&store, pupil).await, 1);
        assert!(store.received(&m.id, pupil.sub).await.unwrap());
        let (latest, unread_flag) = store.latest_received(pupil.sub, &[], 5).await.unwrap().remove(0);
        assert_eq!((latest.id.as_str(), unread_flag), (m.id.as_str(), true));
    }
    // Nobody else has it.
    assert!(inbox(&store, &INES).await.is_empty());
    assert!(!store.received(&m.id, INES.sub).await.unwrap());
    assert!(store.visible(&c, INES.sub).await.unwrap().is_empty());
    // The sender's copy is in "sent", not in their inbox.
    let sent = store.own(TEACHER.sub, false, ALL).await.unwrap().0;
    assert_eq!(sent.iter().map(|s| s.message.id.as_str()).collect::<Vec<_>>(), [m.id.as_str()]);
    assert!(inbox(&store, &TEACHER).await.is_empty());
    assert!(store.own(TEACHER.sub, true, ALL).await.unwrap().0.is_empty(), "no longer a draft");
    // Léa reads it: read by 1 of 2.
    store.mark_read(&c, LEA.sub, T0 + 60).await.unwrap();
    assert_eq!((unread(&store, &LEA).await, inbox(&store, &LEA).await[0].unread), (0, 0));
    assert_eq!(unread(&store, &NOE).await, 1);
    let counts = store.read_counts(&[m.id.as_str()]).await.unwrap();
    assert_eq!((counts[&m.id].read, counts[&m.id].total), (1, 2));
    // Reading again keeps the first time.
    store.mark_read(&c, LEA.sub, T0 + 999).await.unwrap();
    assert_eq!(store.recipients(&m.id).await.unwrap()[0].2, Some(T0 + 60));
    store.mark_read(&c, NOE.sub, T0 + 70).await.unwrap();
    let counts = store.read_counts(&[m.id.as_str()]).await.unwrap();
    assert_eq!((counts[&m.id].read, counts[&m.id].total), (2, 2));
    // Sending the same draft again does nothing.
    let again = Outgoing { recipients: &[(INES.sub.into(), INES.name.into())], to: &[], hold: None, session_start: None };
    assert!(store.send(&id, TEACHER.sub, &again, T0 + 80).await.unwrap().is_none());
    assert!(inbox(&store, &INES).await.is_empty());
    // Nor does another person sending one's draft.
    let other = draft(&store, &TEACHER, None, "Autre", "x", T0 + 90).await;
    assert!(store.send(&other, LEA.sub, &again, T0 + 91).await.unwrap().is_none());
    assert_eq!(store.draft(&other, TEACHER.sub).await.unwrap().unwrap().state, State::Draft);
});

both_backends!(MIGRATIONS; a_reply_lands_in_the_same_conversation_for_everyone, |db| async move {
    let store = Store::new(db);
    let first = post(&store, &TEACHER, &[&LEA, &NOE], "Sortie", "Jeudi", T0).await;
    let older = post(&store, &TEACHER, &[&LEA], "Cantine", "Menu", T0 + 5).await;
    let c = conv(&first).to_string();
    store.mark_read(&c, LEA.sub, T0 + 10).await.unwrap();
    let answer = reply(&store, &LEA, &c, &[&TEACHER], "Merci !", T0 + 20).await;
    assert_eq!(answer.conversation_id.as_deref(), Some(c.as_str()));
    // The teacher has it in the inbox, unread, on top.
    let listed = inbox(&store, &TEACHER).await;
    assert_eq!(ids(&listed), [c.as_str()]);
    assert_eq!((listed[0].unread, listed[0].last_author.as_str(), listed[0].last_at), (1, LEA.name, T0 + 20));
    let thread: Vec<String> = store.visible(&c, TEACHER.sub).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(thread, [first.id.as_str(), answer.id.as_str()]);
    // Léa sees both, and the conversation moved above the newer one in her inbox.
    let thread: Vec<String> = store.visible(&c, LEA.sub).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(thread, [first.id.as_str(), answer.id.as_str()]);
    assert_eq!(ids(&inbox(&store, &LEA).await), [c.as_str(), conv(&older)]);
    assert_eq!(unread(&store, &LEA).await, 1, "her own reply is not unread; the lunch message is");
    // Noé was not written to: he sees the first message only.
    let thread: Vec<String> = store.visible(&c, NOE.sub).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(thread, [first.id.as_str()]);
    assert_eq!(inbox(&store, &NOE).await[0].last_author, TEACHER.name);
    // The teacher answers everyone: one conversation, everyone's unread count moves.
    let again = reply(&store, &TEACHER, &c, &[&LEA, &NOE], "À jeudi", T0 + 30).await;
    assert_eq!(conv(&again), c);
    for pupil in [&LEA, &NOE] {
        let listed = inbox(&store, pupil).await;
        assert_eq!(listed[0].conversation_id, c);
        assert_eq!(listed.iter().filter(|l| l.conversation_id == c).count(), 1);
    }
    assert_eq!(inbox(&store, &NOE).await[0].unread, 2);
    assert_eq!(inbox(&store, &LEA).await[0].unread, 1);
});

both_backends!(MIGRATIONS; archiving_is_each_persons_own, |db| async move {
    let store = Store::new(db);
    let m = post(&store, &TEACHER, &[&LEA, &NOE], "Sortie", "Jeudi", T0).await;
    let c = conv(&m).to_string();
    assert!(store.set_archived(&c, LEA.sub, true).await.unwrap());
    assert!(store.archived(&c, LEA.sub).await.unwrap());
    assert!(inbox(&store, &LEA).await.is_empty());
    assert_eq!(ids(&archive(&store, &LEA).await), [c.as_str()]);
    // Noé's inbox does not change.
    assert!(!store.archived(&c, NOE.sub).await.unwrap());
    assert_eq!(ids(&inbox(&store, &NOE).await), [c.as_str()]);
    assert!(archive(&store, &NOE).await.is_empty());
    // Back out of the archive.
    assert!(store.set_archived(&c, LEA.sub, false).await.unwrap());
    assert_eq!(ids(&inbox(&store, &LEA).await), [c.as_str()]);
    assert!(archive(&store, &LEA).await.is_empty());
    // Something new in an archived conversation brings it back to the inbox.
    assert!(store.set_archived(&c, LEA.sub, true).await.unwrap());
    reply(&store, &TEACHER, &c, &[&LEA], "Rappel", T0 + 60).await;
    assert!(!store.archived(&c, LEA.sub).await.unwrap());
    assert_eq!(ids(&inbox(&store, &LEA).await), [c.as_str()]);
    // Someone outside the conversation has nothing to archive.
    assert!(!store.set_archived(&c, INES.sub, true).await.unwrap());
    assert!(archive(&store, &INES).await.is_empty());
});

// ----- The hold queue -----

both_backends!(MIGRATIONS; a_held_message_reaches_nobody_until_released_once, |db| async move {
    let store = Store::new(db);
    let id = draft(&store, &TEACHER, None, "À toute l'école", "Kermesse", T0).await;
    let m = send(&store, &id, &TEACHER, &[&LEA, &NOE], Some(HoldReason::NewSession), T0).await;
    assert_eq!((m.state, m.hold_reason, m.sent_at), (State::Held, Some(HoldReason::NewSession), None));
    for pupil in [&LEA, &NOE] {
        assert!(inbox(&store, pupil).await.is_empty());
        assert_eq!(unread(&store, pupil).await, 0);
        assert!(!store.received(&m.id, pupil.sub).await.unwrap());
        assert!(store.visible(conv(&m), pupil.sub).await.unwrap().is_empty());
        assert!(store.latest_received(pupil.sub, &[], 5).await.unwrap().is_empty());
        assert!(store.search(pupil.sub, "kermesse", ALL).await.unwrap().0.is_empty());
    }
    // Its author sees it, waiting.
    assert_eq!(store.own(TEACHER.sub, false, ALL).await.unwrap().0[0].message.state, State::Held);
    assert_eq!(store.visible(conv(&m), TEACHER.sub).await.unwrap().len(), 1);
    // The school's reviewers have it; another school's do not.
    let held = store.held(SCHOOL).await.unwrap();
    assert_eq!(held.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), [m.id.as_str()]);
    assert!(store.held(OTHER_SCHOOL).await.unwrap().is_empty());
    // Two reviewers let it through at once: it is delivered once.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (store, m) = (store.clone(), held[0].clone());
        tasks.push(tokio::spawn(async move { store.review(&m, true, DIRECTOR.sub, T0 + 100 + i).await }));
    }
    let mut done = 0;
    for t in tasks {
        done += i32::from(t.await.unwrap().unwrap());
    }
    assert_eq!(done, 1);
    assert!(!store.release(&m.id, T0 + 200).await.unwrap(), "a second release does nothing");
    let now = store.message(&m.id).await.unwrap().unwrap();
    assert_eq!(now.state, State::Sent);
    let sent_at = now.sent_at.unwrap();
    assert!((T0 + 100..T0 + 106).contains(&sent_at));
    for pupil in [&LEA, &NOE] {
        let listed = inbox(&store, pupil).await;
        assert_eq!((ids(&listed), listed[0].unread, listed[0].last_at), (vec![conv(&m)], 1, sent_at));
        assert_eq!(unread(&store, pupil).await, 1);
    }
    assert_eq!(store.recipients(&m.id).await.unwrap().len(), 2);
    assert!(store.held(SCHOOL).await.unwrap().is_empty());
    // Reviewing it again changes nothing; the release is audited once, and the session's first
    // broadcast went through.
    assert!(!store.review(&held[0], false, DIRECTOR.sub, T0 + 300).await.unwrap());
    assert_eq!(store.message(&m.id).await.unwrap().unwrap().state, State::Sent);
    assert_eq!(audit_actions(&store).await, [("release".to_string(), Some(TEACHER.sub.to_string()))]);
    assert!(store.session_cleared(TEACHER.sub, T0 - 7200).await.unwrap());
});

both_backends!(MIGRATIONS; a_refused_held_message_is_delivered_to_nobody, |db| async move {
    let store = Store::new(db);
    let id = draft(&store, &LEA, None, "À toute la classe", "Coucou", T0).await;
    let m = send(&store, &id, &LEA, &[&NOE, &INES], Some(HoldReason::PupilBroadcast), T0).await;
    assert!(store.review(&m, false, TEACHER.sub, T0 + 10).await.unwrap());
    assert_eq!(store.message(&m.id).await.unwrap().unwrap().state, State::Refused);
    assert!(!store.release(&m.id, T0 + 20).await.unwrap(), "a refused message is never released");
    assert!(!store.review(&m, true, DIRECTOR.sub, T0 + 30).await.unwrap());
    assert!(!store.review(&m, false, DIRECTOR.sub, T0 + 30).await.unwrap());
    for pupil in [&NOE, &INES] {
        assert!(inbox(&store, pupil).await.is_empty());
        assert_eq!(unread(&store, pupil).await, 0);
        assert!(!store.received(&m.id, pupil.sub).await.unwrap());
    }
    assert!(store.held(SCHOOL).await.unwrap().is_empty());
    assert_eq!(audit_actions(&store).await, [("refuse".to_string(), Some(LEA.sub.to_string()))]);
    assert!(!store.session_cleared(LEA.sub, T0 - 7200).await.unwrap());
    // Its author still finds it in "sent", refused.
    assert_eq!(store.own(LEA.sub, false, ALL).await.unwrap().0[0].message.state, State::Refused);
});

// ----- Recall -----

both_backends!(MIGRATIONS; an_unread_message_is_recalled_within_the_hour, |db| async move {
    let store = Store::new(db);
    let m = post(&store, &TEACHER, &[&LEA, &NOE], "Oups", "Mauvais destinataires", T0).await;
    assert!(store.recallable(&m, T0 + RECALL_SECS).await.unwrap());
    assert!(!store.recall(&m.id, LEA.sub, T0 + 60).await.unwrap(), "only its author recalls it");
    assert!(store.recall(&m.id, TEACHER.sub, T0 + 60).await.unwrap());
    assert!(!store.recall(&m.id, TEACHER.sub, T0 + 61).await.unwrap(), "once");
    let gone = store.message(&m.id).await.unwrap().unwrap();
    assert_eq!((gone.state, gone.ended_at), (State::Recalled, Some(T0 + 60)));
    assert!(!store.recallable(&gone, T0 + 61).await.unwrap());
    for pupil in [&LEA, &NOE] {
        assert!(inbox(&store, pupil).await.is_empty());
        assert_eq!(unread(&store, pupil).await, 0);
        assert!(!store.received(&m.id, pupil.sub).await.unwrap());
        assert!(store.visible(conv(&m), pupil.sub).await.unwrap().is_empty());
        assert!(store.search(pupil.sub, "oups", ALL).await.unwrap().0.is_empty());
    }
    // A held message can be recalled too, and is then never released.
    let id = draft(&store, &TEACHER, None, "Retenu", "x", T0).await;
    let held = send(&store, &id, &TEACHER, &[&LEA], Some(HoldReason::Rate), T0).await;
    assert!(store.recallable(&held, T0 + 86_400).await.unwrap());
    assert!(store.recall(&held.id, TEACHER.sub, T0 + 86_400).await.unwrap());
    assert!(!store.release(&held.id, T0 + 86_401).await.unwrap());
    assert!(inbox(&store, &LEA).await.is_empty());
});

both_backends!(MIGRATIONS; a_read_or_hour_old_message_is_not_recalled, |db| async move {
    let store = Store::new(db);
    // Read by one of its two recipients.
    let read = post(&store, &TEACHER, &[&LEA, &NOE], "Lu", "x", T0).await;
    store.mark_read(conv(&read), NOE.sub, T0 + 30).await.unwrap();
    assert!(!store.recallable(&read, T0 + 60).await.unwrap());
    assert!(!store.recall(&read.id, TEACHER.sub, T0 + 60).await.unwrap());
    assert_eq!(store.message(&read.id).await.unwrap().unwrap().state, State::Sent);
    assert!(store.received(&read.id, LEA.sub).await.unwrap());
    // Unread but older than an hour.
    let old = post(&store, &TEACHER, &[&INES], "Ancien", "x", T0).await;
    assert!(store.recallable(&old, T0 + RECALL_SECS).await.unwrap());
    assert!(!store.recallable(&old, T0 + RECALL_SECS + 1).await.unwrap());
    assert!(!store.recall(&old.id, TEACHER.sub, T0 + RECALL_SECS + 1).await.unwrap());
    assert_eq!(ids(&inbox(&store, &INES).await), [conv(&old)]);
    // At the last second it still goes.
    assert!(store.recall(&old.id, TEACHER.sub, T0 + RECALL_SECS).await.unwrap());
    assert!(inbox(&store, &INES).await.is_empty());
});

// ----- Freezes -----

both_backends!(MIGRATIONS; freezes_per_school_and_everywhere, |db| async move {
    let store = Store::new(db);
    assert!(!store.is_frozen(LEA.sub, SCHOOL).await.unwrap());
    store.freeze(LEA.sub, LEA.name, SCHOOL, DIRECTOR.sub, T0).await.unwrap();
    assert!(store.is_frozen(LEA.sub, SCHOOL).await.unwrap());
    assert!(!store.is_frozen(LEA.sub, OTHER_SCHOOL).await.unwrap(), "in that school only");
    assert!(!store.is_frozen(NOE.sub, SCHOOL).await.unwrap());
    // Freezing again changes nothing.
    store.freeze(LEA.sub, LEA.name, SCHOOL, DIRECTOR.sub, T0 + 5).await.unwrap();
    assert_eq!(store.freezes(SCHOOL).await.unwrap().len(), 1);
    // An admin freezes Noé everywhere.
    store.freeze(NOE.sub, NOE.name, EVERY_SCHOOL, "admin", T0 + 10).await.unwrap();
    for school in [SCHOOL, OTHER_SCHOOL] {
        assert!(store.is_frozen(NOE.sub, school).await.unwrap());
    }
    let listed: Vec<(String, String, i64)> =
        store.freezes(SCHOOL).await.unwrap().into_iter().map(|f| (f.sub, f.school, f.at)).collect();
    assert_eq!(
        listed,
        [(NOE.sub.to_string(), EVERY_SCHOOL.to_string(), T0 + 10), (LEA.sub.to_string(), SCHOOL.to_string(), T0)]
    );
    assert_eq!(store.freezes(OTHER_SCHOOL).await.unwrap().len(), 1);
    // Lifting the school's freeze does not lift the network's.
    store.freeze(NOE.sub, NOE.name, SCHOOL, DIRECTOR.sub, T0 + 20).await.unwrap();
    assert!(store.unfreeze(NOE.sub, SCHOOL, DIRECTOR.sub, T0 + 30).await.unwrap());
    assert!(store.is_frozen(NOE.sub, SCHOOL).await.unwrap());
    assert!(store.unfreeze(NOE.sub, EVERY_SCHOOL, "admin", T0 + 40).await.unwrap());
    assert!(!store.is_frozen(NOE.sub, SCHOOL).await.unwrap());
    assert!(!store.is_frozen(NOE.sub, OTHER_SCHOOL).await.unwrap());
    assert!(store.unfreeze(LEA.sub, SCHOOL, DIRECTOR.sub, T0 + 50).await.unwrap());
    assert!(!store.is_frozen(LEA.sub, SCHOOL).await.unwrap());
    assert!(!store.unfreeze(LEA.sub, SCHOOL, DIRECTOR.sub, T0 + 60).await.unwrap(), "nothing left to lift");
    // Every act is in the audit (the network's in every school's), newest first.
    let noe = Some(NOE.sub.to_string());
    let lea = Some(LEA.sub.to_string());
    let actions = audit_actions(&store).await;
    assert_eq!(
        actions,
        [
            ("unfreeze".to_string(), lea.clone()),
            ("unfreeze".to_string(), noe.clone()),
            ("unfreeze".to_string(), noe.clone()),
            ("freeze".to_string(), noe.clone()),
            ("freeze".to_string(), noe.clone()),
            ("freeze".to_string(), lea.clone()),
            ("freeze".to_string(), lea.clone()),
        ]
    );
});

// ----- Retraction -----

both_backends!(MIGRATIONS; a_retraction_empties_every_inbox_at_once, |t: &TestDb| async move {
    let store = Store::new(t.db.clone());
    let before = post(&store, &TEACHER, &[&LEA], "Avant", "x", T0 + 100).await;
    let first = post(&store, &TEACHER, &[&LEA, &NOE], "Spam 1", "x", T0 + 200).await;
    let id = draft(&store, &TEACHER, None, "Spam retenu", "x", T0 + 250).await;
    let held = send(&store, &id, &TEACHER, &[&INES], Some(HoldReason::Rate), T0 + 250).await;
    let last = post(&store, &TEACHER, &[&NOE], "Spam 2", "x", T0 + 300).await;
    let after = post(&store, &TEACHER, &[&NOE], "Après", "x", T0 + 400).await;
    let other_author = post(&store, &DIRECTOR, &[&LEA], "Du directeur", "x", T0 + 250).await;
    let mut elsewhere = text(&TEACHER, None, "Autre école", "x", &[]);
    elsewhere.school = OTHER_SCHOOL;
    let elsewhere = store.create_draft(&elsewhere, T0 + 250).await.unwrap();
    let elsewhere = send(&store, &elsewhere, &TEACHER, &[&INES], None, T0 + 250).await;
    // Everything read through another instance is checked after the retraction.
    let other = second_instance(t).await;
    let reader = Store::new(other.clone());
    assert_eq!(ids(&inbox(&reader, &NOE).await), [conv(&after), conv(&last), conv(&first)]);
    assert_eq!(store.retract(SCHOOL, TEACHER.sub, T0 + 200, T0 + 300, DIRECTOR.sub, T0 + 500).await.unwrap(), 3);
    assert_eq!(ids(&inbox(&reader, &LEA).await), [conv(&other_author), conv(&before)]);
    assert_eq!(ids(&inbox(&reader, &NOE).await), [conv(&after)]);
    assert_eq!(ids(&inbox(&reader, &INES).await), [conv(&elsewhere)]);
    assert_eq!((unread(&reader, &LEA).await, unread(&reader, &NOE).await), (2, 1));
    for m in [&first, &held, &last] {
        let m = reader.message(&m.id).await.unwrap().unwrap();
        assert_eq!((m.state, m.ended_at), (State::Retracted, Some(T0 + 500)));
    }
    for m in [&before, &after, &other_author, &elsewhere] {
        assert_eq!(reader.message(&m.id).await.unwrap().unwrap().state, State::Sent);
    }
    assert!(reader.held(SCHOOL).await.unwrap().is_empty(), "held messages are retracted too");
    assert!(!reader.release(&held.id, T0 + 600).await.unwrap());
    assert!(!reader.received(&first.id, LEA.sub).await.unwrap());
    assert!(reader.search(NOE.sub, "spam", ALL).await.unwrap().0.is_empty());
    let line = reader.audit_log(SCHOOL, 10).await.unwrap().remove(0);
    assert_eq!((line.action.as_str(), line.actor_sub.as_str(), line.subject_sub.as_deref()), ("retract", DIRECTOR.sub, Some(TEACHER.sub)));
    assert_eq!(line.at, T0 + 500);
    assert!(line.detail.starts_with("3 "), "{}", line.detail);
    // Retracting again finds nothing more, and says so in the audit.
    assert_eq!(reader.retract(SCHOOL, TEACHER.sub, T0 + 200, T0 + 300, DIRECTOR.sub, T0 + 510).await.unwrap(), 0);
    assert_eq!(reader.audit_log(SCHOOL, 10).await.unwrap().len(), 2);
    close(other).await;
});

// ----- Switches -----

both_backends!(MIGRATIONS; a_switch_set_on_one_instance_holds_on_the_other, |t: &TestDb| async move {
    let a = Store::new(t.db.clone());
    let other = second_instance(t).await;
    let b = Store::new(other.clone());
    let m = post(&a, &TEACHER, &[&LEA], "Sortie", "x", T0).await;
    assert_eq!(b.mode(SCHOOL, Profile::Pupil).await.unwrap(), Mode::Open);
    a.set_mode(SCHOOL, Profile::Pupil, Mode::ReadOnly, DIRECTOR.sub, T0 + 1).await.unwrap();
    assert_eq!(b.mode(SCHOOL, Profile::Pupil).await.unwrap(), Mode::ReadOnly);
    assert_eq!(b.mode(SCHOOL, Profile::Teacher).await.unwrap(), Mode::Open, "per profile");
    assert_eq!(b.mode(OTHER_SCHOOL, Profile::Pupil).await.unwrap(), Mode::Open, "per school");
    assert!(b.schools_off(Profile::Pupil).await.unwrap().is_empty(), "read-only is not off");
    a.set_mode(SCHOOL, Profile::Pupil, Mode::Off, DIRECTOR.sub, T0 + 2).await.unwrap();
    assert_eq!(b.mode(SCHOOL, Profile::Pupil).await.unwrap(), Mode::Off);
    let off = b.schools_off(Profile::Pupil).await.unwrap();
    assert_eq!(off, [SCHOOL.to_string()]);
    let modes = b.modes(SCHOOL).await.unwrap();
    assert_eq!(modes.len(), 7);
    assert!(modes.iter().all(|(p, m)| *m == if *p == Profile::Pupil { Mode::Off } else { Mode::Open }));
    // Off: the school's conversations are out of the pupil's sight.
    assert!(b.conversations(LEA.sub, false, &off, ALL).await.unwrap().0.is_empty());
    assert_eq!(b.unread_count(LEA.sub, &off).await.unwrap(), 0);
    assert!(b.latest_received(LEA.sub, &off, 5).await.unwrap().is_empty());
    assert_eq!(ids(&b.conversations(LEA.sub, false, &[OTHER_SCHOOL.to_string()], ALL).await.unwrap().0), [conv(&m)]);
    // Back to open, from the other instance this time.
    b.set_mode(SCHOOL, Profile::Pupil, Mode::Open, DIRECTOR.sub, T0 + 3).await.unwrap();
    assert_eq!(a.mode(SCHOOL, Profile::Pupil).await.unwrap(), Mode::Open);
    assert!(a.schools_off(Profile::Pupil).await.unwrap().is_empty());
    let actions: Vec<String> = a.audit_log(SCHOOL, 10).await.unwrap().into_iter().map(|l| l.detail).collect();
    assert_eq!(actions, ["pupil: open", "pupil: off", "pupil: read_only"]);
    close(other).await;
});

// ----- Search -----

both_backends!(MIGRATIONS; search_folds_accents_and_takes_wildcards_literally, |db| async move {
    let store = Store::new(db);
    let meeting = post(&store, &TEACHER, &[&LEA], "Réunion des élèves", "Prévoir 100% des fiches, axb", T0).await;
    let outing = post(&store, &TEACHER, &[&LEA], "Sortie", "Prévoir 1000 fiches et a_b", T0 + 10).await;
    let to_noe = post(&store, &TEACHER, &[&NOE], "Élèves de CE2", "Pour Noé", T0 + 20).await;
    let from_lea = post(&store, &LEA, &[&NOE], "Question", "Où est la salle ?", T0 + 30).await;
    let found = |q: &'static str, who: &'static Who| {
        let store = store.clone();
        async move {
            let (items, more) = store.search(who.sub, q, ALL).await.unwrap();
            assert!(!more);
            items.into_iter().map(|f| f.message.id).collect::<Vec<_>>()
        }
    };
    // Subject and body, whatever the case and accents, newest first.
    assert_eq!(found("eleve", &LEA).await, [meeting.id.as_str()]);
    assert_eq!(found("ÉLÈVES", &LEA).await, [meeting.id.as_str()]);
    assert_eq!(found("eleve", &TEACHER).await, [to_noe.id.as_str(), meeting.id.as_str()]);
    assert_eq!(found("fiches", &LEA).await, [outing.id.as_str(), meeting.id.as_str()]);
    assert_eq!(found("ou est", &NOE).await, [from_lea.id.as_str()]);
    // People's names: who wrote, and who it went to.
    assert_eq!(found("bernard", &NOE).await, [to_noe.id.as_str()]);
    assert_eq!(found("noe martin", &LEA).await, [from_lea.id.as_str()]);
    assert_eq!(found("dupont", &TEACHER).await, [outing.id.as_str(), meeting.id.as_str()]);
    // Only one's own messages.
    assert!(found("eleve", &INES).await.is_empty());
    assert!(found("sortie", &NOE).await.is_empty());
    // Wildcards are what they are.
    assert_eq!(found("100%", &LEA).await, [meeting.id.as_str()]);
    assert_eq!(found("%", &LEA).await, [meeting.id.as_str()]);
    assert_eq!(found("a_b", &LEA).await, [outing.id.as_str()]);
    assert!(found("_", &NOE).await.is_empty());
    assert!(found("\\", &LEA).await.is_empty());
});

// ----- Lists -----

both_backends!(MIGRATIONS; lists_page_through_every_conversation_once, |db| async move {
    let store = Store::new(db);
    // 250 conversations, three to a second (ties are broken the same way on every page).
    for i in 0..250 {
        post(&store, &TEACHER, &[&LEA], &format!("Message {i}"), "x", T0 + i / 3).await;
    }
    let mut seen: Vec<Listed> = Vec::new();
    let mut number = 1;
    loop {
        let (items, more) = store.conversations(LEA.sub, false, &[], Page { number, size: Page::SIZE }).await.unwrap();
        assert!(items.len() as i64 == Page::SIZE || !more);
        seen.extend(items);
        if !more {
            break;
        }
        number += 1;
    }
    assert_eq!(number, 10);
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().map(|l| l.conversation_id.as_str()).collect::<HashSet<_>>().len(), 250);
    assert!(seen.windows(2).all(|w| w[0].last_at >= w[1].last_at), "newest first");
    assert_eq!((seen[0].subject.as_str(), seen[0].last_at, seen[249].last_at), ("Message 249", T0 + 83, T0));
    let (beyond, more) = store.conversations(LEA.sub, false, &[], Page { number: 11, size: Page::SIZE }).await.unwrap();
    assert!(beyond.is_empty() && !more);
    // The sent folder pages the same way.
    let mut sent = HashSet::new();
    let mut last = i64::MAX;
    for number in 1..=10 {
        let (items, more) = store.own(TEACHER.sub, false, Page { number, size: Page::SIZE }).await.unwrap();
        assert_eq!((items.len(), more), (25, number < 10));
        for s in items {
            let at = s.message.sent_at.unwrap();
            assert!(at <= last);
            last = at;
            assert!(sent.insert(s.message.id));
        }
    }
    assert_eq!(sent.len(), 250);
});

// ----- Attachments -----

both_backends!(MIGRATIONS; files_count_in_the_quota_and_stay_with_their_draft, |db| async move {
    let store = Store::new(db);
    let id = draft(&store, &TEACHER, None, "Fiches", "x", T0).await;
    assert_eq!(store.attach(&id, TEACHER.sub, &[file("a.pdf", b"%PDF"), file("b.pdf", b"%PDF-1")], i64::MAX, T0).await.unwrap(), Attached::Done);
    let files = store.attachments(&[id.as_str()]).await.unwrap();
    assert_eq!(files.iter().map(|f| (f.name.as_str(), f.size)).collect::<Vec<_>>(), [("a.pdf", 4), ("b.pdf", 6)]);
    assert_eq!(store.quota_used(TEACHER.sub).await.unwrap(), 10);
    assert_eq!(store.quota_used(LEA.sub).await.unwrap(), 0);
    let (got, bytes) = store.attachment(&files[1].id).await.unwrap().unwrap();
    assert_eq!((got, bytes), (files[1].clone(), b"%PDF-1".to_vec()));
    // Only its owner takes a file off, and only from a draft.
    assert!(!store.detach(&files[0].id, LEA.sub).await.unwrap());
    assert!(store.detach(&files[0].id, TEACHER.sub).await.unwrap());
    assert!(!store.detach(&files[0].id, TEACHER.sub).await.unwrap());
    assert!(store.attachment(&files[0].id).await.unwrap().is_none());
    assert_eq!(store.quota_used(TEACHER.sub).await.unwrap(), 6);
    let m = send(&store, &id, &TEACHER, &[&LEA], None, T0 + 1).await;
    assert!(!store.detach(&files[1].id, TEACHER.sub).await.unwrap(), "a sent message keeps its files");
    assert_eq!(store.attachments(&[m.id.as_str()]).await.unwrap().len(), 1);
    // Files of a deleted draft leave the quota with it.
    let other = draft(&store, &TEACHER, None, "Brouillon", "x", T0 + 2).await;
    assert_eq!(store.attach(&other, TEACHER.sub, &[file("c.pdf", b"12345")], i64::MAX, T0 + 2).await.unwrap(), Attached::Done);
    assert_eq!(store.quota_used(TEACHER.sub).await.unwrap(), 11);
    assert!(store.delete_draft(&other, TEACHER.sub).await.unwrap());
    assert_eq!(store.quota_used(TEACHER.sub).await.unwrap(), 6);
    assert!(store.attachments(&[other.as_str()]).await.unwrap().is_empty());
    assert!(store.attachments(&[]).await.unwrap().is_empty());
});

both_backends!(MIGRATIONS; files_go_only_on_ones_own_draft, |db| async move {
    let store = Store::new(db);
    let mine = draft(&store, &TEACHER, None, "Fiches", "x", T0).await;
    // Someone else's draft takes no file from me.
    assert_eq!(store.attach(&mine, LEA.sub, &[file("intrus.pdf", b"%PDF")], i64::MAX, T0).await.unwrap(), Attached::NoDraft);
    assert!(store.attachments(&[mine.as_str()]).await.unwrap().is_empty());
    assert_eq!(store.quota_used(LEA.sub).await.unwrap(), 0);
    // A message already sent (from another tab) takes no more files: its recipients have it as it was.
    let m = send(&store, &mine, &TEACHER, &[&LEA], None, T0 + 1).await;
    assert_eq!(store.attach(&m.id, TEACHER.sub, &[file("tard.pdf", b"%PDF")], i64::MAX, T0 + 2).await.unwrap(), Attached::NoDraft);
    assert!(store.attachments(&[m.id.as_str()]).await.unwrap().is_empty());
    assert_eq!(store.quota_used(TEACHER.sub).await.unwrap(), 0);
});

both_backends!(MIGRATIONS; uploads_at_once_cannot_together_pass_the_quota, |db| async move {
    let store = Store::new(db);
    // A quota of 10 bytes; eight drafts each get 4 bytes at the same moment: two fit.
    let mut drafts = Vec::new();
    for i in 0..8 {
        drafts.push(draft(&store, &TEACHER, None, &format!("Brouillon {i}"), "x", T0).await);
    }
    let mut uploads = tokio::task::JoinSet::new();
    for id in drafts {
        let store = store.clone();
        uploads.spawn(async move { store.attach(&id, TEACHER.sub, &[file("f.pdf", b"%PDF")], 10, T0).await.unwrap() });
    }
    let answers = uploads.join_all().await;
    assert_eq!(answers.iter().filter(|a| **a == Attached::Done).count(), 2, "{answers:?}");
    assert!(answers.iter().all(|a| matches!(a, Attached::Done | Attached::OverQuota { .. })));
    assert_eq!(store.quota_used(TEACHER.sub).await.unwrap(), 8);
    // Over the quota, nothing is added and the room used is said.
    let last = draft(&store, &TEACHER, None, "Encore", "x", T0).await;
    assert_eq!(
        store.attach(&last, TEACHER.sub, &[file("g.pdf", b"%PDF")], 10, T0).await.unwrap(),
        Attached::OverQuota { used: 8 }
    );
});

// ----- Reports -----

both_backends!(MIGRATIONS; reports_reach_the_school_until_closed, |db| async move {
    let store = Store::new(db);
    let m = post(&store, &NOE, &[&LEA, &INES], "Moqueries", "…", T0).await;
    let fine = post(&store, &NOE, &[&LEA], "Devoirs", "…", T0).await;
    assert!(!store.is_reported(&m.id, SCHOOL).await.unwrap());
    store.report(&m, LEA.sub, LEA.name, "Insultes", T0 + 10).await.unwrap();
    store.report(&m, LEA.sub, LEA.name, "Encore", T0 + 11).await.unwrap();
    store.report(&m, INES.sub, INES.name, "Moqueries", T0 + 20).await.unwrap();
    assert!(store.is_reported(&m.id, SCHOOL).await.unwrap());
    assert!(!store.is_reported(&m.id, OTHER_SCHOOL).await.unwrap());
    assert!(!store.is_reported(&fine.id, SCHOOL).await.unwrap());
    let open = store.open_reports(SCHOOL).await.unwrap();
    let seen: Vec<(&str, &str, &str, i64)> =
        open.iter().map(|r| (r.message.id.as_str(), r.reporter_name.as_str(), r.reason.as_str(), r.at)).collect();
    assert_eq!(
        seen,
        [(m.id.as_str(), INES.name, "Moqueries", T0 + 20), (m.id.as_str(), LEA.name, "Insultes", T0 + 10)],
        "once per person, newest first"
    );
    assert_eq!(open[0].message.body, "…");
    assert!(store.open_reports(OTHER_SCHOOL).await.unwrap().is_empty());
    store.close_reports(&m, DIRECTOR.sub, T0 + 30).await.unwrap();
    assert!(store.open_reports(SCHOOL).await.unwrap().is_empty());
    assert!(store.is_reported(&m.id, SCHOOL).await.unwrap(), "the director may still read what was reported");
    assert_eq!(audit_actions(&store).await, [("report_closed".to_string(), Some(NOE.sub.to_string()))]);
});

// ----- Atomicity -----

/// Makes the database refuse a recipient named `boom`, as a failing insert would.
async fn refuse_boom(db: &Db) {
    let sql = match db.backend {
        Backend::Sqlite => {
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON recipients WHEN NEW.sub = 'boom' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.sub = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER refuse_boom BEFORE INSERT ON recipients FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
        }
    };
    sqlx::raw_sql(sql).execute(&db.writer).await.unwrap();
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

both_backends!(MIGRATIONS; a_send_that_fails_halfway_leaves_the_draft_a_draft, |db| async move {
    let store = Store::new(db.clone());
    let first = post(&store, &TEACHER, &[&LEA], "Sortie", "x", T0).await;
    refuse_boom(&db).await;
    // 300 recipients, the 250th refused: the first 200 were written already.
    let mut recipients: Vec<(String, String)> = (0..300).map(|i| (format!("pupil-{i}"), format!("Élève {i}"))).collect();
    recipients[249].0 = "boom".into();
    let out = Outgoing { recipients: &recipients, to: &[], hold: None, session_start: None };
    let id = draft(&store, &TEACHER, None, "À tous", "x", T0 + 10).await;
    assert!(store.send(&id, TEACHER.sub, &out, T0 + 10).await.is_err());
    let d = store.draft(&id, TEACHER.sub).await.unwrap().expect("still a draft");
    assert_eq!((d.state, d.conversation_id, d.sent_at, d.recipient_count), (State::Draft, None, None, 0));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM conversations").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM recipients").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mailboxes").await, 2);
    assert!(inbox(&store, &Who { sub: "pupil-0", name: "", profile: Profile::Pupil }).await.is_empty());
    // A reply that fails leaves the conversation as it was, for everyone.
    let answer = draft(&store, &TEACHER, Some(conv(&first)), "Sortie", "y", T0 + 20).await;
    let boom = [("boom".to_string(), "B".to_string()), (LEA.sub.to_string(), LEA.name.to_string())];
    let out = Outgoing { recipients: &boom, to: &[], hold: None, session_start: None };
    assert!(store.send(&answer, TEACHER.sub, &out, T0 + 20).await.is_err());
    assert_eq!(store.draft(&answer, TEACHER.sub).await.unwrap().unwrap().state, State::Draft);
    let listed = inbox(&store, &LEA).await;
    assert_eq!((listed.len(), listed[0].unread, listed[0].last_at), (1, 1, T0));
    // Without the refused recipient, the same draft goes.
    let out = Outgoing { recipients: &boom[1..], to: &[], hold: None, session_start: None };
    assert!(store.send(&answer, TEACHER.sub, &out, T0 + 30).await.unwrap().is_some());
    assert_eq!(inbox(&store, &LEA).await[0].unread, 2);
});

both_backends!(MIGRATIONS; a_draft_sent_from_two_tabs_goes_once, |db| async move {
    let store = Store::new(db.clone());
    let id = draft(&store, &TEACHER, None, "Deux onglets", "x", T0).await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (store, id) = (store.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let to = [(LEA.sub.to_string(), LEA.name.to_string()), (NOE.sub.to_string(), NOE.name.to_string())];
            let out = Outgoing { recipients: &to, to: &[], hold: None, session_start: None };
            store.send(&id, TEACHER.sub, &out, T0 + i).await
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += i32::from(t.await.unwrap().expect("a second send is no error").is_some());
    }
    assert_eq!(sent, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM conversations").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM recipients").await, 2);
    assert_eq!(unread(&store, &LEA).await, 1);
});
