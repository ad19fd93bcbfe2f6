//! Whose agendas a person reads and where they write, decided only from the kit's `Identity`
//! checks and its chooser (`ent_portlet_kit::access`), failing closed (docs/portlet-agenda.md):
//!
//! | profile | reads | writes |
//! |---|---|---|
//! | pupil | own, own class's, its school's | own |
//! | parent | own, each child's class's, its school's | own |
//! | teacher | own, the classes taught and their schools' | own, the classes taught |
//! | director | own, the school's and every class of it, classes taught | own, the school's, every class of it |
//! | staff, city agent, admin | own | own |
//!
//! A person's agenda (the default tab, the home card, the feed) is their own events, their own
//! classes' (a pupil's, a parent's children's, the classes taught) and those classes' schools'
//! (and the school directed). The other tabs are the kit's choices: a class, or a parent's child,
//! with its school. A school whose name no token carries is "the school"; a parent's child's
//! class whose school neither the agenda nor the directory knows opens that class alone.
//!
//! Anything one may not read answers 404; a write one may not make on something one may read
//! answers 403.

use ent_portlet_kit::access::{self, Choice};
use ent_portlet_kit::{ClassInfo, DbError, Identity, KnownClasses, Lang, PortletError, Profile};

use crate::App;
use crate::model::{ClassId, Scope, Sub, Uai};
use crate::store::{FeedScopes, HeldClass, MAX_FEED_SCOPES, Store};
use crate::texts::Texts;

/// How far back the classes the agenda holds for a school look (a school year and a little).
const HELD_CLASSES_SECS: i64 = 400 * 86_400;

/// The classes the agenda holds events for: a director keeps reaching them when the directory
/// does not answer; a parent's tab is named from them.
impl KnownClasses for Store {
    async fn known_class(&self, id: &str) -> Result<Option<ClassInfo>, DbError> {
        Ok(self.held_class(id).await?.map(info))
    }

    async fn known_school_classes(&self, school: &str) -> Result<Vec<ClassInfo>, DbError> {
        let since = ent_portlet_kit::now() - HELD_CLASSES_SECS;
        Ok(self.held_school_classes(school, since).await?.into_iter().map(info).collect())
    }
}

fn info(c: HeldClass) -> ClassInfo {
    ClassInfo { id: c.id.to_string(), name: c.name, school: c.school.to_string() }
}

/// What a person reaches, computed once per request.
#[derive(Clone, Debug)]
pub struct Reach {
    pub me: Sub,
    /// The tabs: a class, or a parent's child (the kit's choices).
    pub choices: Vec<Choice>,
    /// The classes of the person's own agenda.
    own_classes: Vec<ClassInfo>,
    /// The schools of the person's own agenda: their classes' and the one they direct.
    own_schools: Vec<Uai>,
    /// The schools the person directs (writes the school's events, imports its holidays).
    pub directed: Vec<Uai>,
}

/// Somewhere one may write an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub scope: Scope,
    pub label: String,
    /// The class, for a class's target (kept by the store, to name it later).
    pub class: Option<HeldClass>,
}

impl Target {
    /// Its value in a form: `personal`, `school:{uai}`, `class:{id}`.
    pub fn value(&self) -> String {
        scope_value(&self.scope)
    }
}

pub fn scope_value(scope: &Scope) -> String {
    match scope {
        Scope::Personal(_) => "personal".into(),
        other => format!("{}:{}", other.kind().as_str(), other.id()),
    }
}

impl Reach {
    pub async fn of(state: &App, who: &Identity, lang: Lang) -> Result<Reach, PortletError> {
        let me = Sub::parse(&who.sub).ok_or(PortletError::Forbidden(lang))?;
        let choices = access::choices(who, state.directory(), &state.store).await?;
        let mut own_classes: Vec<ClassInfo> = Vec::new();
        for c in &choices {
            let own = match who.profile {
                Profile::Pupil | Profile::Parent => true,
                Profile::Teacher | Profile::Director => who.is_teacher_of(&c.class.id),
                Profile::Staff | Profile::CityAgent | Profile::Admin => false,
            };
            // Two children in one class: one class.
            if own && !own_classes.iter().any(|o| o.id == c.class.id) {
                own_classes.push(c.class.clone());
            }
        }
        let directed: Vec<Uai> = who.directed_schools().filter_map(Uai::parse).collect();
        let mut own_schools: Vec<Uai> = Vec::new();
        for school in own_classes.iter().filter_map(|c| Uai::parse(&c.school)).chain(directed.iter().cloned()) {
            if !own_schools.contains(&school) {
                own_schools.push(school);
            }
        }
        Ok(Reach { me, choices, own_classes, own_schools, directed })
    }

    /// The person's own agenda: their events, their classes', their schools'.
    pub fn own(&self) -> Vec<Scope> {
        let mut out = vec![Scope::Personal(self.me.clone())];
        out.extend(self.own_classes.iter().filter_map(|c| ClassId::parse(&c.id)).map(Scope::Class));
        out.extend(self.own_schools.iter().cloned().map(Scope::School));
        out
    }

    /// A tab's agenda: the class's events and its school's.
    pub fn of_choice(&self, choice: &Choice) -> Vec<Scope> {
        let mut out: Vec<Scope> = ClassId::parse(&choice.class.id).map(Scope::Class).into_iter().collect();
        out.extend(Uai::parse(&choice.class.school).map(Scope::School));
        out
    }

    /// What the feed keeps to show without a login: the person's own classes and schools (their
    /// own events go by their sub). Beyond the store's bound, the first ones.
    pub fn feed_scopes(&self) -> FeedScopes {
        let schools: Vec<Uai> = self.own_schools.iter().take(MAX_FEED_SCOPES).cloned().collect();
        let room = MAX_FEED_SCOPES - schools.len();
        let classes = self.own_classes.iter().filter_map(|c| ClassId::parse(&c.id)).take(room);
        FeedScopes::new(classes, schools).unwrap_or_default()
    }

    /// May read the events of this scope.
    pub fn can_read(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Personal(sub) => *sub == self.me,
            Scope::Class(id) => self.choices.iter().any(|c| c.class.id == id.as_str()),
            Scope::School(uai) => {
                self.own_schools.contains(uai) || self.choices.iter().any(|c| c.class.school == uai.as_str())
            }
        }
    }

    /// The schools among scopes (whose holidays a page shows).
    pub fn schools(scopes: &[Scope]) -> Vec<Uai> {
        scopes
            .iter()
            .filter_map(|s| match s {
                Scope::School(u) => Some(u.clone()),
                _ => None,
            })
            .collect()
    }

    /// How an event's scope is named on a page: "Personnel", "École", the class's name.
    pub fn label(&self, scope: &Scope, t: &Texts) -> String {
        match scope {
            Scope::Personal(_) => t.personal.to_string(),
            Scope::School(_) => t.school.to_string(),
            Scope::Class(id) => self
                .choices
                .iter()
                .find(|c| c.class.id == id.as_str() && !c.class.name.is_empty())
                .map(|c| c.class.name.clone())
                .unwrap_or_else(|| t.class.to_string()),
        }
    }

    /// Where this person may write: their own agenda, the schools they direct, the classes they
    /// write for (those they teach; every class of a directed school).
    pub fn targets(&self, who: &Identity, t: &Texts) -> Vec<Target> {
        let mut out = vec![Target { scope: Scope::Personal(self.me.clone()), label: t.my_events.into(), class: None }];
        for uai in &self.directed {
            if who.is_director_of(uai.as_str()) {
                let label =
                    if self.directed.len() > 1 { t.school_with_uai(uai.as_str()) } else { t.whole_school.into() };
                out.push(Target { scope: Scope::School(uai.clone()), label, class: None });
            }
        }
        for c in self.choices.iter().filter(|c| who.can_write_class(&c.class.id, &c.class.school)) {
            let (Some(id), Some(school)) = (ClassId::parse(&c.class.id), Uai::parse(&c.class.school)) else {
                continue;
            };
            let name = if c.class.name.is_empty() { t.class.to_string() } else { c.class.name.clone() };
            let held = HeldClass { id: id.clone(), name: name.clone(), school };
            out.push(Target { scope: Scope::Class(id), label: t.class_named(&name), class: Some(held) });
        }
        out
    }

    /// May write the events of this scope.
    pub fn can_write(&self, who: &Identity, scope: &Scope) -> bool {
        match scope {
            Scope::Personal(sub) => *sub == self.me,
            Scope::School(uai) => who.is_director_of(uai.as_str()),
            Scope::Class(id) => self
                .choices
                .iter()
                .any(|c| c.class.id == id.as_str() && who.can_write_class(&c.class.id, &c.class.school)),
        }
    }
}

/// The tab a request names (`class=` or `child=`), `None` for the person's own agenda, or 404
/// when it names one they may not open.
pub fn selected<'a>(
    reach: &'a Reach,
    class: Option<&str>,
    child: Option<&str>,
    lang: Lang,
) -> Result<Option<&'a Choice>, PortletError> {
    let named = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
    if !named(class) && !named(child) {
        return Ok(None);
    }
    access::select(&reach.choices, class, child, lang)
}
