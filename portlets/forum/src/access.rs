//! Who reads, writes and moderates which forum, from the kit's `Identity` and the forum's
//! recorded class, school and openings. Every rule fails closed: an unknown profile, a class or
//! school one is not linked to, a forum not opened, is a refusal.
//!
//! | forum | reads | writes | moderates |
//! |---|---|---|---|
//! | a class's | its pupils, its teachers, the school's director; its families only when opened to them | its pupils, its teachers, the director | its teachers, the director |
//! | a school's | its staff, its teachers, its director; its pupils and its parents when the director opens it to them | the staff, teachers and director; its pupils when opened | the director |
//!
//! Parents never write: they read what a class or school opens to them. A city agent and an
//! admin have no forum. Whoever may not read a forum is told it does not exist (404); whoever
//! reads it but may not do something is refused (403).

use ent_portlet_kit::{Identity, Profile};

use crate::model::{Mode, Scope};
use crate::store::Forum;

/// An adult who works at this school: its staff, its teachers, its director.
pub fn works_at(who: &Identity, school: &str) -> bool {
    match who.profile {
        Profile::Staff => who.schools.iter().any(|s| s == school),
        Profile::Teacher | Profile::Director => {
            who.is_director_of(school)
                || who.schools.iter().any(|s| s == school)
                || who.taught_classes().any(|c| c.school == school)
        }
        Profile::Pupil | Profile::Parent | Profile::CityAgent | Profile::Admin => false,
    }
}

/// A pupil of this class.
fn pupil_of(who: &Identity, class_id: &str) -> bool {
    who.pupil_classes().any(|c| c.id == class_id)
}

/// A parent of a pupil of this class.
fn parent_in_class(who: &Identity, class_id: &str) -> bool {
    who.children().iter().any(|c| c.class.as_deref() == Some(class_id))
}

/// A pupil of this school.
fn pupil_at(who: &Identity, school: &str) -> bool {
    who.pupil_classes().any(|c| c.school == school)
}

/// A parent of a pupil of this school.
fn parent_at(who: &Identity, school: &str) -> bool {
    who.children().iter().any(|c| c.school.as_deref() == Some(school))
}

/// May moderate this forum: a class forum's teachers and the school's director; a school
/// forum's director.
pub fn can_moderate(who: &Identity, f: &Forum) -> bool {
    match &f.scope {
        Scope::Class { class_id } => who.is_teacher_of(class_id) || who.is_director_of(&f.school),
        Scope::School => who.is_director_of(&f.school),
    }
}

/// May write (new threads, replies, reports are reading's) in this forum.
pub fn can_write(who: &Identity, f: &Forum) -> bool {
    if can_moderate(who, f) {
        return true;
    }
    match &f.scope {
        Scope::Class { class_id } => pupil_of(who, class_id),
        Scope::School => works_at(who, &f.school) || (f.open_pupils && pupil_at(who, &f.school)),
    }
}

/// May read this forum.
pub fn can_read(who: &Identity, f: &Forum) -> bool {
    if can_write(who, f) {
        return true;
    }
    match &f.scope {
        Scope::Class { class_id } => f.open_families && parent_in_class(who, class_id),
        Scope::School => f.open_parents && parent_at(who, &f.school),
    }
}

/// Whether what this person writes now waits for a moderator: a pupil's post in a forum that
/// holds every pupil post, or a pupil's new thread in one that holds new threads.
pub fn is_held(who: &Identity, f: &Forum, new_thread: bool) -> bool {
    who.profile == Profile::Pupil
        && match f.mode {
            Mode::None => false,
            Mode::PupilThreads => new_thread,
            Mode::PupilPosts => true,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ForumId;
    use ent_portlet_kit::testing::{CLASS_A1, Network, SCHOOL_A, SCHOOL_B};

    fn forum(scope: Scope, school: &str) -> Forum {
        Forum {
            id: ForumId::stored("0".repeat(32)),
            scope,
            school: school.into(),
            name: "F".into(),
            mode: Mode::None,
            open_families: false,
            open_pupils: false,
            open_parents: false,
        }
    }

    #[test]
    fn a_class_forum_is_its_classs() {
        let n = Network::new();
        let mut f = forum(Scope::Class { class_id: CLASS_A1.into() }, SCHOOL_A);
        for who in [&n.pupil_a1, &n.pupil_a1_bis, &n.teacher_a1, &n.director_a] {
            assert!(can_read(who, &f) && can_write(who, &f), "{}", who.sub);
        }
        assert!(can_moderate(&n.teacher_a1, &f) && can_moderate(&n.director_a, &f));
        assert!(!can_moderate(&n.pupil_a1, &f) && !can_moderate(&n.teacher_a2, &f));
        for who in [&n.parent_a1, &n.pupil_a2, &n.teacher_a2, &n.director_b, &n.staff_a, &n.city_agent, &n.admin] {
            assert!(!can_read(who, &f), "{}", who.sub);
        }
        f.open_families = true;
        assert!(can_read(&n.parent_a1, &f) && can_read(&n.parent_a1_no_authority, &f));
        assert!(!can_write(&n.parent_a1, &f), "families only read");
        assert!(!can_read(&n.parent_a2, &f) && !can_read(&n.parent_b1, &f));
    }

    #[test]
    fn a_school_forum_is_its_adults_and_whom_the_director_opens_it_to() {
        let n = Network::new();
        let mut f = forum(Scope::School, SCHOOL_A);
        for who in [&n.staff_a, &n.teacher_a1, &n.teacher_a2, &n.director_a] {
            assert!(can_read(who, &f) && can_write(who, &f), "{}", who.sub);
        }
        assert!(can_moderate(&n.director_a, &f) && !can_moderate(&n.teacher_a1, &f));
        for who in [&n.pupil_a1, &n.parent_a1, &n.teacher_b1, &n.director_b, &n.city_agent, &n.admin] {
            assert!(!can_read(who, &f), "{}", who.sub);
        }
        f.open_pupils = true;
        assert!(can_write(&n.pupil_a1, &f) && !can_read(&n.parent_a1, &f) && !can_read(&n.pupil_b1, &f));
        f.open_parents = true;
        assert!(can_read(&n.parent_a1, &f) && !can_write(&n.parent_a1, &f) && !can_read(&n.parent_b1, &f));
        let b = forum(Scope::School, SCHOOL_B);
        assert!(!can_read(&n.staff_a, &b) && can_read(&n.teacher_b1, &b));
    }

    #[test]
    fn only_pupils_wait() {
        let n = Network::new();
        let mut f = forum(Scope::Class { class_id: CLASS_A1.into() }, SCHOOL_A);
        assert!(!is_held(&n.pupil_a1, &f, true));
        f.mode = Mode::PupilThreads;
        assert!(is_held(&n.pupil_a1, &f, true) && !is_held(&n.pupil_a1, &f, false));
        assert!(!is_held(&n.teacher_a1, &f, true));
        f.mode = Mode::PupilPosts;
        assert!(is_held(&n.pupil_a1, &f, false) && !is_held(&n.director_a, &f, false));
    }
}
