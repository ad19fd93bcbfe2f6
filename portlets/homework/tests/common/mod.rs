//! What the diary's router tests add to the kit's harness: "today" fixed on a Tuesday by the
//! kit's clock, the diary's store to look into, and one entry per class to look for.
#![allow(clippy::unwrap_used, dead_code)]

use std::ops::Deref;

use ent_portlet_homework::store::{Content, Item, NewFile, Placement, Store};
use ent_portlet_homework::{Date, PORTLET};
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, CLASS_B1, Harness, SCHOOL_A, SCHOOL_B, TestFile};
use ent_portlet_kit::{Clock, Db, Identity};

pub const AUD: &str = "urn:ent:portlet:homework";
pub const BASE: &str = "/p/homework";
/// The tests' today: Tuesday 4 March 2025.
pub const TODAY: &str = "2025-03-04";
pub const TOMORROW: &str = "2025-03-05";

pub fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The kit's harness around the diary, and the diary's store.
pub struct Diary {
    pub h: Harness,
    pub store: Store,
}

impl Deref for Diary {
    type Target = Harness;
    fn deref(&self) -> &Harness {
        &self.h
    }
}

/// A class of the network, with the words its seeded entry says.
#[derive(Clone, Copy, Debug)]
pub struct Class {
    pub id: &'static str,
    pub name: &'static str,
    pub school: &'static str,
    /// Written in the seeded entry ("done" and the item), and in no other.
    pub secret: &'static str,
}

pub const CLASSES: [Class; 3] = [
    Class { id: CLASS_A1, name: "CM1 A", school: SCHOOL_A, secret: "secret-a1" },
    Class { id: CLASS_A2, name: "CE2 A", school: SCHOOL_A, secret: "secret-a2" },
    Class { id: CLASS_B1, name: "CP B", school: SCHOOL_B, secret: "secret-b1" },
];

impl Diary {
    /// The diary on `db`, with the network's rosters as its directory, on the tests' today.
    pub fn new(db: Db) -> Diary {
        let h = Harness::with(
            &PORTLET,
            db.clone(),
            Some(ent_portlet_kit::testing::Network::new().directory()),
            Clock::on(d(TODAY)),
        );
        Diary { h, store: Store::new(db) }
    }

    /// The teacher of a class in the network.
    pub fn teacher_of(&self, class: &Class) -> &Identity {
        match class.id {
            CLASS_A1 => &self.net.teacher_a1,
            CLASS_A2 => &self.net.teacher_a2,
            _ => &self.net.teacher_b1,
        }
    }

    /// An entry of the class by its teacher, for today, with one item due tomorrow and a file.
    pub async fn seed(&self, class: &Class, text: &str) -> String {
        let teacher = self.teacher_of(class);
        let placement = Placement {
            school: class.school.into(),
            class_id: class.id.into(),
            class_name: class.name.into(),
            author_sub: teacher.sub.clone(),
            author_name: teacher.display_name().into(),
        };
        let content = Content {
            day: d(TODAY),
            done: format!("Séance {text}"),
            items: vec![Item { text: format!("Devoir {text}"), due: d(TOMORROW) }],
        };
        let file = NewFile {
            name: format!("fiche-{text}.pdf"),
            content_type: "application/pdf".into(),
            data: format!("%PDF {text}").into_bytes().into(),
        };
        self.store.create(&placement, &content, &[file]).await.unwrap()
    }
}

/// A PDF-typed file in a multipart post.
pub fn file(file_name: &str, content_type: &'static str, data: Vec<u8>) -> TestFile {
    TestFile { field: "files", file_name: file_name.into(), content_type, data }
}

/// Checks a fragment against the portal's rules (the kit's check, under this portlet's base).
pub fn assert_fragment_rules(html: &str) {
    ent_portlet_kit::testing::assert_fragment_rules(html, BASE);
}
