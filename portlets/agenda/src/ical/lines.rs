//! iCalendar content lines (RFC 5545 §3.1–3.3): writing them folded at 75 octets with TEXT
//! values escaped, and reading a file back into unfolded lines of a name, parameters and a value.

/// A line is at most this many octets before its CRLF; continuation lines start with a space.
const FOLD_AT: usize = 75;

/// A TEXT value escaped: backslash, semicolon, comma and line breaks.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A TEXT value read back. Unknown escapes keep the escaped character (Outlook writes `\:`).
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Appends one content line, folded so that no physical line exceeds 75 octets, never inside a
/// UTF-8 sequence, each ended by CRLF.
pub(crate) fn push_folded(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = FOLD_AT;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // Some readers drop every space at a fold, not only the one that marks it: never fold
        // next to a space (unless the line is little else).
        let spaced = |at: usize| rest.as_bytes().get(at).is_some_and(|b| *b == b' ' || *b == b'\t');
        let mut nicer = cut;
        while nicer > limit / 2 && (spaced(nicer) || spaced(nicer - 1) || !rest.is_char_boundary(nicer)) {
            nicer -= 1;
        }
        if nicer > limit / 2 {
            cut = nicer;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space of a continuation line counts.
        limit = FOLD_AT - 1;
    }
}

/// The logical lines of a file, each with the number of its first physical line: CRLF or LF
/// endings, continuation lines (starting with a space or a tab) joined.
pub(crate) fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match raw.as_bytes().first() {
            Some(b' ' | b'\t') if !out.is_empty() => {
                if let Some((_, last)) = out.last_mut() {
                    last.push_str(&raw[1..]);
                }
            }
            _ if raw.trim().is_empty() => {}
            _ => out.push((i + 1, raw.to_string())),
        }
    }
    out
}

/// One content line: `NAME;PARAM=value,value:VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ContentLine {
    /// Upper case.
    pub name: String,
    /// Names upper case; values unquoted.
    pub params: Vec<(String, Vec<String>)>,
    pub value: String,
}

impl ContentLine {
    /// The first value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.first()).map(String::as_str)
    }

    /// Whether a parameter has this value (without case: `VALUE=date`).
    pub fn param_is(&self, name: &str, value: &str) -> bool {
        self.param(name).is_some_and(|v| v.eq_ignore_ascii_case(value))
    }
}

/// A line read into its parts; `None` when it has no name or no value separator.
pub(crate) fn parse(line: &str) -> Option<ContentLine> {
    let name_end = line.find([';', ':'])?;
    let name = &line[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &line[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=')?;
        let pname = after[..eq].to_ascii_uppercase();
        let mut values = Vec::new();
        let mut s = &after[eq + 1..];
        loop {
            let (value, next) = if let Some(quoted) = s.strip_prefix('"') {
                let close = quoted.find('"')?;
                (&quoted[..close], &quoted[close + 1..])
            } else {
                let end = s.find([',', ';', ':'])?;
                (&s[..end], &s[end..])
            };
            values.push(value.to_string());
            match next.strip_prefix(',') {
                Some(more) => s = more,
                None => {
                    s = next;
                    break;
                }
            }
        }
        params.push((pname, values));
        rest = s;
    }
    let value = rest.strip_prefix(':')?;
    Some(ContentLine { name: name.to_ascii_uppercase(), params, value: value.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_round_trip() {
        let s = "Réunion; parents, enseignants\nSalle \\B\\";
        assert_eq!(escape(s), "Réunion\\; parents\\, enseignants\\nSalle \\\\B\\\\");
        assert_eq!(unescape(&escape(s)), s);
        assert_eq!(unescape("a\\Nb\\:c"), "a\nb:c");
    }

    #[test]
    fn folding_keeps_lines_short_and_characters_whole() {
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let mut out = String::new();
        push_folded(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert!(out.ends_with("\r\n"));
        let back = unfold(&out);
        assert_eq!(back, [(1, long)]);
        let mut short = String::new();
        push_folded(&mut short, "SUMMARY:x");
        assert_eq!(short, "SUMMARY:x\r\n");
        // Never next to a space, which careless readers would drop.
        let words = format!("DESCRIPTION:{}", "questions diverses ".repeat(10).trim_end());
        let mut out = String::new();
        push_folded(&mut out, &words);
        assert!(!out.contains(" \r\n") && !out.contains("\r\n  "), "{out}");
        assert_eq!(unfold(&out), [(1, words)]);
        // Exactly 75 octets stays on one line; 76 does not.
        let mut edge = String::new();
        push_folded(&mut edge, &"a".repeat(75));
        assert_eq!(edge.matches("\r\n").count(), 1);
        let mut edge = String::new();
        push_folded(&mut edge, &"a".repeat(76));
        assert_eq!(edge, format!("{}\r\n a\r\n", "a".repeat(75)));
    }

    #[test]
    fn lines_are_read_with_their_parameters() {
        let l = parse("DTSTART;TZID=\"Romance Standard Time\":20250915T090000").unwrap();
        assert_eq!(l.name, "DTSTART");
        assert_eq!(l.param("TZID"), Some("Romance Standard Time"));
        assert_eq!(l.value, "20250915T090000");
        let l =
            parse("attendee;ROLE=REQ-PARTICIPANT;cn=\"Martin, Camille\";x-a=b,\"c:d\":mailto:c@example.org").unwrap();
        assert_eq!(l.name, "ATTENDEE");
        assert_eq!(l.param("CN"), Some("Martin, Camille"));
        assert_eq!(l.params[2], ("X-A".to_string(), vec!["b".to_string(), "c:d".to_string()]));
        assert_eq!(l.value, "mailto:c@example.org");
        assert!(parse("DTSTART;VALUE=date:20250101").unwrap().param_is("VALUE", "DATE"));
        assert_eq!(parse("no separator"), None);
        assert_eq!(parse(":value"), None);
        assert_eq!(parse("X;P=\"unclosed:v"), None);
    }

    #[test]
    fn unfolding_joins_continuations_and_counts_lines() {
        let text = "BEGIN:VEVENT\r\nSUMMARY:Sortie \r\n au musée\r\n\tet goûter\nEND:VEVENT\n\n";
        assert_eq!(
            unfold(text),
            [(1, "BEGIN:VEVENT".into()), (2, "SUMMARY:Sortie au muséeet goûter".into()), (5, "END:VEVENT".into())]
        );
    }
}
