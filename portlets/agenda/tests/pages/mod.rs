//! What the agenda's router tests add to the kit's harness: "today" fixed on a Tuesday by the
//! kit's clock, the agenda's store to look into, one event in each agenda of the network (each
//! class, each school, a few people's own), each with a word no other page holds, and the
//! occurrences a page shows, read back from its links and `<time datetime>`.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeSet;
use std::ops::Deref;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ent_portlet_agenda::PORTLET;
use ent_portlet_agenda::Store;
use ent_portlet_agenda::model::{Author, ClassId, EventContent, EventId, Schedule, Scope, Sub, Title, Uai, When};
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, CLASS_B1, Harness, Network, SCHOOL_A, SCHOOL_B};
use ent_portlet_kit::{Clock, Date, Db, Identity};

/// The tests' today: Tuesday 4 March 2025 (noon by the kit's clock).
pub const TODAY: &str = "2025-03-04";
/// The day after: every seeded event is then, so that the card's reminder shows it.
pub const TOMORROW: &str = "2025-03-05";

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// The kit's harness around the agenda, and the agenda's store.
pub struct Agenda {
    pub h: Harness,
    pub store: Store,
}

impl Deref for Agenda {
    type Target = Harness;
    fn deref(&self) -> &Harness {
        &self.h
    }
}

/// An agenda of the network, with the word its seeded event's title holds.
#[derive(Clone, Copy, Debug)]
pub struct Seeded {
    /// A short key the tables name it by.
    pub key: &'static str,
    pub secret: &'static str,
}

/// Every seeded agenda: the three classes, the two schools, four people's own.
pub const SEEDED: [Seeded; 9] = [
    Seeded { key: "a1", secret: "secret-class-a1" },
    Seeded { key: "a2", secret: "secret-class-a2" },
    Seeded { key: "b1", secret: "secret-class-b1" },
    Seeded { key: "sa", secret: "secret-school-a" },
    Seeded { key: "sb", secret: "secret-school-b" },
    Seeded { key: "pt", secret: "secret-own-teacher-a1" },
    Seeded { key: "pp", secret: "secret-own-parent-a1" },
    Seeded { key: "pu", secret: "secret-own-pupil-a1" },
    Seeded { key: "ps", secret: "secret-own-staff-a" },
];

impl Agenda {
    /// The agenda on `db`, with the network's rosters as its directory, on the tests' today.
    pub fn new(db: Db) -> Agenda {
        let h = Harness::with(
            &PORTLET,
            db.clone(),
            Some(Network::new().directory()),
            Clock::on(Date::parse(TODAY).unwrap()),
        );
        Agenda { h, store: Store::new(db) }
    }

    /// The scope of a seeded agenda, and who writes its event.
    pub fn scope_of(&self, key: &str) -> (Scope, &Identity) {
        let n = &self.net;
        let class = |id: &str| Scope::Class(ClassId::parse(id).unwrap());
        let school = |uai: &str| Scope::School(Uai::parse(uai).unwrap());
        let own = |who: &Identity| Scope::Personal(Sub::parse(&who.sub).unwrap());
        match key {
            "a1" => (class(CLASS_A1), &n.teacher_a1),
            "a2" => (class(CLASS_A2), &n.teacher_a2),
            "b1" => (class(CLASS_B1), &n.teacher_b1),
            "sa" => (school(SCHOOL_A), &n.director_a),
            "sb" => (school(SCHOOL_B), &n.director_b),
            "pt" => (own(&n.teacher_a1), &n.teacher_a1),
            "pp" => (own(&n.parent_a1), &n.parent_a1),
            "pu" => (own(&n.pupil_a1), &n.pupil_a1),
            _ => (own(&n.staff_a), &n.staff_a),
        }
    }

    /// An event in a seeded agenda, tomorrow from 14:00 to 15:00, titled with `title`.
    pub async fn seed(&self, key: &str, title: &str) -> EventId {
        let (scope, author) = self.scope_of(key);
        let when = When::timed(at(&format!("{TOMORROW} 14:00")), at(&format!("{TOMORROW} 15:00"))).unwrap();
        let content = EventContent {
            title: Title::parse(title).unwrap(),
            place: None,
            description: None,
            schedule: Schedule::once(when),
        };
        let author = Author::new(Sub::parse(&author.sub).unwrap(), author.display_name());
        self.store.create(&scope, &author, &content).await.unwrap()
    }

    /// One event in each seeded agenda, in the order of [`SEEDED`].
    pub async fn seed_all(&self) -> Vec<EventId> {
        let mut out = Vec::new();
        for s in SEEDED {
            out.push(self.seed(s.key, &format!("Événement {}", s.secret)).await);
        }
        out
    }
}

/// An occurrence as a page shows it: its event, the day it starts, and its start for a timed one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shown {
    pub event: String,
    pub first_day: NaiveDate,
    pub start: Option<DateTime<Utc>>,
}

/// The occurrences a page lists: each line's link to `…/events/{id}?date={first day}` and its
/// `<time datetime>` (an RFC 3339 start, or a day).
pub fn shown(html: &str, base: &str) -> BTreeSet<Shown> {
    let mut out = BTreeSet::new();
    let marker = format!("href=\"{base}/events/");
    for part in html.split("<li class=\"item\">").skip(1) {
        let line = part.split("</li>").next().unwrap_or("");
        let Some(link) = line.split(&marker).nth(1) else { continue };
        let link = link.split('"').next().unwrap();
        let (id, query) = link.split_once('?').unwrap();
        let first_day = day(query.strip_prefix("date=").unwrap());
        let datetime = line.split("<time datetime=\"").nth(1).unwrap().split('"').next().unwrap();
        let start = DateTime::parse_from_rfc3339(datetime).ok().map(|t| t.with_timezone(&Utc));
        out.insert(Shown { event: id.to_string(), first_day, start });
    }
    out
}
