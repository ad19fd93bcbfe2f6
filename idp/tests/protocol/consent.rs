//! The consent screen: only the user, on our pages, can allow a tool.

use reqwest::StatusCode;

use crate::harness::*;

/// A third party cannot consent on the user's behalf: the consent form needs its CSRF token
/// and our origin, and a refused POST grants nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_consent_is_refused() {
    let p = Provider::start().await;
    let b = p.browser();
    let pkce = Pkce::new();
    let params = AuthParams::new(TOOL, TOOL_CB, &pkce);
    let form = b.open_login(&params).await;
    let r = b.submit_login(&form, TEACHER, TEACHER_PW).await;
    let to = r.location().expect("Location").to_string();
    assert!(to.starts_with("/consent?"), "the tool needs consent: {to}");
    let page = b.get(&to).await;
    let consent = Form::of(&page.body);
    let own = p.url("").trim_end_matches('/').to_string();
    for (what, fields, origin) in [
        ("no CSRF token", vec![("req", consent.req.as_str()), ("decision", "allow")], own.as_str()),
        (
            "a forged token",
            vec![("req", consent.req.as_str()), ("decision", "allow"), ("csrf", "forged")],
            own.as_str(),
        ),
        (
            "another origin",
            vec![("req", consent.req.as_str()), ("decision", "allow"), ("csrf", consent.csrf.as_str())],
            "https://evil.example",
        ),
    ] {
        let r = b.post_form("/consent", &fields, &[("origin", origin)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
    }
    // Still no consent: a silent request for the tool is refused.
    let silent = b.authorize(&AuthParams::new(TOOL, TOOL_CB, &Pkce::new()).set("prompt", "none")).await;
    let url = url::Url::parse(silent.location().expect("Location")).expect("redirect");
    assert_eq!(Query::of(&url).get("error"), Some("consent_required"));
}
