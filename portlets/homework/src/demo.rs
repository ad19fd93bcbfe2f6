//! The demo school's diary: what the demo class did each school day of this week and what is
//! due, so that `ent demo`'s first pages show a diary in use. Deterministic and in French.

use ent_portlet_kit::{Date, DbError, DemoSchool};

use crate::Homework;
use crate::store::{Content, Item, Placement};

/// One school day of the demo week: what was done, and what is due (text, in how many school
/// days).
struct Day {
    done: &'static str,
    due: &'static [(&'static str, i64)],
}

const WEEK: [Day; 5] = [
    Day {
        done: "Lecture : « Le loup qui voulait changer de couleur », pages 4 à 9.\nMathématiques : les nombres jusqu'à 20, compter de 2 en 2.",
        due: &[("Relire les pages 4 à 9 à voix haute.", 1)],
    },
    Day {
        done: "Questionner le monde : les saisons, l'automne.\nÉcriture : les lettres b, l, h.",
        due: &[("Apporter une feuille d'arbre ramassée dans un parc.", 2), ("Couvrir le cahier du jour.", 1)],
    },
    Day {
        done: "Chant : « Une souris verte ».\nMathématiques : les compléments à 10 avec les doigts.",
        due: &[("Apprendre le premier couplet de la chanson.", 2)],
    },
    Day {
        done: "Lecture : fin de l'album, qui a changé de couleur ?\nArts plastiques : une frise de feuilles.",
        due: &[("Lire la fiche de sons « ou » avec un adulte.", 1), ("Signer le carnet de liaison (sortie).", 1)],
    },
    Day {
        done: "Dictée de mots : loup, rouge, vert, jour.\nSport : parcours de motricité.",
        due: &[("Réviser les mots de la dictée pour lundi.", 1)],
    },
];

/// Writes this week's diary of the demo class (every school day from Monday, and the next
/// school day too, so that "à faire" is never empty).
pub(crate) fn fill<'a>(diary: &'a Homework, school: &'a DemoSchool) -> ent_portlet_kit::demo::Filling<'a> {
    Box::pin(async move {
        let placement = Placement {
            school: school.uai.clone(),
            class_id: school.class_id.clone(),
            class_name: school.class_name.clone(),
            author_sub: school.teacher.sub.clone(),
            author_name: school.teacher.name.clone(),
        };
        let monday = school.today.school_day_from().monday();
        for (n, day) in WEEK.iter().enumerate() {
            let date = monday.add_days(n as i64);
            let content = Content {
                day: date,
                done: day.done.to_string(),
                items: day
                    .due
                    .iter()
                    .map(|(text, after)| Item { text: text.to_string(), due: after_school_days(date, *after) })
                    .collect(),
            };
            diary.store.create(&placement, &content, &[]).await?;
        }
        Ok::<(), DbError>(())
    })
}

/// The school day `n` school days after `day`.
fn after_school_days(day: Date, n: i64) -> Date {
    (0..n).fold(day, |d, _| d.next_school_day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_fall_on_school_days_after_the_lesson() {
        let friday = Date::from_ymd(2026, 12, 4).expect("date");
        assert_eq!(after_school_days(friday, 1), Date::from_ymd(2026, 12, 7).expect("date"));
        for day in &WEEK {
            assert!(day.due.iter().all(|(text, n)| *n >= 1 && !text.is_empty()));
        }
    }
}
