//! The provider's HTML pages (askama templates in `idp/templates/`, escaped by default).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Lang, Messages, Texts};

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
    /// Whether to offer the passkey button (passkeys are on).
    pub passkeys: bool,
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

/// A passkey step of a login (the passkey after a password, the first passkey's registration)
/// or the invitation after it.
#[derive(Template)]
#[template(path = "passkey.html")]
pub struct PasskeyPage<'a> {
    pub chrome: Chrome,
    pub title: &'a str,
    pub intro: &'a str,
    /// Something to tell first (a reset of the person's passkeys), or "".
    pub notice: &'a str,
    pub message: String,
    pub csrf: &'a str,
    pub req: &'a str,
    /// Where the ceremony's answer is posted ("" for none).
    pub action: &'a str,
    /// `authenticate` or `register`.
    pub ceremony: &'a str,
    pub button: &'a str,
    /// Ask for the passkey's name (registration).
    pub name_field: bool,
    /// The form that goes on without a passkey ("" for none).
    pub later_action: &'a str,
    pub later_label: &'a str,
}

/// One passkey as the account page lists it.
pub struct PasskeyRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub synced: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage<'a> {
    pub chrome: Chrome,
    pub notice: &'a str,
    pub message: &'a str,
    pub csrf: &'a str,
    pub keys: Vec<PasskeyRow>,
}

/// The CSP of the pages that run the passkey script: the provider's own script and its own
/// `fetch` only, nothing inline; forms may also go to `client_origin` (a redirect to the client).
pub fn passkey_csp(client_origin: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; \
         form-action 'self' {client_origin}; frame-ancestors 'none'; base-uri 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"))
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
