//! Full views: form posts (CSRF checked and stripped, 303 rewritten), downloads, refusals.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Bench, Portlet, csrf_of};
use ent_portal::Profile;

async fn bench() -> (Bench, Portlet, String) {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Teacher])]).await;
    let teacher = bench.session("teacher-9", "teacher").await;
    (bench, homework, teacher)
}

async fn raw_get(bench: &Bench, path: &str, cookie: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(bench.portal.addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: portal\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn posts(p: &Portlet) -> usize {
    p.seen.lock().unwrap().iter().filter(|s| s.method == "POST").count()
}

#[tokio::test]
async fn form_posts_need_the_session_csrf_token() {
    let (bench, homework, teacher) = bench().await;
    let form = "application/x-www-form-urlencoded";
    let post = |body: String, origin: Option<&str>| {
        let mut r = bench
            .http
            .post(bench.url("/p/homework/items"))
            .header("cookie", &teacher)
            .header("content-type", form)
            .body(body);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    // No token, a wrong one, another session's, or from another site: refused, nothing forwarded.
    assert_eq!(post("title=Maths".into(), None).await.unwrap().status(), 403);
    assert_eq!(post("title=Maths&_csrf=forged".into(), None).await.unwrap().status(), 403);
    let other = bench.session("teacher-10", "teacher").await;
    assert_eq!(post(format!("title=Maths&_csrf={}", csrf_of(&other)), None).await.unwrap().status(), 403);
    let ok_token = csrf_of(&teacher);
    let res = post(format!("title=Maths&_csrf={ok_token}"), Some("https://evil.example")).await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Le formulaire a expiré"));
    assert_eq!(posts(&homework), 0);

    // With the token, from our origin: forwarded without it, and the 303 comes back under /p/.
    let origin = bench.portal.local_url();
    let res = post(format!("title=Maths+CM1&_csrf={ok_token}&due=2026-12-01"), Some(&origin)).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/p/homework/items/42?saved=1");
    let seen = homework.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/view/items");
    assert_eq!(seen.body, b"title=Maths+CM1&due=2026-12-01");
    assert_eq!(seen.headers["content-type"], form);
    assert!(seen.headers["authorization"].to_str().unwrap().starts_with("Bearer pt|urn:ent:portlet:homework|"));
    bench.finish().await;
}

#[tokio::test]
async fn multipart_posts_are_forwarded_without_the_token() {
    let (bench, homework, teacher) = bench().await;
    let form = reqwest::multipart::Form::new().text("_csrf", csrf_of(&teacher)).text("title", "Poésie").part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF fake".to_vec())
            .file_name("poeme.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let res = bench
        .http
        .post(bench.url("/p/homework/items"))
        .header("cookie", &teacher)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let seen = homework.last();
    let body = String::from_utf8_lossy(&seen.body).to_string();
    assert!(!body.contains("_csrf"));
    assert!(body.contains("name=\"title\"") && body.contains("Poésie"));
    assert!(body.contains("filename=\"poeme.pdf\"") && body.contains("%PDF fake"));
    assert!(seen.headers["content-type"].to_str().unwrap().starts_with("multipart/form-data; boundary="));
    bench.finish().await;
}

#[tokio::test]
async fn form_errors_are_shown_in_the_frame_with_their_status() {
    let (bench, _homework, teacher) = bench().await;
    let res = bench
        .http
        .post(bench.url("/p/homework/other"))
        .header("cookie", &teacher)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={}", csrf_of(&teacher)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("title missing") && html.contains("<nav class=\"services\""));
    let res = bench.get("/p/homework/missing", &teacher).await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("nothing here"));
    bench.finish().await;
}

#[tokio::test]
async fn downloads_pass_through_as_attachments() {
    let (bench, _homework, teacher) = bench().await;
    let res = bench.get("/p/homework/file.pdf", &teacher).await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-disposition"], "attachment; filename=\"devoirs.pdf\"");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    assert!(h.get("set-cookie").is_none(), "a portlet's cookie reached the browser");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.4 fake");
    // A type the browser could run is still only an attachment, in a sandbox.
    let res = bench.get("/p/homework/inline.svg", &teacher).await;
    assert_eq!(res.headers()["content-disposition"], "attachment");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    bench.finish().await;
}

#[tokio::test]
async fn traversal_absolute_urls_and_foreign_redirects_are_refused() {
    let (bench, homework, teacher) = bench().await;
    for path in [
        "/p/homework/..%2F..%2Fadmin",
        "/p/homework/%2e%2e/secret",
        "/p/homework/a/%2E%2E/b",
        "/p/homework//evil.example/x",
        "/p/homework/http:%2F%2Fevil.example",
        "/p/homework/a%5Cb",
        "/p/homework/a/../../admin",
        "/p/homework/./x",
        "/p/nosuch/",
    ] {
        // Raw HTTP: a URL library would resolve the dot segments before sending them.
        assert_eq!(raw_get(&bench, path, &teacher).await, 404, "{path}");
    }
    assert!(homework.seen.lock().unwrap().is_empty(), "a refused path reached the portlet");
    let res = bench.get("/p/homework/away", &teacher).await;
    assert_eq!(res.status(), 502);
    assert!(res.headers().get("location").is_none());
    bench.finish().await;
}

#[tokio::test]
async fn logout_needs_csrf_and_ends_at_the_provider() {
    let (bench, _homework, teacher) = bench().await;
    let post = |body: String| {
        bench
            .http
            .post(bench.url("/logout"))
            .header("cookie", &teacher)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert_eq!(post("_csrf=wrong".into()).await.unwrap().status(), 403);
    assert_eq!(bench.get("/p/homework/x", &teacher).await.status(), 200);
    let res = post(format!("_csrf={}", csrf_of(&teacher))).await.unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("{}/logout?id_token_hint=header.payload.signature", bench.provider.url)));
    let expected_return =
        url::form_urlencoded::byte_serialize(format!("{}/", bench.portal.local_url()).as_bytes()).collect::<String>();
    assert!(location.contains(&format!("post_logout_redirect_uri={expected_return}")));
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    // The session is gone.
    assert_eq!(bench.get("/p/homework/x", &teacher).await.status(), 303);
    bench.finish().await;
}
