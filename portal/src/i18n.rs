//! The portal's words: French by default, English on request. `?lang=en` (or `fr`) on any page
//! sets a cookie; without one, the browser's `Accept-Language` decides; French otherwise.

pub use ent_web::Lang;

/// The portal's words for a language: `lang.t().welcome`. (The language a request is answered
/// in is chosen by the `language` middleware and read back by `Lang`'s extractor.)
pub trait Texts {
    fn t(self) -> &'static Messages;
}

impl Texts for Lang {
    fn t(self) -> &'static Messages {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
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
    pub too_many: &'static str,
    pub upstream: &'static str,
    pub server: &'static str,
    pub login_failed: &'static str,
    pub not_recent: &'static str,
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
    too_many: "Trop de connexions commencent depuis votre réseau en ce moment. Patientez une minute, puis réessayez.",
    upstream: "Ce service ne répond pas pour le moment. Réessayez dans un instant.",
    server: "Le service est momentanément indisponible. Réessayez dans un instant.",
    login_failed: "La connexion n'a pas abouti. Recommencez.",
    not_recent: "Ce service demande que vous confirmiez votre identité, et la connexion ne l'a pas confirmée. \
                 Vous êtes toujours connecté : rouvrez la page et identifiez-vous de nouveau quand cela vous est demandé.",
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
    too_many: "Too many sign-ins are starting from your network right now. Wait a minute, then try again.",
    upstream: "This service is not answering right now. Try again in a moment.",
    server: "The service is briefly unavailable. Try again in a moment.",
    login_failed: "Signing in did not succeed. Please start again.",
    not_recent: "This service needs you to confirm who you are, and the sign-in did not confirm it. \
                 You are still signed in: open the page again and sign in again when asked.",
    back_home: "Back to the home page",
    profile_names: ["Pupil", "Parent", "Teacher", "Head teacher", "Staff", "City agent", "Administration"],
};
