//! The portlets the workspace runs: one table. Each row names a portlet crate's entry (its
//! `PORTLET`, which carries its name), the port `ent demo` gives it, its titles, the profiles
//! that see it, and — by its place in the table — its place in the portal's navigation. `ent
//! demo`, `ent portlet NAME`, the portal's registration at the provider, the test workspace and
//! the benchmark all read this table: adding a portlet is its crate and one row here. A name
//! the table does not hold is an error, never another portlet.

use ent_portal::Profile;
use ent_portlet_kit::Start;

/// A portlet of the workspace.
pub struct Registered {
    /// The crate's entry: what starts it (and its name).
    pub entry: &'static dyn Start,
    /// Its port in `ent demo` (`--portlet-port NAME=PORT` changes it).
    pub default_port: u16,
    pub title_fr: &'static str,
    pub title_en: &'static str,
    /// Who sees it in the navigation and may reach it under `/p/{name}/`.
    pub profiles: &'static [Profile],
}

const FAMILY_AND_SCHOOL: &[Profile] = &[Profile::Pupil, Profile::Parent, Profile::Teacher, Profile::Director];

/// The workspace's portlets, in the order of the portal's navigation.
pub static PORTLETS: &[Registered] = &[
    Registered {
        entry: &ent_portlet_homework::PORTLET,
        default_port: 8411,
        title_fr: "Cahier de textes",
        title_en: "Homework diary",
        profiles: FAMILY_AND_SCHOOL,
    },
    Registered {
        entry: &ent_portlet_liaison::PORTLET,
        default_port: 8412,
        title_fr: "Carnet de liaison",
        title_en: "Liaison notebook",
        profiles: FAMILY_AND_SCHOOL,
    },
    // Everyone has an agenda of their own; staff, city agents and admins only that one.
    Registered {
        entry: &ent_portlet_agenda::PORTLET,
        default_port: 8413,
        title_fr: "Agenda",
        title_en: "Calendar",
        profiles: &Profile::ALL,
    },
    // Everyone writes to someone: who to whom is the messaging portlet's own rules.
    Registered {
        entry: &ent_portlet_messaging::PORTLET,
        default_port: 8414,
        title_fr: "Messagerie",
        title_en: "Messages",
        profiles: &Profile::ALL,
    },
    // A class's pupils write its sites; they are read on their own origin (ORIGINS).
    Registered {
        entry: &ent_portlet_minisites::PORTLET,
        default_port: 8415,
        title_fr: "Mini-sites",
        title_en: "Mini sites",
        profiles: FAMILY_AND_SCHOOL,
    },
    // Class and school forums: the school's adults, its pupils and their families.
    Registered {
        entry: &ent_portlet_forum::PORTLET,
        default_port: 8417,
        title_fr: "Forum",
        title_en: "Forum",
        profiles: &[Profile::Pupil, Profile::Parent, Profile::Teacher, Profile::Director, Profile::Staff],
    },
];

/// The ports `ent demo` gives the origins of the portlets that serve one of their own
/// (`Portlet::origin`; `--portlet-port NAME-origin=PORT` changes it).
pub static ORIGINS: &[(&str, u16)] = &[("minisites", 8416)];

/// The demo port of this portlet's own origin, if it serves one.
pub fn origin_port(name: &str) -> Option<u16> {
    ORIGINS.iter().find(|(n, _)| *n == name).map(|(_, port)| *port)
}

impl Registered {
    /// Its name in the portal's URLs (`/p/homework/`) and on the command line.
    pub fn name(&self) -> &'static str {
        self.entry.name()
    }

    /// The resource its tokens are for: `urn:ent:portlet:{name}`.
    pub fn resource(&self) -> String {
        format!("urn:ent:portlet:{}", self.name())
    }

    /// Its client at the provider (directory reads): `portlet-{name}`.
    pub fn client_id(&self) -> String {
        format!("portlet-{}", self.name())
    }
}

/// A portlet name the workspace does not run.
#[derive(Debug, thiserror::Error)]
#[error("unknown portlet {0:?}: the workspace runs {known}", known = names().join(", "))]
pub struct UnknownPortlet(pub String);

/// The row of this portlet.
pub fn find(name: &str) -> Result<&'static Registered, UnknownPortlet> {
    PORTLETS.iter().find(|r| r.name() == name).ok_or_else(|| UnknownPortlet(name.to_string()))
}

/// Every portlet's name, in the table's order.
pub fn names() -> Vec<&'static str> {
    PORTLETS.iter().map(Registered::name).collect()
}

/// The profiles that see at least one portlet.
pub fn profiles_with_portlets() -> Vec<Profile> {
    Profile::ALL.into_iter().filter(|p| PORTLETS.iter().any(|r| r.profiles.contains(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ports_and_resources_are_unique() {
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PORTLETS.len());
        let mut ports: Vec<u16> = PORTLETS.iter().map(|r| r.default_port).chain(ORIGINS.iter().map(|o| o.1)).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), PORTLETS.len() + ORIGINS.len());
        assert!(ORIGINS.iter().all(|(name, _)| find(name).is_ok()));
        assert!(PORTLETS.iter().all(|r| r.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
    }

    #[test]
    fn an_unknown_name_is_an_error() {
        assert_eq!(find("liaison").map(Registered::name).ok(), Some("liaison"));
        let err = find("calendar").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.contains("\"calendar\"") && err.contains("homework, liaison, agenda, messaging, minisites"),
            "{err}"
        );
    }
}
