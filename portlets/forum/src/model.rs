//! The forum's words as types: the ids of forums, categories, threads, posts and reports (read
//! from a path only when they have the shape the store gives them), what a forum belongs to, a
//! forum's moderation mode, and the states of threads and posts.

use std::fmt;
use std::str::FromStr;

/// Defines a typed id: 32 lowercase hex digits, as [`new_id`] makes them.
macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// An id of the store's shape, or `None` (a path naming anything else is a 404).
            pub fn parse(raw: &str) -> Option<$name> {
                is_id(raw).then(|| $name(raw.to_string()))
            }

            /// An id read back from the store, which made it.
            pub(crate) fn stored(raw: String) -> $name {
                $name(raw)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type!(ForumId, CategoryId, ThreadId, PostId, ReportId);

fn is_id(raw: &str) -> bool {
    raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new random id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// What a forum belongs to: a class (of a school), or a school.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Class { class_id: String },
    School,
}

impl Scope {
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Class { .. } => "class",
            Scope::School => "school",
        }
    }

    /// The store's key: one forum per class, one per school.
    pub fn key(&self, school: &str) -> String {
        match self {
            Scope::Class { class_id } => format!("class:{class_id}"),
            Scope::School => format!("school:{school}"),
        }
    }
}

/// Whose posts wait for a moderator before anyone else reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Nothing waits.
    #[default]
    None,
    /// A pupil's new thread waits; replies do not.
    PupilThreads,
    /// Every pupil's post waits.
    PupilPosts,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::None, Mode::PupilThreads, Mode::PupilPosts];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::PupilThreads => "threads",
            Mode::PupilPosts => "posts",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| format!("moderation mode {s:?}"))
    }
}

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Its first post waits for a moderator.
    Held,
    Open,
    /// Its first post was refused or hidden.
    Hidden,
}

impl ThreadState {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadState::Held => "held",
            ThreadState::Open => "open",
            ThreadState::Hidden => "hidden",
        }
    }
}

impl FromStr for ThreadState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [ThreadState::Held, ThreadState::Open, ThreadState::Hidden]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("thread state {s:?}"))
    }
}

/// Where a post is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostState {
    Held,
    Visible,
    /// Hidden by a moderator (or refused while held): kept for the audit.
    Hidden,
}

impl PostState {
    pub fn as_str(self) -> &'static str {
        match self {
            PostState::Held => "held",
            PostState::Visible => "visible",
            PostState::Hidden => "hidden",
        }
    }
}

impl FromStr for PostState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [PostState::Held, PostState::Visible, PostState::Hidden]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("post state {s:?}"))
    }
}

/// A moderation act, as the audit names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Approve,
    Hide,
    Edit,
    Lock,
    Unlock,
    Move,
    CloseReport,
    SetMode,
    SetOpenings,
    AddCategory,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Approve => "approve",
            Act::Hide => "hide",
            Act::Edit => "edit",
            Act::Lock => "lock",
            Act::Unlock => "unlock",
            Act::Move => "move",
            Act::CloseReport => "close_report",
            Act::SetMode => "set_mode",
            Act::SetOpenings => "set_openings",
            Act::AddCategory => "add_category",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_stores_shape_only() {
        let id = new_id();
        assert_eq!(PostId::parse(&id).map(|p| p.to_string()), Some(id));
        for bad in ["", "x", "../../etc", &"A".repeat(32), &"0".repeat(33), "0123456789abcdef0123456789abcdeg"] {
            assert!(ForumId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn words_read_back() {
        for m in Mode::ALL {
            assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
        }
        assert!("all".parse::<Mode>().is_err());
        assert_eq!("hidden".parse::<PostState>(), Ok(PostState::Hidden));
        assert_eq!("held".parse::<ThreadState>(), Ok(ThreadState::Held));
        assert_eq!(Scope::Class { class_id: "c1".into() }.key("A"), "class:c1");
        assert_eq!(Scope::School.key("A"), "school:A");
    }
}
