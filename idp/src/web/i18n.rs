//! The words of the provider's pages: French by default, English on request (`ui_locales`,
//! `?lang=en`, or the browser's `Accept-Language`).

use axum::http::HeaderMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
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

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_', ';']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of a space-separated list (OIDC `ui_locales`).
    pub fn from_ui_locales(list: &str) -> Option<Lang> {
        list.split_whitespace().find_map(Lang::parse)
    }

    /// Picks the language: explicit choice first, then the browser's preference, then French.
    pub fn negotiate(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(l) = explicit.and_then(Lang::from_ui_locales) {
            return l;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(Lang::parse))
            .unwrap_or_default()
    }

    pub fn t(self) -> &'static Messages {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

/// Every sentence a page shows.
pub struct Messages {
    pub lang_name: &'static str,
    pub product: &'static str,
    pub login_title: &'static str,
    pub login_for: &'static str,
    pub login_label: &'static str,
    pub password_label: &'static str,
    pub login_button: &'static str,
    pub bad_credentials: &'static str,
    pub throttled: &'static str,
    pub consent_title: &'static str,
    pub consent_asks: &'static str,
    pub consent_allow: &'static str,
    pub consent_deny: &'static str,
    pub scope_openid: &'static str,
    pub scope_profile: &'static str,
    pub scope_email: &'static str,
    pub scope_ent: &'static str,
    pub scope_offline: &'static str,
    pub error_title: &'static str,
    pub error_unknown_client: &'static str,
    pub error_bad_redirect: &'static str,
    pub error_request_expired: &'static str,
    pub error_csrf: &'static str,
    pub error_bad_request: &'static str,
    pub error_server: &'static str,
    pub error_bad_logout: &'static str,
    pub logout_title: &'static str,
    pub logout_question: &'static str,
    pub logout_button: &'static str,
    pub logged_out: &'static str,
    pub home_signed_in: &'static str,
    pub home_signed_out: &'static str,
    pub activate_link: &'static str,
    pub activate_title: &'static str,
    pub activate_intro: &'static str,
    pub activation_code_label: &'static str,
    pub new_password_label: &'static str,
    pub confirm_password_label: &'static str,
    pub password_rules: &'static str,
    pub activate_button: &'static str,
    pub activation_failed: &'static str,
    pub password_too_short: &'static str,
    pub password_is_login: &'static str,
    pub password_mismatch: &'static str,
    pub back_to_login: &'static str,
}

pub static FR: Messages = Messages {
    lang_name: "Français",
    product: "ENT — Espace numérique des écoles",
    login_title: "Connexion",
    login_for: "pour accéder à",
    login_label: "Identifiant",
    password_label: "Mot de passe",
    login_button: "Se connecter",
    bad_credentials: "Identifiant ou mot de passe incorrect.",
    throttled: "Trop de tentatives de connexion. Réessayez dans quelques minutes (minutes restantes :",
    consent_title: "Autorisation",
    consent_asks: "demande l'accès à :",
    consent_allow: "Autoriser",
    consent_deny: "Refuser",
    scope_openid: "votre identifiant de connexion",
    scope_profile: "vos nom et prénom",
    scope_email: "votre adresse électronique",
    scope_ent: "votre profil, votre école et vos classes (et, pour un parent, ses enfants)",
    scope_offline: "rester connecté en votre absence",
    error_title: "Une erreur est survenue",
    error_unknown_client: "L'application qui vous a envoyé ici n'est pas connue de l'ENT.",
    error_bad_redirect: "L'application qui vous a envoyé ici a donné une adresse de retour non enregistrée.",
    error_request_expired: "Cette demande de connexion a expiré. Retournez à l'application et recommencez.",
    error_csrf: "Le formulaire a expiré. Rechargez la page et recommencez.",
    error_bad_request: "La demande est incorrecte.",
    error_server: "Le service est momentanément indisponible. Réessayez dans un instant.",
    error_bad_logout: "La demande de déconnexion n'est pas valable.",
    logout_title: "Déconnexion",
    logout_question: "Voulez-vous vous déconnecter de l'ENT ?",
    logout_button: "Se déconnecter",
    logged_out: "Vous êtes déconnecté.",
    home_signed_in: "Vous êtes connecté à l'ENT.",
    home_signed_out: "Vous n'êtes pas connecté.",
    activate_link: "Première connexion ? Activez votre compte avec le code reçu",
    activate_title: "Activer mon compte",
    activate_intro: "Saisissez votre identifiant et le code d'activation reçu de l'école, puis choisissez votre mot de passe.",
    activation_code_label: "Code d'activation",
    new_password_label: "Nouveau mot de passe",
    confirm_password_label: "Confirmez le mot de passe",
    password_rules: "Au moins 10 caractères, différent de votre identifiant. Par exemple trois petits mots.",
    activate_button: "Activer mon compte",
    activation_failed: "Identifiant ou code d'activation incorrect, ou code expiré ou déjà utilisé.",
    password_too_short: "Le mot de passe doit contenir au moins 10 caractères.",
    password_is_login: "Le mot de passe ne doit pas être votre identifiant.",
    password_mismatch: "Les deux mots de passe ne sont pas identiques.",
    back_to_login: "Retour à la connexion",
};

pub static EN: Messages = Messages {
    lang_name: "English",
    product: "ENT — the schools' digital workspace",
    login_title: "Sign in",
    login_for: "to continue to",
    login_label: "Login",
    password_label: "Password",
    login_button: "Sign in",
    bad_credentials: "Wrong login or password.",
    throttled: "Too many sign-in attempts. Try again in a few minutes (minutes left:",
    consent_title: "Authorisation",
    consent_asks: "asks to access:",
    consent_allow: "Allow",
    consent_deny: "Deny",
    scope_openid: "your sign-in identifier",
    scope_profile: "your first and last name",
    scope_email: "your e-mail address",
    scope_ent: "your profile, your school and classes (and, for a parent, their children)",
    scope_offline: "stay signed in while you are away",
    error_title: "Something went wrong",
    error_unknown_client: "The application that sent you here is not known to the ENT.",
    error_bad_redirect: "The application that sent you here gave a return address that is not registered.",
    error_request_expired: "This sign-in request has expired. Go back to the application and start again.",
    error_csrf: "The form has expired. Reload the page and try again.",
    error_bad_request: "The request is invalid.",
    error_server: "The service is briefly unavailable. Try again in a moment.",
    error_bad_logout: "The sign-out request is not valid.",
    logout_title: "Sign out",
    logout_question: "Do you want to sign out of the ENT?",
    logout_button: "Sign out",
    logged_out: "You are signed out.",
    home_signed_in: "You are signed in to the ENT.",
    home_signed_out: "You are not signed in.",
    activate_link: "First time here? Activate your account with the code you received",
    activate_title: "Activate my account",
    activate_intro: "Enter your login and the activation code the school gave you, then choose your password.",
    activation_code_label: "Activation code",
    new_password_label: "New password",
    confirm_password_label: "Confirm the password",
    password_rules: "At least 10 characters, not your login. Three short words, for instance.",
    activate_button: "Activate my account",
    activation_failed: "Wrong login or activation code, or the code has expired or was already used.",
    password_too_short: "The password must be at least 10 characters long.",
    password_is_login: "The password must not be your login.",
    password_mismatch: "The two passwords are not the same.",
    back_to_login: "Back to sign-in",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::negotiate(None, &h), Lang::Fr);
        h.insert(axum::http::header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &h), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr-FR"), &h), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("de en"), &HeaderMap::new()), Lang::En);
    }
}
