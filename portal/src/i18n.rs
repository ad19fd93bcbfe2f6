//! The portal's words: French by default, English on request. `?lang=en` (or `fr`) on any page
//! sets a cookie; without one, the browser's `Accept-Language` decides; French otherwise.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

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

    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_', ';']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of `Accept-Language`, in the order given (q-values are rare
    /// in practice and never reorder French and English in the browsers we meet).
    pub fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(Lang::parse))
    }

    pub fn t(self) -> &'static Messages {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

/// The language a request was answered in (set by the `lang` middleware).
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

/// Every sentence the portal's pages show.
pub struct Messages {
    pub lang_name: &'static str,
    pub product: &'static str,
    pub skip: &'static str,
    pub nav_label: &'static str,
    pub home: &'static str,
    pub welcome: &'static str,
    pub welcome_text: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub hello: &'static str,
    pub outdated: &'static str,
    pub unavailable: &'static str,
    pub no_portlets: &'static str,
    pub open: &'static str,
    pub error_title: &'static str,
    pub not_found: &'static str,
    pub forbidden: &'static str,
    pub csrf: &'static str,
    pub bad_request: &'static str,
    pub too_large: &'static str,
    pub upstream: &'static str,
    pub server: &'static str,
    pub login_failed: &'static str,
    pub back_home: &'static str,
    pub profile_names: [&'static str; 7],
}

pub static FR: Messages = Messages {
    lang_name: "Français",
    product: "ENT — Espace numérique des écoles",
    skip: "Aller au contenu",
    nav_label: "Mes services",
    home: "Accueil",
    welcome: "Bienvenue sur l'ENT",
    welcome_text: "Connectez-vous pour retrouver vos services : cahier de textes, carnet de liaison…",
    login: "Se connecter",
    logout: "Se déconnecter",
    hello: "Bonjour",
    outdated: "Ces informations ne sont peut-être pas à jour.",
    unavailable: "Ce service ne répond pas pour le moment. Réessayez dans un instant.",
    no_portlets: "Aucun service n'est ouvert pour votre profil.",
    open: "Ouvrir",
    error_title: "Une erreur est survenue",
    not_found: "Cette page n'existe pas.",
    forbidden: "Vous n'avez pas accès à cette page.",
    csrf: "Le formulaire a expiré. Rechargez la page et recommencez.",
    bad_request: "La demande est incorrecte.",
    too_large: "Le fichier envoyé est trop volumineux.",
    upstream: "Ce service ne répond pas pour le moment. Réessayez dans un instant.",
    server: "Le service est momentanément indisponible. Réessayez dans un instant.",
    login_failed: "La connexion n'a pas abouti. Recommencez.",
    back_home: "Retour à l'accueil",
    profile_names: ["Élève", "Parent", "Enseignant", "Direction", "Personnel", "Agent de la ville", "Administration"],
};

pub static EN: Messages = Messages {
    lang_name: "English",
    product: "ENT — the schools' digital workspace",
    skip: "Skip to content",
    nav_label: "My services",
    home: "Home",
    welcome: "Welcome to the ENT",
    welcome_text: "Sign in to find your services: homework, the school–home notebook…",
    login: "Sign in",
    logout: "Sign out",
    hello: "Hello",
    outdated: "This may be out of date.",
    unavailable: "This service is not answering right now. Try again in a moment.",
    no_portlets: "No service is open to your profile.",
    open: "Open",
    error_title: "Something went wrong",
    not_found: "This page does not exist.",
    forbidden: "You may not see this page.",
    csrf: "The form has expired. Reload the page and try again.",
    bad_request: "The request is invalid.",
    too_large: "The file sent is too large.",
    upstream: "This service is not answering right now. Try again in a moment.",
    server: "The service is briefly unavailable. Try again in a moment.",
    login_failed: "Signing in did not succeed. Please start again.",
    back_home: "Back to the home page",
    profile_names: ["Pupil", "Parent", "Teacher", "Head teacher", "Staff", "City agent", "Administration"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_accept_language(&h), None);
        h.insert(axum::http::header::ACCEPT_LANGUAGE, "de-DE, en-GB;q=0.9".parse().unwrap());
        assert_eq!(Lang::from_accept_language(&h), Some(Lang::En));
    }
}
