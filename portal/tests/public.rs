//! Portlets' public routes: `/pub/{portlet}/…` reaches the portlet's `/public/…` for anyone,
//! with nothing of a session (no token, no cookie), the client's address as the portal sees it,
//! a bounded answer without the portlet's cookies, and no way to name a view.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Bench, Portlet};
use ent_portal::Profile;

async fn bench() -> (Bench, Portlet) {
    let agenda = Portlet::start("agenda", false).await;
    let bench = Bench::start(vec![agenda.config(&[Profile::Parent])]).await;
    (bench, agenda)
}

async fn raw(bench: &Bench, method: &str, path: &str, extra: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(bench.portal.addr).await.unwrap();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: portal\r\n{extra}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    (text.split_whitespace().nth(1).unwrap().parse().unwrap(), text)
}

#[tokio::test]
async fn a_public_route_gets_nothing_of_the_session() {
    let (bench, agenda) = bench().await;
    let parent = bench.session("parent-1", "parent").await;
    for cookie in [None, Some(parent.as_str())] {
        let mut req = bench
            .http
            .get(bench.url("/pub/agenda/feed/ok.ics?lang=en"))
            .header("authorization", "Bearer stolen")
            .header("x-forwarded-for", "203.0.113.66")
            .header("x-ent-csrf", "forged");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "text/calendar; charset=utf-8");
        assert_eq!(h["cache-control"], "private, max-age=3600");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
        assert!(h.get("x-internal").is_none(), "a portlet's own header came through");
        assert!(
            h.get_all("set-cookie").iter().all(|v| !v.to_str().unwrap().contains("portlet=leak")),
            "a portlet's cookie reached the browser"
        );
        assert!(res.text().await.unwrap().starts_with("BEGIN:VCALENDAR"));

        let seen = agenda.last();
        assert_eq!((seen.method.as_str(), seen.path.as_str()), ("GET", "/public/feed/ok.ics?lang=en"));
        for header in ["authorization", "cookie", "x-ent-csrf", "x-ent-base"] {
            assert!(seen.headers.get(header).is_none(), "{header} reached the portlet");
        }
        // The client wrote 203.0.113.66 itself: with no trusted proxy, the portal's peer counts.
        assert_eq!(seen.headers["x-forwarded-for"], "127.0.0.1");
        assert_eq!(seen.headers["x-ent-public-base"], format!("{}/pub/agenda", bench.portal.local_url()));
        assert_eq!(seen.headers["accept-language"], "en");
    }
    // HEAD is GET without a body.
    let res = bench.http.head(bench.url("/pub/agenda/feed/ok.ics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/calendar; charset=utf-8");
    bench.finish().await;
}

#[tokio::test]
async fn only_public_paths_are_reachable_and_only_by_get() {
    let (bench, agenda) = bench().await;
    for path in [
        "/pub/agenda/..%2Fview%2Fweek",
        "/pub/agenda/%2e%2e/view/week",
        "/pub/agenda/../view/week",
        "/pub/agenda/a/../../p/agenda/week",
        "/pub/agenda//evil.example/x",
        "/pub/agenda/a%5Cb",
        "/pub/nosuch/feed/ok.ics",
    ] {
        assert_eq!(raw(&bench, "GET", path, "").await.0, 404, "{path}");
    }
    // A view's name under /pub/ is a public path like any other: the portlet's /public/view/….
    assert_eq!(raw(&bench, "GET", "/pub/agenda/view/week", "").await.0, 404);
    let (status, _) =
        raw(&bench, "POST", "/pub/agenda/feed/ok.ics", "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(status, 405);
    let seen = agenda.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "only the one public path reached the portlet: {seen:?}");
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("GET", "/public/view/week"));
    bench.finish().await;
}

#[tokio::test]
async fn refusals_and_failures_of_a_public_route() {
    let (bench, _agenda) = bench().await;
    let get = |path: &'static str| bench.http.get(bench.url(path)).send();
    // A limit keeps its Retry-After; a 404 is the portal's own page, whatever the portlet said.
    let res = get("/pub/agenda/limited").await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "120");
    let res = get("/pub/agenda/feed/revoked.ics").await.unwrap();
    assert_eq!(res.status(), 404);
    let unknown_portlet = get("/pub/nosuch/feed/revoked.ics").await.unwrap().text().await.unwrap();
    assert_eq!(res.text().await.unwrap(), unknown_portlet, "one 404 page whatever the reason");
    // An answer over the limit, or a failure, is the portal's 502.
    assert_eq!(get("/pub/agenda/big").await.unwrap().status(), 502);
    assert_eq!(get("/pub/agenda/boom").await.unwrap().status(), 502);
    bench.finish().await;
}

#[tokio::test]
async fn views_learn_where_their_public_routes_are() {
    let (bench, agenda) = bench().await;
    let parent = bench.session("parent-1", "parent").await;
    assert_eq!(bench.get("/p/agenda/subscription", &parent).await.status(), 200);
    let seen = agenda.last();
    assert_eq!(seen.path, "/view/subscription");
    assert_eq!(seen.headers["x-ent-public-base"], format!("{}/pub/agenda", bench.portal.local_url()));
    bench.finish().await;
}
