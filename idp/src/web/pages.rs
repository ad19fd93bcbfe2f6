//! The provider's HTML pages (askama templates in `idp/templates/`, escaped by default).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Lang, Messages};

/// What every page shares: its language, its words, and the link to the other language.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Messages,
    /// Link to the same page in the other language ("" for none).
    pub switch_href: String,
}

impl Chrome {
    pub fn new(lang: Lang) -> Self {
        Chrome { lang, t: lang.t(), switch_href: String::new() }
    }
    pub fn with_switch(lang: Lang, href: String) -> Self {
        Chrome { lang, t: lang.t(), switch_href: href }
    }
    /// `fr` or `en`, for `<html lang>` and the forms' hidden `lang` field.
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

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub chrome: Chrome,
    pub client_name: &'a str,
    pub message: String,
    pub csrf: &'a str,
    pub req: &'a str,
    pub login: &'a str,
}

#[derive(Template)]
#[template(path = "activate.html")]
pub struct ActivatePage<'a> {
    pub chrome: Chrome,
    pub message: String,
    pub csrf: &'a str,
    pub req: &'a str,
    pub login: &'a str,
    /// The code typed, shown again only when the password was refused (the code was not tried).
    pub code: &'a str,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub chrome: Chrome,
    pub client_name: &'a str,
    pub scopes: Vec<&'static str>,
    pub csrf: &'a str,
    pub req: &'a str,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub chrome: Chrome,
    pub title: &'a str,
    pub message: &'a str,
    pub detail: &'a str,
    pub is_error: bool,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage<'a> {
    pub chrome: Chrome,
    pub csrf: &'a str,
    pub post_logout_redirect_uri: &'a str,
    pub client_id: &'a str,
    pub state: &'a str,
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
    render(
        status,
        &MessagePage {
            chrome: Chrome::new(lang),
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
