//! The provider's attempt counts (accounts, client addresses, parked requests per address): the
//! shared counter of `ent-storage` over the provider's `throttle` table.

pub use ent_storage::throttle::{Counted, ThrottleStore};
