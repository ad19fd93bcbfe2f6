//! The home page's card (`GET /fragment/summary`): how many sites one may read, and for a
//! class's teachers and the director, the versions waiting for them, site by site.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::views;
use ent_portlet_kit::{Ctx, Identity, Link, PortletError};

use crate::App;
use crate::access;
use crate::sites::readable_sites;
use crate::texts::texts;

#[derive(Template)]
#[template(path = "summary.html")]
struct Summary {
    list_href: String,
    count: String,
    lines: Vec<(String, String)>,
}

pub async fn summary(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    access::has_pages(&who, ctx.lang)?;
    let t = texts(ctx.lang);
    let sites = readable_sites(&state, &who).await?;
    let mut lines = Vec::new();
    for s in sites.iter().filter(|s| access::can_moderate(&who, s)) {
        let waiting = state.store.pending(&s.id).await?.len();
        if waiting > 0 {
            lines.push((
                ctx.href(&Link::to(format!("/view/s/{}", s.id))),
                format!("{} · {}", s.title, t.waiting_count(waiting)),
            ));
        }
    }
    views::page(&Summary {
        list_href: ctx.href(&Link::to("/view/")),
        count: if sites.is_empty() { t.summary_none.into() } else { t.sites_count(sites.len()) },
        lines,
    })
}
