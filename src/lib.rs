//! The parts of the `ent` command that other crates reuse: the registry of the workspace's
//! portlets, and the workspace around a running provider (portal and portlets, registered and
//! started), for `ent demo`, the end-to-end tests and the benchmarks.

pub mod registry;
pub mod stack;
