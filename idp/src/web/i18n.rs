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
    pub passkey_login_button: &'static str,
    pub passkey_or: &'static str,
    pub passkey_failed: &'static str,
    pub passkey_refused: &'static str,
    pub passkey_step_title: &'static str,
    pub passkey_step_intro: &'static str,
    pub passkey_step_button: &'static str,
    pub enrol_title: &'static str,
    pub enrol_intro: &'static str,
    pub passkey_name_label: &'static str,
    pub passkey_default_name: &'static str,
    pub passkey_create_button: &'static str,
    pub passkey_unsupported: &'static str,
    pub invitation_title: &'static str,
    pub invitation_intro: &'static str,
    pub invitation_later: &'static str,
    pub continue_button: &'static str,
    pub reset_notice: &'static str,
    pub account_title: &'static str,
    pub account_intro: &'static str,
    pub account_empty: &'static str,
    pub account_created: &'static str,
    pub account_last_used: &'static str,
    pub account_never_used: &'static str,
    pub account_synced: &'static str,
    pub account_rename: &'static str,
    pub account_remove: &'static str,
    pub account_new: &'static str,
    pub account_signed_out: &'static str,
    pub account_added: &'static str,
    pub account_removed: &'static str,
    pub account_renamed: &'static str,
    pub account_bad_name: &'static str,
    pub passkeys_off: &'static str,
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
    passkey_login_button: "Se connecter avec une clé d'accès",
    passkey_or: "ou",
    passkey_failed: "La clé d'accès n'a pas pu être utilisée. Réessayez, ou utilisez votre mot de passe.",
    passkey_refused: "Cette clé d'accès n'est pas reconnue. Elle a peut-être été supprimée de votre compte.",
    passkey_step_title: "Confirmez avec votre clé d'accès",
    passkey_step_intro: "Votre compte est protégé par une clé d'accès : utilisez-la pour terminer la connexion.",
    passkey_step_button: "Utiliser ma clé d'accès",
    enrol_title: "Créez votre clé d'accès",
    enrol_intro: "Votre fonction donne accès aux données de nombreuses personnes : une clé d'accès (empreinte, visage, code de l'appareil ou clé de sécurité) est demandée en plus du mot de passe. Créez-la maintenant pour terminer la connexion.",
    passkey_name_label: "Nom de la clé (pour la reconnaître)",
    passkey_default_name: "Ma clé d'accès",
    passkey_create_button: "Créer une clé d'accès",
    passkey_unsupported: "Ce navigateur ne permet pas d'utiliser une clé d'accès.",
    invitation_title: "Protégez votre compte",
    invitation_intro: "Une clé d'accès vous connecte sans mot de passe, avec l'empreinte, le visage ou le code de votre appareil, et ne peut pas être dérobée par un faux site.",
    invitation_later: "Plus tard",
    continue_button: "Continuer",
    reset_notice: "Vos clés d'accès ont été supprimées par un administrateur de l'ENT. Si vous ne l'avez pas demandé, prévenez votre école.",
    account_title: "Mes clés d'accès",
    account_intro: "Les clés d'accès enregistrées pour votre compte ENT.",
    account_empty: "Aucune clé d'accès n'est enregistrée.",
    account_created: "Créée le",
    account_last_used: "Dernière utilisation",
    account_never_used: "jamais",
    account_synced: "Synchronisée entre vos appareils",
    account_rename: "Renommer",
    account_remove: "Supprimer",
    account_new: "Ajouter une clé d'accès",
    account_signed_out: "Connectez-vous à l'ENT depuis une de ses applications, puis revenez sur cette page.",
    account_added: "La clé d'accès a été ajoutée.",
    account_removed: "La clé d'accès a été supprimée.",
    account_renamed: "La clé d'accès a été renommée.",
    account_bad_name: "Donnez un nom de 1 à 60 caractères.",
    passkeys_off: "Les clés d'accès ne sont pas disponibles sur ce service.",
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
    passkey_login_button: "Sign in with a passkey",
    passkey_or: "or",
    passkey_failed: "The passkey could not be used. Try again, or use your password.",
    passkey_refused: "This passkey is not recognised. It may have been removed from your account.",
    passkey_step_title: "Confirm with your passkey",
    passkey_step_intro: "Your account is protected by a passkey: use it to finish signing in.",
    passkey_step_button: "Use my passkey",
    enrol_title: "Create your passkey",
    enrol_intro: "Your role gives access to many people's data: a passkey (fingerprint, face, device PIN or security key) is required besides the password. Create it now to finish signing in.",
    passkey_name_label: "Name of the passkey (to recognise it)",
    passkey_default_name: "My passkey",
    passkey_create_button: "Create a passkey",
    passkey_unsupported: "This browser cannot use passkeys.",
    invitation_title: "Protect your account",
    invitation_intro: "A passkey signs you in without a password, with your device's fingerprint, face or PIN, and cannot be stolen by a fake site.",
    invitation_later: "Not now",
    continue_button: "Continue",
    reset_notice: "Your passkeys were removed by an ENT administrator. If you did not ask for it, tell your school.",
    account_title: "My passkeys",
    account_intro: "The passkeys registered for your ENT account.",
    account_empty: "No passkey is registered.",
    account_created: "Created on",
    account_last_used: "Last used",
    account_never_used: "never",
    account_synced: "Synced across your devices",
    account_rename: "Rename",
    account_remove: "Remove",
    account_new: "Add a passkey",
    account_signed_out: "Sign in to the ENT from one of its applications, then come back to this page.",
    account_added: "The passkey was added.",
    account_removed: "The passkey was removed.",
    account_renamed: "The passkey was renamed.",
    account_bad_name: "Give a name of 1 to 60 characters.",
    passkeys_off: "Passkeys are not available on this service.",
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
