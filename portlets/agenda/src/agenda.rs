//! A window's occurrences of several events, in the order a person reads them: what the week and
//! month views, the "next days" card and the day-before reminders draw.

use std::cmp::Ordering;

use crate::model::{Event, When};
use crate::recurrence::Window;

/// One occurrence: which of the agenda's events, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// The index of its event in [`Agenda::events`].
    pub event: usize,
    pub when: When,
}

/// Events and their occurrences in a window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agenda {
    pub events: Vec<Event>,
    /// By start; on one day, all-day events first; then by title.
    pub occurrences: Vec<Occurrence>,
    /// True when an event had more occurrences in the window than one expansion yields
    /// ([`crate::recurrence::MAX_OCCURRENCES`]).
    pub truncated: bool,
}

impl Agenda {
    /// Expands each event in the window and sorts the occurrences.
    pub fn of(events: Vec<Event>, window: &Window) -> Agenda {
        let mut occurrences = Vec::new();
        let mut truncated = false;
        for (i, event) in events.iter().enumerate() {
            let expansion = event.content.schedule.occurrences(window);
            truncated |= expansion.truncated;
            occurrences.extend(expansion.occurrences.into_iter().map(|when| Occurrence { event: i, when }));
        }
        occurrences.sort_by(|a, b| order(&events, a, b));
        Agenda { events, occurrences, truncated }
    }

    /// The occurrences with their events, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Event, &When)> {
        self.occurrences.iter().filter_map(|o| self.events.get(o.event).map(|e| (e, &o.when)))
    }

    pub fn is_empty(&self) -> bool {
        self.occurrences.is_empty()
    }
}

fn order(events: &[Event], a: &Occurrence, b: &Occurrence) -> Ordering {
    let day = |o: &Occurrence| o.when.first_day();
    let title = |o: &Occurrence| events.get(o.event).map(|e| e.content.title.as_str()).unwrap_or("");
    day(a)
        .cmp(&day(b))
        .then_with(|| b.when.is_all_day().cmp(&a.when.is_all_day()))
        .then_with(|| a.when.start_instant().cmp(&b.when.start_instant()))
        .then_with(|| title(a).cmp(title(b)))
        .then_with(|| a.event.cmp(&b.event))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{NaiveDate, NaiveDateTime};

    use super::*;
    use crate::model::{Author, EventContent, EventId, Schedule, Scope, Sub, Title};
    use crate::recurrence::Recurrence;

    fn event(title: &str, schedule: Schedule) -> Event {
        let sub = Sub::parse("s").unwrap();
        Event {
            id: EventId::new(),
            scope: Scope::Personal(sub.clone()),
            author: Author::anonymous(sub),
            content: EventContent { title: Title::parse(title).unwrap(), place: None, description: None, schedule },
            import_uid: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn occurrences_are_read_day_by_day() {
        let lesson = Schedule::repeating(
            When::timed(at("2025-09-01 08:30"), at("2025-09-01 09:30")).unwrap(),
            Recurrence::parse("FREQ=DAILY;COUNT=3").unwrap(),
            BTreeSet::new(),
        )
        .unwrap();
        let events = vec![
            event("Cours", lesson),
            event("Sortie", Schedule::once(When::all_day(day("2025-09-02"), day("2025-09-02")).unwrap())),
            event("Réunion", Schedule::once(When::timed(at("2025-09-02 08:00"), at("2025-09-02 09:00")).unwrap())),
        ];
        let agenda = Agenda::of(events, &Window::days(day("2025-09-01"), day("2025-09-07")).unwrap());
        let read: Vec<(String, String)> =
            agenda.iter().map(|(e, w)| (w.first_day().to_string(), e.content.title.to_string())).collect();
        let want = [
            ("2025-09-01", "Cours"),
            ("2025-09-02", "Sortie"),
            ("2025-09-02", "Réunion"),
            ("2025-09-02", "Cours"),
            ("2025-09-03", "Cours"),
        ];
        assert_eq!(read, want.map(|(d, t)| (d.to_string(), t.to_string())));
        assert!(!agenda.truncated);
    }
}
