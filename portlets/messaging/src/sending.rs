//! Sending a draft: every rule checked at that moment, on the server, whatever the form offered.
//! In order: the school's switch for the sender's profile, a freeze on the account, the
//! addresses expanded from the directory and checked one by one against the school's rules, the
//! cap on recipients; then, for what may go, whether it goes now or waits for a reviewer (a
//! pupil's broadcast, a young session's first broadcast, a spent sending rate) or needs a fresh
//! sign-in first (an adult's broadcast on an old sign-in).

use std::collections::HashSet;

use ent_portlet_kit::directory::Directory;
use ent_portlet_kit::{DbError, Identity, PortletError, Profile};
use ent_storage::bucket::Taken;

use crate::book::{self, Book};
use crate::limits;
use crate::model::{HoldReason, Mode, State, ToPart};
use crate::policy::{self, Address, Group, Rules, Sender};
use crate::store::{Message, Outgoing, Store};

/// Why a message was not sent. Each is said to the sender in their words (`texts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The school's messaging is read-only or off for the sender's profile.
    Closed,
    /// The account's sending is frozen.
    Frozen,
    /// The sender writes in no such school.
    NotYourSchool,
    NoRecipient,
    /// A person the sender may not write to (their name, when the directory knows them).
    NotAllowed(Option<String>),
    /// A group the sender may not address.
    GroupNotAllowed,
    /// More recipients than the sender's profile may reach.
    TooMany(usize),
    /// A broadcast on a sign-in older than the limit: the portal asks for the password again.
    SignInAgain,
    /// The directory cannot be read now: nobody's groups can be expanded.
    DirectoryUnavailable,
}

/// The recipients a message goes to, and the line that names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub recipients: Vec<(String, String)>,
    pub to: Vec<ToPart>,
}

/// The group's kind, as a `ToPart` names it.
fn group_kind(g: &Group) -> (&'static str, Option<&str>) {
    match g {
        Group::ClassPupils(c) => ("class_pupils", Some(c)),
        Group::ClassParents(c) => ("class_parents", Some(c)),
        Group::ClassTeachers(c) => ("class_teachers", Some(c)),
        Group::SchoolTeachers => ("school_teachers", None),
        Group::SchoolStaff => ("school_staff", None),
        Group::SchoolDirectors => ("school_directors", None),
        Group::SchoolParents => ("school_parents", None),
        Group::SchoolPupils => ("school_pupils", None),
    }
}

/// Expands and checks the addresses. `repliable` are the people who wrote to the sender in the
/// conversation a reply continues: one may always answer them.
pub fn plan(
    book: Option<&Book>,
    rules: &Rules,
    sender: &Sender<'_>,
    addresses: &[Address],
    repliable: &[(String, String)],
) -> Result<Plan, Refusal> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut plan = Plan { recipients: Vec::new(), to: Vec::new() };
    let mut add = |plan: &mut Plan, sub: &str, name: &str| {
        if sub != sender.sub && seen.insert(sub.to_string()) {
            plan.recipients.push((sub.to_string(), name.to_string()));
        }
    };
    for address in addresses {
        match address {
            Address::Person(sub) => {
                if let Some((_, name)) = repliable.iter().find(|(s, _)| s == sub) {
                    add(&mut plan, sub, name);
                    plan.to.push(ToPart::Person { name: name.clone() });
                    continue;
                }
                let book = book.ok_or(Refusal::DirectoryUnavailable)?;
                let member = book.member(sub).ok_or(Refusal::NotAllowed(None))?;
                if !policy::may_write(rules, sender, member) {
                    return Err(Refusal::NotAllowed(Some(member.name.clone())));
                }
                add(&mut plan, &member.sub, &member.name);
                plan.to.push(ToPart::Person { name: member.name.clone() });
            }
            Address::Group(group) => {
                let book = book.ok_or(Refusal::DirectoryUnavailable)?;
                let (kind, class) = group_kind(group);
                let class_name = match class {
                    Some(c) => Some(book.class_name(c).ok_or(Refusal::GroupNotAllowed)?.to_string()),
                    None => None,
                };
                if !policy::may_address(rules, sender, group) {
                    return Err(Refusal::GroupNotAllowed);
                }
                for m in book.members.iter().filter(|m| group.contains(m) && policy::may_write(rules, sender, m)) {
                    add(&mut plan, &m.sub, &m.name);
                }
                plan.to.push(ToPart::Group { kind: kind.into(), class_name });
            }
        }
    }
    if plan.recipients.is_empty() {
        return Err(Refusal::NoRecipient);
    }
    let cap = limits::max_recipients(sender.profile);
    if plan.recipients.len() > cap {
        return Err(Refusal::TooMany(cap));
    }
    Ok(plan)
}

/// Whether a message to `n` people goes now, waits for review, or needs a fresh sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Hold(HoldReason),
    SignInAgain,
}

/// The abuse checks, in order: a fresh sign-in for an adult's broadcast, review of a pupil's
/// broadcast and of a young session's first one, then the sender's and the school's rates.
pub async fn verdict(store: &Store, who: &Identity, school: &str, n: usize, now: i64) -> Result<Verdict, DbError> {
    let broadcast = n > limits::BROADCAST_OVER;
    if broadcast {
        if who.profile == Profile::Pupil {
            return Ok(Verdict::Hold(HoldReason::PupilBroadcast));
        }
        let recent = who.auth_time.is_some_and(|t| now - t <= limits::BROADCAST_AUTH_MAX_AGE);
        if !recent {
            return Ok(Verdict::SignInAgain);
        }
        // A token that does not say when its session started is as young as can be.
        let young = who.session_start.is_none_or(|s| now - s < limits::YOUNG_SESSION_SECS);
        if young {
            let cleared = match who.session_start {
                Some(s) => store.session_cleared(&who.sub, s).await?,
                None => false,
            };
            if !cleared {
                return Ok(Verdict::Hold(HoldReason::NewSession));
            }
        }
    }
    let cost = n as i64;
    if let Taken::Refused(_) =
        store.buckets.take(&format!("sender:{}", who.sub), cost, limits::sender_rate(who.profile), now).await?
    {
        return Ok(Verdict::Hold(HoldReason::Rate));
    }
    if let Taken::Refused(_) = store.buckets.take(&format!("school:{school}"), cost, limits::SCHOOL_RATE, now).await? {
        return Ok(Verdict::Hold(HoldReason::SchoolRate));
    }
    Ok(Verdict::Deliver)
}

/// The people who wrote to this person in the conversation (one may always answer them).
pub async fn repliable(store: &Store, conversation: &str, who: &Identity) -> Result<Vec<(String, String)>, DbError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in store.visible(conversation, &who.sub).await? {
        if m.author_sub != who.sub && m.state == State::Sent && !out.iter().any(|(s, _)| *s == m.author_sub) {
            out.push((m.author_sub.clone(), m.author_name.clone()));
        }
    }
    Ok(out)
}

/// The school's book, or `None` when there is no directory or no such school.
pub async fn load_book(directory: Option<&Directory>, school: &str) -> Result<Option<Book>, Refusal> {
    let Some(directory) = directory else { return Ok(None) };
    match Book::load(directory, school).await {
        Ok(book) => Ok(book),
        Err(e) => {
            tracing::warn!(error = %e, "the directory cannot be read to send a message");
            Err(Refusal::DirectoryUnavailable)
        }
    }
}

/// Whether this person may write in this school at all (an admin: any school the directory has).
pub fn writes_in(who: &Identity, school: &str) -> bool {
    who.profile == Profile::Admin || book::own_schools(who).iter().any(|s| s == school)
}

/// Sends a draft of this person's, or says why not. A message that waits for review is "sent"
/// for its author (it is in their sent folder, marked as waiting).
pub async fn send(
    store: &Store,
    directory: Option<&Directory>,
    who: &Identity,
    draft: &Message,
    now: i64,
) -> Result<Result<Message, Refusal>, PortletError> {
    let school = draft.school.as_str();
    if !writes_in(who, school) {
        return Ok(Err(Refusal::NotYourSchool));
    }
    if store.mode(school, who.profile).await? != Mode::Open {
        return Ok(Err(Refusal::Closed));
    }
    if store.is_frozen(&who.sub, school).await? {
        return Ok(Err(Refusal::Frozen));
    }
    let mut addresses = Vec::new();
    for a in &draft.addresses {
        match a.parse::<Address>() {
            Ok(a) => addresses.push(a),
            Err(()) => return Ok(Err(Refusal::NotAllowed(None))),
        }
    }
    let repliable = match &draft.conversation_id {
        Some(c) => repliable(store, c, who).await?,
        None => Vec::new(),
    };
    let needs_book = addresses.iter().any(|a| match a {
        Address::Person(sub) => !repliable.iter().any(|(s, _)| s == sub),
        Address::Group(_) => true,
    });
    let book = if needs_book {
        match load_book(directory, school).await {
            Ok(Some(book)) => Some(book),
            Ok(None) => return Ok(Err(Refusal::DirectoryUnavailable)),
            Err(r) => return Ok(Err(r)),
        }
    } else {
        None
    };
    let rules = store.rules(school).await?;
    let sender = book::sender(who, school);
    let plan = match plan(book.as_ref(), &rules, &sender, &addresses, &repliable) {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    let hold = match verdict(store, who, school, plan.recipients.len(), now).await? {
        Verdict::Deliver => None,
        Verdict::Hold(reason) => Some(reason),
        Verdict::SignInAgain => return Ok(Err(Refusal::SignInAgain)),
    };
    let out = Outgoing { recipients: &plan.recipients, to: &plan.to, hold, session_start: who.session_start };
    let Some(sent) = store.send(&draft.id, &who.sub, &out, now).await? else {
        return Err(PortletError::NotFound(ent_portlet_kit::Lang::Fr));
    };
    if hold.is_none()
        && plan.recipients.len() > limits::BROADCAST_OVER
        && let Some(start) = who.session_start
    {
        store.clear_session(&who.sub, start, now).await?;
    }
    if let Some(reason) = hold {
        tracing::info!(reason = reason.as_str(), recipients = plan.recipients.len(), "a message waits for review");
    }
    Ok(Ok(sent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Kind, Member};

    fn book() -> Book {
        let mut b = Book::default();
        for (sub, kind, classes) in [
            ("t1", Kind::Teacher, vec!["c1"]),
            ("t2", Kind::Teacher, vec!["c2"]),
            ("d", Kind::Director, vec![]),
            ("s", Kind::Staff, vec![]),
            ("p1", Kind::Pupil, vec!["c1"]),
            ("p2", Kind::Pupil, vec!["c1"]),
            ("p3", Kind::Pupil, vec!["c2"]),
            ("par1", Kind::Parent, vec!["c1"]),
            ("par3", Kind::Parent, vec!["c2"]),
        ] {
            b.members.push(Member {
                sub: sub.into(),
                name: format!("N {sub}"),
                kind,
                classes: classes.into_iter().map(String::from).collect(),
            });
        }
        b.classes = vec![
            ent_portlet_kit::directory::ClassName { id: "c1".into(), name: "CM1".into() },
            ent_portlet_kit::directory::ClassName { id: "c2".into(), name: "CE2".into() },
        ];
        Book::indexed(b)
    }

    fn addr(s: &str) -> Address {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    #[test]
    fn groups_expand_on_the_server_and_people_are_checked() {
        let b = book();
        let rules = Rules::default();
        let teacher = Sender { sub: "t1", profile: Profile::Teacher, classes: vec!["c1"] };
        let p = plan(Some(&b), &rules, &teacher, &[addr("g:class_parents:c1"), addr("p:p3")], &[])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let subs: Vec<&str> = p.recipients.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(subs, ["par1", "p3"]);
        assert_eq!(p.to[0], ToPart::Group { kind: "class_parents".into(), class_name: Some("CM1".into()) });
        let pupil = Sender { sub: "p1", profile: Profile::Pupil, classes: vec!["c1"] };
        assert_eq!(
            plan(Some(&b), &rules, &pupil, &[addr("p:par1")], &[]),
            Err(Refusal::NotAllowed(Some("N par1".into())))
        );
        assert_eq!(plan(Some(&b), &rules, &pupil, &[addr("p:t2")], &[]), Err(Refusal::NotAllowed(Some("N t2".into()))));
        assert_eq!(plan(Some(&b), &rules, &pupil, &[addr("g:class_pupils:c2")], &[]), Err(Refusal::GroupNotAllowed));
        assert_eq!(plan(Some(&b), &rules, &pupil, &[addr("g:school_pupils")], &[]), Err(Refusal::GroupNotAllowed));
        assert_eq!(plan(Some(&b), &rules, &pupil, &[addr("p:nobody")], &[]), Err(Refusal::NotAllowed(None)));
        let only_me =
            plan(Some(&b), &rules, &pupil, &[addr("g:class_pupils:c1")], &[]).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(only_me.recipients, vec![("p2".to_string(), "N p2".to_string())], "not to oneself");
        // One may always answer who wrote to them, even outside the rules.
        let replied = plan(None, &rules, &pupil, &[addr("p:par1")], &[("par1".into(), "N par1".into())]);
        assert!(replied.is_ok());
        assert_eq!(plan(Some(&b), &rules, &pupil, &[], &[]), Err(Refusal::NoRecipient));
    }
}
