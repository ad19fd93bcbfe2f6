//! Reading forms and queries whose fields repeat (`pupil=a&pupil=b`), which axum's `Form` and
//! `Query` (serde_urlencoded) cannot put in a `Vec`, and writing values into query strings.

/// The pairs of an urlencoded body or query, in order, repeated names kept.
#[derive(Clone, Debug, Default)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    pub fn parse(bytes: &[u8]) -> Pairs {
        Pairs(url::form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub fn query(raw: Option<&str>) -> Pairs {
        Pairs::parse(raw.unwrap_or("").as_bytes())
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// A value for a query string (`?pupil=…`).
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_in_order() {
        let p = Pairs::parse(b"title=Sortie+%C3%A0+la+mer&pupil=a&pupil=b%26c&signature=1");
        assert_eq!(p.get("title"), Some("Sortie à la mer"));
        assert_eq!(p.all("pupil"), vec!["a", "b&c"]);
        assert_eq!(p.get("missing"), None);
        assert_eq!(encode("a b&c/é"), "a+b%26c%2F%C3%A9");
    }
}
