//! Who may read and write what in the notebook, decided only from the kit's `Identity` checks
//! and the note's recorded class, school and pupils. Every rule fails closed: a profile or link
//! not named here is a refusal.
//!
//! | | teacher note (kind `class`) | parent note | thread (note, pupil) |
//! |---|---|---|---|
//! | teachers of the class | read | read | read, write |
//! | the school's director | read | read | read |
//! | a parent of a concerned pupil | read | read (own child) | read, write (own child) |
//! | a concerned pupil | read | — | — |
//!
//! Signing: a parent holding authority over the pupil, recorded as an expected signer when the
//! note was posted. Reminding: the class's teachers, and the note's author.
//!
//! Pupils named: of the pupils a note concerns, the class's staff see every one, a parent their
//! own children, a pupil themselves, anyone else none. A note to chosen families tells a
//! family about its own child, never who the other families are.

use ent_portlet_kit::{Identity, Profile};

use crate::store::{Kind, Note};

/// Profiles that have a notebook at all (those with class content); the others (staff, city
/// agents, admins) see nothing.
pub fn has_notebook(who: &Identity) -> bool {
    who.has_class_content()
}

/// The class's teachers and the school's director: the staff side of a note.
pub fn is_staff_of(who: &Identity, note: &Note) -> bool {
    who.can_write_class(&note.class_id, &note.school)
}

/// May read the note, given the pupils it concerns.
pub fn can_read_note(who: &Identity, note: &Note, pupils: &[String]) -> bool {
    if is_staff_of(who, note) {
        return true;
    }
    match (who.profile, note.kind) {
        (Profile::Parent, _) => pupils.iter().any(|p| who.child(p).is_some()),
        (Profile::Pupil, Kind::Class) => pupils.contains(&who.sub),
        _ => false,
    }
}

/// May see this pupil of a note named, with their signatures and thread. The kit's
/// `can_read_pupil` decides: the class's teachers and the school's director, the pupil's
/// parents, the pupil; every other profile and link is a refusal.
pub fn can_see_pupil(who: &Identity, note: &Note, pupil_sub: &str) -> bool {
    who.can_read_pupil(pupil_sub, &note.class_id, &note.school)
}

/// May read the thread (note, pupil) of a note that concerns that pupil: never the pupil, never
/// another family.
pub fn can_read_thread(who: &Identity, note: &Note, pupil_sub: &str) -> bool {
    is_staff_of(who, note) || who.child(pupil_sub).is_some()
}

/// May write in the thread (note, pupil): the class's teachers and the pupil's parents (the
/// director reads only).
pub fn can_write_thread(who: &Identity, note: &Note, pupil_sub: &str) -> bool {
    who.is_teacher_of(&note.class_id) || who.child(pupil_sub).is_some()
}

/// The role shown next to a message.
pub fn thread_role(who: &Identity) -> &'static str {
    if who.profile == Profile::Parent { "parent" } else { "teacher" }
}

/// May sign the note for this pupil (the recorded expected signers are checked by the store).
pub fn can_sign(who: &Identity, note: &Note, pupil_sub: &str) -> bool {
    note.kind == Kind::Class && note.needs_signature && who.is_legal_guardian_of(pupil_sub)
}

/// May remind the parents who have not signed.
pub fn can_remind(who: &Identity, note: &Note) -> bool {
    note.kind == Kind::Class
        && note.needs_signature
        && (who.is_teacher_of(&note.class_id) || (note.author_sub == who.sub && is_staff_of(who, note)))
}

/// May write notes at all (the form's class may still be refused).
pub fn writes_notes(who: &Identity) -> bool {
    who.writes_for_classes()
}
