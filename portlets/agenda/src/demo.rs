//! The demo school's week in the agenda (`ent demo`, a new database): for the demo class an
//! outing and a visit this week and the swimming lessons every Tuesday until the end of the
//! school year, a parents' meeting at the school, and a personal note of the teacher's. Written
//! through the store as the pages would, in French, and the same for the same day.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use ent_portlet_kit::DemoSchool;
use ent_portlet_kit::demo::Filling;
use ent_storage::DbError;

use crate::Agenda;
use crate::days;
use crate::model::{Author, ClassId, Description, EventContent, Place, Schedule, Scope, Sub, Title, Uai, When};
use crate::recurrence::{End, Pattern, Recurrence, WeekdaySet};
use crate::store::HeldClass;

/// `ent demo`'s fill of the agenda.
pub fn fill<'a>(agenda: &'a Agenda, school: &'a DemoSchool) -> Filling<'a> {
    Box::pin(write(agenda, school))
}

fn bad(what: &str) -> DbError {
    DbError::Corrupt(format!("demo agenda: {what}"))
}

fn at(day: NaiveDate, h: u32, m: u32) -> chrono::NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
}

fn content(title: &str, place: &str, description: &str, schedule: Schedule) -> Result<EventContent, DbError> {
    Ok(EventContent {
        title: Title::parse(title).map_err(|_| bad("title"))?,
        place: Place::parse(place).map_err(|_| bad("place"))?,
        description: Description::parse(description).map_err(|_| bad("description"))?,
        schedule,
    })
}

fn timed(day: NaiveDate, from: (u32, u32), to: (u32, u32)) -> Result<When, DbError> {
    When::timed(at(day, from.0, from.1), at(day, to.0, to.1)).map_err(|e| bad(&e.to_string()))
}

async fn write(agenda: &Agenda, school: &DemoSchool) -> Result<(), DbError> {
    let store = &agenda.store;
    let class_id = ClassId::parse(&school.class_id).ok_or_else(|| bad("class"))?;
    let uai = Uai::parse(&school.uai).ok_or_else(|| bad("school"))?;
    let teacher = Author::new(Sub::parse(&school.teacher.sub).ok_or_else(|| bad("teacher"))?, &school.teacher.name);
    let director = Author::new(Sub::parse(&school.director.sub).ok_or_else(|| bad("director"))?, &school.director.name);
    let class = Scope::Class(class_id.clone());
    let held = HeldClass { id: class_id, name: school.class_name.clone(), school: uai.clone() };
    store.remember_class(&held, ent_storage::now()).await?;

    // The school week around the demo's day (a weekend opens on the next one).
    let monday = days::naive(school.today.school_day_from().monday());
    let day = |n: i64| monday + Duration::days(n);
    // The school year ends early in July: the swimming lessons stop at the end of June.
    let year_end = if monday.month() >= 8 { monday.year() + 1 } else { monday.year() };
    let until = NaiveDate::from_ymd_opt(year_end, 6, 30).ok_or_else(|| bad("year"))?;

    let tuesday = day(1);
    let weekly = Recurrence::new(Pattern::Weekly(WeekdaySet::new([tuesday.weekday()])), 1, End::Until(until))
        .map_err(|e| bad(&e.to_string()))?;
    let swimming = Schedule::repeating(timed(tuesday, (14, 0), (15, 0))?, weekly, Default::default())
        .map_err(|e| bad(&e.to_string()))?;
    store
        .create(
            &class,
            &teacher,
            &content(
                "Piscine",
                "Piscine municipale",
                "Prévoir maillot, bonnet de bain et serviette dans un sac marqué au nom de l'enfant.",
                swimming,
            )?,
        )
        .await?;
    let outing = When::all_day(day(3), day(3)).map_err(|e| bad(&e.to_string()))?;
    store
        .create(
            &class,
            &teacher,
            &content(
                "Sortie à la ferme pédagogique",
                "Ferme des Quatre Saisons",
                "Départ en car à 8 h 45, retour vers 16 h 30.\nPrévoir un pique-nique, une gourde et des bottes.",
                Schedule::once(outing),
            )?,
        )
        .await?;
    store
        .create(
            &class,
            &teacher,
            &content(
                "Visite de la médiathèque",
                "Médiathèque du quartier",
                "Chaque élève choisit un livre à emprunter pour deux semaines.",
                Schedule::once(timed(day(4), (9, 30), (11, 0))?),
            )?,
        )
        .await?;
    store
        .create(
            &Scope::School(uai),
            &director,
            &content(
                "Réunion parents-enseignants",
                "Salle polyvalente de l'école",
                "Présentation du projet d'école et des sorties de l'année. Garderie assurée sur place.",
                Schedule::once(timed(day(1), (17, 30), (19, 0))?),
            )?,
        )
        .await?;
    store
        .create(
            &Scope::Personal(teacher.sub.clone()),
            &teacher,
            &content(
                "Préparer les évaluations de mi-trimestre",
                "",
                "",
                Schedule::once(timed(day(3), (18, 0), (19, 30))?),
            )?,
        )
        .await?;
    Ok(())
}
