//! Who may write to whom, per school: the defaults of docs/portlet-messaging.md, which a school's
//! director may narrow or widen where the table says a rule is editable. A recipient is allowed
//! when one of the audiences they belong to, seen from the sender, is allowed for the sender's
//! profile; everything else is refused (fail closed). The rules are checked when a message is
//! sent, on the recipients as the directory knows them then, not only when the picker is drawn.
//!
//! | sender | own class's teachers | own class's pupils | own class's parents | the school's teachers | pupils | parents | staff | directors |
//! |---|---|---|---|---|---|---|---|---|
//! | pupil | yes* | yes* | never | no* | no* | never | yes* | yes* |
//! | parent | yes* | never | never | no* | never | never | yes* | yes* |
//! | teacher, staff | yes* | yes* | yes* | yes* | yes* | yes* | yes* | yes* |
//! | director | yes | yes | yes | yes | yes | yes | yes | yes |
//! | city agent | never | never | never | never | never | never | yes* | yes |
//! | admin | never | never | never | never | never | never | never | yes |
//!
//! (* editable by the school's director; "own class" is a pupil's class, a parent's children's
//! classes, a teacher's classes.)

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use ent_portlet_kit::Profile;

/// How a recipient stands to the sender, within the message's school.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    /// The teachers of the sender's own classes.
    ClassTeachers,
    /// The pupils of the sender's own classes (a pupil's classmates).
    ClassPupils,
    /// The parents of the pupils of the sender's own classes.
    ClassParents,
    SchoolTeachers,
    SchoolPupils,
    SchoolParents,
    /// The school's staff (secretariat, after-school, …).
    SchoolStaff,
    SchoolDirectors,
}

impl Audience {
    pub const ALL: [Audience; 8] = [
        Audience::ClassTeachers,
        Audience::ClassPupils,
        Audience::ClassParents,
        Audience::SchoolTeachers,
        Audience::SchoolPupils,
        Audience::SchoolParents,
        Audience::SchoolStaff,
        Audience::SchoolDirectors,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::ClassTeachers => "class_teachers",
            Audience::ClassPupils => "class_pupils",
            Audience::ClassParents => "class_parents",
            Audience::SchoolTeachers => "school_teachers",
            Audience::SchoolPupils => "school_pupils",
            Audience::SchoolParents => "school_parents",
            Audience::SchoolStaff => "school_staff",
            Audience::SchoolDirectors => "school_directors",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Audience {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Audience::ALL.into_iter().find(|a| a.as_str() == s).ok_or(())
    }
}

/// A default rule: whether it allows, and whether a director may change it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub allowed: bool,
    pub editable: bool,
}

const fn yes() -> Rule {
    Rule { allowed: true, editable: true }
}
const fn no() -> Rule {
    Rule { allowed: false, editable: true }
}
const fn always() -> Rule {
    Rule { allowed: true, editable: false }
}
const fn never() -> Rule {
    Rule { allowed: false, editable: false }
}

/// The profiles that send, in the order the director's settings list them.
pub const SENDERS: [Profile; 7] = [
    Profile::Pupil,
    Profile::Parent,
    Profile::Teacher,
    Profile::Staff,
    Profile::Director,
    Profile::CityAgent,
    Profile::Admin,
];

/// The table above.
pub fn default_rule(sender: Profile, to: Audience) -> Rule {
    use Audience::*;
    match sender {
        Profile::Pupil => match to {
            ClassTeachers | ClassPupils | SchoolStaff | SchoolDirectors => yes(),
            SchoolTeachers | SchoolPupils => no(),
            ClassParents | SchoolParents => never(),
        },
        Profile::Parent => match to {
            ClassTeachers | SchoolStaff | SchoolDirectors => yes(),
            SchoolTeachers => no(),
            ClassPupils | SchoolPupils | ClassParents | SchoolParents => never(),
        },
        Profile::Teacher | Profile::Staff => yes(),
        Profile::Director => always(),
        Profile::CityAgent => match to {
            SchoolDirectors => always(),
            SchoolStaff => yes(),
            _ => never(),
        },
        Profile::Admin => match to {
            SchoolDirectors => always(),
            _ => never(),
        },
    }
}

/// A school's rules: the defaults with its director's changes to the editable ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    changed: HashMap<(Profile, Audience), bool>,
}

impl Rules {
    /// The rules from the stored changes; a change to a rule that is not editable is ignored.
    pub fn with_changes(changes: impl IntoIterator<Item = (Profile, Audience, bool)>) -> Rules {
        let changed = changes
            .into_iter()
            .filter(|(p, a, _)| default_rule(*p, *a).editable)
            .map(|(p, a, allowed)| ((p, a), allowed))
            .collect();
        Rules { changed }
    }

    pub fn allows(&self, sender: Profile, to: Audience) -> bool {
        let default = default_rule(sender, to);
        if !default.editable {
            return default.allowed;
        }
        self.changed.get(&(sender, to)).copied().unwrap_or(default.allowed)
    }
}

/// What a person is in a school's directory, as far as writing to them goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Pupil,
    Parent,
    Teacher,
    Director,
    Staff,
}

/// A person of the school: their kind and the classes that link them (a pupil's class, a
/// teacher's or a teaching director's classes, a parent's children's classes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub sub: String,
    pub name: String,
    pub kind: Kind,
    pub classes: Vec<String>,
}

/// Who sends, as the rules see them: their profile and their own classes in the school.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender<'a> {
    pub sub: &'a str,
    pub profile: Profile,
    pub classes: Vec<&'a str>,
}

impl Sender<'_> {
    fn owns(&self, class: &str) -> bool {
        self.classes.contains(&class)
    }
}

/// The audiences a member belongs to, seen from the sender.
pub fn audiences(sender: &Sender<'_>, member: &Member) -> Vec<Audience> {
    let own = member.classes.iter().any(|c| sender.owns(c));
    let mut out = Vec::new();
    match member.kind {
        Kind::Pupil => {
            if own {
                out.push(Audience::ClassPupils);
            }
            out.push(Audience::SchoolPupils);
        }
        Kind::Parent => {
            if own {
                out.push(Audience::ClassParents);
            }
            out.push(Audience::SchoolParents);
        }
        Kind::Teacher | Kind::Director => {
            if !member.classes.is_empty() || member.kind == Kind::Teacher {
                if own {
                    out.push(Audience::ClassTeachers);
                }
                out.push(Audience::SchoolTeachers);
            }
            if member.kind == Kind::Director {
                out.push(Audience::SchoolDirectors);
            }
        }
        Kind::Staff => out.push(Audience::SchoolStaff),
    }
    out
}

/// Whether the sender may write to this member under these rules (never to themselves).
pub fn may_write(rules: &Rules, sender: &Sender<'_>, member: &Member) -> bool {
    member.sub != sender.sub && audiences(sender, member).into_iter().any(|a| rules.allows(sender.profile, a))
}

/// A group one may address: expanded on the server, from the directory, when the message is sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    ClassPupils(String),
    ClassParents(String),
    ClassTeachers(String),
    SchoolTeachers,
    SchoolStaff,
    SchoolDirectors,
    SchoolParents,
    SchoolPupils,
}

impl Group {
    /// The audience that allows the group, seen from the sender.
    pub fn audience(&self, sender: &Sender<'_>) -> Audience {
        match self {
            Group::ClassPupils(c) if sender.owns(c) => Audience::ClassPupils,
            Group::ClassPupils(_) | Group::SchoolPupils => Audience::SchoolPupils,
            Group::ClassParents(c) if sender.owns(c) => Audience::ClassParents,
            Group::ClassParents(_) | Group::SchoolParents => Audience::SchoolParents,
            Group::ClassTeachers(c) if sender.owns(c) => Audience::ClassTeachers,
            Group::ClassTeachers(_) | Group::SchoolTeachers => Audience::SchoolTeachers,
            Group::SchoolStaff => Audience::SchoolStaff,
            Group::SchoolDirectors => Audience::SchoolDirectors,
        }
    }

    /// Whether the group is within the sender's own classes: pupils address no group wider
    /// than their class.
    pub fn within_own_class(&self, sender: &Sender<'_>) -> bool {
        match self {
            Group::ClassPupils(c) | Group::ClassTeachers(c) | Group::ClassParents(c) => sender.owns(c),
            _ => false,
        }
    }

    /// Whether the member is in the group.
    pub fn contains(&self, m: &Member) -> bool {
        match self {
            Group::ClassPupils(c) => m.kind == Kind::Pupil && m.classes.contains(c),
            Group::ClassParents(c) => m.kind == Kind::Parent && m.classes.contains(c),
            Group::ClassTeachers(c) => matches!(m.kind, Kind::Teacher | Kind::Director) && m.classes.contains(c),
            Group::SchoolTeachers => m.kind == Kind::Teacher || (m.kind == Kind::Director && !m.classes.is_empty()),
            Group::SchoolStaff => matches!(m.kind, Kind::Staff | Kind::Director),
            Group::SchoolDirectors => m.kind == Kind::Director,
            Group::SchoolParents => m.kind == Kind::Parent,
            Group::SchoolPupils => m.kind == Kind::Pupil,
        }
    }
}

/// Whether the sender may address the group at all (its members are still checked one by one).
pub fn may_address(rules: &Rules, sender: &Sender<'_>, group: &Group) -> bool {
    if sender.profile == Profile::Pupil && !group.within_own_class(sender) {
        return false;
    }
    let allowed = rules.allows(sender.profile, group.audience(sender));
    // The school's staff group holds its directors too: either audience opens it.
    allowed || (*group == Group::SchoolStaff && rules.allows(sender.profile, Audience::SchoolDirectors))
}

/// One thing an author chose to write to: a person or a group of the message's school.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    Person(String),
    Group(Group),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Person(sub) => write!(f, "p:{sub}"),
            Address::Group(g) => match g {
                Group::ClassPupils(c) => write!(f, "g:class_pupils:{c}"),
                Group::ClassParents(c) => write!(f, "g:class_parents:{c}"),
                Group::ClassTeachers(c) => write!(f, "g:class_teachers:{c}"),
                Group::SchoolTeachers => f.write_str("g:school_teachers"),
                Group::SchoolStaff => f.write_str("g:school_staff"),
                Group::SchoolDirectors => f.write_str("g:school_directors"),
                Group::SchoolParents => f.write_str("g:school_parents"),
                Group::SchoolPupils => f.write_str("g:school_pupils"),
            },
        }
    }
}

impl FromStr for Address {
    type Err = ();
    /// `p:{sub}` or `g:{kind}[:{class}]`; ids are plain characters of bounded length.
    fn from_str(s: &str) -> Result<Self, ()> {
        let plain = |id: &str| {
            !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
        };
        if let Some(sub) = s.strip_prefix("p:") {
            return if plain(sub) { Ok(Address::Person(sub.to_string())) } else { Err(()) };
        }
        let rest = s.strip_prefix("g:").ok_or(())?;
        let (kind, class) = match rest.split_once(':') {
            Some((k, c)) if plain(c) => (k, Some(c.to_string())),
            Some(_) => return Err(()),
            None => (rest, None),
        };
        let group = match (kind, class) {
            ("class_pupils", Some(c)) => Group::ClassPupils(c),
            ("class_parents", Some(c)) => Group::ClassParents(c),
            ("class_teachers", Some(c)) => Group::ClassTeachers(c),
            ("school_teachers", None) => Group::SchoolTeachers,
            ("school_staff", None) => Group::SchoolStaff,
            ("school_directors", None) => Group::SchoolDirectors,
            ("school_parents", None) => Group::SchoolParents,
            ("school_pupils", None) => Group::SchoolPupils,
            _ => return Err(()),
        };
        Ok(Address::Group(group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(sub: &str, kind: Kind, classes: &[&str]) -> Member {
        Member { sub: sub.into(), name: sub.into(), kind, classes: classes.iter().map(|c| c.to_string()).collect() }
    }

    fn sender(profile: Profile, classes: &[&'static str]) -> Sender<'static> {
        Sender { sub: "me", profile, classes: classes.to_vec() }
    }

    #[test]
    fn the_defaults_are_the_documented_table() {
        let rules = Rules::default();
        let pupil = sender(Profile::Pupil, &["c1"]);
        assert!(may_write(&rules, &pupil, &member("t1", Kind::Teacher, &["c1"])));
        assert!(!may_write(&rules, &pupil, &member("t2", Kind::Teacher, &["c2"])), "another class's teacher");
        assert!(may_write(&rules, &pupil, &member("p1", Kind::Pupil, &["c1"])));
        assert!(!may_write(&rules, &pupil, &member("p2", Kind::Pupil, &["c2"])));
        assert!(!may_write(&rules, &pupil, &member("par", Kind::Parent, &["c1"])), "never a parent");
        assert!(may_write(&rules, &pupil, &member("s", Kind::Staff, &[])));
        assert!(may_write(&rules, &pupil, &member("d", Kind::Director, &[])));
        let parent = sender(Profile::Parent, &["c1"]);
        assert!(may_write(&rules, &parent, &member("t1", Kind::Teacher, &["c1"])));
        assert!(!may_write(&rules, &parent, &member("t2", Kind::Teacher, &["c2"])));
        assert!(!may_write(&rules, &parent, &member("par", Kind::Parent, &["c1"])));
        assert!(!may_write(&rules, &parent, &member("kid", Kind::Pupil, &["c1"])));
        assert!(may_write(&rules, &parent, &member("d", Kind::Director, &[])));
        let agent = sender(Profile::CityAgent, &[]);
        assert!(may_write(&rules, &agent, &member("d", Kind::Director, &[])));
        assert!(may_write(&rules, &agent, &member("s", Kind::Staff, &[])));
        assert!(!may_write(&rules, &agent, &member("t", Kind::Teacher, &["c1"])));
        let admin = sender(Profile::Admin, &[]);
        assert!(may_write(&rules, &admin, &member("d", Kind::Director, &[])));
        assert!(!may_write(&rules, &admin, &member("s", Kind::Staff, &[])));
        let teacher = sender(Profile::Teacher, &["c1"]);
        for kind in [Kind::Pupil, Kind::Parent, Kind::Teacher, Kind::Director, Kind::Staff] {
            assert!(may_write(&rules, &teacher, &member("x", kind, &["c2"])), "{kind:?}");
        }
        assert!(!may_write(&rules, &teacher, &member("me", Kind::Teacher, &["c1"])), "not to oneself");
    }

    #[test]
    fn a_director_changes_only_what_is_editable() {
        let rules = Rules::with_changes([
            (Profile::Parent, Audience::SchoolTeachers, true),
            (Profile::Parent, Audience::SchoolParents, true),
            (Profile::Teacher, Audience::SchoolParents, false),
            (Profile::Director, Audience::SchoolPupils, false),
        ]);
        assert!(rules.allows(Profile::Parent, Audience::SchoolTeachers));
        assert!(!rules.allows(Profile::Parent, Audience::SchoolParents), "never stays never");
        assert!(rules.allows(Profile::Director, Audience::SchoolPupils), "always stays always");
        let teacher = sender(Profile::Teacher, &["c1"]);
        assert!(may_write(&rules, &teacher, &member("p", Kind::Parent, &["c1"])), "own class's parents");
        assert!(!may_write(&rules, &teacher, &member("p", Kind::Parent, &["c2"])), "others' parents");
    }

    #[test]
    fn pupils_address_no_group_wider_than_their_class() {
        let rules = Rules::with_changes([(Profile::Pupil, Audience::SchoolPupils, true)]);
        let pupil = sender(Profile::Pupil, &["c1"]);
        assert!(may_address(&rules, &pupil, &Group::ClassPupils("c1".into())));
        assert!(may_address(&rules, &pupil, &Group::ClassTeachers("c1".into())));
        assert!(!may_address(&rules, &pupil, &Group::ClassPupils("c2".into())), "even if pupils are open");
        assert!(!may_address(&rules, &pupil, &Group::SchoolPupils));
        assert!(!may_address(&rules, &pupil, &Group::SchoolStaff));
        assert!(!may_address(&rules, &pupil, &Group::ClassParents("c1".into())));
        let parent = sender(Profile::Parent, &["c1"]);
        assert!(may_address(&Rules::default(), &parent, &Group::ClassTeachers("c1".into())));
        assert!(!may_address(&Rules::default(), &parent, &Group::ClassParents("c1".into())));
        assert!(!may_address(&Rules::default(), &parent, &Group::SchoolParents));
    }

    #[test]
    fn addresses_read_back_what_they_write_and_nothing_else() {
        for a in [
            Address::Person("sub-1".into()),
            Address::Group(Group::ClassParents("class-a1".into())),
            Address::Group(Group::SchoolDirectors),
        ] {
            assert_eq!(a.to_string().parse::<Address>(), Ok(a.clone()));
        }
        for bad in ["", "p:", "x:y", "g:class_pupils", "g:school_staff:c1", "p:a b", "p:<script>", "g:everyone"] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
    }
}
