//! The demo school's messages: the teacher's word to the class's parents, a parent's question
//! to the teacher and its answer, the director's note to the teacher, so that `ent demo`'s first
//! pages show messaging in use (and the demo parent an unread answer). Deterministic and in
//! French.

use ent_portlet_kit::{Date, DbError, DemoPerson, DemoSchool, Profile};

use crate::Messaging;
use crate::model::ToPart;
use crate::store::{DraftText, Outgoing};

/// Seconds after the day's noon (Paris) at which something was written.
const MORNING: i64 = -3 * 3600 - 15 * 60;
const EVENING: i64 = 5 * 3600 + 45 * 60;

struct Write<'a> {
    school: &'a DemoSchool,
    author: &'a DemoPerson,
    profile: Profile,
    conversation: Option<&'a str>,
    subject: &'a str,
    body: &'a str,
    to: Vec<(String, String)>,
    label: Vec<ToPart>,
    at: i64,
}

async fn write(m: &Messaging, w: Write<'_>) -> Result<String, DbError> {
    let classes = [w.school.class_id.as_str()];
    let addresses: Vec<String> = w.to.iter().map(|(sub, _)| format!("p:{sub}")).collect();
    let id = m
        .store
        .create_draft(
            &DraftText {
                school: &w.school.uai,
                author_sub: &w.author.sub,
                author_name: &w.author.name,
                author_profile: w.profile,
                author_classes: if matches!(w.profile, Profile::Director) { &[] } else { &classes },
                conversation_id: w.conversation,
                subject: w.subject,
                body: w.body,
                addresses: &addresses,
            },
            w.at,
        )
        .await?;
    let out = Outgoing { recipients: &w.to, to: &w.label, hold: None, session_start: None };
    let sent = m.store.send(&id, &w.author.sub, &out, w.at).await?;
    Ok(sent.and_then(|s| s.conversation_id).unwrap_or_default())
}

fn one(p: &DemoPerson) -> (Vec<(String, String)>, Vec<ToPart>) {
    (vec![(p.sub.clone(), p.name.clone())], vec![ToPart::Person { name: p.name.clone() }])
}

/// Writes the demo class's messages; `school.families[0]` is the demo pupil's family.
pub(crate) fn fill<'a>(m: &'a Messaging, school: &'a DemoSchool) -> ent_portlet_kit::demo::Filling<'a> {
    Box::pin(async move {
        let monday = school.today.school_day_from().monday();
        let at = |day: Date, offset: i64| day.paris_noon() + offset;
        let parents: Vec<(String, String)> = school
            .families
            .iter()
            .flat_map(|f| f.parents.iter().map(|(p, _)| (p.sub.clone(), p.name.clone())))
            .collect();
        write(
            m,
            Write {
                school,
                author: &school.teacher,
                profile: Profile::Teacher,
                conversation: None,
                subject: "Bienvenue dans la messagerie de la classe",
                body: "Bonjour à tous,\n\nVous pouvez m'écrire ici pour toute question sur la classe. \
                       Je réponds en général le soir.\n\nBonne semaine !",
                label: vec![ToPart::Group {
                    kind: "class_parents".into(),
                    class_name: Some(school.class_name.clone()),
                }],
                to: parents,
                at: at(monday.add_days(-7), MORNING),
            },
        )
        .await?;
        if let Some(family) = school.families.first()
            && let Some((parent, _)) = family.parents.first()
        {
            let (to, label) = one(&school.teacher);
            let first_name = family.child.name.split_whitespace().next().unwrap_or("");
            let body = format!(
                "Bonjour,\n{first_name} a oublié son cahier de poésie à l'école. Peut-il le récupérer demain matin ?\nMerci."
            );
            let conversation = write(
                m,
                Write {
                    school,
                    author: parent,
                    profile: Profile::Parent,
                    conversation: None,
                    subject: "Cahier de poésie oublié",
                    body: &body,
                    to,
                    label,
                    at: at(monday, EVENING),
                },
            )
            .await?;
            let (to, label) = one(parent);
            write(
                m,
                Write {
                    school,
                    author: &school.teacher,
                    profile: Profile::Teacher,
                    conversation: Some(&conversation),
                    subject: "Cahier de poésie oublié",
                    body: "Bonjour,\nOui, bien sûr : le cahier l'attend sur mon bureau.\nBonne soirée.",
                    to,
                    label,
                    at: at(monday, EVENING + 1800),
                },
            )
            .await?;
        }
        let (to, label) = one(&school.teacher);
        write(
            m,
            Write {
                school,
                author: &school.director,
                profile: Profile::Director,
                conversation: None,
                subject: "Conseil des maîtres jeudi",
                body: "Bonjour,\nLe conseil des maîtres aura lieu jeudi à 16 h 45 en salle des maîtres.\nOrdre du jour : la sortie de fin d'année, les projets d'école.",
                to,
                label,
                at: at(monday.add_days(1), MORNING),
            },
        )
        .await?;
        Ok(())
    })
}
