//! Every payload of the kit's XSS corpus (`portlets/kit/tests/xss/payloads.txt`) written through
//! the forms — as a thread's title, as its first post, and quoted in a reply — comes back in
//! the thread's page with no script, no event attribute, no `javascript:`, `vbscript:` or
//! `data:` address, no frame, object, style, form or picture of the writer's, and within the
//! portal's fragment rules. (String checks; the browser check of the corpus is the workspace's.)
#![allow(clippy::unwrap_used)]

mod common;

use common::{class_a1, last_post, reply, start, thread_of};
use ent_portlet_forum::MIGRATIONS;
use ent_portlet_kit::storage::both_backends;

/// The corpus: one payload per line, `\n` for a line break, `#` lines are comments.
fn payloads() -> Vec<String> {
    include_str!("../../kit/tests/xss/payloads.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("\\n", "\n"))
        .collect()
}

/// The tags the forum's own pages and the kit's richtext write.
const TAGS: &[&str] = &[
    "a",
    "article",
    "blockquote",
    "br",
    "button",
    "code",
    "del",
    "div",
    "em",
    "form",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "input",
    "label",
    "li",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "select",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "textarea",
    "th",
    "thead",
    "tr",
    "ul",
];

fn check(payload: &str, page: &str, base: &str) {
    ent_portlet_kit::testing::assert_fragment_rules(page, base);
    for tag in page.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase()) {
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        assert!(TAGS.contains(&name), "tag <{tag}> from {payload:?}");
        for scheme in ["javascript:", "vbscript:", "data:", "expression("] {
            assert!(!tag.contains(scheme), "{scheme} in <{tag}> from {payload:?}");
        }
        if name == "form" && !tag.starts_with('/') {
            assert!(tag.contains(&format!("action=\"{base}/")), "a form of the writer's: <{tag}> from {payload:?}");
        }
    }
}

both_backends!(MIGRATIONS; no_payload_survives_the_forms, |db| async move {
    let h = common::harness(db.clone());
    let n = &h.net;
    let forum = class_a1(&h, &db).await;
    let corpus = payloads();
    assert!(corpus.len() >= 100, "{} payloads", corpus.len());
    for payload in &corpus {
        let title: String = payload.chars().take(150).collect();
        let thread = thread_of(&start(&h, &db, &n.pupil_a1, &forum, &title, payload).await);
        let first = last_post(&db, &thread).await;
        let answer = reply(&h, &n.pupil_a1_bis, &thread, &format!("Je cite :\n\n{payload}"), Some(&first)).await;
        assert_eq!(answer.status, 303, "{payload:?}: {}", answer.body);
        for who in [&n.pupil_a1, &n.teacher_a1] {
            let page = h.get(who, &format!("/view/t/{thread}")).await;
            assert_eq!(page.status, 200, "{payload:?}");
            assert!(page.body.contains("<blockquote>"), "the quote is shown: {payload:?}");
            check(payload, &page.body, &h.base);
        }
        let edit = h.get(&n.teacher_a1, &format!("/view/p/{first}/edit")).await;
        check(payload, &edit.body, &h.base);
    }
    for path in ["/fragment/summary", "/view/moderation"] {
        let page = h.get(&n.teacher_a1, path).await;
        check("(all)", &page.body, &h.base);
    }
    let list = h.get(&n.pupil_a1, &format!("/view/f/{forum}?page=3")).await;
    check("(all)", &list.body, &h.base);
});

both_backends!(MIGRATIONS; ordinary_writing_keeps_its_shape, |db| async move {
    let h = common::harness(db.clone());
    let forum = class_a1(&h, &db).await;
    let body = "## Le programme\n\nNous irons au [musée](https://musee.example) **mardi**.\n\n- goûter\n- casquette\n\n![photo](https://evil.example/x.png)";
    let thread = thread_of(&start(&h, &db, &h.net.teacher_a1, &forum, "Sortie", body).await);
    let page = h.get(&h.net.pupil_a1, &format!("/view/t/{thread}")).await;
    assert!(page.body.contains("<h5>Le programme</h5>"), "headings below the page's: {}", page.body);
    assert!(page.body.contains(
        "<a href=\"https://musee.example\" rel=\"noopener noreferrer nofollow ugc\">musée</a>"
    ));
    assert!(page.body.contains("<strong>mardi</strong>") && page.body.contains("<li>goûter</li>"));
    assert!(!page.body.contains("<img") && page.body.contains("photo"), "no picture from outside, its text stays");
    h.assert_fragment_rules(&page.body);
});
