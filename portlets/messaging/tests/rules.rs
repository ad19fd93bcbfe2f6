//! Who may write to whom, at sending, through the form: every profile × a person of each kind in
//! the sender's class, another class, another school, and every group of the school (and one of
//! another school), each posted as the form would (`to` = `p:{sub}` / `g:{kind}[:{class}]`),
//! including what the picker never offers. One table row per case: sent to exactly these
//! people, or refused with exactly this text. Then the picker (it offers exactly what may be
//! sent), the recipient cap (shown and enforced), and a director's rule change (effective at
//! the next sending).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{error, offered, sent};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Harness, Network, SCHOOL_A, SCHOOL_B};
use ent_portlet_kit::{Db, Identity};
use ent_portlet_messaging::MIGRATIONS;
use ent_portlet_messaging::policy::{Audience, SENDERS, default_rule};

/// What a row expects.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Delivered now to exactly these people (labels of the network).
    Sent(&'static [&'static str]),
    /// Refused: the form again (`422`) with this error.
    Refused(Why),
    /// The school is not one the sender writes in: no draft there (`404`).
    NoSuchSchool,
}

#[derive(Clone, Copy, Debug)]
enum Why {
    /// A person of the school the rules do not let the sender reach: named in the error.
    Person(&'static str),
    /// Nobody of the school (another school's person, a made-up sub).
    Unknown,
    Group,
    NoRecipient,
}

impl Why {
    fn text(self) -> String {
        match self {
            Why::Person(name) => format!("Vous ne pouvez pas écrire à {name}."),
            Why::Unknown => "Un destinataire n'est pas une personne à qui vous pouvez écrire.".into(),
            Why::Group => "Vous ne pouvez pas écrire à ce groupe.".into(),
            Why::NoRecipient => "Choisissez au moins un destinataire.".into(),
        }
    }
}

struct Case {
    row: &'static str,
    from: &'static str,
    school: &'static str,
    to: &'static [&'static str],
    want: Want,
}

use Want::{NoSuchSchool, Refused, Sent};
use Why::{Group, NoRecipient, Person, Unknown};

const fn row(row: &'static str, from: &'static str, to: &'static [&'static str], want: Want) -> Case {
    Case { row, from, school: SCHOOL_A, to, want }
}

const fn in_b(row: &'static str, from: &'static str, to: &'static [&'static str], want: Want) -> Case {
    Case { row, from, school: SCHOOL_B, to, want }
}

const A_PUPILS: &[&str] = &["pupil_a1", "pupil_a1_bis", "pupil_a2"];
const A_PARENTS: &[&str] = &["parent_a1", "parent_a1_no_authority", "parent_a2"];

/// The rules, row by row. Names: teacher_a1 Camille Bernard, teacher_a2 Julien Moreau,
/// director_a Anne Girard, staff_a Nadia Blanc, pupil_a1 Léa Dupont, pupil_a1_bis Noé Martin,
/// pupil_a2 Inès Roux, parent_a1 Marie Dupont, parent_a1_no_authority Paul Dupont, parent_a2
/// Karim Roux, teacher_b1 Sophie Laurent.
const CASES: &[Case] = &[
    // A pupil (class A1): their class's teachers, their classmates, the school's staff and
    // director; no group wider than their class; never a parent.
    row("pupil → own teacher", "pupil_a1", &["p:teacher-a1"], Sent(&["teacher_a1"])),
    row("pupil → classmate", "pupil_a1", &["p:pupil-a1-bis"], Sent(&["pupil_a1_bis"])),
    row("pupil → director", "pupil_a1", &["p:director-a"], Sent(&["director_a"])),
    row("pupil → staff", "pupil_a1", &["p:staff-a"], Sent(&["staff_a"])),
    row("pupil → another class's teacher", "pupil_a1", &["p:teacher-a2"], Refused(Person("Julien Moreau"))),
    row("pupil → another class's pupil", "pupil_a1", &["p:pupil-a2"], Refused(Person("Inès Roux"))),
    row("pupil → own parent", "pupil_a1", &["p:parent-a1"], Refused(Person("Marie Dupont"))),
    row("pupil → own other parent", "pupil_a1", &["p:parent-a1-bis"], Refused(Person("Paul Dupont"))),
    row("pupil → another class's parent", "pupil_a1", &["p:parent-a2"], Refused(Person("Karim Roux"))),
    row("pupil → another school's teacher", "pupil_a1", &["p:teacher-b1"], Refused(Unknown)),
    row("pupil → another school's pupil", "pupil_a1", &["p:pupil-b1"], Refused(Unknown)),
    row("pupil → another school's parent", "pupil_a1", &["p:parent-b1"], Refused(Unknown)),
    row("pupil → another school's director", "pupil_a1", &["p:director-b"], Refused(Unknown)),
    row("pupil → oneself", "pupil_a1", &["p:pupil-a1"], Refused(Person("Léa Dupont"))),
    row("pupil → made-up sub", "pupil_a1", &["p:nobody-at-all"], Refused(Unknown)),
    row("pupil → own class's pupils", "pupil_a1", &["g:class_pupils:class-a1"], Sent(&["pupil_a1_bis"])),
    row("pupil → own class's teachers", "pupil_a1", &["g:class_teachers:class-a1"], Sent(&["teacher_a1"])),
    row("pupil → own class's parents", "pupil_a1", &["g:class_parents:class-a1"], Refused(Group)),
    row("pupil → another class's pupils", "pupil_a1", &["g:class_pupils:class-a2"], Refused(Group)),
    row("pupil → another class's teachers", "pupil_a1", &["g:class_teachers:class-a2"], Refused(Group)),
    row("pupil → another class's parents", "pupil_a1", &["g:class_parents:class-a2"], Refused(Group)),
    row("pupil → school's staff (wider than class)", "pupil_a1", &["g:school_staff"], Refused(Group)),
    row("pupil → school's director (a group)", "pupil_a1", &["g:school_directors"], Refused(Group)),
    row("pupil → school's teachers", "pupil_a1", &["g:school_teachers"], Refused(Group)),
    row("pupil → school's pupils", "pupil_a1", &["g:school_pupils"], Refused(Group)),
    row("pupil → school's parents", "pupil_a1", &["g:school_parents"], Refused(Group)),
    row("pupil → another school's class", "pupil_a1", &["g:class_pupils:class-b1"], Refused(Group)),
    row(
        "pupil → own teacher and a parent: nothing goes",
        "pupil_a1",
        &["p:teacher-a1", "p:parent-a2"],
        Refused(Person("Karim Roux")),
    ),
    row("pupil → an address the form cannot read", "pupil_a1", &["g:everyone", "p:a b"], Refused(NoRecipient)),
    in_b("pupil → writing in another school", "pupil_a1", &["p:teacher-b1"], NoSuchSchool),
    // A parent (child in A1): their children's teachers, the director and staff; never a pupil
    // (their own child neither) nor another parent.
    row("parent → child's teacher", "parent_a1", &["p:teacher-a1"], Sent(&["teacher_a1"])),
    row("parent → director", "parent_a1", &["p:director-a"], Sent(&["director_a"])),
    row("parent → staff", "parent_a1", &["p:staff-a"], Sent(&["staff_a"])),
    row("parent → another class's teacher", "parent_a1", &["p:teacher-a2"], Refused(Person("Julien Moreau"))),
    row("parent → own child", "parent_a1", &["p:pupil-a1"], Refused(Person("Léa Dupont"))),
    row("parent → child's classmate", "parent_a1", &["p:pupil-a1-bis"], Refused(Person("Noé Martin"))),
    row("parent → another class's pupil", "parent_a1", &["p:pupil-a2"], Refused(Person("Inès Roux"))),
    row("parent → the child's other parent", "parent_a1", &["p:parent-a1-bis"], Refused(Person("Paul Dupont"))),
    row("parent → another class's parent", "parent_a1", &["p:parent-a2"], Refused(Person("Karim Roux"))),
    row("parent → another school's parent", "parent_a1", &["p:parent-b1"], Refused(Unknown)),
    row("parent → another school's teacher", "parent_a1", &["p:teacher-b1"], Refused(Unknown)),
    row("parent → another school's director", "parent_a1", &["p:director-b"], Refused(Unknown)),
    row("parent → child's class's teachers", "parent_a1", &["g:class_teachers:class-a1"], Sent(&["teacher_a1"])),
    row("parent → school's staff", "parent_a1", &["g:school_staff"], Sent(&["staff_a", "director_a"])),
    row("parent → school's director", "parent_a1", &["g:school_directors"], Sent(&["director_a"])),
    row("parent → another class's teachers", "parent_a1", &["g:class_teachers:class-a2"], Refused(Group)),
    row("parent → school's teachers", "parent_a1", &["g:school_teachers"], Refused(Group)),
    row("parent → child's class's pupils", "parent_a1", &["g:class_pupils:class-a1"], Refused(Group)),
    row("parent → child's class's parents", "parent_a1", &["g:class_parents:class-a1"], Refused(Group)),
    row("parent → another class's parents", "parent_a1", &["g:class_parents:class-a2"], Refused(Group)),
    row("parent → school's parents", "parent_a1", &["g:school_parents"], Refused(Group)),
    row("parent → school's pupils", "parent_a1", &["g:school_pupils"], Refused(Group)),
    row("parent → another school's class's parents", "parent_a1", &["g:class_parents:class-b1"], Refused(Group)),
    in_b("parent → writing in another school", "parent_a1", &["p:teacher-b1"], NoSuchSchool),
    row(
        "parent without authority → child's teacher",
        "parent_a1_no_authority",
        &["p:teacher-a1"],
        Sent(&["teacher_a1"]),
    ),
    row(
        "parent without authority → own child",
        "parent_a1_no_authority",
        &["p:pupil-a1"],
        Refused(Person("Léa Dupont")),
    ),
    row(
        "parent of two classes → the other class's teacher",
        "parent_two_classes",
        &["p:teacher-a1"],
        Sent(&["teacher_a1"]),
    ),
    row(
        "parent of two classes → both classes' teachers",
        "parent_two_classes",
        &["g:class_teachers:class-a1", "g:class_teachers:class-a2"],
        Sent(&["teacher_a1", "teacher_a2"]),
    ),
    row("parent of two classes → a child", "parent_two_classes", &["p:pupil-a2"], Refused(Person("Inès Roux"))),
    // A teacher (A1): everyone of their school, nobody of another.
    row("teacher → another teacher", "teacher_a1", &["p:teacher-a2"], Sent(&["teacher_a2"])),
    row("teacher → own pupil", "teacher_a1", &["p:pupil-a1"], Sent(&["pupil_a1"])),
    row("teacher → another class's pupil", "teacher_a1", &["p:pupil-a2"], Sent(&["pupil_a2"])),
    row("teacher → own pupil's parent", "teacher_a1", &["p:parent-a1-bis"], Sent(&["parent_a1_no_authority"])),
    row("teacher → another class's parent", "teacher_a1", &["p:parent-a2"], Sent(&["parent_a2"])),
    row("teacher → director", "teacher_a1", &["p:director-a"], Sent(&["director_a"])),
    row("teacher → staff", "teacher_a1", &["p:staff-a"], Sent(&["staff_a"])),
    row("teacher → oneself", "teacher_a1", &["p:teacher-a1"], Refused(Person("Camille Bernard"))),
    row("teacher → another school's teacher", "teacher_a1", &["p:teacher-b1"], Refused(Unknown)),
    row("teacher → another school's pupil", "teacher_a1", &["p:pupil-b1"], Refused(Unknown)),
    row("teacher → another school's parent", "teacher_a1", &["p:parent-b1"], Refused(Unknown)),
    row("teacher → another school's director", "teacher_a1", &["p:director-b"], Refused(Unknown)),
    row(
        "teacher → own class's pupils",
        "teacher_a1",
        &["g:class_pupils:class-a1"],
        Sent(&["pupil_a1", "pupil_a1_bis"]),
    ),
    row(
        "teacher → own class's parents",
        "teacher_a1",
        &["g:class_parents:class-a1"],
        Sent(&["parent_a1", "parent_a1_no_authority"]),
    ),
    row("teacher → another class's teachers", "teacher_a1", &["g:class_teachers:class-a2"], Sent(&["teacher_a2"])),
    row("teacher → another class's pupils", "teacher_a1", &["g:class_pupils:class-a2"], Sent(&["pupil_a2"])),
    row("teacher → another class's parents", "teacher_a1", &["g:class_parents:class-a2"], Sent(&["parent_a2"])),
    row("teacher → school's teachers", "teacher_a1", &["g:school_teachers"], Sent(&["teacher_a2"])),
    row("teacher → school's staff", "teacher_a1", &["g:school_staff"], Sent(&["staff_a", "director_a"])),
    row("teacher → school's director", "teacher_a1", &["g:school_directors"], Sent(&["director_a"])),
    row("teacher → school's pupils", "teacher_a1", &["g:school_pupils"], Sent(A_PUPILS)),
    row("teacher → school's parents", "teacher_a1", &["g:school_parents"], Sent(A_PARENTS)),
    row(
        "teacher → the whole school",
        "teacher_a1",
        &["g:school_pupils", "g:school_parents", "g:school_teachers", "g:school_staff"],
        Sent(&[
            "pupil_a1",
            "pupil_a1_bis",
            "pupil_a2",
            "parent_a1",
            "parent_a1_no_authority",
            "parent_a2",
            "teacher_a2",
            "staff_a",
            "director_a",
        ]),
    ),
    row("teacher → another school's class", "teacher_a1", &["g:class_pupils:class-b1"], Refused(Group)),
    in_b("teacher → writing in another school", "teacher_a1", &["p:teacher-b1"], NoSuchSchool),
    // The director: everyone of the school, nobody of another.
    row("director → a pupil", "director_a", &["p:pupil-a2"], Sent(&["pupil_a2"])),
    row("director → a parent", "director_a", &["p:parent-a1-bis"], Sent(&["parent_a1_no_authority"])),
    row("director → a teacher", "director_a", &["p:teacher-a1"], Sent(&["teacher_a1"])),
    row("director → staff", "director_a", &["p:staff-a"], Sent(&["staff_a"])),
    row("director → school's parents", "director_a", &["g:school_parents"], Sent(A_PARENTS)),
    row("director → school's pupils", "director_a", &["g:school_pupils"], Sent(A_PUPILS)),
    row("director → a class's parents", "director_a", &["g:class_parents:class-a2"], Sent(&["parent_a2"])),
    row("director → school's staff", "director_a", &["g:school_staff"], Sent(&["staff_a"])),
    row("director → another school's director", "director_a", &["p:director-b"], Refused(Unknown)),
    row("director → another school's parent", "director_a", &["p:parent-b1"], Refused(Unknown)),
    row("director → another school's class", "director_a", &["g:class_parents:class-b1"], Refused(Group)),
    in_b("director → writing in another school", "director_a", &["p:director-b"], NoSuchSchool),
    // Staff: everyone of their school.
    row("staff → a pupil", "staff_a", &["p:pupil-a1"], Sent(&["pupil_a1"])),
    row("staff → a parent", "staff_a", &["p:parent-a2"], Sent(&["parent_a2"])),
    row("staff → a teacher", "staff_a", &["p:teacher-a1"], Sent(&["teacher_a1"])),
    row("staff → director", "staff_a", &["p:director-a"], Sent(&["director_a"])),
    row("staff → school's parents", "staff_a", &["g:school_parents"], Sent(A_PARENTS)),
    row("staff → a class's pupils", "staff_a", &["g:class_pupils:class-a2"], Sent(&["pupil_a2"])),
    row("staff → a class's teachers", "staff_a", &["g:class_teachers:class-a1"], Sent(&["teacher_a1"])),
    row("staff → another school's pupil", "staff_a", &["p:pupil-b1"], Refused(Unknown)),
    in_b("staff → writing in another school", "staff_a", &["p:director-b"], NoSuchSchool),
    // A city agent (serving school A): the directors and staff of their schools only.
    row("city agent → director", "city_agent", &["p:director-a"], Sent(&["director_a"])),
    row("city agent → staff", "city_agent", &["p:staff-a"], Sent(&["staff_a"])),
    row("city agent → school's director", "city_agent", &["g:school_directors"], Sent(&["director_a"])),
    row("city agent → school's staff", "city_agent", &["g:school_staff"], Sent(&["staff_a", "director_a"])),
    row("city agent → a teacher", "city_agent", &["p:teacher-a1"], Refused(Person("Camille Bernard"))),
    row("city agent → a pupil", "city_agent", &["p:pupil-a1"], Refused(Person("Léa Dupont"))),
    row("city agent → a parent", "city_agent", &["p:parent-a1"], Refused(Person("Marie Dupont"))),
    row("city agent → school's teachers", "city_agent", &["g:school_teachers"], Refused(Group)),
    row("city agent → a class's teachers", "city_agent", &["g:class_teachers:class-a1"], Refused(Group)),
    row("city agent → school's parents", "city_agent", &["g:school_parents"], Refused(Group)),
    row("city agent → school's pupils", "city_agent", &["g:school_pupils"], Refused(Group)),
    row("city agent → another school's director", "city_agent", &["p:director-b"], Refused(Unknown)),
    in_b("city agent → a school of another city", "city_agent", &["p:director-b"], NoSuchSchool),
    row("city agent serving no school", "city_agent_nowhere", &["p:director-a"], NoSuchSchool),
    // An admin: the directors of any school, nobody else.
    row("admin → director", "admin", &["p:director-a"], Sent(&["director_a"])),
    row("admin → school's director", "admin", &["g:school_directors"], Sent(&["director_a"])),
    row("admin → school's staff: its director only", "admin", &["g:school_staff"], Sent(&["director_a"])),
    row("admin → staff", "admin", &["p:staff-a"], Refused(Person("Nadia Blanc"))),
    row("admin → a teacher", "admin", &["p:teacher-a1"], Refused(Person("Camille Bernard"))),
    row("admin → a pupil", "admin", &["p:pupil-a1"], Refused(Person("Léa Dupont"))),
    row("admin → a parent", "admin", &["p:parent-a1"], Refused(Person("Marie Dupont"))),
    row("admin → school's teachers", "admin", &["g:school_teachers"], Refused(Group)),
    row("admin → school's parents", "admin", &["g:school_parents"], Refused(Group)),
    in_b("admin → another school's director", "admin", &["p:director-b"], Sent(&["director_b"])),
    in_b("admin → another school's teacher", "admin", &["p:teacher-b1"], Refused(Person("Sophie Laurent"))),
];

/// A person of the network by label (plus the city agent serving school A, and the network's
/// own, which serves none).
fn person(net: &Network, label: &str) -> Identity {
    match label {
        "city_agent" => common::city_agent_of_a(net),
        "city_agent_nowhere" => net.city_agent.clone(),
        // parent_a2, as their token would name them with a child in each of A1 and A2.
        "parent_two_classes" => {
            let mut who = net.parent_a2.clone();
            let mut other = net.parent_a1.children()[0].clone();
            other.sub = net.pupil_a1_bis.sub.clone();
            who.children.push(other);
            who
        }
        _ => net.everyone().into_iter().find(|(l, _)| *l == label).map(|(_, who)| who.clone()).unwrap(),
    }
}

fn subs(net: &Network, labels: &[&str]) -> BTreeSet<String> {
    labels.iter().map(|l| person(net, l).sub).collect()
}

/// Runs every row; fails once, listing every row that differs.
async fn run_cases(h: &Harness, db: &Db, cases: &[Case]) {
    let mut failures = Vec::new();
    let mut refused_subjects = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let from = person(&h.net, case.from);
        let subject = format!("R{i:03} {}", case.row);
        let answer = common::send(h, &from, case.school, case.to, &subject).await;
        let status = answer.status.as_u16();
        match case.want {
            Sent(labels) => {
                if status != 303 {
                    failures.push(format!("[{}] refused ({status}): {:?}", case.row, error(&answer)));
                    continue;
                }
                let (conversation, held) = sent(&answer);
                if held {
                    failures.push(format!("[{}] held instead of delivered", case.row));
                }
                let got = common::recipients(db, &conversation, &from).await;
                let want = subs(&h.net, labels);
                if got != want {
                    failures.push(format!("[{}] delivered to {got:?}, expected {want:?}", case.row));
                }
            }
            Refused(why) => {
                refused_subjects.push(subject.clone());
                if status != 422 {
                    failures.push(format!("[{}] {status} (location {}), expected 422", case.row, answer.location()));
                    continue;
                }
                let shown = error(&answer);
                if shown.as_deref() != Some(why.text().as_str()) {
                    failures.push(format!("[{}] error {shown:?}, expected {:?}", case.row, why.text()));
                }
                h.assert_fragment_rules(&answer.body);
            }
            NoSuchSchool => {
                refused_subjects.push(subject.clone());
                if status != 404 {
                    failures.push(format!("[{}] {status}, expected 404", case.row));
                }
            }
        }
    }
    // Nothing refused reached anyone: no inbox lists it.
    let mut everyone: Vec<(&str, Identity)> = h.net.everyone().into_iter().map(|(l, who)| (l, who.clone())).collect();
    everyone.push(("city_agent", common::city_agent_of_a(&h.net)));
    everyone.push(("parent_two_classes", person(&h.net, "parent_two_classes")));
    for (label, who) in &everyone {
        let inbox = common::unescape(&h.get(who, "/view/inbox").await.body);
        for subject in &refused_subjects {
            if inbox.contains(subject.as_str()) {
                failures.push(format!("[{subject}] refused, yet in {label}'s inbox"));
            }
        }
    }
    assert!(failures.is_empty(), "{} rows differ:\n{}", failures.len(), failures.join("\n"));
}

both_backends!(MIGRATIONS; every_profile_to_every_kind_of_recipient, |db| async move {
    let h = common::harness(db.clone());
    run_cases(&h, &db, CASES).await;
});

both_backends!(MIGRATIONS; a_refusal_in_english_and_the_draft_kept, |db| async move {
    let h = common::harness(db);
    let n = &h.net;
    let answer =
        common::send_in(&h, &n.pupil_a1, SCHOOL_A, &["p:parent-a2"], "Hello", "A forged address.", "en").await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(error(&answer).as_deref(), Some("You may not write to Karim Roux."));
    let answer = common::send_in(&h, &n.pupil_a1, SCHOOL_A, &["g:school_pupils"], "Hello", "To all.", "en").await;
    assert_eq!(error(&answer).as_deref(), Some("You may not write to this group."));
    // The refused message is a draft of its author's, to change and send again.
    let draft = common::draft_of(&answer);
    let again = h
        .post(
            &n.pupil_a1,
            &format!("/view/drafts/{draft}"),
            &[("subject", "Hello"), ("body", "To my class."), ("to", "g:class_pupils:class-a1"), ("action", "send")],
        )
        .await;
    let (conversation, held) = sent(&again);
    assert!(!held);
    assert!(common::can_open(&h, &n.pupil_a1_bis, &conversation).await);
    assert!(!common::can_open(&h, &n.pupil_a2, &conversation).await);
});

/// What each person's picker offers in school A, exactly (unchecked boxes of the form).
fn picker(label: &str) -> &'static [&'static str] {
    match label {
        "pupil_a1" => &[
            "p:teacher-a1",
            "p:pupil-a1-bis",
            "p:director-a",
            "p:staff-a",
            "g:class_teachers:class-a1",
            "g:class_pupils:class-a1",
        ],
        "parent_a1" => &[
            "p:teacher-a1",
            "p:director-a",
            "p:staff-a",
            "g:class_teachers:class-a1",
            "g:school_directors",
            "g:school_staff",
        ],
        "teacher_a1" => &[
            "p:teacher-a2",
            "p:director-a",
            "p:staff-a",
            "p:pupil-a1",
            "p:pupil-a1-bis",
            "p:pupil-a2",
            "p:parent-a1",
            "p:parent-a1-bis",
            "p:parent-a2",
            "g:class_pupils:class-a1",
            "g:class_parents:class-a1",
            "g:class_teachers:class-a2",
            "g:class_pupils:class-a2",
            "g:class_parents:class-a2",
            "g:school_directors",
            "g:school_staff",
            "g:school_teachers",
            "g:school_pupils",
            "g:school_parents",
        ],
        "director_a" => &[
            "p:teacher-a1",
            "p:teacher-a2",
            "p:staff-a",
            "p:pupil-a1",
            "p:pupil-a1-bis",
            "p:pupil-a2",
            "p:parent-a1",
            "p:parent-a1-bis",
            "p:parent-a2",
            "g:class_teachers:class-a1",
            "g:class_pupils:class-a1",
            "g:class_parents:class-a1",
            "g:class_teachers:class-a2",
            "g:class_pupils:class-a2",
            "g:class_parents:class-a2",
            "g:school_staff",
            "g:school_teachers",
            "g:school_pupils",
            "g:school_parents",
        ],
        "staff_a" => &[
            "p:teacher-a1",
            "p:teacher-a2",
            "p:director-a",
            "p:pupil-a1",
            "p:pupil-a1-bis",
            "p:pupil-a2",
            "p:parent-a1",
            "p:parent-a1-bis",
            "p:parent-a2",
            "g:class_teachers:class-a1",
            "g:class_pupils:class-a1",
            "g:class_parents:class-a1",
            "g:class_teachers:class-a2",
            "g:class_pupils:class-a2",
            "g:class_parents:class-a2",
            "g:school_directors",
            "g:school_staff",
            "g:school_teachers",
            "g:school_pupils",
            "g:school_parents",
        ],
        "city_agent" => &["p:director-a", "p:staff-a", "g:school_directors", "g:school_staff"],
        "admin" => &["p:director-a", "g:school_directors", "g:school_staff"],
        _ => &[],
    }
}

both_backends!(MIGRATIONS; the_picker_offers_only_whom_one_may_write_to, |db| async move {
    let h = common::harness(db);
    let n = &h.net;
    let mut failures = Vec::new();
    for label in ["pupil_a1", "parent_a1", "teacher_a1", "director_a", "staff_a", "city_agent", "admin"] {
        let who = person(n, label);
        let page = h.get(&who, &format!("/view/new?school={SCHOOL_A}")).await;
        assert_eq!(page.status, 200, "{label}: {}", page.body);
        h.assert_fragment_rules(&page.body);
        let want: BTreeSet<String> = picker(label).iter().map(|v| v.to_string()).collect();
        let got = offered(&page.body);
        if got != want {
            failures.push(format!(
                "{label}: offered {:?} beyond the rules, {:?} missing",
                got.difference(&want).collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // By name: a pupil's picker never lists a parent; a parent's never another parent or a pupil.
    let pupil = h.get(&n.pupil_a1, "/view/new").await.body;
    for parent in ["Marie Dupont", "Paul Dupont", "Karim Roux", "Lucie Petit"] {
        assert!(!pupil.contains(parent), "a pupil's picker lists the parent {parent}");
    }
    let parent = h.get(&n.parent_a1, "/view/new").await.body;
    for other in ["Paul Dupont", "Karim Roux", "Lucie Petit", "Léa Dupont", "Noé Martin", "Inès Roux", "Hugo Petit"] {
        assert!(!parent.contains(other), "a parent's picker lists {other}");
    }
    assert!(parent.contains("Camille Bernard") && parent.contains("Anne Girard"), "{parent}");
    // Nobody's picker reaches into another school.
    for (label, who) in n.everyone() {
        let page = h.get(who, "/view/new").await;
        for outsider in ["Sophie Laurent", "Hugo Petit", "Lucie Petit"] {
            if !label.ends_with("b1") && label != "director_b" && label != "admin" {
                assert!(!page.body.contains(outsider), "{label}'s picker lists {outsider}");
            }
        }
    }
});

both_backends!(MIGRATIONS; the_recipient_cap_is_shown_and_enforced, |db| async move {
    let net = Network::new();
    // Class A1 with 30 more pupils: pupil_a1 has 31 classmates.
    let h = common::harness_with(db.clone(), common::directory_with_families(&net, 30));
    let n = &h.net;
    for (who, cap) in [(&n.pupil_a1, 30), (&n.parent_a1, 10), (&n.teacher_a1, 400), (&n.director_a, 1000)] {
        let page = h.get(who, "/view/new").await;
        let hint = format!("Au plus {cap} destinataires par message.");
        assert!(page.body.contains(&hint), "{}: {hint} not in {}", who.sub, page.body);
    }
    let en = h.get_en(&n.pupil_a1, "/view/new").await;
    assert!(en.body.contains("At most 30 recipients per message."), "{}", en.body);
    let too_many = "Trop de destinataires : 30 au plus par message.";
    // 31 through the class's group.
    let answer = common::send(&h, &n.pupil_a1, SCHOOL_A, &["g:class_pupils:class-a1"], "À toute la classe").await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(error(&answer).as_deref(), Some(too_many));
    // 31 named one by one, each of whom alone could be written to.
    let mut named: Vec<String> = (0..30).map(|i| format!("p:{}", common::extra_pupil(i))).collect();
    named.push("p:pupil-a1-bis".into());
    let named: Vec<&str> = named.iter().map(String::as_str).collect();
    let answer = common::send(&h, &n.pupil_a1, SCHOOL_A, &named, "À trente et un").await;
    assert_eq!(error(&answer).as_deref(), Some(too_many));
    assert!(!common::inbox_has(&h, &n.pupil_a1_bis, "À trente et un").await);
    // 30 is the cap: allowed (a pupil's broadcast: held for review).
    let answer = common::send(&h, &n.pupil_a1, SCHOOL_A, &named[1..], "À trente").await;
    let (_, held) = sent(&answer);
    assert!(held, "a pupil's message to 30 is held");
    // A parent's cap: 11 of the school's staff through the staff group.
    let h = common::harness_with(db.clone(), common::directory(net.rosters(), common::staff_with(&net, 10)));
    let answer = common::send(&h, &net.parent_a1, SCHOOL_A, &["g:school_staff"], "Au secrétariat").await;
    assert_eq!(error(&answer).as_deref(), Some("Trop de destinataires : 10 au plus par message."));
    let answer = common::send(&h, &net.parent_a1, SCHOOL_A, &["g:school_directors"], "À la directrice").await;
    sent(&answer);
});

/// The ticked boxes of the rules form: the defaults, with these changes.
fn rules_form(changes: &[(&str, bool)]) -> Vec<(String, String)> {
    let mut ticked = Vec::new();
    for p in SENDERS {
        for a in Audience::ALL {
            let rule = default_rule(p, a);
            if !rule.editable {
                continue;
            }
            let name = format!("{}:{}", p.as_str(), a);
            let allowed = changes.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).unwrap_or(rule.allowed);
            if allowed {
                ticked.push(("allow".to_string(), name));
            }
        }
    }
    for (name, allowed) in changes {
        // A rule that is not editable, ticked anyway (a forged form).
        if *allowed && !ticked.iter().any(|(_, n)| n == name) {
            ticked.push(("allow".to_string(), name.to_string()));
        }
    }
    ticked
}

both_backends!(MIGRATIONS; a_directors_rule_applies_at_the_next_sending, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    // Before: a pupil may not write to another class's teacher; a parent writes to the teacher.
    let before = common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a2"], "Avant").await;
    assert_eq!(error(&before).as_deref(), Some("Vous ne pouvez pas écrire à Julien Moreau."));
    sent(&common::send(&h, &n.parent_a1, SCHOOL_A, &["p:teacher-a1"], "Avant").await);

    let mut form = rules_form(&[
        ("pupil:school_teachers", true),
        ("parent:class_teachers", false),
        ("parent:school_parents", true),
        ("director:school_pupils", false),
    ]);
    form.push(("school".into(), SCHOOL_A.into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Nobody but the school's director (or an admin) changes them.
    for (label, who) in n.everyone() {
        if ["director_a", "admin"].contains(&label) {
            continue;
        }
        let answer = h.post(who, "/view/settings/rules", &fields).await;
        assert!([403, 404].contains(&answer.status.as_u16()), "{label} changed the rules: {}", answer.status);
    }
    let answer = h.post(&n.director_a, "/view/settings/rules", &fields).await;
    assert_eq!(answer.status, 303, "{}", answer.body);

    // At once: the pupil reaches every teacher of the school, and the picker says so.
    let (c, _) = sent(&common::send(&h, &n.pupil_a1, SCHOOL_A, &["p:teacher-a2"], "Après").await);
    assert!(common::can_open(&h, &n.teacher_a2, &c).await);
    assert!(offered(&h.get(&n.pupil_a1, "/view/new").await.body).contains("p:teacher-a2"));
    // Still no group wider than the class.
    let wide = common::send(&h, &n.pupil_a1, SCHOOL_A, &["g:school_teachers"], "Après").await;
    assert_eq!(error(&wide).as_deref(), Some("Vous ne pouvez pas écrire à ce groupe."));
    // The parent no longer reaches the child's teacher.
    let refused = common::send(&h, &n.parent_a1, SCHOOL_A, &["p:teacher-a1"], "Après").await;
    assert_eq!(error(&refused).as_deref(), Some("Vous ne pouvez pas écrire à Camille Bernard."));
    assert!(!offered(&h.get(&n.parent_a1, "/view/new").await.body).contains("p:teacher-a1"));
    // "Never" and "always" do not move, whatever the form says.
    let parents = common::send(&h, &n.parent_a1, SCHOOL_A, &["p:parent-a2"], "Après").await;
    assert_eq!(error(&parents).as_deref(), Some("Vous ne pouvez pas écrire à Karim Roux."));
    sent(&common::send(&h, &n.director_a, SCHOOL_A, &["g:school_pupils"], "Après").await);
    // The other school keeps the defaults.
    sent(&common::send(&h, &n.parent_b1, SCHOOL_B, &["p:teacher-b1"], "Ailleurs").await);
    let other = common::send(&h, &n.pupil_b1, SCHOOL_B, &["p:director-b"], "Ailleurs").await;
    sent(&other);
});

both_backends!(MIGRATIONS; a_draft_outlives_the_writers_place_in_the_school, |db| async move {
    let h = common::harness(db);
    let n = &h.net;
    let saved = h
        .post(
            &n.teacher_a1,
            "/view/new",
            &[("school", SCHOOL_A), ("subject", "Plus tard"), ("body", "À finir."), ("to", "p:parent-a1"), ("action", "save")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let draft = saved.location().strip_prefix("/view/drafts/").unwrap().split('?').next().unwrap().to_string();
    // The teacher now teaches in school B only: the draft of school A no longer goes.
    let mut moved = n.teacher_b1.clone();
    moved.sub = n.teacher_a1.sub.clone();
    let answer = h.post(&moved, &format!("/view/drafts/{draft}"), &[("subject", "Plus tard"), ("body", "À finir."), ("to", "p:parent-a1"), ("action", "send")]).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(error(&answer).as_deref(), Some("Vous n'écrivez pas dans cette école."));
    assert!(!common::inbox_has(&h, &n.parent_a1, "Plus tard").await);
});
