//! The published sites on their own origin: reached only through a signed link the ENT's
//! pages give to people entitled to the site, for ten minutes, for the version of who may see
//! it; public sites without one, once the director approved; every answer sandboxed, never
//! sniffed, with no cookie either way; and the two listeners never serve each other's routes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{harness, open_link, page, set_visibility, site_a1};
use ent_portlet_kit::PortletConfig;
use ent_portlet_kit::origin::{CSP, LinkKey, OriginConfig};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Answer, ISSUER, ORIGIN_KEY, TestIssuer, serve_jwks};
use ent_portlet_minisites::{MIGRATIONS, PORTLET};
use ent_storage::testing::sqlite_shared_url;

/// What every answer of the sites' origin carries, whatever its status.
fn assert_origin_headers(a: &Answer) {
    assert_eq!(a.headers.get("content-security-policy").unwrap(), CSP);
    assert_eq!(
        a.headers.get("content-security-policy").unwrap(),
        "sandbox; default-src 'none'; img-src 'self'; style-src 'self'"
    );
    assert_eq!(a.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(a.headers.get("referrer-policy").unwrap(), "no-referrer");
    assert!(a.headers.get("set-cookie").is_none(), "a cookie on the sites' origin");
}

both_backends!(MIGRATIONS; a_class_site_opens_only_by_a_fresh_link, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal des CM1").await;
    let p = page(&h, &n.teacher_a1, &site, "Accueil", "Bonjour <script>alert(1)</script> les parents").await;
    page(&h, &n.pupil_a1, &site, "Brouillon", "Pas-encore-publie").await;

    // A parent of the class is given a link; it opens the site, its published pages only.
    let link = open_link(&h, &n.parent_a1, &site).await;
    assert!(link.starts_with(&format!("/s/{site}/")) && link.ends_with('/'), "{link}");
    let home = h.get_origin(&link).await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert_origin_headers(&home);
    assert!(home.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(home.body.contains("Journal des CM1") && home.body.contains("Bonjour"), "{}", home.body);
    assert!(!home.body.contains("<script") && !home.body.contains("Pas-encore-publie"), "{}", home.body);
    // Its menu links are relative, so they keep the link; a page by its id opens too.
    assert!(home.body.contains(&format!("href=\"{p}\"")), "{}", home.body);
    let one = h.get_origin(&format!("{link}{p}")).await;
    assert_eq!(one.status, 200);
    assert_origin_headers(&one);
    let style = h.get_origin("/style.css").await;
    assert_eq!(style.status, 200);
    assert_origin_headers(&style);
    // Without the last slash: sent to the site's index.
    let bare = h.get_origin(link.trim_end_matches('/')).await;
    assert_eq!((bare.status.as_u16(), bare.location()), (308, link.clone()));

    // No link, someone else's made-up link, an altered one, a link for another site: refused.
    for path in [
        format!("/s/{site}/pub/"),
        format!("/s/{site}/x/"),
        format!("/s/{site}/99999999999.AAAA/"),
        tampered(&link),
    ] {
        let refused = h.get_origin(&path).await;
        assert_eq!(refused.status, 403, "{path}");
        assert_origin_headers(&refused);
        assert!(refused.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
        assert!(!refused.body.contains("Bonjour"));
    }
    let other = site_a1(&h, "Autre site").await;
    let token = link.trim_end_matches('/').rsplit('/').next().unwrap();
    assert_eq!(h.get_origin(&format!("/s/{other}/{token}/")).await.status, 403, "a link opens its own site only");
    // Unknown sites and pages are not found.
    assert_eq!(h.get_origin(&format!("/s/{}/{token}/", "0".repeat(32))).await.status, 404);
    assert_eq!(h.get_origin(&format!("{link}{}", "0".repeat(32))).await.status, 404);
    assert_eq!(h.get_origin("/view/").await.status, 404, "the ENT's pages are not on the sites' origin");

    // Ten minutes, by the clock: then it is over.
    h.clock.advance(599);
    assert_eq!(h.get_origin(&link).await.status, 200);
    h.clock.advance(1);
    let expired = h.get_origin(&link).await;
    assert_eq!(expired.status, 403);
    assert_origin_headers(&expired);
    assert!(expired.body.contains("expiré"));
    // The ENT gives a new one.
    let again = open_link(&h, &n.parent_a1, &site).await;
    assert_eq!(h.get_origin(&again).await.status, 200);
});

/// The link with one character of its MAC changed.
fn tampered(link: &str) -> String {
    let trimmed = link.trim_end_matches('/');
    let last = trimmed.chars().last().unwrap();
    let other = if last == 'A' { 'B' } else { 'A' };
    format!("{}{other}/", &trimmed[..trimmed.len() - 1])
}

both_backends!(MIGRATIONS; no_link_for_those_the_site_is_not_for, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal des CM1").await;
    for who in [&n.parent_b1, &n.pupil_a2, &n.teacher_b1, &n.director_b] {
        let answer = h.get(who, &format!("/view/s/{site}")).await;
        assert!(answer.status == 404 && !answer.body.contains("sites.test"), "{}", who.sub);
    }
    for who in [&n.staff_a, &n.city_agent, &n.admin] {
        let answer = h.get(who, &format!("/view/s/{site}")).await;
        assert!(answer.status == 403 && !answer.body.contains("sites.test"), "{}", who.sub);
    }
});

both_backends!(MIGRATIONS; a_narrower_site_ends_the_links_given_before, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    page(&h, &n.teacher_a1, &site, "Accueil", "Bonjour").await;
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "school").await.status, 303);
    let link = open_link(&h, &n.parent_a2, &site).await;
    assert_eq!(h.get_origin(&link).await.status, 200);
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "class").await.status, 303);
    assert_eq!(h.get_origin(&link).await.status, 403, "a parent of another class keeps no way in");
    assert_eq!(h.get(&n.parent_a2, &format!("/view/s/{site}")).await.status, 404);
});

both_backends!(MIGRATIONS; a_public_site_needs_the_director_and_then_no_link, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    page(&h, &n.teacher_a1, &site, "Accueil", "Bonjour-le-monde").await;
    let public = format!("/s/{site}/pub/");
    assert_eq!(h.get_origin(&public).await.status, 403);
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "public").await.status, 303);
    assert_eq!(h.get_origin(&public).await.status, 403, "not public before the director says so");
    assert_eq!(h.post(&n.director_a, &format!("/view/s/{site}/public"), &[]).await.status, 303);
    let open = h.get_origin(&public).await;
    assert!(open.status == 200 && open.body.contains("Bonjour-le-monde"), "{}", open.body);
    assert_origin_headers(&open);
    // The ENT's page gives that address.
    assert_eq!(open_link(&h, &n.teacher_a1, &site).await, public);
    // Back to the class: the public address closes.
    assert_eq!(set_visibility(&h, &n.teacher_a1, &site, "Journal", "class").await.status, 303);
    assert_eq!(h.get_origin(&public).await.status, 403);
});

/// The real service: two listeners; the sites are not on the portal-facing one, the ENT's
/// pages and `/health` not on the sites' origin.
#[tokio::test]
async fn the_two_listeners_serve_each_their_own() {
    let issuer = TestIssuer::new();
    let jwks_url = serve_jwks(&issuer).await;
    let (database_url, guard) = sqlite_shared_url();
    let config = PortletConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        issuer: ISSUER.into(),
        resource: "urn:ent:portlet:minisites".into(),
        jwks_url: Some(jwks_url),
        database_url,
        client_id: None,
        client_secret: None,
        mail: None,
        origin: Some(OriginConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            public_url: "http://127.0.0.1".into(),
            link_key: LinkKey::new(ORIGIN_KEY.as_bytes().to_vec()).unwrap(),
        }),
    };
    let server = PORTLET.build(config).await.unwrap();
    let origin = format!("http://{}", server.origin_addr.unwrap());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let get = |url: String| {
        let http = http.clone();
        async move { http.get(url).header("cookie", "__Host-ent=x").send().await.unwrap() }
    };
    assert_eq!(get(format!("{}/health", server.url())).await.status(), 200);
    assert_eq!(get(format!("{}/style.css", server.url())).await.status(), 404);
    let style = get(format!("{origin}/style.css")).await;
    assert_eq!(style.status(), 200);
    assert_eq!(style.headers()["content-security-policy"], CSP);
    assert!(style.headers().get("set-cookie").is_none());
    assert_eq!(get(format!("{origin}/health")).await.status(), 404);
    assert_eq!(get(format!("{origin}/view/")).await.status(), 404);
    assert_eq!(get(format!("{origin}/fragment/summary")).await.status(), 404);
    server.shutdown().await.unwrap();
    drop(guard);
}

/// The corpus of the kit's richtext tests: one payload per line, `\n` for a line break.
fn payloads() -> Vec<String> {
    include_str!("../../kit/tests/xss/payloads.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("\\n", "\n"))
        .collect()
}

/// What a published text may hold once served: no element that runs or loads anything but the
/// site's own pictures, no event or style attribute, no address but http(s) links and `img/`.
fn assert_inert(html: &str, what: &str) {
    for tag in html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase()) {
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(
            !["script", "iframe", "object", "embed", "style", "form", "svg", "math", "link", "meta", "base", "input"]
                .contains(&name.as_str()),
            "<{tag}> in {what}"
        );
        // Attribute names only: quoted values may say anything.
        let names: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        for word in names.split(|c: char| c.is_whitespace() || c == '/') {
            assert!(!(word.starts_with("on") && word.contains('=')), "event {word} in <{tag}> of {what}");
            assert!(!word.starts_with("style="), "style in <{tag}> of {what}");
        }
        for attr in ["href", "src"] {
            if let Some(value) = tag.split(&format!(" {attr}=\"")).nth(1).map(|v| v.split('"').next().unwrap_or("")) {
                let ok = value.starts_with("https://")
                    || value.starts_with("http://")
                    || (attr == "src" && value.starts_with("img/") && !value.contains(".."));
                assert!(ok, "{attr}={value} in {what}");
            }
        }
    }
}

both_backends!(MIGRATIONS; every_xss_payload_stays_text_on_the_site_and_in_the_ent, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    let link = open_link(&h, &n.teacher_a1, &site).await;
    let corpus = payloads();
    assert!(corpus.len() >= 100, "{}", corpus.len());
    for (i, payload) in corpus.iter().enumerate() {
        let body = format!("Avant {i}\n\n{payload}\n\nAprès *{i}*");
        let p = page(&h, &n.teacher_a1, &site, &format!("Page {i}"), &body).await;
        let served = h.get_origin(&format!("{link}{p}")).await;
        assert_eq!(served.status, 200, "{payload}");
        let main = served.body.split("<main>").nth(1).and_then(|m| m.split("</main>").next()).unwrap();
        assert_inert(main, &format!("the site's page for {payload:?}: {main}"));
        let ent = h.get(&n.parent_a1, &format!("/view/p/{p}")).await;
        assert_eq!(ent.status, 200, "{payload}");
        let shown = ent.body.split("<div class=\"card\">").nth(1).and_then(|c| c.split("</div>").next()).unwrap();
        assert_inert(shown, &format!("the ENT's page for {payload:?}"));
    }
});
