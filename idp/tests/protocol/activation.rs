//! Activation codes over HTTP: letters generated for the school's class, the `/activate` page
//! reached from the login page (CSRF, throttling shared with the login, no user enumeration,
//! password rules), single use, and the files handed to the school.

use ent_idp::activation::{Letter, Scope, generate_for, to_csv, to_html_letters};
use ent_idp::model::Profile;
use ent_idp::store::directory::{ClassRole, Person, Snapshot};
use ent_idp::web::i18n::{EN, FR};
use reqwest::StatusCode;
use url::Url;

use crate::harness::*;

/// A pupil of CM1-A without a password, and her two parents (one of them also the parent of
/// the fixture pupil, whose name needs quoting in a spreadsheet).
const NEW_PUPIL: &str = "hugo.petit";
const NEW_PARENT: &str = "claire.petit";
const QUOTED_PARENT: &str = "jean.dupont";
const NEW_PASSWORD: &str = "trois petits chats";

fn person(id: &str, login: &str, profile: Profile, given: &str, family: &str, disabled: bool) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: login.into(),
        profile,
        given_name: given.into(),
        family_name: family.into(),
        email: None,
        external_id: None,
        disabled,
    }
}

/// Adds the family above, and a pupil who left (disabled) with a parent of his own.
async fn add_families(p: &Provider) {
    let snap = Snapshot {
        people: vec![
            person("p2", NEW_PUPIL, Profile::Pupil, "Hugo", "Petit", false),
            person("g2", NEW_PARENT, Profile::Parent, "Claire", "Petit", false),
            person("g3", QUOTED_PARENT, Profile::Parent, "Jean \"Jeannot\"", "Dupont, dit Petit", false),
            person("p9", "ancien.eleve", Profile::Pupil, "Ancien", "Élève", true),
            person("g9", "parent.ancien", Profile::Parent, "Parent", "Ancien", false),
        ],
        person_schools: ["p2", "g2", "g3", "p9", "g9"].iter().map(|id| (id.to_string(), "s1".to_string())).collect(),
        class_members: vec![("c1".into(), "p2".into(), ClassRole::Pupil), ("c1".into(), "p9".into(), ClassRole::Pupil)],
        guardianships: vec![
            ("g2".into(), "p2".into(), true),
            ("g3".into(), "p2".into(), true),
            ("g3".into(), "p1".into(), false),
            ("g9".into(), "p9".into(), true),
        ],
        ..Snapshot::default()
    };
    p.state().directory.import(&snap).await.expect("import families");
}

async fn letters(p: &Provider, include_with_password: bool) -> Vec<Letter> {
    let s = p.state();
    generate_for(&s.activation, &s.audit, &Scope::Class("c1".into()), 30, include_with_password)
        .await
        .expect("generate codes")
}

#[track_caller]
fn code_for(letters: &[Letter], login: &str) -> String {
    letters.iter().find(|l| l.login == login).unwrap_or_else(|| panic!("no letter for {login}")).code.clone()
}

/// From an authorization request, through the login page's link, to the activation form.
async fn open_activation(b: &Browser, params: &AuthParams) -> Form {
    let r = b.authorize(params).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "authorize: {}", r.body);
    let login_page = b.get(r.location().expect("Location")).await;
    assert_eq!(login_page.status, StatusCode::OK, "{}", login_page.body);
    let link = activation_link(&login_page.body);
    assert!(login_page.text().contains(EN.activate_link), "{}", login_page.body);
    let page = b.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "activation page: {}", page.body);
    assert!(page.text().contains(EN.activate_title), "{}", page.body);
    for field in ["name=\"login\"", "name=\"code\"", "name=\"password\"", "name=\"confirmation\""] {
        assert!(page.body.contains(field), "{field}: {}", page.body);
    }
    let form = Form::of(&page.body);
    assert_eq!(form.req, Form::of(&login_page.body).req, "the activation page carries the parked request");
    form
}

/// The `href` of the login page's link to `/activate`, decoded.
fn activation_link(body: &str) -> String {
    let start = body.find("href=\"/activate?").expect("a link to /activate on the login page") + "href=\"".len();
    let len = body[start..].find('"').expect("end of href");
    unescape(&body[start..start + len])
}

async fn submit(b: &Browser, form: &Form, login: &str, code: &str, password: &str, confirmation: &str) -> Resp {
    b.post_form(
        "/activate",
        &[
            ("csrf", &form.csrf),
            ("req", &form.req),
            ("lang", &form.lang),
            ("login", login),
            ("code", code),
            ("password", password),
            ("confirmation", confirmation),
        ],
        &[("origin", &b.origin)],
    )
    .await
}

/// A successful activation: a session, and the browser sent back to the client with a code.
#[track_caller]
fn assert_signed_in_and_back_to_portal(r: &Resp) -> Url {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "activation: {}", r.body);
    assert!(r.sets_session(), "{:?}", r.set_cookies());
    let to = r.location().expect("Location");
    assert!(to.starts_with(PORTAL_CB), "back to the client: {to}");
    let url = Url::parse(to).expect("URL");
    code_of(&url);
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_activates_her_account_then_signs_in_with_her_new_password() {
    let p = Provider::start().await;
    add_families(&p).await;

    // Without `--all`: only the people of the class who have no password yet, pupils first,
    // each followed by their parents; nobody who left.
    let fresh = letters(&p, false).await;
    let logins: Vec<&str> = fresh.iter().map(|l| l.login.as_str()).collect();
    // Jean Dupont is also the parent of Léa (who has a password): his letter follows hers.
    assert_eq!(logins, [QUOTED_PARENT, NEW_PUPIL, NEW_PARENT]);
    // With it: the fixture family too (who have passwords); the teacher is never included.
    let all = letters(&p, true).await;
    let mut logins: Vec<&str> = all.iter().map(|l| l.login.as_str()).collect();
    logins.sort_unstable();
    assert_eq!(logins, [NEW_PARENT, NEW_PUPIL, QUOTED_PARENT, PUPIL, PARENT]);
    assert!(!fresh.iter().any(|l| l.code == code_for(&all, &l.login)), "new codes replace the earlier ones");

    // Léa (the fixture pupil) activates her account through the login page's link.
    let code = code_for(&all, PUPIL);
    let b = p.browser();
    let params = AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new());
    let form = open_activation(&b, &params).await;
    // Codes are typed as people do: lower case, spaces instead of dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let r = submit(&b, &form, &PUPIL.to_uppercase(), &typed, NEW_PASSWORD, NEW_PASSWORD).await;
    let back = assert_signed_in_and_back_to_portal(&r);
    assert_eq!(Query::of(&back).get("state"), Some("st-123"));
    // The browser is now signed in: the next authorization needs no login.
    let (silent, _) = b.code_silently(PORTAL).await;
    assert!(!silent.is_empty());

    // Another browser signs in with the new password; the old one no longer works.
    let (_, tokens) = p.tokens(PORTAL, PUPIL, NEW_PASSWORD).await;
    assert!(!tokens.id_token.is_empty());
    let other = p.browser();
    let login_form = other.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let r = other.submit_login(&login_form, PUPIL, PUPIL_PW).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // The same code does not work twice, even with the right login.
    let again = p.browser();
    let form = open_activation(&again, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let r = submit(&again, &form, PUPIL, &code, "un autre mot de passe", "un autre mot de passe").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.text().contains(EN.activation_failed), "{}", r.body);
    assert!(!r.sets_session());
    let (_, tokens) = p.tokens(PORTAL, PUPIL, NEW_PASSWORD).await;
    assert!(!tokens.access_token.is_empty(), "the password set by the first use stands");

    // The new family activates too (a parent without any password before).
    let b = p.browser();
    let form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let pw = "le jardin de claire";
    assert_signed_in_and_back_to_portal(&submit(&b, &form, NEW_PARENT, &code_for(&all, NEW_PARENT), pw, pw).await);

    // Issues and redemptions are audited, without names or codes.
    let events = p.state().audit.recent(100).await.expect("audit");
    let issued: Vec<_> = events.iter().filter(|e| e.event == "activation.issue").collect();
    assert_eq!(issued.len(), 2);
    assert!(issued.iter().all(|e| e.person_id.is_none()));
    let detail = issued[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("\"letters\":5") && !detail.contains("petit"), "{detail}");
    assert_eq!(events.iter().filter(|e| e.event == "activation.redeem" && e.outcome == "ok").count(), 2);
    assert!(events.iter().all(|e| !e.detail.clone().unwrap_or_default().contains(&code)));
}

/// Unknown login, wrong code, another person's code, a used code and an expired code: the same
/// status and the same page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_activations_do_not_reveal_accounts_or_codes() {
    let p = Provider::start().await;
    add_families(&p).await;
    let all = letters(&p, true).await;
    // A used code (Hugo's)…
    let hugo = code_for(&all, NEW_PUPIL);
    let b = p.browser();
    let form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    assert_signed_in_and_back_to_portal(&submit(&b, &form, NEW_PUPIL, &hugo, NEW_PASSWORD, NEW_PASSWORD).await);
    // …and an expired one (Claire's, replaced by a code that expired a second ago).
    let expired = p.state().activation.issue("g2", -1).await.expect("issue").code;

    let b = p.browser();
    let form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let attempts = [
        ("unknown login", NOBODY.to_string(), code_for(&all, PUPIL)),
        ("wrong code", PUPIL.to_string(), "ABCD-EFGH-JKMN".to_string()),
        ("malformed code", PUPIL.to_string(), "0000-1111".to_string()),
        ("another person's code", PARENT.to_string(), code_for(&all, PUPIL)),
        ("used code", NEW_PUPIL.to_string(), hugo),
        ("expired code", NEW_PARENT.to_string(), expired),
        ("disabled pupil", "ancien.eleve".to_string(), code_for(&all, PUPIL)),
    ];
    let mut pages = Vec::new();
    for (what, login, code) in &attempts {
        let r = submit(&b, &form, login, code, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.body);
        assert!(r.text().contains(EN.activation_failed), "{what}: {}", r.body);
        assert!(!r.sets_session(), "{what}");
        assert!(r.location().is_none(), "{what}");
        assert!(!r.body.contains(code.as_str()), "{what}: the code is not shown back");
        let page = r.body.replace(&format!("value=\"{login}\""), "value=\"\"");
        pages.push((what, page));
    }
    let (first_what, first_page) = &pages[0];
    for (what, page) in &pages[1..] {
        assert_eq!(page, first_page, "{what} vs {first_what}");
    }
    // Léa's code was tried by others but not used: it still works for her.
    let r = submit(&b, &form, PUPIL, &code_for(&all, PUPIL), NEW_PASSWORD, NEW_PASSWORD).await;
    assert_signed_in_and_back_to_portal(&r);
}

/// Each password rule has its message; a refused password leaves the code unused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_passwords_are_refused_with_their_reason_and_the_code_is_kept() {
    let p = Provider::start().await;
    add_families(&p).await;
    let code = code_for(&letters(&p, false).await, NEW_PUPIL);
    let b = p.browser();
    let form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let cases = [
        ("too short", "chat-noir", "chat-noir", EN.password_too_short),
        ("empty", "", "", EN.password_too_short),
        ("the login", NEW_PUPIL, NEW_PUPIL, EN.password_is_login),
        ("the login in capitals", "HUGO.PETIT", "HUGO.PETIT", EN.password_is_login),
        ("not confirmed", NEW_PASSWORD, "trois petits chat", EN.password_mismatch),
    ];
    for (what, password, confirmation, message) in cases {
        let r = submit(&b, &form, NEW_PUPIL, &code, password, confirmation).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
        assert!(r.text().contains(message), "{what}: {}", r.body);
        assert!(!r.sets_session(), "{what}");
        // The person does not have to type the code again.
        assert!(r.text().contains(&format!("value=\"{code}\"")), "{what}: {}", r.body);
    }
    // In French too.
    let r = b
        .post_form(
            "/activate",
            &[
                ("csrf", &form.csrf),
                ("req", &form.req),
                ("lang", "fr"),
                ("login", NEW_PUPIL),
                ("code", &code),
                ("password", "court"),
                ("confirmation", "court"),
            ],
            &[("origin", &b.origin)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains(FR.password_too_short), "{}", r.body);
    // None of this counted as a failure nor used the code.
    assert!(p.state().activation.is_live("p2", &code).await.expect("live"));
    assert_signed_in_and_back_to_portal(&submit(&b, &form, NEW_PUPIL, &code, NEW_PASSWORD, NEW_PASSWORD).await);
}

/// Form fields or headers, by name.
type Fields<'a> = Vec<(&'a str, &'a str)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_without_csrf_or_from_another_origin_is_forbidden() {
    let p = Provider::start().await;
    add_families(&p).await;
    let code = code_for(&letters(&p, false).await, NEW_PUPIL);
    let b = p.browser();
    let form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let base = [
        ("req", form.req.as_str()),
        ("lang", form.lang.as_str()),
        ("login", NEW_PUPIL),
        ("code", code.as_str()),
        ("password", NEW_PASSWORD),
        ("confirmation", NEW_PASSWORD),
    ];
    let fields = |csrf: Option<&'static str>| {
        let mut f = base.to_vec();
        f.extend(csrf.map(|c| ("csrf", c)));
        f
    };
    let with_token = || {
        let mut f = base.to_vec();
        f.push(("csrf", form.csrf.as_str()));
        f
    };
    let origin = b.origin.clone();
    let cases: Vec<(&str, Fields, Fields)> = vec![
        ("no csrf", fields(None), vec![("origin", origin.as_str())]),
        ("empty csrf", fields(Some("")), vec![("origin", origin.as_str())]),
        ("forged csrf", fields(Some("forged")), vec![("origin", origin.as_str())]),
        ("foreign origin", with_token(), vec![("origin", "http://evil.example")]),
        ("cross-site fetch", with_token(), vec![("sec-fetch-site", "cross-site")]),
    ];
    for (what, f, h) in cases {
        let r = b.post_form("/activate", &f, &h).await;
        assert_error_page(&r, StatusCode::FORBIDDEN, EN.error_csrf);
        assert!(!r.sets_session(), "{what}");
    }
    // A browser without the CSRF cookie cannot use a token it copied.
    let other = p.browser();
    let r = submit(&other, &form, NEW_PUPIL, &code, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_error_page(&r, StatusCode::FORBIDDEN, EN.error_csrf);
    // The code was not used by any of these.
    assert!(p.state().activation.is_live("p2", &code).await.expect("live"));
    assert_signed_in_and_back_to_portal(&submit(&b, &form, NEW_PUPIL, &code, NEW_PASSWORD, NEW_PASSWORD).await);
}

/// Wrong codes count as failed logins: the account locks after the configured number, on the
/// activation page and on the login page alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_lock_the_account_like_failed_logins() {
    let p = Provider::with_config(|c| {
        c.max_failures_per_account = 3;
        c.max_failures_per_address = 100;
    })
    .await;
    add_families(&p).await;
    let all = letters(&p, true).await;
    let b = p.browser();
    let form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    for i in 1..=3 {
        let r = submit(&b, &form, PUPIL, "ABCD-EFGH-JKMN", NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}: {}", r.body);
    }
    let window = p.state().config.throttle_window.as_secs();
    // Locked: even the right code is not looked at, nor used.
    let r = submit(&b, &form, PUPIL, &code_for(&all, PUPIL), NEW_PASSWORD, NEW_PASSWORD).await;
    assert_locked(&r, window);
    assert!(p.state().activation.is_live("p1", &code_for(&all, PUPIL)).await.expect("live"));
    // The login page uses the same counters: the right password waits too.
    let login_form = b.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    assert_locked(&b.submit_login(&login_form, PUPIL, PUPIL_PW).await, window);
    // Another account from the same address is not locked by it.
    let code = code_for(&all, NEW_PUPIL);
    assert_signed_in_and_back_to_portal(&submit(&b, &form, NEW_PUPIL, &code, NEW_PASSWORD, NEW_PASSWORD).await);

    // And failed logins count on the activation page.
    let other = p.browser();
    let login_form = other.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    for _ in 0..3 {
        let r = other.submit_login(&login_form, PARENT, "pas-le-bon").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let form = open_activation(&other, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    assert_locked(&submit(&other, &form, PARENT, &code_for(&all, PARENT), NEW_PASSWORD, NEW_PASSWORD).await, window);
}

#[track_caller]
fn assert_locked(r: &Resp, window: u64) {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(retry > 0 && retry <= window, "Retry-After {retry}");
    assert!(r.text().contains(EN.throttled), "{}", r.body);
    assert!(!r.sets_session());
}

/// Without a parked authorization request there is nothing to resume: the login page's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_needs_a_pending_authorization_request() {
    let p = Provider::start().await;
    add_families(&p).await;
    let code = code_for(&letters(&p, false).await, NEW_PUPIL);
    let b = p.browser();
    for path in ["/activate", "/activate?req=", "/activate?req=unknown-request"] {
        assert_error_page(&b.get(path).await, StatusCode::BAD_REQUEST, EN.error_request_expired);
    }
    let mut form = open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    form.req = "unknown-request".into();
    let r = submit(&b, &form, NEW_PUPIL, &code, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_request_expired);
    assert!(p.state().activation.is_live("p2", &code).await.expect("live"));

    // The page speaks French by default, and its headers are the login page's.
    // A browser without a language preference (its cookies kept: the request is bound to them).
    let fr = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let r = Resp::read(
        fr.get(format!("{}/authorize?{}", p.base, AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).query()))
            .send()
            .await
            .expect("authorize"),
    )
    .await;
    let login = Resp::read(fr.get(p.url(r.location().expect("Location"))).send().await.expect("login")).await;
    assert!(login.text().contains(FR.activate_link), "{}", login.body);
    let page = Resp::read(fr.get(p.url(&activation_link(&login.body))).send().await.expect("page")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(FR.activate_title) && page.text().contains(FR.password_rules), "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"), "{csp}");
}

/// The spreadsheet and the printable letters handed to the school.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_school_gets_a_spreadsheet_and_printable_letters() {
    let p = Provider::start().await;
    add_families(&p).await;
    let letters = letters(&p, true).await;
    assert_eq!(letters.len(), 5);

    let csv = to_csv(&letters);
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for spreadsheet software");
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(rows.len(), 1 + letters.len(), "{csv}");
    assert!(rows[0].starts_with("Identifiant,Prénom,Nom,"), "{}", rows[0]);
    for l in &letters {
        assert_eq!(rows.iter().filter(|r| r.starts_with(&format!("{},", l.login))).count(), 1, "{}", l.login);
        assert!(csv.contains(&l.code));
    }
    let quoted = rows.iter().find(|r| r.starts_with(QUOTED_PARENT)).expect("row");
    assert!(quoted.contains(",\"Jean \"\"Jeannot\"\"\",\"Dupont, dit Petit\",Parent,"), "{quoted}");
    // A parent of two pupils of the class gets one letter naming the class once.
    assert!(quoted.contains(",CM1-A,École Jules Ferry,"), "{quoted}");

    let html = to_html_letters(&letters, &p.issuer).expect("letters");
    assert!(!html.to_ascii_lowercase().contains("<script"), "no scripts");
    assert_eq!(html.matches("<section class=\"letter\">").count(), letters.len());
    for l in &letters {
        assert!(html.contains(&l.code), "{}", l.code);
        assert!(html.contains(&l.login));
    }
    assert!(html.contains("Votre compte ENT") && html.contains(&p.issuer) && html.contains("@page"));
    // The names are escaped, not markup.
    assert!(html.contains("Jean &#34;Jeannot&#34;") || html.contains("Jean &quot;Jeannot&quot;"), "{html}");
}

/// Fifty wrong codes for one account at once: at most the limit are looked at (each attempt is
/// counted before its code is), the others wait, and the right code is neither tried nor used.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_codes_are_counted_before_any_code_is_looked_at() {
    let p = Provider::with_config(|c| {
        c.max_failures_per_account = 5;
        c.max_failures_per_address = 1_000;
    })
    .await;
    add_families(&p).await;
    let all = letters(&p, false).await;
    let b = std::sync::Arc::new(p.browser());
    let form = std::sync::Arc::new(open_activation(&b, &AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (b, form) = (b.clone(), form.clone());
            tokio::spawn(
                async move { submit(&b, &form, NEW_PUPIL, "ABCD-EFGH-JKMN", NEW_PASSWORD, NEW_PASSWORD).await },
            )
        })
        .collect();
    let window = p.state().config.throttle_window.as_secs();
    let mut looked_at = 0;
    for task in tasks {
        let r = task.await.expect("task");
        match r.status {
            StatusCode::UNAUTHORIZED => looked_at += 1,
            _ => assert_locked(&r, window),
        }
    }
    assert_eq!(looked_at, 5);
    let audit = p.state().audit.recent(100).await.expect("audit");
    assert_eq!(audit.iter().filter(|e| e.outcome == "bad_code").count(), 5);
    let code = code_for(&all, NEW_PUPIL);
    assert_locked(&submit(&b, &form, NEW_PUPIL, &code, NEW_PASSWORD, NEW_PASSWORD).await, window);
    assert!(p.state().activation.is_live("p2", &code).await.expect("live"), "the code is not used");
}
