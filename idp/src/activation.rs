//! Activation letters: for the first login of parents and pupils who have no password, the school
//! prints one page per person with their login and a single-use code (`ent codes …`). The person
//! types both on `/activate` (reached from the login page) and chooses a password.
//!
//! [`generate_for`] picks the people (the pupils of a school or a class, and their parents),
//! issues their codes in one transaction and returns one [`Letter`] each; [`to_csv`] and
//! [`to_html_letters`] turn the letters into a spreadsheet and into printable pages.

use std::collections::HashMap;

use askama::Template;
use serde_json::json;

use crate::db::{DbError, now};
use crate::model::Profile;
use crate::store::activation::{ActivationStore, Candidate};
use crate::store::audit::{AuditEvent, AuditStore};

pub use crate::store::activation::{Scope, format_code, normalize_code};

/// The longest lifetime a code may be given.
pub const MAX_TTL_DAYS: i64 = 365;

/// What one person receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    pub login: String,
    pub given_name: String,
    pub family_name: String,
    pub profile: Profile,
    /// The pupil's class; for a parent, the class of their child (children, comma-separated).
    pub class_name: String,
    pub school_name: String,
    /// `XXXX-XXXX-XXXX`.
    pub code: String,
    /// Seconds since the epoch. The date printed is the day before (see [`expiry`]).
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    #[error("no school with UAI {0:?}")]
    UnknownSchool(String),
    #[error("no class with id {0:?}")]
    UnknownClass(String),
    #[error("codes last 1 to {MAX_TTL_DAYS} days (asked: {0})")]
    BadTtl(i64),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Issues codes for the enabled pupils of `scope` and their enabled parents, skipping people
/// who already have a password unless `include_with_password`; each code replaces the person's
/// previous unused one. The letters come in the order a teacher hands them out: by school and
/// class, each pupil followed by their parents (a parent of two pupils gets one letter).
pub async fn generate_for(
    codes: &ActivationStore,
    audit: &AuditStore,
    scope: &Scope,
    ttl_days: i64,
    include_with_password: bool,
) -> Result<Vec<Letter>, ActivationError> {
    if !(1..=MAX_TTL_DAYS).contains(&ttl_days) {
        return Err(ActivationError::BadTtl(ttl_days));
    }
    if !codes.scope_exists(scope).await? {
        return Err(match scope {
            Scope::School(uai) => ActivationError::UnknownSchool(uai.clone()),
            Scope::Class(id) => ActivationError::UnknownClass(id.clone()),
        });
    }
    let people = select(codes.candidates(scope).await?, include_with_password);
    let ids: Vec<String> = people.iter().map(|(id, _)| id.clone()).collect();
    let expires_at = expiry(now(), ttl_days);
    let issued = codes.issue_all_until(&ids, expires_at).await?;
    let letters: Vec<Letter> =
        people.into_iter().zip(issued).map(|((_, l), issued)| Letter { code: issued.code, expires_at, ..l }).collect();
    let pupils = letters.iter().filter(|l| l.profile == Profile::Pupil).count();
    audit
        .record(&AuditEvent::new("activation.issue", "ok").detail(json!({
            "letters": letters.len(), "pupils": pupils, "parents": letters.len() - pupils,
        })))
        .await?;
    Ok(letters)
}

/// Orders, deduplicates and filters the candidates: (person id, letter without its code).
fn select(mut candidates: Vec<Candidate>, include_with_password: bool) -> Vec<(String, Letter)> {
    let is_guardian = |c: &Candidate| c.person_id != c.pupil_id;
    candidates.sort_by(|a, b| {
        let key = |c: &Candidate| {
            (
                c.school_name.to_lowercase(),
                c.class_name.to_lowercase(),
                c.pupil_family_name.to_lowercase(),
                c.pupil_given_name.to_lowercase(),
                c.pupil_id.clone(),
                is_guardian(c),
                c.family_name.to_lowercase(),
                c.given_name.to_lowercase(),
                c.person_id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut letters: Vec<(String, Letter)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for c in candidates {
        if c.has_password && !include_with_password {
            continue;
        }
        if let Some(&i) = index.get(&c.person_id) {
            // A parent of several pupils, or a pupil listed in two classes: one letter.
            let l = &mut letters[i].1;
            for (field, value) in [(&mut l.class_name, &c.class_name), (&mut l.school_name, &c.school_name)] {
                if !field.split(", ").any(|v| v == value) {
                    field.push_str(", ");
                    field.push_str(value);
                }
            }
            continue;
        }
        index.insert(c.person_id.clone(), letters.len());
        letters.push((
            c.person_id,
            Letter {
                login: c.login,
                given_name: c.given_name,
                family_name: c.family_name,
                profile: c.profile,
                class_name: c.class_name,
                school_name: c.school_name,
                code: String::new(),
                expires_at: 0,
            },
        ));
    }
    letters
}

/// When codes issued at `now` for `ttl_days` expire: at noon UTC the day after the date printed
/// (`now` + `ttl_days`, UTC), so that a code works all through its printed day in every French
/// time zone, from Polynesia (UTC−10) to New Caledonia (UTC+11).
pub fn expiry(now: i64, ttl_days: i64) -> i64 {
    let printed_day = (now + ttl_days * 86_400).div_euclid(86_400);
    (printed_day + 1) * 86_400 + 12 * 3600
}

/// The date printed for an expiry: `JJ/MM/AAAA`, the last day the code works.
pub fn expiry_date(expires_at: i64) -> String {
    date_fr(expires_at - 86_400 - 12 * 3600)
}

/// `JJ/MM/AAAA` of an instant (UTC).
pub fn date_fr(epoch_secs: i64) -> String {
    let (y, m, d) = civil_from_days(epoch_secs.div_euclid(86_400));
    format!("{d:02}/{m:02}/{y:04}")
}

/// Year, month, day of a day number since 1970-01-01 (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The profile in the letters' and spreadsheet's words.
pub fn profile_fr(p: Profile) -> &'static str {
    match p {
        Profile::Pupil => "Élève",
        Profile::Parent => "Parent",
        Profile::Teacher => "Enseignant",
        Profile::Director => "Direction",
        Profile::Staff => "Personnel",
        Profile::CityAgent => "Agent de la ville",
        Profile::Admin => "Administrateur",
    }
}

/// A spreadsheet of the letters: UTF-8 with a byte-order mark (so that spreadsheet software
/// reads the accents right), comma-separated, CRLF line ends, RFC 4180 quoting, French headers.
/// A cell that a spreadsheet would take for a formula is prefixed with `'`.
pub fn to_csv(letters: &[Letter]) -> String {
    let mut out = String::from("\u{feff}");
    let header = ["Identifiant", "Prénom", "Nom", "Profil", "Classe", "École", "Code d'activation", "Valable jusqu'au"];
    push_row(&mut out, header.iter().map(|h| h.to_string()));
    for l in letters {
        push_row(
            &mut out,
            [
                l.login.clone(),
                l.given_name.clone(),
                l.family_name.clone(),
                profile_fr(l.profile).to_string(),
                l.class_name.clone(),
                l.school_name.clone(),
                l.code.clone(),
                expiry_date(l.expires_at),
            ]
            .into_iter(),
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(&cell));
    }
    out.push_str("\r\n");
}

fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.into() };
    if value.contains([',', '"', '\r', '\n']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// One letter as the template shows it.
struct LetterView<'a> {
    letter: &'a Letter,
    is_pupil: bool,
    until: String,
}

#[derive(Template)]
#[template(path = "letters.html")]
struct LettersDocument<'a> {
    letters: Vec<LetterView<'a>>,
    /// Where to go: the ENT's address.
    address: &'a str,
}

/// The letters as one HTML document to print: one A4 page per person, in French, no scripts.
/// `address` is the ENT's address printed on each letter (the portal, or the provider's
/// issuer): from there the login page leads to the activation page.
pub fn to_html_letters(letters: &[Letter], address: &str) -> Result<String, askama::Error> {
    let doc = LettersDocument {
        letters: letters
            .iter()
            .map(|l| LetterView { letter: l, is_pupil: l.profile == Profile::Pupil, until: expiry_date(l.expires_at) })
            .collect(),
        address: address.trim_end_matches('/'),
    };
    doc.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(given: &str, family: &str, profile: Profile, code: &str) -> Letter {
        Letter {
            login: format!("{}.{}", given.to_lowercase(), family.to_lowercase()),
            given_name: given.into(),
            family_name: family.into(),
            profile,
            class_name: "CM1-A".into(),
            school_name: "École Jules Ferry".into(),
            code: code.into(),
            expires_at: expiry(1_767_225_600, 30), // issued 2026-01-01
        }
    }

    #[test]
    fn dates_are_french_and_the_code_lasts_through_the_printed_day() {
        assert_eq!(date_fr(0), "01/01/1970");
        assert_eq!(date_fr(951_782_400), "29/02/2000");
        assert_eq!(date_fr(1_767_225_600), "01/01/2026");
        // Issued on 1 January 2026 at 23:30 UTC (00:30 in Paris on the 2nd) for 30 days.
        let issued = 1_767_225_600 + 23 * 3600 + 1800;
        let exp = expiry(issued, 30);
        assert_eq!(expiry_date(exp), "31/01/2026");
        assert_eq!(date_fr(exp), "01/02/2026");
        // Still valid at the end of the printed day in Polynesia (UTC−10).
        assert!(exp > 1_769_904_000 + 10 * 3600 - 1, "{exp}");
        assert!(exp - issued <= 32 * 86_400);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut l = letter("Anne, \"Nana\"", "O'Brien", Profile::Parent, "ABCD-EFGH-JKMN");
        l.class_name = "=HYPERLINK(\"x\")".into();
        let csv = to_csv(&[l]);
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{csv:?}");
        assert_eq!(lines[0], "Identifiant,Prénom,Nom,Profil,Classe,École,Code d'activation,Valable jusqu'au");
        assert!(
            lines[1].contains(",\"Anne, \"\"Nana\"\"\",O'Brien,Parent,\"'=HYPERLINK(\"\"x\"\")\","),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",ABCD-EFGH-JKMN,31/01/2026"), "{}", lines[1]);
        assert_eq!(lines[2], "");
    }

    #[test]
    fn letters_are_pages_in_french_without_scripts() {
        let letters = [
            letter("Léa", "Martin", Profile::Pupil, "ABCD-EFGH-JKMN"),
            letter("<script>alert(1)</script>", "Martin", Profile::Parent, "PQRS-TUVW-XYZ2"),
        ];
        let html = to_html_letters(&letters, "https://ent.ecoles.example/").expect("render");
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        assert_eq!(html.matches("class=\"letter\"").count(), 2);
        for needle in [
            "Votre compte ENT",
            "ABCD-EFGH-JKMN",
            "PQRS-TUVW-XYZ2",
            "31/01/2026",
            "https://ent.ecoles.example",
            "@page",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        assert!(html.contains("page-break-after"));
    }
}
