//! The words of the messaging domain as types: a message's state and why it is held, a school's
//! switch per profile, the recipients line every recipient sees, and text folded for search.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a message is in its life (see the migration for what each means).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Draft,
    Held,
    Sent,
    Recalled,
    Retracted,
    Refused,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Held => "held",
            State::Sent => "sent",
            State::Recalled => "recalled",
            State::Retracted => "retracted",
            State::Refused => "refused",
        }
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [State::Draft, State::Held, State::Sent, State::Recalled, State::Retracted, State::Refused]
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("message state {s:?}"))
    }
}

/// Why a message waits for a reviewer instead of being delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HoldReason {
    /// The sender's sending rate is spent.
    Rate,
    /// The school's sending rate is spent.
    SchoolRate,
    /// The first broadcast of a session younger than an hour.
    NewSession,
    /// A pupil's broadcast.
    PupilBroadcast,
}

impl HoldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Rate => "rate",
            HoldReason::SchoolRate => "school_rate",
            HoldReason::NewSession => "new_session",
            HoldReason::PupilBroadcast => "pupil_broadcast",
        }
    }
}

impl FromStr for HoldReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [HoldReason::Rate, HoldReason::SchoolRate, HoldReason::NewSession, HoldReason::PupilBroadcast]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("hold reason {s:?}"))
    }
}

/// A school's messaging for one profile: open (the default), read-only, or off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    #[default]
    Open,
    /// Messages are read, none is sent (replies neither).
    ReadOnly,
    /// The school's messages are out of sight and none is sent.
    Off,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Open => "open",
            Mode::ReadOnly => "read_only",
            Mode::Off => "off",
        }
    }

    pub fn may_send(self) -> bool {
        self == Mode::Open
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Mode::Open, Mode::ReadOnly, Mode::Off]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("mode {s:?}"))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One part of the recipients line ("Camille Bernard, Parents of CM1 A"): a person by name, or a
/// group by its kind and class name, so that a group's members are never listed to each other
/// and each reader sees the line in their language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ToPart {
    Person { name: String },
    Group { kind: String, class_name: Option<String> },
}

/// Text as search compares it: lower-case, French accents folded, spaces collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            'œ' => {
                out.push('o');
                'e'
            }
            'æ' => {
                out.push('a');
                'e'
            }
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out.trim_end().to_string()
}

/// A LIKE pattern that finds `query` (folded) anywhere, its wildcards escaped (`ESCAPE '\'`).
pub fn like_pattern(query: &str) -> String {
    let mut p = String::from("%");
    for c in fold(query).chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_folds_case_accents_and_wildcards() {
        assert_eq!(fold("  Élodie   CŒUR\tà l'École "), "elodie coeur a l'ecole");
        assert_eq!(like_pattern("100%_É"), "%100\\%\\_e%");
    }

    #[test]
    fn states_and_modes_read_back() {
        for s in ["draft", "held", "sent", "recalled", "retracted", "refused"] {
            assert_eq!(s.parse::<State>().map(State::as_str), Ok(s));
        }
        assert!("deleted".parse::<State>().is_err());
        assert_eq!("read_only".parse::<Mode>(), Ok(Mode::ReadOnly));
        assert!(!Mode::ReadOnly.may_send() && Mode::Open.may_send());
    }
}
