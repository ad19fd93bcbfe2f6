//! The directory's vocabulary: profiles and the identifiers that cross module boundaries.

pub use ent_claims::{City, Profile, UnknownProfile};
