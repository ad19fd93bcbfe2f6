//! A small RFC 4515 filter evaluator, so that one search can read schools, classes and people
//! together and each entry be sorted by the filter its kind is configured with. Supported:
//! `&`, `|`, `!`, equality and presence; comparisons ignore case (like `caseIgnoreMatch`).

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Equal(String, String),
    Present(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid LDAP filter {filter:?}: {reason}")]
pub struct FilterError {
    pub filter: String,
    pub reason: &'static str,
}

impl Filter {
    pub fn parse(s: &str) -> Result<Filter, FilterError> {
        let err = |reason| FilterError { filter: s.to_string(), reason };
        let bytes = s.trim().as_bytes();
        let (f, rest) = parse_one(bytes).map_err(err)?;
        if !rest.is_empty() {
            return Err(err("text after the filter"));
        }
        Ok(f)
    }

    /// Whether an entry (attribute names lower-cased) matches.
    pub fn matches(&self, attrs: &HashMap<String, Vec<String>>) -> bool {
        match self {
            Filter::And(fs) => fs.iter().all(|f| f.matches(attrs)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(attrs)),
            Filter::Not(f) => !f.matches(attrs),
            Filter::Present(a) => attrs.get(a).is_some_and(|v| !v.is_empty()),
            Filter::Equal(a, v) => attrs.get(a).is_some_and(|vs| vs.iter().any(|x| x.eq_ignore_ascii_case(v))),
        }
    }
}

fn parse_one(b: &[u8]) -> Result<(Filter, &[u8]), &'static str> {
    let b = b.strip_prefix(b"(").ok_or("expected '('")?;
    let (f, rest) = match b.first() {
        Some(b'&') => {
            let (fs, rest) = parse_list(&b[1..])?;
            (Filter::And(fs), rest)
        }
        Some(b'|') => {
            let (fs, rest) = parse_list(&b[1..])?;
            (Filter::Or(fs), rest)
        }
        Some(b'!') => {
            let (f, rest) = parse_one(&b[1..])?;
            (Filter::Not(Box::new(f)), rest)
        }
        Some(_) => {
            let end = b.iter().position(|c| *c == b')').ok_or("missing ')'")?;
            let item = std::str::from_utf8(&b[..end]).map_err(|_| "not UTF-8")?;
            let (attr, value) = item.split_once('=').ok_or("expected attr=value")?;
            if attr.ends_with(['~', '<', '>', ':']) {
                return Err("only equality and presence are supported");
            }
            let attr = attr.trim().to_ascii_lowercase();
            if attr.is_empty() {
                return Err("empty attribute name");
            }
            let f = if value == "*" {
                Filter::Present(attr)
            } else if value.contains('*') {
                return Err("substring filters are not supported");
            } else {
                Filter::Equal(attr, unescape(value)?)
            };
            (f, &b[end..])
        }
        None => return Err("unexpected end"),
    };
    let rest = rest.strip_prefix(b")").ok_or("missing ')'")?;
    Ok((f, rest))
}

fn parse_list(mut b: &[u8]) -> Result<(Vec<Filter>, &[u8]), &'static str> {
    let mut fs = Vec::new();
    while b.first() == Some(&b'(') {
        let (f, rest) = parse_one(b)?;
        fs.push(f);
        b = rest;
    }
    if fs.is_empty() {
        return Err("empty filter list");
    }
    Ok((fs, b))
}

/// RFC 4515 §3: `\XX` hex escapes.
fn unescape(v: &str) -> Result<String, &'static str> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let hex = b.get(i + 1..i + 3).ok_or("bad escape")?;
            let s = std::str::from_utf8(hex).map_err(|_| "bad escape")?;
            out.push(u8::from_str_radix(s, 16).map_err(|_| "bad escape")?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            m.entry(k.to_ascii_lowercase()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn parses_and_matches() {
        let f = Filter::parse("(&(objectClass=groupOfNames)(!(cn=x))(|(businessCategory=class)(ou=*)))").unwrap();
        assert!(f.matches(&entry(&[("objectClass", "top"), ("objectclass", "GroupOfNames"), ("ou", "a")])));
        assert!(!f.matches(&entry(&[("objectClass", "groupOfNames"), ("cn", "X"), ("ou", "a")])));
        assert!(!f.matches(&entry(&[("objectClass", "person")])));
        assert_eq!(Filter::parse("(cn=a\\2ab)").unwrap(), Filter::Equal("cn".into(), "a*b".into()));
    }

    #[test]
    fn refuses_what_it_cannot_evaluate() {
        for bad in ["cn=x", "(cn=a*)", "(cn>=a)", "(&)", "(cn=x))", "(cn=x", "(=x)"] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
