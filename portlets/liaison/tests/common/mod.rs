//! What the router tests share: the portlet on a test database with the kit's fixed rosters,
//! tokens from the kit's test issuer for its two-school network, and requests as the portal
//! sends them (base path, CSRF header, urlencoded forms).
#![allow(clippy::unwrap_used, dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use ent_portlet_kit::testing::{Network, TestIssuer};
use ent_portlet_kit::{Db, Identity};
use ent_portlet_liaison::{LiaisonState, app};
use tower::ServiceExt;

pub const AUD: &str = "urn:ent:portlet:liaison";
pub const BASE: &str = "/p/liaison";

pub struct Harness {
    pub app: Router,
    pub issuer: TestIssuer,
    pub net: Network,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> String {
        self.headers.get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }

    /// The note id of a `303` to `/view/notes/{id}`.
    pub fn note_id(&self) -> String {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        let loc = self.location();
        let id = loc.strip_prefix("/view/notes/").unwrap();
        id.split(['/', '?']).next().unwrap().to_string()
    }
}

impl Harness {
    /// With the network's rosters as the directory.
    pub fn new(db: Db) -> Harness {
        let net = Network::new();
        Harness::with_directory(db, Some(net.directory()))
    }

    pub fn with_directory(db: Db, directory: Option<ent_portlet_kit::Directory>) -> Harness {
        let issuer = TestIssuer::new();
        let state = LiaisonState::new(issuer.verifier(AUD), db, directory);
        Harness { app: app(state), issuer, net: Network::new() }
    }

    pub fn token(&self, who: &Identity) -> String {
        self.issuer.token(who, AUD)
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get_with_token(&self, token: &str, path: &str, lang: &str) -> Answer {
        let req = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .header("accept-language", lang)
            .header("x-ent-base", BASE)
            .header("x-ent-csrf", ent_portlet_kit::testing::TEST_CSRF)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    pub async fn get(&self, who: &Identity, path: &str) -> Answer {
        self.get_with_token(&self.token(who), path, "fr").await
    }

    pub async fn get_en(&self, who: &Identity, path: &str) -> Answer {
        self.get_with_token(&self.token(who), path, "en").await
    }

    pub async fn post_with_token(&self, token: &str, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with_token_in(token, path, form, "fr").await
    }

    pub async fn post_with_token_in(&self, token: &str, path: &str, form: &[(&str, &str)], lang: &str) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let req = Request::post(path)
            .header("authorization", format!("Bearer {token}"))
            .header("accept-language", lang)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-ent-base", BASE)
            .header("x-ent-csrf", ent_portlet_kit::testing::TEST_CSRF)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn post(&self, who: &Identity, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with_token(&self.token(who), path, form).await
    }

    /// Posts a note as `who` and returns its id.
    pub async fn note(&self, who: &Identity, class: &str, title: &str, body: &str, extra: &[(&str, &str)]) -> String {
        let mut form = vec![("class", class), ("title", title), ("body", body)];
        form.extend_from_slice(extra);
        self.post(who, "/view/notes", &form).await.note_id()
    }
}

/// The statuses a matrix row expects, by label of `Network::everyone()`.
pub fn expect(label: &str, allowed: &[&str], seen_but_refused: &[&str], ok: u16) -> u16 {
    if ["staff_a", "city_agent", "admin"].contains(&label) {
        403
    } else if allowed.contains(&label) {
        ok
    } else if seen_but_refused.contains(&label) {
        403
    } else {
        404
    }
}
