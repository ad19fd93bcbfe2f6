//! What the benchmarks share: their own throw-away database.

pub mod db;
