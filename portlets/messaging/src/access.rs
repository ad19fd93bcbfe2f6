//! Who may read and do what in messaging, from the kit's `Identity` and the message's recorded
//! school, author and recipients. Every rule fails closed.
//!
//! | who | may |
//! |---|---|
//! | a message's author | see it in every state, recall it (held, or sent less than an hour ago and unread by all) |
//! | a recipient | see it once delivered (not held, recalled, retracted or refused), answer its author, report it |
//! | a teacher | review held messages of the pupils (and their parents) of the classes they teach |
//! | the school's director | review every held message of the school, read what was reported, freeze, retract, switch, set the rules |
//! | an admin | freeze anywhere, retract, switch and set rules in any school; read no message |
//!
//! Nobody else learns that a conversation or a file exists (404).

use ent_portlet_kit::{Identity, Profile};

use crate::model::State;
use crate::store::Message;

/// May review (release or delete) this held message.
pub fn can_review(who: &Identity, m: &Message) -> bool {
    if who.is_director_of(&m.school) {
        return true;
    }
    let families = matches!(m.author_profile, Profile::Pupil | Profile::Parent);
    families && m.author_classes.iter().any(|c| who.is_teacher_of(c))
}

/// May act for the whole school: its director, or an admin of the network.
pub fn can_manage(who: &Identity, school: &str) -> bool {
    who.is_director_of(school) || who.profile == Profile::Admin
}

/// The schools whose held messages this person reviews (some or all of them).
pub fn reviewed_schools(who: &Identity) -> Vec<String> {
    let mut out: Vec<String> = who.directed_schools().map(str::to_owned).collect();
    for c in who.taught_classes() {
        if !out.contains(&c.school) {
            out.push(c.school.clone());
        }
    }
    out
}

/// May see this message and its files: its author; a recipient once it is delivered; a
/// reviewer while it is held; the school's director once it is reported (`reported`).
pub fn can_see(who: &Identity, m: &Message, received: bool, reported: bool) -> bool {
    m.author_sub == who.sub
        || (received && m.state == State::Sent)
        || (m.state == State::Held && can_review(who, m))
        || (reported && who.is_director_of(&m.school))
}
