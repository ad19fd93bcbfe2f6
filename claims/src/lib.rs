//! The ENT claims vocabulary, one definition for the provider that issues the claims, the portal
//! and the portlets that read them (scope `ent`, docs/portlets.md): the profiles, the roles in a
//! class and in a school, and the shape of `ent_classes`, `ent_children` and `ent_roles` entries
//! and of `ent_city`. Readers compare these types, never the strings they are written as.

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

/// How a person belongs to a class. Written `"pupil"` and `"teacher"`; any other word makes the
/// whole token unreadable, so that an unknown link is a refusal, never a guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassRole {
    Pupil,
    Teacher,
}

impl ClassRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ClassRole::Pupil => "pupil",
            ClassRole::Teacher => "teacher",
        }
    }

    /// `None` for any other word.
    pub fn parse(s: &str) -> Option<ClassRole> {
        [ClassRole::Pupil, ClassRole::Teacher].into_iter().find(|r| r.as_str() == s)
    }
}

/// A class the person belongs to, as a pupil or as its teacher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRef {
    pub id: String,
    pub name: String,
    /// The school's UAI.
    pub school: String,
    pub role: ClassRole,
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
    /// The name of the child's class ("CP-A"), so that a parent's pages name it before a
    /// portlet holds anything for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// The UAI of the child's school.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
}

/// A role in a school's staff. The directory's words for staff roles are open (`secretariat`,
/// `atsem`, a directory's own titles): the one role entitlements rest on, `director`, is its own
/// variant; every other word is kept as it is written and grants nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StaffRole {
    Director,
    Other(String),
}

impl StaffRole {
    pub fn as_str(&self) -> &str {
        match self {
            StaffRole::Director => "director",
            StaffRole::Other(word) => word,
        }
    }

    pub fn parse(s: &str) -> StaffRole {
        if s == "director" { StaffRole::Director } else { StaffRole::Other(s.to_string()) }
    }
}

impl Serialize for StaffRole {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StaffRole {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| StaffRole::parse(&s))
    }
}

/// A role in a school's staff, at one school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolRole {
    pub school: String,
    pub role: StaffRole,
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
        assert_eq!(c.role, ClassRole::Teacher);
        let unknown = r#"{"id":"c1","name":"CM1 A","school":"0750001A","role":"Teacher"}"#;
        assert!(serde_json::from_str::<ClassRef>(unknown).is_err(), "an unknown class role is refused");
        let r: SchoolRole = serde_json::from_str(r#"{"school":"0750001A","role":"director"}"#).unwrap();
        assert_eq!(r.role, StaffRole::Director);
        let r: SchoolRole = serde_json::from_str(r#"{"school":"0750001A","role":"Director"}"#).unwrap();
        assert_eq!(r.role, StaffRole::Other("Director".into()), "only the exact word directs");
        assert_eq!(serde_json::to_string(&r.role).unwrap(), r#""Director""#);
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
