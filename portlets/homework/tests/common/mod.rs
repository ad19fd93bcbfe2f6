//! What the router tests share: the portlet on a test database with "today" fixed on a Tuesday,
//! tokens from the kit's test issuer for the kit's two-school network, requests as the portal
//! sends them, and one entry per class to look for.
#![allow(clippy::unwrap_used, dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use ent_portlet_homework::store::{Content, Item, NewFile, Placement, Store};
use ent_portlet_homework::{Date, HomeworkState, app};
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, CLASS_B1, Network, SCHOOL_A, SCHOOL_B, TestIssuer};
use ent_portlet_kit::{Db, Identity};
use tower::ServiceExt;

pub const AUD: &str = "urn:ent:portlet:homework";
pub const BASE: &str = "/p/homework";
/// The tests' today: Tuesday 4 March 2025.
pub const TODAY: &str = "2025-03-04";
pub const TOMORROW: &str = "2025-03-05";

pub fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub struct Harness {
    pub app: Router,
    pub issuer: TestIssuer,
    pub net: Network,
    pub store: Store,
}

/// An answer: status, headers, body as text (lossy: downloads are compared as bytes apart).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    pub fn location(&self) -> String {
        self.headers.get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }
}

/// A class of the network, with the words its seeded entry says.
#[derive(Clone, Copy, Debug)]
pub struct Class {
    pub id: &'static str,
    pub name: &'static str,
    pub school: &'static str,
    /// Written in the seeded entry ("done" and the item), and in no other.
    pub secret: &'static str,
}

pub const CLASSES: [Class; 3] = [
    Class { id: CLASS_A1, name: "CM1 A", school: SCHOOL_A, secret: "secret-a1" },
    Class { id: CLASS_A2, name: "CE2 A", school: SCHOOL_A, secret: "secret-a2" },
    Class { id: CLASS_B1, name: "CP B", school: SCHOOL_B, secret: "secret-b1" },
];

impl Harness {
    pub fn new(db: Db) -> Harness {
        let issuer = TestIssuer::new();
        let state = HomeworkState::new(issuer.verifier(AUD), db.clone()).with_today(d(TODAY));
        Harness { app: app(state), issuer, net: Network::new(), store: Store::new(db) }
    }

    /// The teacher of a class in the network.
    pub fn teacher_of(&self, class: &Class) -> &Identity {
        match class.id {
            CLASS_A1 => &self.net.teacher_a1,
            CLASS_A2 => &self.net.teacher_a2,
            _ => &self.net.teacher_b1,
        }
    }

    /// An entry of the class by its teacher, for today, with one item due tomorrow and a file.
    pub async fn seed(&self, class: &Class, text: &str) -> String {
        let teacher = self.teacher_of(class);
        let placement = Placement {
            school: class.school.into(),
            class_id: class.id.into(),
            class_name: class.name.into(),
            author_sub: teacher.sub.clone(),
            author_name: teacher.display_name().into(),
        };
        let content = Content {
            day: d(TODAY),
            done: format!("Séance {text}"),
            items: vec![Item { text: format!("Devoir {text}"), due: d(TOMORROW) }],
        };
        let file = NewFile {
            name: format!("fiche-{text}.pdf"),
            content_type: "application/pdf".into(),
            data: format!("%PDF {text}").into_bytes().into(),
        };
        self.store.create(&placement, &content, &[file]).await.unwrap()
    }

    pub async fn call(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Answer { status, headers, bytes }
    }

    fn request(&self, method: &str, who: &Identity, path: &str) -> axum::http::request::Builder {
        self.request_with_token(method, &self.issuer.token(who, AUD), path)
    }

    pub fn request_with_token(&self, method: &str, token: &str, path: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("x-ent-base", BASE)
            .header("x-ent-csrf", ent_portlet_kit::testing::TEST_CSRF)
    }

    pub async fn get(&self, who: &Identity, path: &str) -> Answer {
        self.call(self.request("GET", who, path).body(Body::empty()).unwrap()).await
    }

    pub async fn get_in(&self, who: &Identity, path: &str, lang: &str) -> Answer {
        self.call(self.request("GET", who, path).header("accept-language", lang).body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&self, who: &Identity, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req = self
            .request("POST", who, path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.call(req).await
    }

    pub async fn post_multipart(
        &self,
        who: &Identity,
        path: &str,
        fields: &[(&str, &str)],
        files: &[Upload],
    ) -> Answer {
        let (content_type, body) = multipart(fields, files);
        let req = self.request("POST", who, path).header("content-type", content_type).body(Body::from(body)).unwrap();
        self.call(req).await
    }
}

/// A file in a multipart post.
pub struct Upload {
    pub name: &'static str,
    pub file_name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// A `multipart/form-data` body as browsers write it (the portal forwards it as is).
pub fn multipart(fields: &[(&str, &str)], files: &[Upload]) -> (String, Vec<u8>) {
    let boundary = "----hwtestboundary7MA4YWxkTrZu0gW";
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
                f.name, f.file_name, f.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&f.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Checks a fragment against the portal's rules (the kit's check, under this portlet's base).
pub fn assert_fragment_rules(html: &str) {
    ent_portlet_kit::testing::assert_fragment_rules(html, BASE);
}
