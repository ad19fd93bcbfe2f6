//! The login form: CSRF and origin checks, no user enumeration, throttling, and the security
//! headers and cookie flags of the page.

use ent_idp::web::i18n::EN;
use reqwest::StatusCode;

use crate::harness::*;

/// Asserts that a refused login set no session and left the browser signed out.
async fn assert_signed_out(b: &Browser, p: &Provider, r: &Resp) {
    assert!(!r.sets_session(), "no session cookie may be set: {:?}", r.set_cookies());
    let silent = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set("prompt", "none")).await;
    assert_redirect_error(&silent, p, PORTAL_CB, "login_required", Some("st-123"));
}

/// Form fields or headers, by name.
type Fields = Vec<(&'static str, String)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_post_without_valid_csrf_or_from_another_origin_is_forbidden() {
    let p = Provider::start().await;
    let b = p.browser();
    let params = AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new());
    let form = b.open_login(&params).await;
    let origin = p.issuer.clone();
    let fields = |csrf: Option<&str>| {
        let mut f = vec![
            ("req", form.req.clone()),
            ("lang", form.lang.clone()),
            ("login", TEACHER.to_string()),
            ("password", TEACHER_PW.to_string()),
        ];
        if let Some(c) = csrf {
            f.push(("csrf", c.to_string()));
        }
        f
    };
    let post = |f: Fields, headers: Fields| {
        let b = &b;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post_form("/login", &f, &h).await
        }
    };

    let mut forged = form.csrf.clone();
    forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
    let port = p.server.addr.port();
    let cases: Vec<(&str, Fields, Fields)> = vec![
        ("no csrf", fields(None), vec![("origin", origin.clone())]),
        ("empty csrf", fields(Some("")), vec![("origin", origin.clone())]),
        ("wrong csrf", fields(Some(&forged)), vec![("origin", origin.clone())]),
        ("another form's token", fields(Some(&ent_idp::secret::new_secret())), vec![("origin", origin.clone())]),
        ("foreign origin", fields(Some(&form.csrf)), vec![("origin", "http://evil.example".into())]),
        ("origin null", fields(Some(&form.csrf)), vec![("origin", "null".into())]),
        (
            "same host, other port",
            fields(Some(&form.csrf)),
            vec![("origin", format!("http://localhost:{}", port.wrapping_add(1)))],
        ),
        ("issuer origin with a trailing slash", fields(Some(&form.csrf)), vec![("origin", format!("{origin}/"))]),
        ("cross-site fetch", fields(Some(&form.csrf)), vec![("sec-fetch-site", "cross-site".into())]),
        (
            "same-site fetch from a sibling",
            fields(Some(&form.csrf)),
            vec![("origin", origin.clone()), ("sec-fetch-site", "same-site".into())],
        ),
    ];
    for (what, f, h) in cases {
        let r = post(f, h).await;
        assert_error_page(&r, StatusCode::FORBIDDEN, EN.error_csrf);
        assert!(!r.sets_session(), "{what}: {:?}", r.set_cookies());
        assert_signed_out(&b, &p, &r).await;
    }

    // A browser without the CSRF cookie cannot use a token it copied.
    let other = p.browser();
    let r = other.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_error_page(&r, StatusCode::FORBIDDEN, EN.error_csrf);
    assert_signed_out(&other, &p, &r).await;

    // Control: the genuine form from the issuer's origin signs in.
    let r = b.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.sets_session());
    code_of(&url::Url::parse(r.location().expect("Location")).expect("URL"));
}

/// Unknown login, disabled account and wrong password: same status, same page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_do_not_reveal_which_accounts_exist() {
    let p = Provider::start().await;
    p.add_person("old1", "ancien.prof", "mot-de-passe-juste", true).await;
    let b = p.browser();
    let form = b.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;

    let attempts = [
        ("wrong password", TEACHER, "pas-le-bon"),
        ("unknown login", NOBODY, TEACHER_PW),
        ("disabled account, right password", "ancien.prof", "mot-de-passe-juste"),
        ("disabled account, wrong password", "ancien.prof", "pas-le-bon"),
        ("empty password", TEACHER, ""),
    ];
    let mut pages = Vec::new();
    for (what, login, password) in attempts {
        let r = b.submit_login(&form, login, password).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.body);
        assert!(r.text().contains(EN.bad_credentials), "{what}: {}", r.body);
        assert!(!r.sets_session(), "{what}");
        assert!(r.location().is_none(), "{what}");
        // The page echoes the login typed; apart from it, every page is the same.
        let page = r.body.replace(&format!("value=\"{login}\""), "value=\"\"");
        pages.push((what, page, r.set_cookies().len()));
    }
    let (first_what, first_page, first_cookies) = &pages[0];
    for (what, page, cookies) in &pages[1..] {
        assert_eq!(page, first_page, "{what} vs {first_what}");
        assert_eq!(cookies, first_cookies, "{what} vs {first_what}: cookies");
    }
}

/// Throttling per account, then per address (with `max_failures_per_account = 3` and
/// `max_failures_per_address = 6`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account_then_the_address() {
    let p = Provider::with_config(|c| {
        c.max_failures_per_account = 3;
        c.max_failures_per_address = 6;
    })
    .await;
    let b = p.browser();
    let form = b.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;

    for i in 1..=3 {
        let r = b.submit_login(&form, TEACHER, "pas-le-bon").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}: {}", r.body);
    }
    // Locked: even the right password is not looked at.
    let locked = b.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_throttled(&locked, p.state().config.throttle_window.as_secs());
    // The login is matched case-insensitively, as at sign-in.
    let locked = b.submit_login(&form, &TEACHER.to_uppercase(), TEACHER_PW).await;
    assert_throttled(&locked, p.state().config.throttle_window.as_secs());

    // Another account from the same address is not locked by it.
    let other = p.browser();
    let other_form = other.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let r = other.submit_login(&other_form, PARENT, PARENT_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.sets_session());

    // Three more failures on a third account reach the address limit (6)…
    let third = p.browser();
    let third_form = third.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    for i in 1..=3 {
        let r = third.submit_login(&third_form, PUPIL, "pas-le-bon").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}: {}", r.body);
    }
    // …and then every account from this address waits, even with the right password.
    let fourth = p.browser();
    let fourth_form = fourth.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let r = fourth.submit_login(&fourth_form, PARENT, PARENT_PW).await;
    assert_throttled(&r, p.state().config.throttle_window.as_secs());
    // `X-Forwarded-For` is not trusted by default: it does not get around the address limit.
    let r = fourth
        .post_form(
            "/login",
            &[
                ("csrf", &fourth_form.csrf),
                ("req", &fourth_form.req),
                ("lang", &fourth_form.lang),
                ("login", PARENT),
                ("password", PARENT_PW),
            ],
            &[("origin", &fourth.origin), ("x-forwarded-for", "203.0.113.9")],
        )
        .await;
    assert_throttled(&r, p.state().config.throttle_window.as_secs());
}

/// What the request carries is shown escaped (`login_hint` pre-fills the login field).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_escapes_the_login_hint() {
    let p = Provider::start().await;
    let b = p.browser();
    let evil = "\"><script>alert(1)</script><input value=\"";
    let r = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set("login_hint", evil)).await;
    let page = b.get(r.location().expect("Location")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(!page.body.contains(evil), "{}", page.body);
    assert_eq!(hidden_login(&page.body), evil);
}

/// The value of the visible login field, decoded.
fn hidden_login(body: &str) -> String {
    let marker = "name=\"login\" type=\"text\" value=\"";
    let start = body.find(marker).expect("login field") + marker.len();
    let len = body[start..].find('"').expect("end of value");
    unescape(&body[start..start + len])
}

#[track_caller]
fn assert_throttled(r: &Resp, window: u64) {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("Retry-After in seconds");
    assert!(retry > 0 && retry <= window, "Retry-After {retry}");
    assert!(r.text().contains(EN.throttled), "{}", r.body);
    assert!(!r.sets_session());
    assert!(r.location().is_none());
}

/// The login page cannot be framed or cached, and the cookies are HttpOnly with the right
/// SameSite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_headers_and_cookie_flags() {
    let p = Provider::start().await;
    let b = p.browser();
    let r = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let page = b.get(r.location().expect("Location")).await;
    assert_eq!(page.status, StatusCode::OK);

    let csp = page.header("content-security-policy").expect("CSP");
    for directive in ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"] {
        assert!(csp.contains(directive), "CSP {csp:?} lacks {directive:?}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.header("referrer-policy").is_some());

    let csrf_cookie =
        page.set_cookies().into_iter().find(|c| c.starts_with("ent_idp_csrf=")).expect("CSRF cookie").to_string();
    assert_flags(&csrf_cookie, "Strict");

    let r = b.submit_login(&Form::of(&page.body), TEACHER, TEACHER_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let session =
        r.set_cookies().into_iter().find(|c| c.starts_with("ent_idp_session=")).expect("session cookie").to_string();
    assert_flags(&session, "Lax");
}

#[track_caller]
fn assert_flags(cookie: &str, same_site: &str) {
    let attrs: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
    assert!(attrs.iter().any(|a| a == "httponly"), "{cookie}");
    assert!(attrs.iter().any(|a| *a == format!("samesite={}", same_site.to_ascii_lowercase())), "{cookie}");
    assert!(attrs.iter().any(|a| a == "path=/"), "{cookie}");
    assert!(!attrs.iter().any(|a| a.starts_with("domain")), "{cookie}");
}

/// 200 wrong passwords for one account at once: each is counted before its password is
/// verified, so at most the limit are verified; the others are refused without a hash, with
/// `Retry-After`. Then even the right password waits, until the window ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_are_counted_before_any_password_is_verified() {
    let p = Provider::with_config(|c| {
        c.max_failures_per_account = 10;
        c.max_failures_per_address = 1_000;
    })
    .await;
    let b = p.browser();
    let form = b.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("csrf", &form.csrf), ("req", &form.req), ("lang", &form.lang)])
        .extend_pairs([("login", TEACHER), ("password", "pas-le-bon")])
        .finish();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (http, url, origin, body) =
                (b.http.clone(), format!("{}/login", b.base), b.origin.clone(), body.clone());
            tokio::spawn(async move {
                let res = http
                    .post(url)
                    .header("origin", origin)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .expect("POST /login");
                Resp::read(res).await
            })
        })
        .collect();
    let (mut verified, mut refused) = (0, 0);
    let window = p.state().config.throttle_window.as_secs();
    for task in tasks {
        let r = task.await.expect("task");
        match r.status {
            StatusCode::UNAUTHORIZED => verified += 1,
            _ => {
                assert_throttled(&r, window);
                refused += 1;
            }
        }
    }
    assert_eq!((verified, refused), (10, 190));
    // The audit agrees: ten passwords were looked at, 190 attempts were not.
    let audit = p.state().audit.recent(500).await.expect("audit");
    let count = |outcome: &str| audit.iter().filter(|e| e.event == "login" && e.outcome == outcome).count();
    assert_eq!((count("bad_credentials"), count("throttled")), (10, 190));

    // The right password waits too…
    let r = b.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_throttled(&r, window);
    // …until the window ends.
    p.state().clock.advance(window as i64 + 1);
    let r = b.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.sets_session());
}

/// The per-address limit counts the address the trusted proxies saw, however many values the
/// client writes into `X-Forwarded-For` itself (at 0, 1 and 2 trusted hops).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_limit_counts_the_hop_the_trusted_proxies_wrote() {
    // (hops, the forwarded list of attempt i where the client varies what it writes, a list from
    // another client address as the proxies saw it)
    type Spoofed = fn(usize) -> String;
    let cases: [(usize, Spoofed, &str); 3] = [
        (0, |i| format!("198.51.100.{i}"), "198.51.100.200"),
        (1, |i| format!("203.0.113.{i}, 198.51.100.1"), "203.0.113.1, 198.51.100.2"),
        (2, |i| format!("203.0.113.{i}, 198.51.100.1, 10.0.0.{i}"), "203.0.113.1, 198.51.100.2, 10.0.0.1"),
    ];
    for (hops, spoofed, elsewhere) in cases {
        let p = Provider::with_config(|c| {
            c.trusted_proxy_hops = hops;
            c.max_failures_per_address = 3;
        })
        .await;
        let b = p.browser();
        let form = b.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
        let attempt = |login: &'static str, password: &'static str, forwarded: String| {
            let (b, form) = (&b, &form);
            async move {
                let fields = [
                    ("csrf", form.csrf.as_str()),
                    ("req", form.req.as_str()),
                    ("lang", "en"),
                    ("login", login),
                    ("password", password),
                ];
                b.post_form("/login", &fields, &[("origin", &b.origin), ("x-forwarded-for", &forwarded)]).await
            }
        };
        // Three failures on three accounts, each with another value the client wrote itself.
        for (i, login) in [TEACHER, PUPIL, NOBODY].into_iter().enumerate() {
            let r = attempt(login, "pas-le-bon", spoofed(i)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "hops {hops}, attempt {i}: {}", r.body);
        }
        // The address is spent: even the right password of a fourth account waits.
        let r = attempt(PARENT, PARENT_PW, spoofed(99)).await;
        assert_throttled(&r, p.state().config.throttle_window.as_secs());
        // Another client address, as the trusted proxies saw it, is not (with no trusted proxy,
        // every request is the peer's).
        let r = attempt(PARENT, PARENT_PW, elsewhere.to_string()).await;
        match hops {
            0 => assert_throttled(&r, p.state().config.throttle_window.as_secs()),
            _ => assert_eq!(r.status, StatusCode::SEE_OTHER, "hops {hops}: {}", r.body),
        }
    }
}
