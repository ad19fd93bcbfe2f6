//! What the mini-sites' router tests add to the kit's harness: a set clock, and writing
//! through the forms as the portal forwards them (a site, a page, a version), reading back the
//! ids the answers lead to, and the link a site's page gives to open it.
#![allow(clippy::unwrap_used, dead_code)]

use ent_portlet_kit::testing::{Answer, CLASS_A1, Harness, Network, ORIGIN_URL};
use ent_portlet_kit::{Clock, Db, Identity};
use ent_portlet_minisites::PORTLET;
use ent_portlet_minisites::Store;
use ent_portlet_minisites::model::{PageId, SiteId, VersionId};

/// The mini-sites on `db` with the network's rosters and a clock set to now.
pub fn harness(db: Db) -> Harness {
    let net = Network::new();
    Harness::with(&PORTLET, db, Some(net.directory()), Clock::at(ent_portlet_kit::now()))
}

/// The id at the end of a `303`'s path (`/view/s/{id}?done=…`).
pub fn id_in(answer: &Answer) -> String {
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location();
    let path = location.split('?').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

/// A site of class A1 started by its teacher.
pub async fn site_a1(h: &Harness, title: &str) -> SiteId {
    site(h, &h.net.teacher_a1, CLASS_A1, title).await
}

pub async fn site(h: &Harness, who: &Identity, class: &str, title: &str) -> SiteId {
    let answer = h.post(who, "/view/sites", &[("class", class), ("title", title)]).await;
    id_in(&answer).parse().unwrap()
}

/// A new page written by `who`.
pub async fn page(h: &Harness, who: &Identity, site: &SiteId, title: &str, body: &str) -> PageId {
    let answer = h.post(who, &format!("/view/s/{site}/pages"), &[("title", title), ("body", body)]).await;
    id_in(&answer).parse().unwrap()
}

/// A new version of a page written by `who`: the answer.
pub async fn write(h: &Harness, who: &Identity, page: &PageId, title: &str, body: &str) -> Answer {
    h.post(who, &format!("/view/p/{page}"), &[("title", title), ("body", body)]).await
}

/// The pending versions of a page, oldest first.
pub async fn pending(db: &Db, page: &PageId) -> Vec<VersionId> {
    let mut out: Vec<_> = Store::new(db.clone())
        .versions(page)
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.state == ent_portlet_minisites::model::VersionState::Pending)
        .map(|v| v.id)
        .collect();
    out.reverse();
    out
}

/// Approves (or rejects) a version as `who`: the answer.
pub async fn decide(h: &Harness, who: &Identity, version: &VersionId, action: &str) -> Answer {
    h.post(who, &format!("/view/v/{version}/decide"), &[("action", action)]).await
}

/// Sets a site's visibility as `who`: the answer.
pub async fn set_visibility(h: &Harness, who: &Identity, site: &SiteId, title: &str, visibility: &str) -> Answer {
    h.post(who, &format!("/view/s/{site}/settings"), &[("title", title), ("visibility", visibility)]).await
}

/// The link the site's page gives `who` to open it, as a path of the sites' origin.
pub async fn open_link(h: &Harness, who: &Identity, site: &SiteId) -> String {
    let answer = h.get(who, &format!("/view/s/{site}")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let start = answer.body.find(&format!("href=\"{ORIGIN_URL}")).expect("a link to the sites' origin");
    let rest = &answer.body[start + "href=\"".len() + ORIGIN_URL.len()..];
    rest.split('"').next().unwrap().to_string()
}
