//! The user interface's languages: French by default, English on request. Each service has its
//! own words; this is the choice between them.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// A language tag (`fr`, `en-GB`, `en_US`, `fr;q=0.8`) → its language, if one of ours.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_', ';']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of ours in `Accept-Language`, in the order given (q-values are rare in practice
    /// and never reorder French and English in the browsers we meet).
    pub fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(Lang::parse))
    }

    /// The first of ours in a space-separated list (OIDC `ui_locales`).
    pub fn from_ui_locales(list: &str) -> Option<Lang> {
        list.split_whitespace().find_map(Lang::parse)
    }

    /// An explicit choice (a `ui_locales`-style list) first, then the browser's, then French.
    pub fn negotiate(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
        explicit.and_then(Lang::from_ui_locales).or_else(|| Lang::from_accept_language(headers)).unwrap_or_default()
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// Picks the French or the English text.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

/// The language a request is answered in: the one a middleware chose for it (a request
/// extension), else the browser's `Accept-Language`, else French.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Lang>() {
            Some(l) => *l,
            None => Lang::from_accept_language(&parts.headers).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn french_unless_english_is_asked() {
        assert_eq!(Lang::negotiate(None, &HeaderMap::new()), Lang::Fr);
        assert_eq!(Lang::negotiate(None, &accept("en-GB,en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(None, &accept("de-DE,en;q=0.5")), Lang::En, "the first of ours");
        assert_eq!(Lang::negotiate(None, &accept("de")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("en"), &accept("fr")), Lang::En, "an explicit choice wins");
        assert_eq!(Lang::negotiate(Some("it en"), &HeaderMap::new()), Lang::En);
        assert_eq!(Lang::negotiate(Some("it"), &accept("fr")), Lang::Fr);
    }

    #[test]
    fn tags_parse_by_their_primary_subtag() {
        assert_eq!(Lang::parse("EN_us"), Some(Lang::En));
        assert_eq!(Lang::parse("fr;q=0.9"), Some(Lang::Fr));
        assert_eq!(Lang::parse("english"), None);
        assert_eq!(Lang::Fr.pick("oui", "yes"), "oui");
        assert_eq!(Lang::En.other(), Lang::Fr);
    }
}
