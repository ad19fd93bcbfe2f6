//! The entry form: reading a post (urlencoded, or multipart with files, as the portal forwards
//! it), checking it field by field, and the values to show again with their errors when it is
//! refused (nothing typed is lost; uploaded files must be chosen again, which the form says).

use axum::http::{HeaderMap, header};
use bytes::Bytes;
use ent_portlet_kit::{Lang, PortletError};

use crate::files;
use crate::store::{Content, Entry, Item, MAX_FILE_BYTES, MAX_FILES, MAX_ITEMS, NewFile};
use ent_portlet_kit::calendar::Date;

/// Longest "done in class" text, in characters.
pub const MAX_DONE_CHARS: usize = 4000;
/// Longest item, in characters.
pub const MAX_ITEM_CHARS: usize = 1000;
/// Item rows a blank form shows.
const BLANK_ROWS: usize = 3;
/// How far after the class day something may be due.
const MAX_DUE_DAYS: i64 = 366;

/// A file part of a multipart post.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub data: Bytes,
}

/// A decoded post: its text fields in order, and its files.
#[derive(Clone, Debug, Default)]
pub struct Posted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

impl Posted {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

/// Text fields are short: anything longer than this is not from our form.
const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Nor are posts with more parts than this.
const MAX_PARTS: usize = 64;

/// Decodes a post body by its content type.
pub async fn read(headers: &HeaderMap, body: Bytes) -> Result<Posted, PortletError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let fields: Vec<(String, String)> =
                url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            if fields.len() > MAX_PARTS {
                return Err(PortletError::BadRequest("too many fields".into()));
            }
            Ok(Posted { fields, files: Vec::new() })
        }
        "multipart/form-data" => read_multipart(content_type, body).await,
        _ => Err(PortletError::BadRequest("unsupported content type".into())),
    }
}

async fn read_multipart(content_type: &str, body: Bytes) -> Result<Posted, PortletError> {
    let bad = |e: multer::Error| PortletError::BadRequest(format!("multipart: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut posted = Posted::default();
    let mut parts = 0;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(PortletError::BadRequest("too many parts".into()));
        }
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let content_type = field.content_type().map(|m| m.essence_str().to_string()).unwrap_or_default();
                let data = field.bytes().await.map_err(bad)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if file_name.is_empty() && data.is_empty() {
                    continue;
                }
                posted.files.push(Upload { name: file_name, content_type, data });
            }
            None => {
                let data = field.bytes().await.map_err(bad)?;
                if data.len() > MAX_FIELD_BYTES {
                    return Err(PortletError::BadRequest("field too long".into()));
                }
                let value = String::from_utf8(data.to_vec())
                    .map_err(|_| PortletError::BadRequest("field is not UTF-8".into()))?;
                posted.fields.push((name, value));
            }
        }
    }
    Ok(posted)
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
            let text = p.get(&format!("item_text_{i}")).unwrap_or("").to_string();
            let due = p.get(&format!("item_due_{i}")).unwrap_or("").to_string();
            items.push(ItemRow { text, due, ..ItemRow::default() });
        }
        // Keep the rows up to the last one used, then pad with blank ones.
        while items.last().is_some_and(|r| r.text.trim().is_empty() && r.due.trim().is_empty()) {
            items.pop();
        }
        let mut f = EntryForm {
            class: p.get("class").unwrap_or("").to_string(),
            day: p.get("day").unwrap_or("").to_string(),
            done: p.get("done").unwrap_or("").to_string(),
            items,
            remove_files: p.all("remove_file"),
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
        let t = |fr: &str, en: &str| lang.pick(fr, en).to_string();
        let day = match Date::parse(self.day.trim()) {
            None if self.day.trim().is_empty() => {
                self.day_error = Some(t("Indiquez le jour.", "Enter the day."));
                None
            }
            None => {
                self.day_error = Some(t("Ce n'est pas une date valide.", "This is not a valid date."));
                None
            }
            Some(d) if !d.is_school_day() => {
                self.day_error = Some(t(
                    "Choisissez un jour de classe (lundi à vendredi).",
                    "Choose a school day (Monday to Friday).",
                ));
                None
            }
            Some(d) => Some(d),
        };
        let done = self.done.trim().to_string();
        if done.chars().count() > MAX_DONE_CHARS {
            self.done_error =
                Some(format!("{} ({MAX_DONE_CHARS})", lang.pick("Ce texte est trop long", "This text is too long")));
        }
        let mut items = Vec::new();
        for row in &mut self.items {
            let text = row.text.trim();
            let due_text = row.due.trim();
            if text.is_empty() && due_text.is_empty() {
                continue;
            }
            if text.is_empty() {
                row.text_error =
                    Some(t("Écrivez ce qui est à faire pour cette date.", "Write what is due on this date."));
            } else if text.chars().count() > MAX_ITEM_CHARS {
                row.text_error = Some(format!(
                    "{} ({MAX_ITEM_CHARS})",
                    lang.pick("Ce texte est trop long", "This text is too long")
                ));
            }
            let due = match Date::parse(due_text) {
                None if due_text.is_empty() => {
                    row.due_error = Some(t("Indiquez pour quand.", "Enter when it is due."));
                    None
                }
                None => {
                    row.due_error = Some(t("Ce n'est pas une date valide.", "This is not a valid date."));
                    None
                }
                Some(d) if !d.is_school_day() => {
                    row.due_error = Some(t(
                        "Choisissez un jour de classe (lundi à vendredi).",
                        "Choose a school day (Monday to Friday).",
                    ));
                    None
                }
                Some(d) if day.is_some_and(|day| d < day) => {
                    row.due_error =
                        Some(t("La date est avant le jour de la séance.", "The date is before the day of the lesson."));
                    None
                }
                Some(d) if day.is_some_and(|day| day.days_until(d) > MAX_DUE_DAYS) => {
                    row.due_error = Some(t("La date est à plus d'un an.", "The date is more than a year away."));
                    None
                }
                Some(d) => Some(d),
            };
            if let (Some(due), None) = (due, &row.text_error) {
                items.push(Item { text: text.to_string(), due });
            }
        }
        if done.is_empty()
            && items.is_empty()
            && self.done_error.is_none()
            && !self.items.iter().any(|r| r.text_error.is_some() || r.due_error.is_some())
        {
            self.done_error = Some(t(
                "Écrivez ce qui a été fait en classe, ou ce qui est à faire.",
                "Write what was done in class, or what is due.",
            ));
        }
        if self.has_errors() {
            return None;
        }
        Some(Content { day: day?, done, items })
    }

    /// Checks the uploads against the limits (`kept`: stored files the entry keeps).
    pub fn check_files(&mut self, uploads: &[Upload], kept: usize, lang: Lang) -> Vec<NewFile> {
        let mut out = Vec::new();
        for u in uploads {
            let name = files::sanitize_name(&u.name);
            if u.data.len() > MAX_FILE_BYTES {
                self.files_error = Some(format!(
                    "{} « {name} » {}",
                    lang.pick("Le fichier", "The file"),
                    lang.pick("dépasse 5 Mo.", "is larger than 5 MB.")
                ));
                continue;
            }
            out.push(NewFile { name, content_type: files::normalize_type(&u.content_type), data: u.data.clone() });
        }
        if self.files_error.is_none() && kept + out.len() > MAX_FILES {
            self.files_error = Some(format!(
                "{} {MAX_FILES} {}",
                lang.pick("Au plus", "At most"),
                lang.pick("fichiers par séance.", "files per entry.")
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted { fields: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), files: vec![] }
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
