//! From directory entries to the provider's directory model, as a TOML mapping says. Two presets
//! ship (`presets/sdet.toml`, French-ENT style; `presets/inetorgperson.toml`, plain LDAP); a
//! deployment may write its own. An entry that cannot be mapped is refused with a reason, never
//! guessed at.

use std::collections::{BTreeMap, HashMap};

use ent_idp::model::{City, Profile};
use ent_idp::store::sync::{Kind, Link, LinkKind, Staged};
use serde::Deserialize;

use crate::filter::{Filter, FilterError};

/// A directory entry as read (LDAP or LDIF). Attribute names are lower-cased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub dn: String,
    pub attrs: HashMap<String, Vec<String>>,
}

impl Entry {
    pub fn new(dn: impl Into<String>) -> Self {
        Entry { dn: dn.into(), attrs: HashMap::new() }
    }

    pub fn add(&mut self, attr: &str, value: impl Into<String>) {
        self.attrs.entry(attr.to_ascii_lowercase()).or_default().push(value.into());
    }

    pub fn first(&self, attr: &str) -> Option<&str> {
        self.attrs.get(&attr.to_ascii_lowercase()).and_then(|v| v.first()).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    pub fn all(&self, attr: &str) -> &[String] {
        self.attrs.get(&attr.to_ascii_lowercase()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The directory's entryUUID, lower-cased.
    pub fn uuid(&self) -> Option<String> {
        self.first("entryUUID").map(str::to_ascii_lowercase)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolMap {
    pub filter: String,
    #[serde(default = "entry_uuid")]
    pub key: String,
    pub uai: String,
    pub name: String,
    /// An attribute holding the INSEE code of the school's commune (its first value that is
    /// one); with `city_name`, or neither.
    pub city_code: Option<String>,
    /// An attribute holding the name of the school's commune (its first value that is not an
    /// INSEE code: one attribute may hold both, as a plain directory's `l` does).
    pub city_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMap {
    pub filter: String,
    #[serde(default = "entry_uuid")]
    pub key: String,
    pub name: String,
    pub level: Option<String>,
    /// An attribute holding the school's DN.
    pub school: Option<String>,
    /// The school is the nearest ancestor entry that is a school.
    #[serde(default)]
    pub school_from_tree: bool,
    /// An attribute listing the members' DNs (pupils and teachers).
    pub members: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleMap {
    pub filter: String,
    #[serde(default = "entry_uuid")]
    pub key: String,
    pub login: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub profile: String,
    /// Directory value → ENT profile (`pupil`, `parent`, `teacher`, `director`, `staff`,
    /// `city_agent`, `admin`).
    pub profiles: BTreeMap<String, String>,
    pub schools: Option<String>,
    #[serde(default)]
    pub schools_from_tree: bool,
    pub pupil_classes: Option<String>,
    pub teacher_classes: Option<String>,
    pub parents: Option<String>,
    pub legal_parents: Option<String>,
    pub children: Option<String>,
    pub roles: Option<String>,
    /// An attribute holding the INSEE code of the commune a city agent serves (read for city
    /// agents only).
    pub city_code: Option<String>,
    /// Profiles whose directory password is theirs to log in with (an LDAP bind by the provider).
    #[serde(default = "bind_profiles")]
    pub bind_login_profiles: Vec<String>,
}

fn entry_uuid() -> String {
    "entryUUID".into()
}

fn bind_profiles() -> Vec<String> {
    ["teacher", "director", "staff", "city_agent", "admin"].map(String::from).to_vec()
}

/// A whole mapping.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub schools: SchoolMap,
    pub classes: ClassMap,
    pub people: PeopleMap,
}

/// What a mapping does with one entry.
#[derive(Debug, PartialEq, Eq)]
pub enum Mapped {
    /// An entry to stage, with the links it carries and, when it lacks something it should
    /// carry (a school's city, the city an agent serves), why: reported, the entry still applied.
    Entry { kind: Kind, staged: Box<Staged>, links: Vec<Link>, warning: Option<String> },
    /// Not a school, class or person (an `ou`, a system account…): ignored silently.
    Ignored,
    /// Should have been mapped but could not be: reported with its DN, and skipped.
    Refused(String),
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("unknown preset {0:?} (sdet, inetorgperson)")]
    UnknownPreset(String),
    #[error("invalid mapping: {0}")]
    Toml(#[from] toml::de::Error),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("invalid mapping: profile {0:?} is not one of pupil, parent, teacher, director, staff, city_agent, admin")]
    Profile(String),
    #[error("invalid mapping: [schools] needs both city_code and city_name, or neither")]
    HalfACity,
}

/// A mapping ready to use: filters parsed.
#[derive(Clone, Debug)]
pub struct Mapper {
    pub mapping: Mapping,
    schools: Filter,
    classes: Filter,
    people: Filter,
}

const PROFILES: [&str; 7] = ["pupil", "parent", "teacher", "director", "staff", "city_agent", "admin"];

impl Mapper {
    pub fn preset(name: &str) -> Result<Mapper, MappingError> {
        match name {
            "sdet" => Mapper::from_toml(include_str!("../presets/sdet.toml")),
            "inetorgperson" => Mapper::from_toml(include_str!("../presets/inetorgperson.toml")),
            other => Err(MappingError::UnknownPreset(other.into())),
        }
    }

    pub fn from_toml(text: &str) -> Result<Mapper, MappingError> {
        Mapper::new(toml::from_str(text)?)
    }

    pub fn new(mapping: Mapping) -> Result<Mapper, MappingError> {
        for p in mapping.people.profiles.values().chain(&mapping.people.bind_login_profiles) {
            if !PROFILES.contains(&p.as_str()) {
                return Err(MappingError::Profile(p.clone()));
            }
        }
        if mapping.schools.city_code.is_some() != mapping.schools.city_name.is_some() {
            return Err(MappingError::HalfACity);
        }
        Ok(Mapper {
            schools: Filter::parse(&mapping.schools.filter)?,
            classes: Filter::parse(&mapping.classes.filter)?,
            people: Filter::parse(&mapping.people.filter)?,
            mapping,
        })
    }

    /// One filter for everything the mapping reads.
    pub fn search_filter(&self) -> String {
        let m = &self.mapping;
        format!("(|{}{}{})", m.schools.filter, m.classes.filter, m.people.filter)
    }

    /// Every attribute the mapping reads (for the search request).
    pub fn attributes(&self) -> Vec<String> {
        let m = &self.mapping;
        let p = &m.people;
        let mut a: Vec<String> = vec!["entryUUID".into(), "objectClass".into()];
        a.extend([&m.schools.key, &m.schools.uai, &m.schools.name, &m.classes.key, &m.classes.name].map(String::clone));
        a.extend([&p.key, &p.login, &p.given_name, &p.family_name, &p.profile].map(String::clone));
        for o in [&m.classes.level, &m.classes.school, &m.classes.members, &p.email, &p.schools, &p.pupil_classes]
            .into_iter()
            .chain([&p.teacher_classes, &p.parents, &p.legal_parents, &p.children, &p.roles, &p.city_code])
            .chain([&m.schools.city_code, &m.schools.city_name])
        {
            a.extend(o.clone());
        }
        a.sort_by_key(|s| s.to_ascii_lowercase());
        a.dedup_by(|x, y| x.eq_ignore_ascii_case(y));
        a
    }

    pub fn map(&self, e: &Entry) -> Mapped {
        if self.schools.matches(&e.attrs) {
            self.school(e)
        } else if self.classes.matches(&e.attrs) {
            self.class(e)
        } else if self.people.matches(&e.attrs) {
            self.person(e)
        } else {
            Mapped::Ignored
        }
    }

    fn key(e: &Entry, attr: &str) -> Result<String, String> {
        let v = if attr.eq_ignore_ascii_case("entryUUID") { e.uuid() } else { e.first(attr).map(str::to_owned) };
        v.ok_or_else(|| format!("no {attr} (the stable key)"))
    }

    fn school(&self, e: &Entry) -> Mapped {
        let m = &self.mapping.schools;
        let result = (|| {
            let key = Self::key(e, &m.key)?;
            let uai = e.first(&m.uai).ok_or_else(|| format!("no {} (UAI)", m.uai))?.to_ascii_uppercase();
            if !valid_uai(&uai) {
                return Err(format!("{uai:?} is not a UAI code (7 digits and a letter)"));
            }
            let name = e.first(&m.name).unwrap_or(&uai).to_string();
            let (city, warning) = match (&m.city_code, &m.city_name) {
                (Some(code), Some(name)) => match school_city(e, code, name) {
                    Ok(city) => (Some(city), None),
                    Err(why) => (None, Some(why)),
                },
                // The mapping reads no city: nothing is missing.
                _ => (None, None),
            };
            let staged = Staged {
                key,
                ldap_uuid: e.uuid(),
                dn: normalize_dn(&e.dn),
                name,
                code: Some(uai),
                city_code: city.as_ref().map(|c| c.code.clone()),
                city_name: city.map(|c| c.name),
                ..Default::default()
            };
            Ok((staged, warning))
        })();
        match result {
            Ok((s, warning)) => Mapped::Entry { kind: Kind::School, staged: Box::new(s), links: vec![], warning },
            Err(why) => Mapped::Refused(why),
        }
    }

    fn class(&self, e: &Entry) -> Mapped {
        let m = &self.mapping.classes;
        let result = (|| {
            let key = Self::key(e, &m.key)?;
            let name = e.first(&m.name).ok_or_else(|| format!("no {} (class name)", m.name))?.to_string();
            let mut links = Vec::new();
            if let Some(attr) = &m.school {
                links.extend(e.all(attr).iter().map(|dn| link(&key, LinkKind::ClassSchool, dn)));
            }
            if m.school_from_tree {
                links.extend(ancestors(&e.dn).map(|dn| link(&key, LinkKind::ClassSchool, dn)));
            }
            if links.is_empty() {
                return Err("no school".to_string());
            }
            if let Some(attr) = &m.members {
                links.extend(e.all(attr).iter().map(|dn| link(&key, LinkKind::ClassMember, dn)));
            }
            let level = m.level.as_deref().and_then(|a| e.first(a)).map(str::to_owned);
            let staged =
                Staged { key, ldap_uuid: e.uuid(), dn: normalize_dn(&e.dn), name, code: level, ..Default::default() };
            Ok((staged, links))
        })();
        match result {
            Ok((s, l)) => Mapped::Entry { kind: Kind::Class, staged: Box::new(s), links: l, warning: None },
            Err(why) => Mapped::Refused(why),
        }
    }

    fn person(&self, e: &Entry) -> Mapped {
        let m = &self.mapping.people;
        let result = (|| {
            let key = Self::key(e, &m.key)?;
            let login = e.first(&m.login).ok_or_else(|| format!("no {} (login)", m.login))?.to_lowercase();
            if login.len() > 128 || login.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(format!("login {login:?} has spaces or control characters"));
            }
            // The first directory profile value the mapping knows decides.
            let profile = e
                .all(&m.profile)
                .iter()
                .find_map(|v| m.profiles.iter().find(|(k, _)| k.eq_ignore_ascii_case(v.trim())).map(|(_, p)| p.clone()))
                .ok_or_else(|| format!("no known profile in {} ({:?})", m.profile, e.all(&m.profile)))?;
            let family = e.first(&m.family_name).ok_or_else(|| format!("no {} (family name)", m.family_name))?;
            let given = e.first(&m.given_name).map(str::to_owned);
            let email =
                if profile == "pupil" { None } else { m.email.as_deref().and_then(|a| e.first(a)).map(str::to_owned) };
            let mut links = Vec::new();
            let mut add = |attr: &Option<String>, kind: LinkKind| {
                if let Some(a) = attr {
                    links.extend(e.all(a).iter().map(|dn| link(&key, kind, dn)));
                }
            };
            add(&m.schools, LinkKind::PersonSchool);
            match profile.as_str() {
                "pupil" => {
                    add(&m.pupil_classes, LinkKind::PupilClass);
                    let legal: Vec<String> = m
                        .legal_parents
                        .as_deref()
                        .map(|a| e.all(a).iter().map(|s| s.to_lowercase()).collect())
                        .unwrap_or_default();
                    if let Some(a) = &m.parents {
                        for dn in e.all(a) {
                            // Without a list of parental authority, every parent has it.
                            let is_legal = m.legal_parents.is_none() || legal.contains(&dn.to_lowercase());
                            links.push(link(&key, LinkKind::Parent { legal: is_legal }, dn));
                        }
                    }
                }
                "parent" => add(&m.children, LinkKind::Child),
                "teacher" | "director" => add(&m.teacher_classes, LinkKind::TeacherClass),
                _ => {}
            }
            if m.schools_from_tree {
                links.extend(ancestors(&e.dn).map(|dn| link(&key, LinkKind::PersonSchool, dn)));
            }
            // Staff roles apply at each of the person's schools; a director directs them.
            let schools: Vec<String> =
                links.iter().filter(|l| l.kind == LinkKind::PersonSchool).map(|l| l.to_dn.clone()).collect();
            let mut roles: Vec<String> = m.roles.as_deref().map(|a| e.all(a).to_vec()).unwrap_or_default();
            if profile == "director" {
                roles.push("director".into());
            }
            for role in roles.iter().map(|r| r.trim().to_lowercase()).filter(|r| !r.is_empty()) {
                for school in &schools {
                    links.push(Link {
                        from_key: key.clone(),
                        kind: LinkKind::Role,
                        to_dn: school.clone(),
                        extra: Some(role.clone()),
                    });
                }
            }
            // Only a city agent serves a city; nobody else's is read (collect the least).
            let agent = profile.parse::<Profile>().is_ok_and(|p| p == Profile::CityAgent);
            let (city_code, warning) = match (&m.city_code, agent) {
                (Some(attr), true) => match e.all(attr).iter().find_map(|v| insee_code(v)) {
                    Some(code) => (Some(code), None),
                    None => (
                        None,
                        Some(format!(
                            "no INSEE code of the commune served in {attr} ({:?}): the agent sees no school",
                            e.all(attr)
                        )),
                    ),
                },
                _ => (None, None),
            };
            let staged = Staged {
                ldap_bind: m.bind_login_profiles.contains(&profile),
                key,
                ldap_uuid: e.uuid(),
                dn: normalize_dn(&e.dn),
                name: family.to_string(),
                given_name: given,
                login: Some(login),
                profile: Some(profile),
                email,
                code: None,
                city_code,
                city_name: None,
            };
            Ok((staged, links, warning))
        })();
        match result {
            Ok((s, l, warning)) => Mapped::Entry { kind: Kind::Person, staged: Box::new(s), links: l, warning },
            Err(why) => Mapped::Refused(why),
        }
    }
}

/// A school's commune: the first INSEE code of `code_attr` and the first other value of
/// `name_attr`, both or no city (a name alone identifies no commune, a code alone names none).
fn school_city(e: &Entry, code_attr: &str, name_attr: &str) -> Result<City, String> {
    let code = e.all(code_attr).iter().find_map(|v| insee_code(v)).ok_or_else(|| {
        format!("no INSEE code of its commune in {code_attr} ({:?}): the school has no city", e.all(code_attr))
    })?;
    let name = e
        .all(name_attr)
        .iter()
        .map(|v| v.trim())
        .find(|v| !v.is_empty() && insee_code(v).is_none())
        .ok_or_else(|| format!("no name of its commune in {name_attr}: the school has no city"))?;
    Ok(City { code, name: name.to_string() })
}

/// An INSEE commune code, upper-cased: five characters, the département's two (digits, or
/// `2A`/`2B` in Corsica; overseas communes are `97` and five digits in all) and three digits.
pub fn insee_code(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    let (departement, commune) = (code.get(..2)?, code.get(2..)?);
    let departement_ok = departement.bytes().all(|b| b.is_ascii_digit()) || matches!(departement, "2A" | "2B");
    let commune_ok = commune.len() == 3 && commune.bytes().all(|b| b.is_ascii_digit());
    (departement_ok && commune_ok).then_some(code)
}

fn link(from: &str, kind: LinkKind, dn: &str) -> Link {
    Link { from_key: from.to_string(), kind, to_dn: normalize_dn(dn), extra: None }
}

/// DNs are compared lower-cased, without the spaces some writers put after a separator
/// (an escaped `\,` inside a value is kept as it is).
pub fn normalize_dn(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    let mut escaped = false;
    let mut after_separator = true;
    for c in dn.trim().chars() {
        if after_separator && c == ' ' {
            continue;
        }
        after_separator = !escaped && c == ',';
        escaped = !escaped && c == '\\';
        if after_separator {
            while out.ends_with(' ') && !out.ends_with("\\ ") {
                out.pop();
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The DNs above an entry's, nearest first (`ou=a,ou=b,dc=x` → `ou=b,dc=x`, `dc=x`).
fn ancestors(dn: &str) -> impl Iterator<Item = &str> {
    dn.match_indices(',').map(move |(i, _)| dn[i + 1..].trim_start())
}

/// A UAI code: 7 digits (or 3 digits, a letter... in overseas codes) and a check letter.
pub fn valid_uai(s: &str) -> bool {
    s.len() == 8 && s[..7].bytes().all(|b| b.is_ascii_alphanumeric()) && s.as_bytes()[7].is_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_codes() {
        for (value, code) in [("69123", "69123"), (" 2a004 ", "2A004"), ("2B033", "2B033"), ("97411", "97411")] {
            assert_eq!(insee_code(value).as_deref(), Some(code), "{value}");
        }
        for value in ["", "6912", "691234", "Lyon", "2C004", "69A23", "69 123", "６９１２３"] {
            assert_eq!(insee_code(value), None, "{value}");
        }
    }

    #[test]
    fn a_mapping_reads_both_halves_of_a_city_or_neither() {
        let sdet = include_str!("../presets/sdet.toml");
        assert!(
            Mapper::from_toml(&sdet.replace("city_name = \"l\"\n", ""))
                .is_err_and(|e| matches!(e, MappingError::HalfACity))
        );
        let without = sdet.replace("city_name = \"l\"\n", "").replace("city_code = \"ENTStructureCodeCommune\"\n", "");
        assert!(Mapper::from_toml(&without).is_ok());
    }

    #[test]
    fn one_attribute_may_hold_the_code_and_the_name() {
        let mapper = Mapper::preset("inetorgperson").expect("preset");
        let mut school = Entry::new("ou=0691234A,ou=schools,dc=ent,dc=test");
        for (attr, value) in [
            ("objectClass", "organizationalUnit"),
            ("businessCategory", "school"),
            ("ou", "0691234A"),
            ("entryUUID", "10000000-0000-4000-8000-000000000001"),
            ("l", "Lyon"),
            ("l", "69123"),
        ] {
            school.add(attr, value);
        }
        let Mapped::Entry { staged, warning, .. } = mapper.map(&school) else { panic!("a school") };
        assert_eq!((staged.city_code.as_deref(), staged.city_name.as_deref()), (Some("69123"), Some("Lyon")));
        assert_eq!(warning, None);
        // A name alone is no city: reported, the school still mapped.
        school.attrs.insert("l".into(), vec!["Lyon".into()]);
        let Mapped::Entry { staged, warning, .. } = mapper.map(&school) else { panic!("a school") };
        assert_eq!((staged.city_code, staged.city_name), (None, None));
        assert!(warning.is_some_and(|w| w.contains("INSEE")));
    }

    #[test]
    fn only_a_city_agent_serves_a_city() {
        let mapper = Mapper::preset("inetorgperson").expect("preset");
        let person = |profile: &str, department: Option<&str>| {
            let mut e = Entry::new(format!("uid={profile},ou=people,dc=ent,dc=test"));
            for (attr, value) in [
                ("objectClass", "inetOrgPerson"),
                ("uid", profile),
                ("sn", "Martin"),
                ("employeeType", profile),
                ("entryUUID", "10000000-0000-4000-8000-000000000002"),
            ] {
                e.add(attr, value);
            }
            if let Some(d) = department {
                e.add("departmentNumber", d);
            }
            match mapper.map(&e) {
                Mapped::Entry { staged, warning, .. } => (staged.city_code, warning),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(person("city_agent", Some("69123")), (Some("69123".into()), None));
        let (code, warning) = person("city_agent", Some("Voirie"));
        assert!(code.is_none() && warning.is_some_and(|w| w.contains("Voirie")));
        let (code, warning) = person("city_agent", None);
        assert!(code.is_none() && warning.is_some());
        // A teacher's department is none of the ENT's business.
        assert_eq!(person("teacher", Some("69123")), (None, None));
    }
}
