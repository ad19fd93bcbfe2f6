//! Checking a form's values, field by field: texts (required or not, bounded in characters),
//! days (strict `YYYY-MM-DD`, school days), choices among what was offered; and the errors a
//! refused form is drawn again with ([`Errors`], `422`). A check says what is wrong as a
//! [`Problem`]; the portlet's words say it to the user.

use std::collections::BTreeMap;

use crate::calendar::Date;

/// What is wrong with a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Nothing was given where something is required.
    Missing,
    /// More characters than allowed.
    TooLong { max: usize },
    /// Not a day (`YYYY-MM-DD` of a real day).
    NotADate,
    /// A Saturday or a Sunday where a school day is asked for.
    NotASchoolDay,
    /// Not one of the values offered.
    NotAChoice,
}

/// A text, trimmed: required, at most `max` characters.
pub fn required(raw: &str, max: usize) -> Result<String, Problem> {
    let text = optional(raw, max)?;
    if text.is_empty() { Err(Problem::Missing) } else { Ok(text) }
}

/// A text, trimmed, possibly empty: at most `max` characters.
pub fn optional(raw: &str, max: usize) -> Result<String, Problem> {
    let text = raw.trim();
    if text.chars().count() > max { Err(Problem::TooLong { max }) } else { Ok(text.to_string()) }
}

/// A subject on one line: blanks collapsed.
pub fn one_line(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message with its line breaks (CR LF as LF), trimmed.
pub fn multiline(raw: &str) -> String {
    raw.replace("\r\n", "\n").trim().to_string()
}

/// A day: required, strict `YYYY-MM-DD`.
pub fn day(raw: &str) -> Result<Date, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Problem::Missing);
    }
    Date::parse(raw).ok_or(Problem::NotADate)
}

/// A school day (Monday to Friday).
pub fn school_day(raw: &str) -> Result<Date, Problem> {
    let d = day(raw)?;
    if d.is_school_day() { Ok(d) } else { Err(Problem::NotASchoolDay) }
}

/// One of the values offered, found by its key.
pub fn choice<'a, T>(raw: &str, offered: &'a [T], key: impl Fn(&T) -> &str) -> Result<&'a T, Problem> {
    offered.iter().find(|o| key(o) == raw).ok_or(Problem::NotAChoice)
}

/// The errors of a refused form, by field name, in the user's words: what the form's template
/// shows beside each field (`errors.get("title")`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors(BTreeMap<String, String>);

impl Errors {
    pub fn set(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.insert(field.into(), message.into());
    }

    /// The value, or records `message(problem)` against the field.
    pub fn check<T>(
        &mut self,
        field: &str,
        result: Result<T, Problem>,
        message: impl Fn(Problem) -> String,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(p) => {
                self.set(field, message(p));
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_days_and_choices() {
        assert_eq!(required("  a  ", 3), Ok("a".into()));
        assert_eq!(required("   ", 3), Err(Problem::Missing));
        assert_eq!(optional("abcd", 3), Err(Problem::TooLong { max: 3 }));
        assert_eq!(one_line(" Sortie\n au  musée "), "Sortie au musée");
        assert_eq!(multiline("a\r\nb \n"), "a\nb");
        assert_eq!(day("2025-02-30"), Err(Problem::NotADate));
        assert_eq!(school_day("2025-03-08"), Err(Problem::NotASchoolDay));
        assert!(school_day("2025-03-07").is_ok());
        let offered = ["class", "pupils"];
        assert_eq!(choice("pupils", &offered, |o| o), Ok(&"pupils"));
        assert_eq!(choice("all", &offered, |o| o), Err(Problem::NotAChoice));
        let mut errors = Errors::default();
        assert_eq!(errors.check("title", required("", 5), |_| "Indiquez l'objet.".into()), None);
        assert_eq!(errors.get("title"), Some("Indiquez l'objet."));
        assert!(errors.any() && !errors.has("body"));
    }
}
