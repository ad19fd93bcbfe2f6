//! The demo school's notebook: a note of last week that every family signed, a note of this
//! week that waits for the families' signatures (the demo pupil's among them), the teacher's
//! answer in the demo family's thread, and a word from the demo family to the teacher, so that
//! `ent demo`'s first pages show a notebook in use. Deterministic and in French.

use ent_portlet_kit::{Date, DbError, DemoFamily, DemoPerson, DemoSchool};

use crate::Liaison;
use crate::store::{Concerned, Kind, NewNote, Person};

/// Seconds after the day's noon (Paris) at which something was written: 8:30 is −12,600.
const MORNING: i64 = -3 * 3600 - 30 * 60;
const EVENING: i64 = 6 * 3600 + 30 * 60;

/// Writes the demo class's notes; `school.families[0]` is the demo pupil's family.
pub(crate) fn fill<'a>(book: &'a Liaison, school: &'a DemoSchool) -> ent_portlet_kit::demo::Filling<'a> {
    Box::pin(async move {
        let monday = school.today.school_day_from().monday();
        let at = |day: Date, offset: i64| day.paris_noon() + offset;
        let teacher = person(&school.teacher);
        let class_note = |title: &str, body: &str, needs_signature: bool| NewNote {
            kind: Kind::Class,
            school: school.uai.clone(),
            class_id: school.class_id.clone(),
            class_name: school.class_name.clone(),
            author: teacher.clone(),
            whole_class: true,
            title: title.to_string(),
            body: body.to_string(),
            needs_signature,
            pupils: school.families.iter().map(concerned).collect(),
        };

        // Last week: the class photograph, signed by every family with parental authority.
        let last_week = monday.add_days(-7);
        let photo = book
            .store
            .create_note(
                &class_note(
                    "Photo de classe",
                    "Le photographe passera mardi matin. Merci de signer pour indiquer que vous avez lu ce mot.",
                    true,
                ),
                at(last_week, MORNING),
            )
            .await?;
        for (n, family) in school.families.iter().enumerate() {
            for (parent, _) in family.parents.iter().filter(|(_, legal)| *legal) {
                let when = at(last_week.add_days(1 + (n as i64 % 3)), EVENING);
                book.store.sign(&photo, &family.child.sub, &parent.sub, &parent.name, when).await?;
            }
        }

        // This week: an outing, to be signed; half of the families already did, not the demo one.
        let outing = book
            .store
            .create_note(
                &class_note(
                    "Sortie à la ferme pédagogique",
                    "Jeudi, la classe visitera la ferme de la Haie. Départ à 9 h, retour à 16 h. Prévoir un \
                     pique-nique, des bottes et un vêtement de pluie. Merci de signer pour autoriser votre enfant \
                     à participer.",
                    true,
                ),
                at(monday, MORNING),
            )
            .await?;
        for family in school.families.iter().skip(1).step_by(2) {
            for (parent, _) in family.parents.iter().filter(|(_, legal)| *legal).take(1) {
                book.store.sign(&outing, &family.child.sub, &parent.sub, &parent.name, at(monday, EVENING)).await?;
            }
        }

        // The demo family asks about the outing, and the teacher answers in their thread.
        if let Some(family) = school.families.first()
            && let Some((parent, _)) = family.parents.first()
        {
            let parent = person(parent);
            book.store
                .add_message(
                    &outing,
                    &family.child.sub,
                    &parent,
                    "parent",
                    "Bonjour, faut-il prévoir une gourde ? Merci.",
                    at(monday, EVENING),
                )
                .await?;
            book.store
                .add_message(
                    &outing,
                    &family.child.sub,
                    &teacher,
                    "teacher",
                    "Bonjour, oui, une petite gourde d'eau dans le sac. Bonne soirée.",
                    at(monday.add_days(1), MORNING),
                )
                .await?;
            let word = NewNote {
                kind: Kind::Parent,
                school: school.uai.clone(),
                class_id: school.class_id.clone(),
                class_name: school.class_name.clone(),
                author: parent,
                whole_class: false,
                title: "Rendez-vous chez l'orthophoniste".into(),
                body: "Bonjour, notre enfant partira à 15 h 30 vendredi pour un rendez-vous. Nous viendrons le \
                       chercher à la grille. Merci."
                    .into(),
                needs_signature: false,
                pupils: vec![Concerned {
                    sub: family.child.sub.clone(),
                    name: family.child.name.clone(),
                    signers: Vec::new(),
                }],
            };
            book.store.create_note(&word, at(monday.add_days(1), EVENING)).await?;
        }
        Ok::<(), DbError>(())
    })
}

fn person(p: &DemoPerson) -> Person {
    Person { sub: p.sub.clone(), name: p.name.clone() }
}

/// A pupil the class's note concerns, with the parents asked to sign (those with authority).
fn concerned(family: &DemoFamily) -> Concerned {
    Concerned {
        sub: family.child.sub.clone(),
        name: family.child.name.clone(),
        signers: family.parents.iter().filter(|(_, legal)| *legal).map(|(p, _)| person(p)).collect(),
    }
}
