//! The parts of the `ent` command that other crates reuse: the workspace around a running
//! provider (portal and portlets, registered and started), for `ent demo`, the end-to-end tests
//! and the benchmarks.

pub mod stack;
