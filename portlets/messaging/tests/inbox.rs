//! The inbox's list on SQLite and PostgreSQL: each conversation's unread count is what reached
//! the reader and is not read yet, in that conversation only, whoever else it reached.
#![allow(clippy::unwrap_used)]

use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::{Profile, now};
use ent_portlet_messaging::MIGRATIONS;
use ent_portlet_messaging::model::ToPart;
use ent_portlet_messaging::store::{DraftText, Outgoing, Page, Store};

/// `author` writes to `to` (in `conversation`, or a new one); the conversation's id.
async fn write(store: &Store, author: &str, conversation: Option<&str>, to: &[&str], at: i64) -> String {
    let draft = store
        .create_draft(
            &DraftText {
                school: "0750001A",
                author_sub: author,
                author_name: author,
                author_profile: Profile::Teacher,
                author_classes: &[],
                conversation_id: conversation,
                subject: "Sortie",
                body: "Bonjour.",
                addresses: &[],
            },
            at,
        )
        .await
        .unwrap();
    let recipients: Vec<(String, String)> = to.iter().map(|s| (s.to_string(), s.to_string())).collect();
    let label: Vec<ToPart> = to.iter().map(|s| ToPart::Person { name: s.to_string() }).collect();
    let out = Outgoing { recipients: &recipients, to: &label, hold: None, session_start: None };
    store.send(&draft, author, &out, at).await.unwrap().unwrap().conversation_id.unwrap()
}

both_backends!(MIGRATIONS; unread_counts_are_per_conversation_and_per_reader, |db| async move {
    let store = Store::new(db);
    let t = now();
    let first = write(&store, "teacher", None, &["parent-a", "parent-b"], t - 300).await;
    write(&store, "teacher", Some(&first), &["parent-a"], t - 200).await;
    let second = write(&store, "director", None, &["parent-a", "parent-b"], t - 100).await;
    let unread = |listed: Vec<ent_portlet_messaging::store::Listed>| {
        listed.into_iter().map(|c| (c.conversation_id, c.unread)).collect::<Vec<_>>()
    };
    let (a, more) = store.conversations("parent-a", false, &[], Page::new(None)).await.unwrap();
    assert!(!more);
    assert_eq!(unread(a), vec![(second.clone(), 1), (first.clone(), 2)], "newest first");
    let (b, _) = store.conversations("parent-b", false, &[], Page::new(None)).await.unwrap();
    assert_eq!(unread(b), vec![(second.clone(), 1), (first.clone(), 1)]);
    store.mark_read(&first, "parent-a", t).await.unwrap();
    let (a, _) = store.conversations("parent-a", false, &[], Page::new(None)).await.unwrap();
    assert_eq!(unread(a), vec![(second.clone(), 1), (first.clone(), 0)]);
    let (b, _) = store.conversations("parent-b", false, &[], Page::new(None)).await.unwrap();
    assert_eq!(unread(b), vec![(second, 1), (first, 1)], "another reader's reading changes nothing");
});
