//! A school's address book, read from the provider's directory when someone writes: its classes,
//! its pupils and their parents (the class rosters), its teachers, directors and staff (the
//! school's staff list). The rules (`policy`) decide who in it a sender may reach; groups expand
//! from it on the server when a message is sent, so a picker's list is never trusted.

use std::collections::HashMap;

use ent_portlet_kit::directory::{ClassName, Directory, DirectoryError};
use ent_portlet_kit::{Identity, Profile};

use crate::policy::{Kind, Member, Sender};

/// The people and classes of one school.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Book {
    pub school: String,
    pub classes: Vec<ClassName>,
    /// By name.
    pub members: Vec<Member>,
    index: HashMap<String, usize>,
}

impl Book {
    /// The school's book, or `None` when the directory knows no such school.
    pub async fn load(directory: &Directory, school: &str) -> Result<Option<Book>, DirectoryError> {
        let Some(classes) = directory.school_classes(school).await? else { return Ok(None) };
        let staff = directory.school_staff(school).await?.map(|s| s.staff).unwrap_or_default();
        let mut book = Book { school: school.to_string(), classes: classes.clone(), ..Book::default() };
        for person in staff {
            let kind = match person.profile {
                Profile::Teacher => Kind::Teacher,
                Profile::Director => Kind::Director,
                Profile::Staff => Kind::Staff,
                // Someone else attached to the school is no one to write to from here.
                _ => continue,
            };
            book.add(&person.sub, &person.name, kind, None);
        }
        for class in &classes {
            let Some(roster) = directory.class(&class.id).await? else { continue };
            if roster.school != school {
                continue;
            }
            for t in &roster.teachers {
                book.add(&t.sub, &t.name, Kind::Teacher, Some(&roster.id));
            }
            for p in &roster.pupils {
                book.add(&p.sub, &p.name, Kind::Pupil, Some(&roster.id));
                for g in &p.guardians {
                    book.add(&g.sub, &g.name, Kind::Parent, Some(&roster.id));
                }
            }
        }
        Ok(Some(Book::indexed(book)))
    }

    /// The book with its members by name and its index built.
    pub fn indexed(mut book: Book) -> Book {
        book.members.sort_by(|a, b| (&a.name, &a.sub).cmp(&(&b.name, &b.sub)));
        book.index = book.members.iter().enumerate().map(|(i, m)| (m.sub.clone(), i)).collect();
        book
    }

    /// Adds a person, or a class to a person already there. A teacher listed as a director or
    /// as staff keeps that kind and gains the class.
    fn add(&mut self, sub: &str, name: &str, kind: Kind, class: Option<&str>) {
        let at = match self.index.get(sub) {
            Some(i) => *i,
            None => {
                self.members.push(Member { sub: sub.into(), name: name.into(), kind, classes: Vec::new() });
                self.index.insert(sub.to_string(), self.members.len() - 1);
                self.members.len() - 1
            }
        };
        let m = &mut self.members[at];
        if let Some(c) = class
            && !m.classes.iter().any(|k| k == c)
        {
            m.classes.push(c.to_string());
        }
    }

    pub fn member(&self, sub: &str) -> Option<&Member> {
        self.index.get(sub).and_then(|i| self.members.get(*i))
    }

    pub fn class_name(&self, id: &str) -> Option<&str> {
        self.classes.iter().find(|c| c.id == id).map(|c| c.name.as_str())
    }
}

/// The schools a person may write in: a pupil's class's, a parent's children's, a teacher's and
/// a director's, a staff member's, a city agent's city's; an admin's come from the directory.
pub fn own_schools(who: &Identity) -> Vec<String> {
    let mut out: Vec<String> = match who.profile {
        Profile::Pupil => who.pupil_classes().map(|c| c.school.clone()).collect(),
        Profile::Parent => who.children().iter().filter_map(|c| c.school.clone()).collect(),
        Profile::Teacher => who.taught_classes().map(|c| c.school.clone()).chain(who.schools.iter().cloned()).collect(),
        Profile::Director => {
            who.directed_schools().map(str::to_owned).chain(who.taught_classes().map(|c| c.school.clone())).collect()
        }
        Profile::Staff => who.schools.clone(),
        Profile::CityAgent => who.city_schools().to_vec(),
        Profile::Admin => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| !s.is_empty() && seen.insert(s.clone()));
    out
}

/// The sender as the rules see them in this school: their own classes there.
pub fn sender<'a>(who: &'a Identity, school: &str) -> Sender<'a> {
    let classes = match who.profile {
        Profile::Pupil => who.pupil_classes().filter(|c| c.school == school).map(|c| c.id.as_str()).collect(),
        Profile::Parent => who
            .children()
            .iter()
            .filter(|c| c.school.as_deref() == Some(school))
            .filter_map(|c| c.class.as_deref())
            .collect(),
        Profile::Teacher | Profile::Director => {
            who.taught_classes().filter(|c| c.school == school).map(|c| c.id.as_str()).collect()
        }
        Profile::Staff | Profile::CityAgent | Profile::Admin => Vec::new(),
    };
    Sender { sub: &who.sub, profile: who.profile, classes }
}
