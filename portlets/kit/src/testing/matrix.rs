//! The entitlement-matrix runner: a portlet feeds it each route and, per identity of the test
//! network, the answer expected — a status, and words the page must show or must not. It sends
//! every request, checks the fragment rules on every page it gets, and lists every cell that
//! differs before failing, so one run shows the whole difference.

use super::harness::{Answer, Harness};
use crate::identity::Identity;

/// Labels of the network's people whose profiles read no class content (staff, city agent,
/// admin): every portlet of classes refuses them its views (`403`).
pub const NO_CLASS_CONTENT: [&str; 3] = ["staff_a", "city_agent", "admin"];

/// A route of the matrix.
#[derive(Clone, Debug)]
pub enum Route {
    Get(String),
    /// An urlencoded post with its fields.
    Post(String, Vec<(String, String)>),
}

impl Route {
    pub fn get(path: impl Into<String>) -> Route {
        Route::Get(path.into())
    }

    pub fn post(path: impl Into<String>, fields: &[(&str, &str)]) -> Route {
        Route::Post(path.into(), fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Route::Get(p) => write!(f, "GET {p}"),
            Route::Post(p, _) => write!(f, "POST {p}"),
        }
    }
}

/// The answer one identity should get.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    pub status: u16,
    /// Words the page holds.
    pub shows: Vec<String>,
    /// Words the page must not hold.
    pub hides: Vec<String>,
}

impl Expect {
    pub fn status(status: u16) -> Expect {
        Expect { status, ..Expect::default() }
    }

    pub fn showing(mut self, word: impl Into<String>) -> Expect {
        self.shows.push(word.into());
        self
    }

    pub fn hiding(mut self, word: impl Into<String>) -> Expect {
        self.hides.push(word.into());
        self
    }

    /// `ok` for the `allowed`; `403` for those who may see the thing but not do this
    /// (`refused`) and for the profiles without class content; `404` for everyone else, who may
    /// not know the thing exists.
    pub fn rule(label: &str, allowed: &[&str], refused: &[&str], ok: u16) -> Expect {
        let status = if NO_CLASS_CONTENT.contains(&label) || (refused.contains(&label) && !allowed.contains(&label)) {
            403
        } else if allowed.contains(&label) {
            ok
        } else {
            404
        };
        Expect::status(status)
    }
}

/// Runs routes against the network and collects what differs.
pub struct Matrix<'h> {
    h: &'h Harness,
    failures: Vec<String>,
}

impl<'h> Matrix<'h> {
    pub fn new(h: &'h Harness) -> Matrix<'h> {
        Matrix { h, failures: Vec::new() }
    }

    /// Sends `route` as `who` and checks the answer; returns it for further checks.
    pub async fn check(&mut self, label: &str, who: &Identity, route: &Route, expect: &Expect) -> Answer {
        let answer = match route {
            Route::Get(path) => self.h.get(who, path).await,
            Route::Post(path, fields) => {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                self.h.post(who, path, &fields).await
            }
        };
        let status = answer.status.as_u16();
        if status != expect.status {
            self.failures.push(format!("{label} {route}: {status}, expected {}", expect.status));
        }
        for word in &expect.shows {
            if !answer.body.contains(word.as_str()) {
                self.failures.push(format!("{label} {route}: {word:?} missing"));
            }
        }
        for word in &expect.hides {
            if answer.body.contains(word.as_str()) {
                self.failures.push(format!("{label} {route}: {word:?} leaked"));
            }
        }
        if status == 200 || status == 422 {
            let base = self.h.base.clone();
            if let Err(e) = std::panic::catch_unwind(|| super::assert_fragment_rules(&answer.body, &base)) {
                let why = e.downcast_ref::<String>().cloned().unwrap_or_default();
                self.failures.push(format!("{label} {route}: fragment rules: {why}"));
            }
        }
        answer
    }

    /// Sends `route` as every person of the network, each expecting `expect(label)`.
    pub async fn everyone(&mut self, route: &Route, expect: impl Fn(&str) -> Expect) {
        let h = self.h;
        for (label, who) in h.net.everyone() {
            self.check(label, who, route, &expect(label)).await;
        }
    }

    /// Records a failure of a check the portlet makes itself.
    pub fn fail(&mut self, what: String) {
        self.failures.push(what);
    }

    /// Fails with every difference found, if any.
    pub fn finish(self) {
        assert!(self.failures.is_empty(), "{} cells differ:\n{}", self.failures.len(), self.failures.join("\n"));
    }
}
