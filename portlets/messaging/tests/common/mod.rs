//! What messaging's router tests add to the kit's harness: a clock the tests set, bigger rosters
//! (families and staff by the hundred), writing and sending through the compose form, reading
//! back what a post answered (the conversation a send led to, the error the form shows), and the
//! store's view of who received a message.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeSet;

use ent_portlet_kit::directory::{Guardian, Member, Pupil};
use ent_portlet_kit::testing::{Answer, CLASS_A1, Harness, Network, SCHOOL_A, SCHOOL_B, TestFile};
use ent_portlet_kit::{ClassRoster, Clock, Db, Directory, Identity, Profile, SchoolName, SchoolStaff, StaffMember};
use ent_portlet_messaging::{PORTLET, Store};

/// Where every harness's clock starts: the time of the run (tokens carry the system's time).
pub fn start() -> i64 {
    ent_portlet_kit::now()
}

/// Messaging on `db` with the network's rosters and a set clock.
pub fn harness(db: Db) -> Harness {
    let net = Network::new();
    Harness::with(&PORTLET, db, Some(net.directory()), Clock::at(start()))
}

/// Messaging on `db` with this directory and a set clock.
pub fn harness_with(db: Db, directory: Directory) -> Harness {
    Harness::with(&PORTLET, db, Some(directory), Clock::at(start()))
}

/// A second instance on the same database (its own pool, its own clock set to the first's).
pub fn second_instance(db: Db, directory: Directory, first: &Harness) -> Harness {
    Harness::with(&PORTLET, db, Some(directory), first.clock.clone())
}

/// The sub of the `i`-th extra pupil, and of their one parent.
pub fn extra_pupil(i: usize) -> String {
    format!("pupil-x{i:03}")
}
pub fn extra_parent(i: usize) -> String {
    format!("parent-x{i:03}")
}

/// The network's rosters with `families` more pupils in class A1, each with one parent of
/// their own ("Élève 001", "Parent 001", …).
pub fn rosters_with_families(net: &Network, families: usize) -> Vec<ClassRoster> {
    let mut rosters = net.rosters();
    let a1 = rosters.iter_mut().find(|r| r.id == CLASS_A1).unwrap();
    for i in 0..families {
        a1.pupils.push(Pupil {
            sub: extra_pupil(i),
            name: format!("Élève {i:03}"),
            guardians: vec![Guardian { sub: extra_parent(i), name: format!("Parent {i:03}"), legal_guardian: true }],
        });
    }
    rosters
}

/// The network's staff lists with `more` secretaries, librarians… at school A ("Agent 001", …).
pub fn staff_with(net: &Network, more: usize) -> Vec<SchoolStaff> {
    let mut staff = net.staff();
    let a = staff.iter_mut().find(|s| s.school == SCHOOL_A).unwrap();
    for i in 0..more {
        a.staff.push(StaffMember {
            sub: format!("staff-x{i:03}"),
            name: format!("Agent {i:03}"),
            profile: Profile::Staff,
            roles: vec![],
        });
    }
    staff
}

/// A directory from these rosters and staff lists, with the network's two schools.
pub fn directory(rosters: Vec<ClassRoster>, staff: Vec<SchoolStaff>) -> Directory {
    let schools = vec![
        SchoolName { uai: SCHOOL_A.into(), name: "École A".into() },
        SchoolName { uai: SCHOOL_B.into(), name: "École B".into() },
    ];
    Directory::fixed_with(rosters, staff, schools)
}

/// The network's directory with `families` more families in class A1.
pub fn directory_with_families(net: &Network, families: usize) -> Directory {
    directory(rosters_with_families(net, families), net.staff())
}

/// A class's teacher as a roster member.
pub fn member(who: &Identity) -> Member {
    Member { sub: who.sub.clone(), name: who.display_name().into() }
}

/// The network's city agent, serving school A (the network's own serves no school).
pub fn city_agent_of_a(net: &Network) -> Identity {
    let mut agent = net.city_agent.clone();
    agent.schools = vec![SCHOOL_A.into()];
    agent
}

/// This identity signed in `auth_age` seconds ago, in a session started `session_age` ago.
pub fn signed_in(who: &Identity, h: &Harness, auth_age: i64, session_age: i64) -> Identity {
    let now = h.clock.now();
    let mut who = who.clone();
    who.auth_time = Some(now - auth_age);
    who.session_start = Some(now - session_age);
    who
}

/// A new message written and sent in one post of the form (`action=send`), in `lang`.
pub async fn send_in(
    h: &Harness,
    who: &Identity,
    school: &str,
    to: &[&str],
    subject: &str,
    body: &str,
    lang: &str,
) -> Answer {
    let mut form = vec![("school", school), ("subject", subject), ("body", body), ("action", "send")];
    form.extend(to.iter().map(|a| ("to", *a)));
    h.post_in(who, "/view/new", &form, lang).await
}

/// A new message sent in French.
pub async fn send(h: &Harness, who: &Identity, school: &str, to: &[&str], subject: &str) -> Answer {
    send_in(h, who, school, to, subject, &format!("Texte de « {subject} »."), "fr").await
}

/// A small PDF, as a browser would post it in the form's `files` field.
pub fn pdf(name: &str) -> TestFile {
    TestFile {
        field: "files",
        file_name: name.into(),
        content_type: "application/pdf",
        data: b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec(),
    }
}

/// A new message with a PDF attached, sent in one multipart post of the form.
pub async fn send_with_file(h: &Harness, who: &Identity, school: &str, to: &[&str], subject: &str) -> Answer {
    let body = format!("Texte de « {subject} ».");
    let mut form = vec![("school", school), ("subject", subject), ("body", body.as_str()), ("action", "send")];
    form.extend(to.iter().map(|a| ("to", *a)));
    h.post_multipart(who, "/view/new", &form, &[pdf(&format!("{subject}.pdf"))]).await
}

/// The files of a message, by id.
pub async fn files(db: &Db, message: &str) -> Vec<String> {
    Store::new(db.clone()).attachments(&[message]).await.unwrap().into_iter().map(|f| f.id).collect()
}

/// The conversation a successful send led to, and whether it said the message was held.
pub fn sent(answer: &Answer) -> (String, bool) {
    assert_eq!(answer.status, 303, "not sent: {}", error(answer).unwrap_or_else(|| answer.body.clone()));
    let loc = answer.location();
    let rest = loc.strip_prefix("/view/c/").unwrap_or_else(|| panic!("not a conversation: {loc}"));
    let (id, query) = rest.split_once('?').unwrap_or((rest, ""));
    let held = match query {
        "sent=ok" => false,
        "sent=held" => true,
        other => panic!("unexpected query {other}"),
    };
    (id.to_string(), held)
}

/// The draft a form page (a refusal) is about: its action's id.
pub fn draft_of(answer: &Answer) -> String {
    let after = answer.body.split("/drafts/").nth(1).unwrap_or_else(|| panic!("no draft in {}", answer.body));
    after.split(['"', '?', '/']).next().unwrap().to_string()
}

/// HTML text as read: askama's escapes undone.
pub fn unescape(html: &str) -> String {
    html.replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The error the compose form shows, if any.
pub fn error(answer: &Answer) -> Option<String> {
    let after = answer.body.split("id=\"compose-error\">").nth(1)?;
    Some(unescape(after.split("</p>").next()?))
}

/// The values of the picker's unchecked boxes: what the form offers to add.
pub fn offered(page: &str) -> BTreeSet<String> {
    page.split("name=\"to\" value=\"")
        .skip(1)
        .filter(|rest| !rest.split('>').next().unwrap_or("").contains("checked"))
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

/// The messages of a conversation as its author sees them, oldest first.
pub async fn messages(db: &Db, conversation: &str, author: &Identity) -> Vec<ent_portlet_messaging::store::Message> {
    Store::new(db.clone()).visible(conversation, &author.sub).await.unwrap()
}

/// Who a conversation's first message (of this author) went to, by sub.
pub async fn recipients(db: &Db, conversation: &str, author: &Identity) -> BTreeSet<String> {
    let m = messages(db, conversation, author).await;
    let first = m.first().unwrap_or_else(|| panic!("no message of {} in {conversation}", author.sub));
    Store::new(db.clone()).recipients(&first.id).await.unwrap().into_iter().map(|(sub, _, _)| sub).collect()
}

/// The id of a conversation's first message (of this author).
pub async fn first_message(db: &Db, conversation: &str, author: &Identity) -> String {
    messages(db, conversation, author).await.first().unwrap().id.clone()
}

/// Whether the person's inbox lists this subject.
pub async fn inbox_has(h: &Harness, who: &Identity, subject: &str) -> bool {
    let inbox = h.get(who, "/view/inbox").await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    unescape(&inbox.body).contains(subject)
}

/// Whether the person can open the conversation (200) or may not know it (404).
pub async fn can_open(h: &Harness, who: &Identity, conversation: &str) -> bool {
    let page = h.get(who, &format!("/view/c/{conversation}")).await;
    match page.status.as_u16() {
        200 => true,
        404 => false,
        other => panic!("GET /view/c/{conversation} as {}: {other}", who.sub),
    }
}
