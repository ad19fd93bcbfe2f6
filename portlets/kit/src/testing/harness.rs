//! One harness for every portlet's router tests: the portlet on a test database with the
//! network's rosters as its directory and a clock the test sets, tokens from the test issuer,
//! and requests as the portal sends them (bearer token, language, base path, CSRF header, public
//! base; urlencoded and multipart posts; public routes without a token, with the client's
//! address).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use ent_storage::Db;
use tower::ServiceExt;

use super::{Network, TEST_CSRF, TestIssuer, assert_fragment_rules};
use crate::clock::Clock;
use crate::directory::Directory;
use crate::identity::Identity;
use crate::mail::Mailer;
use crate::origin::{LinkKey, Origin};
use crate::service::{Kit, Portlet};

/// Where the harness says a portlet's own origin is.
pub const ORIGIN_URL: &str = "https://sites.test";
/// The link key of the harness's origin.
pub const ORIGIN_KEY: &str = "test-origin-key-test-origin-key-0123456789";

fn test_origin_key() -> LinkKey {
    LinkKey::new(ORIGIN_KEY.as_bytes().to_vec()).unwrap_or_else(|e| panic!("{e}"))
}

/// A portlet under test.
pub struct Harness {
    pub app: Router,
    /// The portlet's own origin (`Portlet::origin`), served at [`ORIGIN_URL`] with
    /// [`ORIGIN_KEY`]; `None` for a portlet that serves none.
    pub origin: Option<Router>,
    pub issuer: TestIssuer,
    pub net: Network,
    pub clock: Clock,
    /// The portlet's resource: `urn:ent:portlet:{name}`.
    pub audience: String,
    /// The base path the portal shows it under: `/p/{name}`.
    pub base: String,
    /// Where the portal serves its public routes: `https://ent.test/pub/{name}`.
    pub public_base: String,
}

/// An answer: status, headers, the body as bytes and as text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: String,
}

impl Answer {
    pub fn text(&self) -> String {
        self.body.clone()
    }

    /// The `Location` of a redirect, or "".
    pub fn location(&self) -> String {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
}

/// A file in a multipart post.
pub struct TestFile {
    pub field: &'static str,
    pub file_name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

impl Harness {
    /// The portlet with the network's rosters as its directory and the system's clock.
    pub fn new<T: Send + Sync + 'static>(portlet: &Portlet<T>, db: Db) -> Harness {
        let net = Network::new();
        let directory = net.directory();
        Harness::with(portlet, db, Some(directory), Clock::system())
    }

    pub fn with<T: Send + Sync + 'static>(
        portlet: &Portlet<T>,
        db: Db,
        directory: Option<Directory>,
        clock: Clock,
    ) -> Harness {
        Harness::with_mailer(portlet, db, directory, clock, None)
    }

    /// As [`Harness::with`], with a mailer (an [`SmtpReceiver`](super::SmtpReceiver)'s).
    pub fn with_mailer<T: Send + Sync + 'static>(
        portlet: &Portlet<T>,
        db: Db,
        directory: Option<Directory>,
        clock: Clock,
        mailer: Option<Mailer>,
    ) -> Harness {
        let issuer = TestIssuer::new();
        let audience = format!("urn:ent:portlet:{}", portlet.name);
        let origin = portlet.origin.is_some().then(|| Origin::new(ORIGIN_URL, test_origin_key()));
        let kit = Kit { verifier: issuer.verifier(&audience), directory, mailer, clock: clock.clone(), origin };
        let (app, origin) = portlet.apps(kit, db);
        Harness {
            app,
            origin,
            issuer,
            net: Network::new(),
            clock,
            audience,
            base: format!("/p/{}", portlet.name),
            public_base: format!("https://ent.test/pub/{}", portlet.name),
        }
    }

    pub fn token(&self, who: &Identity) -> String {
        self.issuer.token(who, &self.audience)
    }

    /// A request as the portal sends it; no `Authorization` without a token.
    pub fn request(&self, method: &str, token: Option<&str>, path: &str, lang: &str) -> axum::http::request::Builder {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("accept-language", lang)
            .header("x-ent-base", &self.base)
            .header("x-ent-csrf", TEST_CSRF)
            .header("x-ent-public-base", &self.public_base);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        req
    }

    pub async fn call(&self, req: Request<Body>) -> Answer {
        let res = match self.app.clone().oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.map(|b| b.to_vec()).unwrap_or_default();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Answer { status, headers, bytes, body }
    }

    fn send(&self, req: axum::http::request::Builder, body: Body) -> impl Future<Output = Answer> + '_ {
        let req = req.body(body).unwrap_or_else(|e| panic!("test request: {e}"));
        self.call(req)
    }

    /// A public route (`/public/…`) as the portal's `/pub/{name}/…` forwards it: no token, no
    /// cookie, the client's address as the portal saw it.
    pub async fn get_public(&self, path: &str, client_address: &str) -> Answer {
        let req = Request::builder()
            .method("GET")
            .uri(path)
            .header("accept-language", "fr")
            .header("x-ent-public-base", &self.public_base)
            .header("x-forwarded-for", client_address);
        self.send(req, Body::empty()).await
    }

    /// A request to the portlet's own origin, as a browser sends it (with a cookie of the
    /// ENT's, which the origin must never see): `GET path`.
    pub async fn get_origin(&self, path: &str) -> Answer {
        let app = self.origin.clone().unwrap_or_else(|| panic!("this portlet serves no origin"));
        let req = Request::builder()
            .method("GET")
            .uri(path)
            .header("cookie", "__Host-ent=session-of-the-portal")
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("test request: {e}"));
        let res = match app.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.map(|b| b.to_vec()).unwrap_or_default();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Answer { status, headers, bytes, body }
    }

    pub async fn get_with_token(&self, token: &str, path: &str, lang: &str) -> Answer {
        self.send(self.request("GET", Some(token), path, lang), Body::empty()).await
    }

    pub async fn get_in(&self, who: &Identity, path: &str, lang: &str) -> Answer {
        self.get_with_token(&self.token(who), path, lang).await
    }

    pub async fn get(&self, who: &Identity, path: &str) -> Answer {
        self.get_in(who, path, "fr").await
    }

    pub async fn get_en(&self, who: &Identity, path: &str) -> Answer {
        self.get_in(who, path, "en").await
    }

    /// An urlencoded post.
    pub async fn post_with_token(
        &self,
        token: Option<&str>,
        path: &str,
        fields: &[(&str, &str)],
        lang: &str,
    ) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req = self.request("POST", token, path, lang).header("content-type", "application/x-www-form-urlencoded");
        self.send(req, Body::from(body)).await
    }

    pub async fn post_in(&self, who: &Identity, path: &str, fields: &[(&str, &str)], lang: &str) -> Answer {
        self.post_with_token(Some(&self.token(who)), path, fields, lang).await
    }

    pub async fn post(&self, who: &Identity, path: &str, fields: &[(&str, &str)]) -> Answer {
        self.post_in(who, path, fields, "fr").await
    }

    /// A `multipart/form-data` post, as browsers write it (the portal forwards it as is).
    pub async fn post_multipart(
        &self,
        who: &Identity,
        path: &str,
        fields: &[(&str, &str)],
        files: &[TestFile],
    ) -> Answer {
        let (content_type, body) = multipart(fields, files);
        let req = self.request("POST", Some(&self.token(who)), path, "fr").header("content-type", content_type);
        self.send(req, Body::from(body)).await
    }

    /// Checks a fragment against the portal's rules, under this portlet's base.
    pub fn assert_fragment_rules(&self, html: &str) {
        assert_fragment_rules(html, &self.base);
    }
}

/// A `multipart/form-data` body and its content type.
pub fn multipart(fields: &[(&str, &str)], files: &[TestFile]) -> (String, Vec<u8>) {
    let boundary = "----enttestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for f in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                f.field, f.file_name, f.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&f.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
