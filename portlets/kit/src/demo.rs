//! The demo school, as `ent demo` hands it to every portlet whose database it has just created,
//! so that a newcomer's first pages show what the ENT does instead of "Rien à faire": each
//! portlet that wants to writes a plausible school week for it through its own store
//! ([`Portlet::demo`](crate::Portlet)). The school is described by the subjects and names the
//! portlets see in tokens, never by the provider's internal ids; everything is deterministic
//! and in French, like the demo directory.

use std::future::Future;
use std::pin::Pin;

use crate::calendar::Date;
use ent_storage::DbError;

/// Someone of the demo school, as tokens name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPerson {
    /// The public `sub` first-party services see.
    pub sub: String,
    /// "Prénom Nom".
    pub name: String,
}

/// A pupil of the demo class and the parents who see their pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoFamily {
    pub child: DemoPerson,
    /// (parent, holds parental authority)
    pub parents: Vec<(DemoPerson, bool)>,
}

/// What a portlet fills: the demo class of the demo school, its teacher, the school's director,
/// and the families of the class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSchool {
    /// The school's UAI.
    pub uai: String,
    pub school_name: String,
    pub class_id: String,
    pub class_name: String,
    pub teacher: DemoPerson,
    pub director: DemoPerson,
    /// The class's families; the first is the demo pupil's (`eleve.demo`, `parent.demo`), so
    /// that what a portlet writes for one family is what the demo's accounts see.
    pub families: Vec<DemoFamily>,
    /// The day the demo starts: the week written is the school week around it.
    pub today: Date,
}

/// The future of a portlet filling the demo school.
pub type Filling<'a> = Pin<Box<dyn Future<Output = Result<(), DbError>> + Send + 'a>>;

/// A portlet's way to fill the demo school through its own state (its store).
pub type Fill<T> = for<'a> fn(&'a T, &'a DemoSchool) -> Filling<'a>;
