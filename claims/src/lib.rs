//! The ENT claims vocabulary, one definition for the provider that issues the claims, the portal
//! and the portlets that read them (scope `ent`, docs/portlets.md): the profiles, and the shape
//! of `ent_classes`, `ent_children` and `ent_roles` entries and of `ent_city`.

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

    pub fn as_str(self) -> &'static str {
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

    /// `None` for any other name: whoever carries an unknown profile is refused (fail closed).
    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Pupils are minors: no e-mail address is kept or released for them.
    pub fn is_minor(self) -> bool {
        matches!(self, Profile::Pupil)
    }
}

impl std::str::FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::parse(s).ok_or_else(|| UnknownProfile(s.to_string()))
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

/// A class the person belongs to: as a pupil (`role: "pupil"`) or as its teacher (`"teacher"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRef {
    pub id: String,
    pub name: String,
    /// The school's UAI.
    pub school: String,
    pub role: String,
}

/// A parent's child: the child's `sub`, class, and whether this parent holds parental authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub sub: String,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub legal_guardian: bool,
    /// The child's first name, as the parent's pages show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
}

/// A role in a school's staff (`director`, `secretariat`, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolRole {
    pub school: String,
    pub role: String,
}

/// The city (French commune) a city agent serves, as `ent_city` carries it. Only city agents
/// whose city has schools in the directory carry one; its schools are then the agent's
/// `ent_schools`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct City {
    /// The commune's INSEE code (code officiel géographique, e.g. `69123`): what identifies a
    /// commune, where names repeat across the country.
    pub code: String,
    /// The commune's name, as the directory spells it (e.g. `Lyon`).
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_only_known_names() {
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.as_str()), Some(p));
            assert_eq!(p.as_str().parse::<Profile>().ok(), Some(p));
        }
        assert_eq!(Profile::parse("Teacher"), None);
        assert_eq!(Profile::parse("superuser"), None);
        assert!("".parse::<Profile>().is_err());
    }

    #[test]
    fn claim_entries_read_what_the_provider_writes() {
        let c: ClassRef =
            serde_json::from_str(r#"{"id":"c1","name":"CM1 A","school":"0750001A","role":"teacher"}"#).unwrap();
        assert_eq!(c.role, "teacher");
        let k: Child = serde_json::from_str(r#"{"sub":"s1"}"#).unwrap();
        assert!(!k.legal_guardian && k.class.is_none(), "missing fields fail closed");
    }

    #[test]
    fn the_city_reads_what_the_provider_writes() {
        let city = City { code: "69123".into(), name: "Lyon".into() };
        let json = serde_json::to_value(&city).unwrap();
        assert_eq!(json, serde_json::json!({"code": "69123", "name": "Lyon"}));
        assert_eq!(serde_json::from_value::<City>(json).unwrap(), city);
        // A city without its code identifies nothing: refused, never defaulted.
        assert!(serde_json::from_str::<City>(r#"{"name":"Lyon"}"#).is_err());
    }
}
