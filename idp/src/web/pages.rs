//! The provider's HTML pages (askama templates in `idp/templates/`, escaped by default).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Lang, Messages};

/// Chrome shared by every page.
pub struct Chrome {
    pub lang: Lang,
    /// Link to the same page in the other language ("" for none).
    pub switch_href: String,
}

impl Chrome {
    pub fn new(lang: Lang) -> Self {
        Chrome { lang, switch_href: String::new() }
    }
    pub fn with_switch(lang: Lang, href: String) -> Self {
        Chrome { lang, switch_href: href }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_name: &'static str,
    pub switch_href: String,
    pub t: &'static Messages,
    pub client_name: &'a str,
    pub message: String,
    pub csrf: &'a str,
    pub req: &'a str,
    pub login: &'a str,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_name: &'static str,
    pub switch_href: String,
    pub t: &'static Messages,
    pub client_name: &'a str,
    pub scopes: Vec<&'static str>,
    pub csrf: &'a str,
    pub req: &'a str,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_name: &'static str,
    pub switch_href: String,
    pub t: &'static Messages,
    pub title: &'a str,
    pub message: &'a str,
    pub detail: &'a str,
    pub is_error: bool,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage<'a> {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_name: &'static str,
    pub switch_href: String,
    pub t: &'static Messages,
    pub csrf: &'a str,
    pub post_logout_redirect_uri: &'a str,
    pub client_id: &'a str,
    pub state: &'a str,
}

/// The three fields every template shares, from the chrome.
pub fn chrome_fields(c: &Chrome) -> (&'static str, &'static str, &'static str, String, &'static Messages) {
    (c.lang.code(), c.lang.other().code(), c.lang.other().t().lang_name, c.switch_href.clone(), c.lang.t())
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

/// A page that only says something (errors, "signed out").
pub fn message(status: StatusCode, lang: Lang, title: &str, message: &str, detail: &str) -> Response {
    let c = Chrome::new(lang);
    let (lang, other_lang, other_name, switch_href, t) = chrome_fields(&c);
    render(
        status,
        &MessagePage {
            lang,
            other_lang,
            other_name,
            switch_href,
            t,
            title,
            message,
            detail,
            is_error: status.is_client_error() || status.is_server_error(),
        },
    )
}

/// An error page in the user's language.
pub fn error(status: StatusCode, lang: Lang, message: &str) -> Response {
    message_page_error(status, lang, message, "")
}

pub fn message_page_error(status: StatusCode, lang: Lang, msg: &str, detail: &str) -> Response {
    message(status, lang, lang.t().error_title, msg, detail)
}
