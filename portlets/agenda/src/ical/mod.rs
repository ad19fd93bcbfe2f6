//! iCalendar (RFC 5545): the feed a person subscribes to ([`write_feed`]) and the import of an
//! `.ics` file into events ([`import_ics`]), over one content-line layer (`lines`) and the
//! time-zone names of other calendars (`zones`).

mod feed;
mod import;
mod lines;
mod zones;

pub use feed::{FeedInfo, REFRESH, write_feed};
pub(crate) use import::day_spans;
pub use import::{
    ImportError, ImportNote, ImportReport, Imported, MAX_IMPORT_BYTES, MAX_IMPORT_EVENTS, SkipReason, Skipped,
    import_ics,
};
