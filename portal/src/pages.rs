//! The portal's HTML pages (askama templates in `portal/templates/`, escaped by default) and the
//! chrome every page shares: the profile's colours and picture, the one-level navigation, the
//! language switch and the sign-out form.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::config::Profile;
use crate::i18n::{Lang, Messages, Texts};
use crate::state::PortalState;
use crate::store::Session;
use crate::web::csrf_token;

/// One entry of the navigation.
pub struct NavItem {
    pub href: String,
    pub title: String,
    pub current: bool,
}

/// The signed-in person, as the header shows them.
pub struct UserChrome {
    pub name: String,
    pub profile_label: &'static str,
    pub picture: &'static str,
}

/// What every page shares.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Messages,
    /// The CSS theme class: the profile's, or `guest`.
    pub theme: &'static str,
    pub user: Option<UserChrome>,
    pub nav: Vec<NavItem>,
    pub home_current: bool,
    pub csrf: String,
    /// The same page in the other language.
    pub switch_href: String,
}

impl Chrome {
    pub fn guest(lang: Lang, path: &str) -> Self {
        Chrome {
            lang,
            t: lang.t(),
            theme: "guest",
            user: None,
            nav: Vec::new(),
            home_current: false,
            csrf: String::new(),
            switch_href: switch_href(lang, path),
        }
    }

    /// The chrome of a signed-in page; `current` is the portlet shown, if any.
    pub fn for_session(state: &PortalState, lang: Lang, session: &Session, current: Option<&str>, path: &str) -> Self {
        let t = lang.t();
        let nav = state
            .visible_portlets(session.profile)
            .map(|p| NavItem {
                href: format!("/p/{}/", p.name),
                title: match lang {
                    Lang::Fr => p.title_fr.clone(),
                    Lang::En => p.title_en.clone(),
                },
                current: current == Some(p.name.as_str()),
            })
            .collect();
        Chrome {
            lang,
            t,
            theme: session.profile.map(Profile::as_str).unwrap_or("guest"),
            user: Some(UserChrome {
                name: session.secrets.name.clone(),
                profile_label: session.profile.map(|p| profile_label(t, p)).unwrap_or(""),
                picture: session.profile.map(picture).unwrap_or(""),
            }),
            nav,
            home_current: current.is_none() && path == "/",
            csrf: csrf_token(&session.cookie),
            switch_href: switch_href(lang, path),
        }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn other_code(&self) -> &'static str {
        self.lang.other().code()
    }
    pub fn other_name(&self) -> &'static str {
        self.lang.other().t().lang_name
    }
}

fn switch_href(lang: Lang, path: &str) -> String {
    let path = if path.starts_with('/') && !path.starts_with("//") { path } else { "/" };
    format!("{path}?lang={}", lang.other().code())
}

pub fn profile_label(t: &'static Messages, p: Profile) -> &'static str {
    let i = Profile::ALL.iter().position(|x| *x == p).unwrap_or(0);
    t.profile_names[i]
}

/// A small picture per profile, drawn inline (decorative: the profile's name is written beside).
pub fn picture(p: Profile) -> &'static str {
    match p {
        // A star.
        Profile::Pupil => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><path d="M20 6l4.2 8.6 9.4 1.4-6.8 6.6 1.6 9.4L20 27.6 11.6 32l1.6-9.4-6.8-6.6 9.4-1.4z" fill="#f2a900"/></svg>"##
        }
        // A house.
        Profile::Parent => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><path d="M8 20L20 9l12 11h-3v11h-6v-7h-6v7h-6V20z" fill="#1b7f4b"/></svg>"##
        }
        // An open book.
        Profile::Teacher => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><path d="M7 12c5-2 9-1 12 1v17c-3-2-7-3-12-1zM33 12c-5-2-9-1-12 1v17c3-2 7-3 12-1z" fill="#2457c5"/></svg>"##
        }
        // A school with its flag.
        Profile::Director => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><path d="M9 31V18l11-6 11 6v13h-8v-6h-6v6z" fill="#7a3db8"/><path d="M20 12V6h6l-2 2 2 2h-5" fill="#7a3db8"/></svg>"##
        }
        // A key.
        Profile::Staff => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><circle cx="14" cy="20" r="6" fill="none" stroke="#00727a" stroke-width="4"/><path d="M19 18h14v4h-3v4h-4v-4h-7z" fill="#00727a"/></svg>"##
        }
        // A tree.
        Profile::CityAgent => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><circle cx="20" cy="16" r="9" fill="#b5470b"/><rect x="18" y="22" width="4" height="11" fill="#5b3a1a"/></svg>"##
        }
        // A cog.
        Profile::Admin => {
            r##"<svg class="pic" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="19" fill="#fff"/><circle cx="20" cy="20" r="8" fill="none" stroke="#3b4250" stroke-width="5" stroke-dasharray="4 2.3"/><circle cx="20" cy="20" r="4" fill="#3b4250"/></svg>"##
        }
    }
}

/// One card of the home page.
pub struct Card {
    pub href: String,
    pub title: String,
    /// The portlet's fragment (its own escaping; our CSP forbids scripts and inline styles).
    pub html: Option<String>,
    pub outdated: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    pub chrome: Chrome,
}

#[derive(Template)]
#[template(path = "view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub title: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub chrome: Chrome,
    pub title: &'a str,
    pub message: &'a str,
}

/// Renders a template into a response that no cache keeps.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A page that only says something (errors).
pub fn message(status: StatusCode, chrome: Chrome, message: &str) -> Response {
    let title = chrome.t.error_title;
    render(status, &MessagePage { chrome, title, message })
}
