//! The mini-sites' words as types: ids that are what they claim (32 hex digits, made here),
//! a site's visibility and a version's state, read from the database and from forms by
//! `FromStr`, never compared as strings.

use std::fmt;
use std::str::FromStr;

/// A value that is not one of the type's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {0}")]
pub struct Invalid(pub &'static str);

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The id of a ", $what, ": 32 lowercase hex digits.")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn new() -> $name {
                $name(uuid::Uuid::new_v4().simple().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::new()
            }
        }

        impl FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                if s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                    Ok($name(s.to_string()))
                } else {
                    Err(Invalid($what))
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(SiteId, "site");
id_type!(PageId, "page");
id_type!(VersionId, "version");
id_type!(PictureId, "picture");

/// Who may see a site's published pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    /// The class: its pupils, their families, its teachers, the school's director.
    Class,
    /// Also the school's other classes, their families and teachers.
    School,
    /// Anyone with the address, once the director approved it.
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Class, Visibility::School, Visibility::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Class => "class",
            Visibility::School => "school",
            Visibility::Public => "public",
        }
    }
}

impl FromStr for Visibility {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Visibility::ALL.into_iter().find(|v| v.as_str() == s).ok_or(Invalid("visibility"))
    }
}

/// Where a version stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionState {
    /// A pupil's, waiting for a teacher of the class or the director.
    Pending,
    /// Approved, or written by a teacher: part of the page's history.
    Published,
    /// Turned down; kept for its author and the teachers.
    Rejected,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Pending => "pending",
            VersionState::Published => "published",
            VersionState::Rejected => "rejected",
        }
    }
}

impl FromStr for VersionState {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        match s {
            "pending" => Ok(VersionState::Pending),
            "published" => Ok(VersionState::Published),
            "rejected" => Ok(VersionState::Rejected),
            _ => Err(Invalid("version state")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_nothing_else() {
        let id = SiteId::new();
        assert_eq!(id.as_str().parse::<SiteId>().ok(), Some(id.clone()));
        for bad in ["", "../x", "ABCDEF0123456789ABCDEF0123456789", &format!("{id}0"), "g".repeat(32).as_str()] {
            assert!(bad.parse::<SiteId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn words_read_back() {
        for v in Visibility::ALL {
            assert_eq!(v.as_str().parse::<Visibility>().ok(), Some(v));
        }
        assert!("world".parse::<Visibility>().is_err() && "Public".parse::<Visibility>().is_err());
        assert_eq!("pending".parse::<VersionState>().ok(), Some(VersionState::Pending));
    }
}
