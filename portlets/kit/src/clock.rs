//! The portlet's clock: the system's, or one a test sets and moves, so that tests of "today",
//! of "less than an hour ago" or of an expiry set the time instead of waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::calendar::Date;

/// What time it is for a portlet. Cheap to clone; clones of a set clock move together.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's time.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock standing at `unix` (seconds since the epoch) until it is set or moved.
    pub fn at(unix: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(unix))))
    }

    /// A clock standing at noon, Paris time, of that day.
    pub fn on(day: Date) -> Clock {
        Clock::at(day.paris_noon())
    }

    /// Moves a set clock by `secs` (nothing for the system's).
    pub fn advance(&self, secs: i64) {
        if let Some(t) = &self.0 {
            t.fetch_add(secs, Ordering::Relaxed);
        }
    }

    /// Seconds since the epoch.
    pub fn now(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::Relaxed),
            None => crate::now(),
        }
    }

    /// The calendar day in Paris.
    pub fn today(&self) -> Date {
        Date::paris(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_moves_only_when_told() {
        let day = Date::parse("2025-03-04").unwrap_or_else(|| panic!("date"));
        let clock = Clock::on(day);
        let copy = clock.clone();
        assert_eq!(clock.today(), day);
        copy.advance(86_400);
        assert_eq!(clock.today(), day.add_days(1), "clones share the time");
        assert!(Clock::system().now() > 1_700_000_000);
    }
}
