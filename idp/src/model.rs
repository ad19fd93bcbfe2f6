//! The directory's vocabulary: profiles and the identifiers that cross module boundaries.

use serde::{Deserialize, Serialize};

/// What a person is at school. Unknown strings are refused, never mapped to a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Pupil,
    Parent,
    Teacher,
    Director,
    Staff,
    CityAgent,
    Admin,
}

impl Profile {
    pub const ALL: [Profile; 7] = [
        Profile::Pupil,
        Profile::Parent,
        Profile::Teacher,
        Profile::Director,
        Profile::Staff,
        Profile::CityAgent,
        Profile::Admin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Profile::Pupil => "pupil",
            Profile::Parent => "parent",
            Profile::Teacher => "teacher",
            Profile::Director => "director",
            Profile::Staff => "staff",
            Profile::CityAgent => "city_agent",
            Profile::Admin => "admin",
        }
    }

    /// Pupils are minors: no e-mail address is kept or released for them.
    pub fn is_minor(&self) -> bool {
        matches!(self, Profile::Pupil)
    }
}

impl std::str::FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown profile {0:?}")]
pub struct UnknownProfile(pub String);
