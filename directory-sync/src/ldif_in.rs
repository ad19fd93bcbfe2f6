//! Reading LDIF content records (RFC 2849): the entries of a directory export, or of the
//! generated demo directory, read one at a time (memory stays flat whatever the file's size).

use std::io::BufRead;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::mapping::Entry;

#[derive(Debug, thiserror::Error)]
pub enum LdifError {
    #[error("reading the LDIF: {0}")]
    Io(#[from] std::io::Error),
    #[error("LDIF line {line}: {reason}")]
    Syntax { line: usize, reason: String },
}

/// Iterates over the entries of an LDIF stream.
pub struct LdifReader<R> {
    input: R,
    line_no: usize,
    /// A line read ahead (to join continuation lines).
    pending: Option<String>,
}

impl<R: BufRead> LdifReader<R> {
    pub fn new(input: R) -> Self {
        LdifReader { input, line_no: 0, pending: None }
    }

    /// One logical line: continuation lines (starting with a space) joined, comments skipped.
    fn logical_line(&mut self) -> Result<Option<String>, LdifError> {
        let mut line = match self.pending.take() {
            Some(l) => l,
            None => match self.physical()? {
                Some(l) => l,
                None => return Ok(None),
            },
        };
        loop {
            match self.physical()? {
                Some(next) if next.starts_with(' ') => line.push_str(&next[1..]),
                Some(next) => {
                    self.pending = Some(next);
                    break;
                }
                None => break,
            }
        }
        Ok(Some(line))
    }

    fn physical(&mut self) -> Result<Option<String>, LdifError> {
        let mut buf = String::new();
        loop {
            buf.clear();
            if self.input.read_line(&mut buf)? == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let l = buf.trim_end_matches(['\n', '\r']);
            if l.starts_with('#') {
                continue;
            }
            return Ok(Some(l.to_string()));
        }
    }

    fn syntax(&self, reason: impl Into<String>) -> LdifError {
        LdifError::Syntax { line: self.line_no, reason: reason.into() }
    }

    /// The next entry, or `None` at the end.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, LdifError> {
        let mut entry: Option<Entry> = None;
        while let Some(line) = self.logical_line()? {
            if line.is_empty() {
                if entry.is_some() {
                    break;
                }
                continue;
            }
            let (attr, value) = self.attr_value(&line)?;
            match &mut entry {
                None if attr.eq_ignore_ascii_case("version") => continue,
                None if attr.eq_ignore_ascii_case("dn") => entry = Some(Entry::new(value)),
                None => return Err(self.syntax(format!("expected dn:, found {attr}:"))),
                Some(_) if attr.eq_ignore_ascii_case("changetype") => {
                    return Err(self.syntax("change records are not content records"));
                }
                Some(e) => e.add(&attr, value),
            }
        }
        Ok(entry)
    }

    fn attr_value(&self, line: &str) -> Result<(String, String), LdifError> {
        let (attr, rest) = line.split_once(':').ok_or_else(|| self.syntax("expected attribute: value"))?;
        // Options such as `;lang-fr` or `;binary` are dropped: the mapping names plain attributes.
        let attr = attr.split(';').next().unwrap_or(attr).trim().to_string();
        let value = if let Some(b64) = rest.strip_prefix(':') {
            let bytes = STANDARD.decode(b64.trim()).map_err(|_| self.syntax(format!("{attr}: invalid base64")))?;
            String::from_utf8(bytes).map_err(|_| self.syntax(format!("{attr}: value is not UTF-8 text")))?
        } else if rest.starts_with('<') {
            return Err(self.syntax(format!("{attr}: URL values are not supported")));
        } else {
            rest.trim_start().to_string()
        };
        Ok((attr, value))
    }
}

impl<R: BufRead> Iterator for LdifReader<R> {
    type Item = Result<Entry, LdifError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_folded_base64_and_comments() {
        let text = "version: 1\n# a comment\ndn: uid=lea,ou=people,dc=ent,dc=test\nobjectClass: inetOrgPerson\ncn:: TMOpYSBNYXJ0aW4=\ndescription: a long\n  folded line\n\n\ndn: ou=x,dc=ent,dc=test\nou: x\n";
        let entries: Vec<Entry> = LdifReader::new(text.as_bytes()).collect::<Result<_, _>>().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].first("CN"), Some("Léa Martin"));
        assert_eq!(entries[0].first("description"), Some("a long folded line"));
        assert_eq!(entries[1].dn, "ou=x,dc=ent,dc=test");
    }

    #[test]
    fn reports_the_line_of_an_error() {
        let text = "dn: ou=x,dc=t\nou:: ***\n";
        let err = LdifReader::new(text.as_bytes()).next().unwrap().unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(LdifReader::new("cn: x\n".as_bytes()).next().unwrap().is_err());
    }
}
