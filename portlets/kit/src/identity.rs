//! Who is asking: the `Identity` a verified portlet token describes, and the entitlement checks
//! of the design's table, answered once for every portlet. Every check fails closed: an unknown
//! profile, a missing claim, an id the identity is not linked to, or a link of the wrong kind is
//! a refusal. Profiles and roles are the claims' types, never compared as strings.
//!
//! | profile | classes read | classes written | schools |
//! |---|---|---|---|
//! | pupil | own class | — | — |
//! | parent | each child's class | — | — |
//! | teacher | the classes taught | the classes taught | — |
//! | director | the classes taught, every class of the school directed | the same | the school directed |
//! | staff | — | — | — |
//! | city agent | — (no class content) | — | the schools of the city: `ent_schools` |
//! | admin | — | — | none unless granted (no grant exists yet) |

pub use ent_claims::{Child, ClassRef, ClassRole, Profile, SchoolRole, StaffRole};

/// The verified identity behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    /// Display name (`profile` scope); `None` when the token does not carry it.
    pub name: Option<String>,
    pub profile: Profile,
    pub schools: Vec<String>,
    pub classes: Vec<ClassRef>,
    pub children: Vec<Child>,
    pub roles: Vec<SchoolRole>,
    /// The client the token was issued to (the portal).
    pub client_id: String,
    pub scopes: Vec<String>,
    /// `exp` of the token, seconds since the epoch.
    pub expires_at: i64,
    /// When the person last proved who they are (`auth_time`, seconds since the epoch): a
    /// broadcast asks for a recent one (RFC 9470 step-up).
    pub auth_time: Option<i64>,
    /// When the person's sign-in session at the provider began (`ent_session_start`), which a
    /// re-authentication in the same session does not move: how old the session is, whatever
    /// its tokens' ages.
    pub session_start: Option<i64>,
}

impl Identity {
    /// Whether this profile has class content at all (pupils, parents, teachers, directors):
    /// the others — staff, city agents, admins — are refused every view of a class's portlet.
    pub fn has_class_content(&self) -> bool {
        matches!(self.profile, Profile::Pupil | Profile::Parent | Profile::Teacher | Profile::Director)
    }

    /// Whether this profile writes for classes at all (teachers, directors); which classes is
    /// `can_write_class`'s.
    pub fn writes_for_classes(&self) -> bool {
        matches!(self.profile, Profile::Teacher | Profile::Director)
    }

    /// The name to show, or a neutral fallback (never the `sub`).
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("—")
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// A teacher (or a director who teaches) of this class.
    pub fn is_teacher_of(&self, class_id: &str) -> bool {
        matches!(self.profile, Profile::Teacher | Profile::Director)
            && self.classes.iter().any(|c| c.id == class_id && c.role == ClassRole::Teacher)
    }

    /// The classes this person teaches.
    pub fn taught_classes(&self) -> impl Iterator<Item = &ClassRef> {
        let teaches = matches!(self.profile, Profile::Teacher | Profile::Director);
        self.classes.iter().filter(move |c| teaches && c.role == ClassRole::Teacher)
    }

    /// The director of this school (profile and role both say so).
    pub fn is_director_of(&self, school: &str) -> bool {
        self.profile == Profile::Director
            && self.roles.iter().any(|r| r.school == school && r.role == StaffRole::Director)
    }

    /// The schools this person directs.
    pub fn directed_schools(&self) -> impl Iterator<Item = &str> {
        let directs = self.profile == Profile::Director;
        self.roles.iter().filter(move |r| directs && r.role == StaffRole::Director).map(|r| r.school.as_str())
    }

    /// A pupil's own class(es).
    pub fn pupil_classes(&self) -> impl Iterator<Item = &ClassRef> {
        let pupil = self.profile == Profile::Pupil;
        self.classes.iter().filter(move |c| pupil && c.role == ClassRole::Pupil)
    }

    /// A parent's children (empty for every other profile).
    pub fn children(&self) -> &[Child] {
        if self.profile == Profile::Parent { &self.children } else { &[] }
    }

    /// This parent's child with that `sub`, if it is theirs.
    pub fn child(&self, sub: &str) -> Option<&Child> {
        self.children().iter().find(|c| c.sub == sub)
    }

    /// A parent holding parental authority over that child.
    pub fn is_legal_guardian_of(&self, child_sub: &str) -> bool {
        self.child(child_sub).is_some_and(|c| c.legal_guardian)
    }

    /// May read the content of this class (of that school): its pupils, the parents of its
    /// pupils, its teachers, the school's director.
    pub fn can_read_class(&self, class_id: &str, school: &str) -> bool {
        match self.profile {
            Profile::Pupil => self.pupil_classes().any(|c| c.id == class_id),
            Profile::Parent => self.children().iter().any(|c| c.class.as_deref() == Some(class_id)),
            Profile::Teacher => self.is_teacher_of(class_id),
            Profile::Director => self.is_teacher_of(class_id) || self.is_director_of(school),
            // A school's staff, the city's agents and the network's operators read no class's
            // content: what they need is not a class's (and an admin has no grant for now).
            Profile::Staff | Profile::CityAgent | Profile::Admin => false,
        }
    }

    /// The schools of a city agent's city: the schools the token names (`ent_schools`). Empty
    /// for every other profile; an agent reads no class content of them.
    pub fn city_schools(&self) -> &[String] {
        if self.profile == Profile::CityAgent { &self.schools } else { &[] }
    }

    /// The schools an operator of the network was granted. No claim grants any yet: none.
    pub fn granted_schools(&self) -> &[String] {
        &[]
    }

    /// May write the content of this class: its teachers, and the school's director.
    pub fn can_write_class(&self, class_id: &str, school: &str) -> bool {
        self.is_teacher_of(class_id) || self.is_director_of(school)
    }

    /// May read what concerns this pupil: the pupil, a parent of the pupil (with or without
    /// authority), a teacher of the pupil's class, the director of its school.
    pub fn can_read_pupil(&self, pupil_sub: &str, class_id: &str, school: &str) -> bool {
        match self.profile {
            Profile::Pupil => self.sub == pupil_sub,
            Profile::Parent => self.child(pupil_sub).is_some(),
            Profile::Teacher | Profile::Director => self.can_write_class(class_id, school),
            Profile::Staff | Profile::CityAgent | Profile::Admin => false,
        }
    }

    /// The classes whose content this person may read, as far as the token tells (a director's
    /// whole school is not listed here: its classes come from the portlet's own data).
    pub fn readable_class_ids(&self) -> Vec<&str> {
        match self.profile {
            Profile::Pupil => self.pupil_classes().map(|c| c.id.as_str()).collect(),
            Profile::Parent => self.children().iter().filter_map(|c| c.class.as_deref()).collect(),
            Profile::Teacher | Profile::Director => self.taught_classes().map(|c| c.id.as_str()).collect(),
            Profile::Staff | Profile::CityAgent | Profile::Admin => Vec::new(),
        }
    }

    /// The class record for an id among the person's own classes.
    pub fn class(&self, class_id: &str) -> Option<&ClassRef> {
        self.classes.iter().find(|c| c.id == class_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(id: &str, school: &str, role: ClassRole) -> ClassRef {
        ClassRef { id: id.into(), name: id.to_uppercase(), school: school.into(), role }
    }

    fn role(school: &str, role: StaffRole) -> SchoolRole {
        SchoolRole { school: school.into(), role }
    }

    fn base(profile: Profile) -> Identity {
        Identity {
            sub: "me".into(),
            name: None,
            profile,
            schools: vec!["A".into()],
            classes: vec![],
            children: vec![],
            roles: vec![],
            client_id: "portal".into(),
            scopes: vec!["ent".into()],
            expires_at: 0,
            auth_time: None,
            session_start: None,
        }
    }

    #[test]
    fn a_teacher_reads_and_writes_only_own_classes() {
        let t = Identity { classes: vec![class("c1", "A", ClassRole::Teacher)], ..base(Profile::Teacher) };
        assert!(t.can_read_class("c1", "A") && t.can_write_class("c1", "A"));
        assert!(!t.can_read_class("c2", "A") && !t.can_write_class("c2", "A"));
    }

    #[test]
    fn a_teacher_with_a_pupil_link_is_not_its_teacher() {
        let t = Identity { classes: vec![class("c1", "A", ClassRole::Pupil)], ..base(Profile::Teacher) };
        assert!(!t.is_teacher_of("c1") && !t.can_write_class("c1", "A"));
    }

    #[test]
    fn a_director_reads_the_whole_school_and_nothing_else() {
        let d = Identity { roles: vec![role("A", StaffRole::Director)], ..base(Profile::Director) };
        assert!(d.can_read_class("any", "A") && d.can_write_class("any", "A"));
        assert!(!d.can_read_class("any", "B"));
        // The role without the profile is not enough, nor the profile without the role.
        let t = Identity { roles: d.roles.clone(), ..base(Profile::Teacher) };
        assert!(!t.can_read_class("any", "A") && !t.is_director_of("A"));
        assert!(!base(Profile::Director).is_director_of("A"));
        // A secretary role is not a director role.
        let s = Identity { roles: vec![role("A", StaffRole::Other("secretariat".into()))], ..base(Profile::Director) };
        assert!(!s.is_director_of("A"));
    }

    #[test]
    fn a_parent_reads_each_childs_class_and_nothing_else() {
        let p = Identity {
            children: vec![
                Child {
                    sub: "kid1".into(),
                    class: Some("c1".into()),
                    legal_guardian: true,
                    given_name: None,
                    class_name: None,
                    school: None,
                },
                Child {
                    sub: "kid2".into(),
                    class: Some("c2".into()),
                    legal_guardian: false,
                    given_name: None,
                    class_name: None,
                    school: None,
                },
            ],
            ..base(Profile::Parent)
        };
        assert!(p.can_read_class("c1", "A") && p.can_read_class("c2", "A"));
        assert!(!p.can_read_class("c3", "A") && !p.can_write_class("c1", "A"));
        assert!(p.is_legal_guardian_of("kid1") && !p.is_legal_guardian_of("kid2"));
        assert!(!p.is_legal_guardian_of("kid3") && p.child("kid3").is_none());
        assert!(p.can_read_pupil("kid2", "c2", "A") && !p.can_read_pupil("kid3", "c1", "A"));
    }

    #[test]
    fn children_claims_count_only_for_parents() {
        let odd = Identity {
            children: vec![Child {
                sub: "kid1".into(),
                class: Some("c1".into()),
                legal_guardian: true,
                given_name: None,
                class_name: None,
                school: None,
            }],
            ..base(Profile::Teacher)
        };
        assert!(odd.children().is_empty() && !odd.is_legal_guardian_of("kid1") && !odd.can_read_class("c1", "A"));
    }

    #[test]
    fn a_pupil_reads_own_class_and_own_notes_only() {
        let p = Identity { classes: vec![class("c1", "A", ClassRole::Pupil)], ..base(Profile::Pupil) };
        assert!(p.can_read_class("c1", "A") && !p.can_write_class("c1", "A"));
        assert!(!p.can_read_class("c2", "A"));
        assert!(p.can_read_pupil("me", "c1", "A") && !p.can_read_pupil("other", "c1", "A"));
    }

    #[test]
    fn other_profiles_read_no_class_content() {
        for profile in [Profile::Staff, Profile::CityAgent, Profile::Admin] {
            let who = Identity {
                classes: vec![class("c1", "A", ClassRole::Teacher)],
                roles: vec![role("A", StaffRole::Director)],
                ..base(profile)
            };
            assert!(!who.can_read_class("c1", "A"), "{profile:?}");
            assert!(!who.can_write_class("c1", "A"), "{profile:?}");
            assert!(who.readable_class_ids().is_empty(), "{profile:?}");
            assert!(who.directed_schools().next().is_none() && who.taught_classes().next().is_none(), "{profile:?}");
            assert!(!who.has_class_content() && !who.writes_for_classes(), "{profile:?}");
        }
    }

    #[test]
    fn a_city_agent_has_the_schools_of_the_city_and_an_admin_none() {
        let agent = Identity { schools: vec!["A".into(), "B".into()], ..base(Profile::CityAgent) };
        assert_eq!(agent.city_schools(), ["A".to_string(), "B".to_string()]);
        assert!(!agent.can_read_class("c1", "A") && !agent.can_read_pupil("p", "c1", "A"));
        let admin = Identity { schools: vec!["A".into()], ..base(Profile::Admin) };
        assert!(admin.city_schools().is_empty() && admin.granted_schools().is_empty());
        assert!(base(Profile::Director).city_schools().is_empty(), "only agents have a city");
    }
}
