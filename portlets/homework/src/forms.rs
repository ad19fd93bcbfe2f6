//! The entry form: reading a post (urlencoded, or multipart with files, as the portal forwards
//! it), checking it field by field, and the values to show again with their errors when it is
//! refused (nothing typed is lost; uploaded files must be chosen again, which the form says).
//! The post is the kit's `Posted`; the checks are the kit's field checks and file rules, said in
//! the diary's words.

use ent_portlet_kit::calendar::Date;
use ent_portlet_kit::field::{self, Problem};
use ent_portlet_kit::upload::{FileProblem, FileRules, Upload};
use ent_portlet_kit::{Lang, Posted};

use crate::store::{Content, Entry, Item, MAX_FILE_BYTES, MAX_FILES, MAX_ITEMS, NewFile};
use crate::texts::{Texts, texts};

/// Longest "done in class" text, in characters.
pub const MAX_DONE_CHARS: usize = 4000;
/// Longest item, in characters.
pub const MAX_ITEM_CHARS: usize = 1000;
/// Item rows a blank form shows.
const BLANK_ROWS: usize = 3;
/// How far after the class day something may be due.
const MAX_DUE_DAYS: i64 = 366;
/// The diary's files: 5 MiB each (also a `CHECK` in the database), 5 per entry.
pub const FILES: FileRules = FileRules { max_bytes: MAX_FILE_BYTES, max_files: MAX_FILES };

/// A day's problem in the diary's words.
fn day_problem(t: &Texts, p: Problem, missing: &'static str) -> String {
    match p {
        Problem::Missing => missing,
        Problem::NotASchoolDay => t.not_a_school_day,
        _ => t.not_a_date,
    }
    .to_string()
}

/// One row of "what is due", as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemRow {
    pub text: String,
    pub due: String,
    pub text_error: Option<String>,
    pub due_error: Option<String>,
}

/// The form's values, as typed (or as stored), and its errors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryForm {
    pub class: String,
    pub day: String,
    pub done: String,
    pub items: Vec<ItemRow>,
    /// Ids of stored files ticked for removal.
    pub remove_files: Vec<String>,
    pub class_error: Option<String>,
    pub day_error: Option<String>,
    pub done_error: Option<String>,
    pub files_error: Option<String>,
}

impl EntryForm {
    /// A blank form for a class and day.
    pub fn blank(class: &str, day: Date) -> EntryForm {
        let mut f = EntryForm { class: class.to_string(), day: day.iso(), ..EntryForm::default() };
        f.pad_rows();
        f
    }

    /// The form for a stored entry.
    pub fn of(entry: &Entry) -> EntryForm {
        let mut f = EntryForm {
            class: entry.placement.class_id.clone(),
            day: entry.content.day.iso(),
            done: entry.content.done.clone(),
            items: entry
                .content
                .items
                .iter()
                .map(|i| ItemRow { text: i.text.clone(), due: i.due.iso(), ..ItemRow::default() })
                .collect(),
            ..EntryForm::default()
        };
        f.pad_rows();
        f
    }

    /// The values of a post, as typed.
    pub fn from_posted(p: &Posted) -> EntryForm {
        let mut items = Vec::new();
        for i in 0..MAX_ITEMS {
            let text = p.text(&format!("item_text_{i}")).to_string();
            let due = p.text(&format!("item_due_{i}")).to_string();
            items.push(ItemRow { text, due, ..ItemRow::default() });
        }
        // Keep the rows up to the last one used, then pad with blank ones.
        while items.last().is_some_and(|r| r.text.trim().is_empty() && r.due.trim().is_empty()) {
            items.pop();
        }
        let mut f = EntryForm {
            class: p.text("class").to_string(),
            day: p.text("day").to_string(),
            done: p.text("done").to_string(),
            items,
            remove_files: p.all("remove_file").into_iter().map(str::to_owned).collect(),
            ..EntryForm::default()
        };
        f.pad_rows();
        f
    }

    /// At least [`BLANK_ROWS`] rows and one blank row to add to, within [`MAX_ITEMS`].
    fn pad_rows(&mut self) {
        while self.items.len() < MAX_ITEMS
            && (self.items.len() < BLANK_ROWS || self.items.last().is_some_and(|r| !r.text.is_empty()))
        {
            self.items.push(ItemRow::default());
        }
    }

    pub fn has_errors(&self) -> bool {
        self.class_error.is_some()
            || self.day_error.is_some()
            || self.done_error.is_some()
            || self.files_error.is_some()
            || self.items.iter().any(|r| r.text_error.is_some() || r.due_error.is_some())
    }

    /// Checks the values; on success, what to store. Errors are written into the form.
    pub fn validate(&mut self, lang: Lang) -> Option<Content> {
        let t = texts(lang);
        let day = match field::school_day(&self.day) {
            Ok(d) => Some(d),
            Err(p) => {
                self.day_error = Some(day_problem(t, p, t.day_missing));
                None
            }
        };
        let done = match field::optional(&self.done, MAX_DONE_CHARS) {
            Ok(done) => done,
            Err(_) => {
                self.done_error = Some(t.text_too_long(MAX_DONE_CHARS));
                String::new()
            }
        };
        let mut items = Vec::new();
        for row in &mut self.items {
            if row.text.trim().is_empty() && row.due.trim().is_empty() {
                continue;
            }
            let text = match field::required(&row.text, MAX_ITEM_CHARS) {
                Ok(text) => Some(text),
                Err(Problem::Missing) => {
                    row.text_error = Some(t.item_text_missing.into());
                    None
                }
                Err(_) => {
                    row.text_error = Some(t.text_too_long(MAX_ITEM_CHARS));
                    None
                }
            };
            let due = match field::school_day(&row.due) {
                Err(p) => {
                    row.due_error = Some(day_problem(t, p, t.item_due_missing));
                    None
                }
                Ok(d) if day.is_some_and(|day| d < day) => {
                    row.due_error = Some(t.due_before_lesson.into());
                    None
                }
                Ok(d) if day.is_some_and(|day| day.days_until(d) > MAX_DUE_DAYS) => {
                    row.due_error = Some(t.due_too_far.into());
                    None
                }
                Ok(d) => Some(d),
            };
            if let (Some(text), Some(due)) = (text, due) {
                items.push(Item { text, due });
            }
        }
        if done.is_empty()
            && items.is_empty()
            && self.done_error.is_none()
            && !self.items.iter().any(|r| r.text_error.is_some() || r.due_error.is_some())
        {
            self.done_error = Some(t.entry_empty.into());
        }
        if self.has_errors() {
            return None;
        }
        Some(Content { day: day?, done, items })
    }

    /// Checks the uploads against the diary's rules (`kept`: stored files the entry keeps).
    pub fn check_files(&mut self, uploads: &[Upload], kept: usize, lang: Lang) -> Vec<NewFile> {
        let t = texts(lang);
        let (accepted, problem) = FILES.check(uploads, kept);
        match problem {
            Some(FileProblem::TooLarge(name)) => self.files_error = Some(t.file_too_large(&name)),
            Some(FileProblem::TooMany) => self.files_error = Some(t.too_many_files(MAX_FILES)),
            None => {}
        }
        accepted.into_iter().map(|a| NewFile { name: a.name, content_type: a.content_type, data: a.data }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        let fields = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Posted { fields: ent_portlet_kit::Pairs::from_pairs(fields), files: vec![] }
    }

    #[test]
    fn a_good_form_gives_its_content() {
        let mut f = EntryForm::from_posted(&posted(&[
            ("day", "2025-03-04"),
            ("done", " Lecture p. 12 "),
            ("item_text_0", "Apprendre la poésie"),
            ("item_due_0", "2025-03-06"),
        ]));
        let c = f.validate(Lang::Fr).unwrap();
        assert_eq!(c.done, "Lecture p. 12");
        assert_eq!(c.items, vec![Item { text: "Apprendre la poésie".into(), due: Date::parse("2025-03-06").unwrap() }]);
    }

    #[test]
    fn errors_are_per_field_and_values_stay() {
        let mut f = EntryForm::from_posted(&posted(&[
            ("day", "2025-02-30"),
            ("done", "x"),
            ("item_text_0", ""),
            ("item_due_0", "2025-03-06"),
            ("item_text_1", "Fiche"),
            ("item_due_1", "demain"),
        ]));
        assert!(f.validate(Lang::En).is_none());
        assert_eq!(f.day, "2025-02-30");
        assert!(f.day_error.is_some());
        assert!(f.items[0].text_error.is_some() && f.items[0].due_error.is_none());
        assert_eq!(f.items[1].due, "demain");
        assert!(f.items[1].due_error.is_some());
    }

    #[test]
    fn an_empty_entry_is_refused() {
        let mut f = EntryForm::from_posted(&posted(&[("day", "2025-03-04"), ("done", "   ")]));
        assert!(f.validate(Lang::Fr).is_none());
        assert!(f.done_error.is_some());
    }

    #[test]
    fn due_dates_are_school_days_on_or_after_the_lesson() {
        for due in ["2025-03-03", "2025-03-08"] {
            let mut f =
                EntryForm::from_posted(&posted(&[("day", "2025-03-04"), ("item_text_0", "x"), ("item_due_0", due)]));
            assert!(f.validate(Lang::Fr).is_none(), "{due}");
        }
    }
}
