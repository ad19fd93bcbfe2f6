//! The time zones an imported file names, as `chrono-tz` zones: IANA names (also behind the
//! prefixes old Thunderbird versions write, `/mozilla.org/20070129_1/Europe/Paris`), the
//! Windows names Outlook writes (`Romance Standard Time`), and what a file's own `VTIMEZONE`
//! says its `TZID` stands for (`X-LIC-LOCATION`).
//!
//! The Windows names are those of Europe and of the French overseas académies, from the CLDR's
//! `windowsZones` mapping (territory "001"); a file in another Windows zone is reported, not
//! guessed.

use std::collections::HashMap;
use std::str::FromStr;

use chrono_tz::Tz;

const WINDOWS: &[(&str, &str)] = &[
    ("Romance Standard Time", "Europe/Paris"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("UTC", "UTC"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Eastern Standard Time", "America/New_York"),
    ("Pacific Standard Time", "America/Los_Angeles"),
];

/// The zone a `TZID` names. `declared` maps the file's own `VTIMEZONE` ids to the zone their
/// `X-LIC-LOCATION` gives.
pub(crate) fn resolve(tzid: &str, declared: &HashMap<String, Tz>) -> Option<Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(tz) = Tz::from_str(tzid) {
        return Some(tz);
    }
    if let Some(tz) = declared.get(tzid) {
        return Some(*tz);
    }
    if let Some((_, iana)) = WINDOWS.iter().find(|(name, _)| name.eq_ignore_ascii_case(tzid)) {
        return Tz::from_str(iana).ok();
    }
    // Old Thunderbird and Evolution prefixes: the IANA name is the last two or three segments.
    let segments: Vec<&str> = tzid.split('/').filter(|s| !s.is_empty()).collect();
    for n in [3, 2] {
        if segments.len() > n
            && let Ok(tz) = Tz::from_str(&segments[segments.len() - n..].join("/"))
        {
            return Some(tz);
        }
    }
    // Outlook's display names: "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris".
    if tzid.starts_with("(UTC") && tzid.contains("Paris") {
        return Some(crate::paris::ZONE);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_every_kind_of_calendar() {
        let none = HashMap::new();
        assert_eq!(resolve("Europe/Paris", &none), Some(chrono_tz::Europe::Paris));
        assert_eq!(resolve("\"Europe/Paris\"", &none), Some(chrono_tz::Europe::Paris));
        assert_eq!(resolve("Romance Standard Time", &none), Some(chrono_tz::Europe::Paris));
        assert_eq!(resolve("W. Europe Standard Time", &none), Some(chrono_tz::Europe::Berlin));
        assert_eq!(resolve("/mozilla.org/20070129_1/Europe/Paris", &none), Some(chrono_tz::Europe::Paris));
        assert_eq!(
            resolve("/softwarestudio.org/Olson_20011030_5/America/Argentina/Buenos_Aires", &none),
            Some(chrono_tz::America::Argentina::Buenos_Aires)
        );
        assert_eq!(resolve("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", &none), Some(chrono_tz::Europe::Paris));
        assert_eq!(resolve("Heure de Mars", &none), None);
        let declared = HashMap::from([("Custom".to_string(), chrono_tz::Europe::Paris)]);
        assert_eq!(resolve("Custom", &declared), Some(chrono_tz::Europe::Paris));
    }

    #[test]
    fn every_windows_name_maps_to_a_known_zone() {
        for (name, iana) in WINDOWS {
            assert!(Tz::from_str(iana).is_ok(), "{name} → {iana}");
        }
    }
}
