//! The questions every portlet asks before drawing a page, answered once from the kit's
//! `Identity` (which fails closed) and the directory: which classes a director's school has
//! (always the directory's list, so that every portlet shows a director the same classes), which
//! classes a person may write for, and which diaries, notebooks or agendas — a class, or a
//! parent's child — a person may open, as the tabs every portlet draws ([`Choice`], [`choices`],
//! [`select`]).

use std::future::Future;

use crate::directory::Directory;
use crate::fragment::{Lang, PortletError};
use crate::identity::{Identity, Profile};
use crate::link::Link;
use ent_storage::DbError;

/// A class as a portlet names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassInfo {
    pub id: String,
    /// Empty when unknown (a parent's child, in a class the portlet holds nothing for yet).
    pub name: String,
    /// The school's UAI; empty when unknown.
    pub school: String,
}

/// What a portlet already holds about classes: a class it has data for, by id, and those of a
/// school (so that a class since gone from the directory, or every class while the directory
/// does not answer, stays reachable).
pub trait KnownClasses: Sync {
    fn known_class(&self, id: &str) -> impl Future<Output = Result<Option<ClassInfo>, DbError>> + Send;
    fn known_school_classes(&self, school: &str) -> impl Future<Output = Result<Vec<ClassInfo>, DbError>> + Send;
}

/// The classes of the schools this person directs: the directory's list for each school, and
/// the classes the portlet already holds for it; by name. Empty for anyone who directs nothing.
pub async fn director_classes(
    who: &Identity,
    directory: Option<&Directory>,
    known: &impl KnownClasses,
) -> Result<Vec<ClassInfo>, PortletError> {
    let mut out: Vec<ClassInfo> = Vec::new();
    for school in who.directed_schools() {
        let mut classes = known.known_school_classes(school).await?;
        if let Some(directory) = directory {
            match directory.school_classes(school).await {
                Ok(listed) => {
                    for c in listed.unwrap_or_default() {
                        if !classes.iter().any(|k| k.id == c.id) {
                            classes.push(ClassInfo { id: c.id, name: c.name, school: school.to_string() });
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the directory's class list is unavailable"),
            }
        }
        classes.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        out.extend(classes);
    }
    Ok(out)
}

/// The classes this person may write for: those they teach, then their school's for a
/// director.
pub async fn writable_classes(
    who: &Identity,
    directory: Option<&Directory>,
    known: &impl KnownClasses,
) -> Result<Vec<ClassInfo>, PortletError> {
    let mut out: Vec<ClassInfo> = who
        .taught_classes()
        .map(|c| ClassInfo { id: c.id.clone(), name: c.name.clone(), school: c.school.clone() })
        .collect();
    for c in director_classes(who, directory, known).await? {
        if !out.iter().any(|o| o.id == c.id) {
            out.push(c);
        }
    }
    out.retain(|c| who.can_write_class(&c.id, &c.school));
    Ok(out)
}

/// A parent's child, as a tab names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildTab {
    pub sub: String,
    /// 1, 2, … in the token's order, for when the token carries no first name.
    pub rank: usize,
    pub given_name: Option<String>,
}

/// Something a person may open: a class (`class=`), or for a parent a child (`child=`) and the
/// child's class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub class: ClassInfo,
    pub child: Option<ChildTab>,
}

impl Choice {
    /// A class, chosen as a class (`class=`).
    pub fn of_class(class: ClassInfo) -> Choice {
        Choice { class, child: None }
    }

    /// The query parameter that selects it.
    pub fn key(&self) -> &'static str {
        if self.child.is_some() { "child" } else { "class" }
    }

    pub fn value(&self) -> &str {
        self.child.as_ref().map_or(&self.class.id, |c| &c.sub)
    }

    /// The class's name, or the word for a class when nobody has named it yet.
    pub fn class_name(&self, lang: Lang) -> String {
        match (self.class.name.is_empty(), lang) {
            (false, _) => self.class.name.clone(),
            (true, Lang::Fr) => "Classe".into(),
            (true, Lang::En) => "Class".into(),
        }
    }

    /// The tab's words, the same in every portlet: the class's name, or "Léa · CM1 A" for a
    /// parent ("Enfant 1 · CM1 A" when the token carries no first name).
    pub fn label(&self, lang: Lang) -> String {
        let class = self.class_name(lang);
        match &self.child {
            Some(child) => match (&child.given_name, lang) {
                (Some(name), _) => format!("{name} · {class}"),
                (None, Lang::Fr) => format!("Enfant {} · {class}", child.rank),
                (None, Lang::En) => format!("Child {} · {class}", child.rank),
            },
            None => class,
        }
    }
}

impl Link {
    /// The link with this choice's parameter (`class=…` or `child=…`).
    pub fn choice(self, choice: Option<&Choice>) -> Link {
        match choice {
            Some(c) => self.q(c.key(), c.value()),
            None => self,
        }
    }
}

/// What this person may open, in tab order: a pupil their class, a parent each child with a
/// class, a teacher the classes taught, a director those and the school's; nothing for staff,
/// city agents and admins.
pub async fn choices(
    who: &Identity,
    directory: Option<&Directory>,
    known: &impl KnownClasses,
) -> Result<Vec<Choice>, PortletError> {
    let mut out: Vec<Choice> = Vec::new();
    match who.profile {
        Profile::Pupil => {
            for c in who.pupil_classes() {
                out.push(Choice::of_class(ClassInfo {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    school: c.school.clone(),
                }));
            }
        }
        Profile::Parent => {
            for (i, child) in who.children().iter().enumerate() {
                let Some(class_id) = child.class.as_deref() else { continue };
                // The token names the child's class, its name and school; a token from before
                // it did is helped by what the portlet holds for the class, and by the
                // directory's roster before that.
                let class = match (&child.class_name, &child.school) {
                    (Some(name), Some(school)) => {
                        ClassInfo { id: class_id.to_string(), name: name.clone(), school: school.clone() }
                    }
                    _ => {
                        let known = match known.known_class(class_id).await? {
                            Some(held) => Some(held),
                            None => listed_class(directory, class_id).await,
                        };
                        ClassInfo {
                            id: class_id.to_string(),
                            name: known.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                            school: known.map(|k| k.school).unwrap_or_default(),
                        }
                    }
                };
                out.push(Choice {
                    class,
                    child: Some(ChildTab { sub: child.sub.clone(), rank: i + 1, given_name: child.given_name.clone() }),
                });
            }
        }
        Profile::Teacher | Profile::Director => {
            out = writable_classes(who, directory, known).await?.into_iter().map(Choice::of_class).collect();
        }
        Profile::Staff | Profile::CityAgent | Profile::Admin => {}
    }
    out.retain(|c| who.can_read_class(&c.class.id, &c.class.school));
    Ok(out)
}

/// A class as the directory lists it (its name and school), or `None` when it does not, or
/// does not answer (the class then stays nameless and schoolless: nothing is granted by it).
async fn listed_class(directory: Option<&Directory>, class_id: &str) -> Option<ClassInfo> {
    match directory?.class(class_id).await {
        Ok(roster) => roster.map(|r| ClassInfo { id: r.id, name: r.name, school: r.school }),
        Err(e) => {
            tracing::warn!(error = %e, "the directory's class is unavailable");
            None
        }
    }
}

/// The choice a request names (`child=` first, then `class=`), the first one when it names
/// none, or 404 when it names one this person may not open.
pub fn select<'a>(
    choices: &'a [Choice],
    class: Option<&str>,
    child: Option<&str>,
    lang: Lang,
) -> Result<Option<&'a Choice>, PortletError> {
    let found = match (child.filter(|c| !c.is_empty()), class.filter(|c| !c.is_empty())) {
        (Some(sub), _) => choices.iter().find(|c| c.child.as_ref().is_some_and(|k| k.sub == sub)),
        (None, Some(id)) => choices.iter().find(|c| c.class.id == id),
        (None, None) => return Ok(choices.first()),
    };
    found.map(Some).ok_or(PortletError::NotFound(lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{CLASS_A1, CLASS_A2, CLASS_B1, Network, SCHOOL_A};

    struct Holds(Vec<ClassInfo>);

    impl KnownClasses for Holds {
        async fn known_class(&self, id: &str) -> Result<Option<ClassInfo>, DbError> {
            Ok(self.0.iter().find(|c| c.id == id).cloned())
        }
        async fn known_school_classes(&self, school: &str) -> Result<Vec<ClassInfo>, DbError> {
            Ok(self.0.iter().filter(|c| c.school == school).cloned().collect())
        }
    }

    fn ids(choices: &[Choice]) -> Vec<&str> {
        choices.iter().map(|c| c.class.id.as_str()).collect()
    }

    #[tokio::test]
    async fn a_director_has_the_directorys_classes_and_those_held() {
        let net = Network::new();
        let gone = ClassInfo { id: "class-gone".into(), name: "AA".into(), school: SCHOOL_A.into() };
        let held = Holds(vec![gone]);
        let directory = net.directory();
        let got = choices(&net.director_a, Some(&directory), &held).await.unwrap_or_default();
        assert_eq!(ids(&got), ["class-gone", CLASS_A2, CLASS_A1], "by name: AA, CE2 A, CM1 A");
        let without = choices(&net.director_a, None, &held).await.unwrap_or_default();
        assert_eq!(ids(&without), ["class-gone"], "while the directory is away, what is held");
        let teacher = choices(&net.teacher_b1, Some(&directory), &held).await.unwrap_or_default();
        assert_eq!(ids(&teacher), [CLASS_B1]);
        for who in [&net.staff_a, &net.city_agent, &net.admin] {
            assert!(choices(who, Some(&directory), &held).await.unwrap_or_default().is_empty());
        }
    }

    #[tokio::test]
    async fn a_parent_opens_each_child_and_nothing_else() {
        let net = Network::new();
        let got = choices(&net.parent_a1, None, &Holds(vec![])).await.unwrap_or_default();
        assert_eq!(got.len(), 1);
        let named = (got[0].class.name.as_str(), got[0].class.school.as_str());
        assert_eq!(named, ("CM1 A", SCHOOL_A), "the token names the class");
        assert_eq!(got[0].label(Lang::Fr), "Léa · CM1 A");
        // A token from before `ent_children` named classes: what is held, then the directory.
        let mut older = net.parent_a1.clone();
        for child in &mut older.children {
            (child.class_name, child.school) = (None, None);
        }
        let bare = choices(&older, None, &Holds(vec![])).await.unwrap_or_default();
        let named = (bare[0].class.name.as_str(), bare[0].class.school.as_str());
        assert_eq!(named, ("", ""), "nothing held, no directory");
        assert_eq!((bare[0].label(Lang::Fr), bare[0].label(Lang::En)), ("Léa · Classe".into(), "Léa · Class".into()));
        let directory = net.directory();
        let listed = choices(&older, Some(&directory), &Holds(vec![])).await.unwrap_or_default();
        assert_eq!((listed[0].class.name.as_str(), listed[0].class.school.as_str()), ("CM1 A", SCHOOL_A));
        assert_eq!((got[0].key(), got[0].value()), ("child", "pupil-a1"));
        assert_eq!(select(&got, None, Some("pupil-a1"), Lang::Fr).ok().flatten(), got.first());
        assert!(select(&got, None, Some("pupil-a2"), Lang::Fr).is_err());
        assert!(select(&got, Some(CLASS_A2), None, Lang::Fr).is_err());
        let link = Link::to("/view/week").choice(got.first());
        assert_eq!(link.path(), "/view/week?child=pupil-a1");
    }
}
