//! The published sites, on the sites' own origin (the kit's `Portlet::origin`): never the
//! portal's or the provider's, so that nothing a pupil wrote runs where a session lives. Each
//! site is under `/s/{site}/{access}/`, where `{access}` is `pub` for a public site or a signed
//! link the ENT's pages minted (`links`); its pages are `/s/{site}/{access}/{page}` and its
//! pictures `/s/{site}/{access}/img/{picture}`, so that the pages' relative links keep the
//! access. Only published versions are served. The kit's origin layers add the sandbox policy,
//! `nosniff`, `no-referrer`, and keep every cookie out, both ways.
//!
//! A link that does not open the site (expired, altered, for an earlier version of who may see
//! it) is a `403` with a plain page; a site, page or picture that is not there, a `404`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ent_portlet_kit::PortletError;
use ent_portlet_kit::origin::refusal;

use crate::App;
use crate::links;
use crate::model::{PageId, PictureId, SiteId};
use crate::render::{self, Place};
use crate::store::{Site, Version};
use ent_portlet_kit::views::Html;

/// Where a site's pictures are, relative to its pages: what a page's Markdown may show.
pub const PICTURES: &str = "img/";

const STYLE: &str = include_str!("style.css");

pub fn routes() -> Router<App> {
    Router::new()
        .route("/style.css", get(style))
        .route("/s/{site}/{access}", get(to_index))
        .route("/s/{site}/{access}/", get(index))
        .route("/s/{site}/{access}/{page}", get(page))
        .route("/s/{site}/{access}/img/{picture}", get(picture))
        .fallback(|| async { not_found() })
}

fn not_found() -> Response {
    refusal(StatusCode::NOT_FOUND, "Page introuvable. / Not found.\n")
}

fn refused() -> Response {
    refusal(
        StatusCode::FORBIDDEN,
        "Ce lien a expiré ou n'est pas valide : rouvrez le site depuis l'ENT.\n\
         This link has expired or is not valid: open the site again from the ENT.\n",
    )
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(cause = %e, "the sites' origin failed");
    refusal(StatusCode::INTERNAL_SERVER_ERROR, "Erreur. / Error.\n")
}

async fn style() -> Response {
    let mut res = STYLE.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    res
}

/// The site, when `access` opens it now.
async fn opened(state: &App, site: &str, access: &str) -> Result<Site, Response> {
    let Ok(id) = site.parse::<SiteId>() else { return Err(not_found()) };
    let Some(origin) = state.origin() else { return Err(not_found()) };
    match state.store.site(&id).await {
        Ok(Some(site)) if links::opens(origin, &site, access, state.now()) => Ok(site),
        Ok(Some(_)) => Err(refused()),
        Ok(None) => Err(not_found()),
        Err(e) => Err(failed(e)),
    }
}

async fn to_index(State(state): State<App>, Path((site, access)): Path<(String, String)>) -> Response {
    match opened(&state, &site, &access).await {
        Ok(site) => Redirect::permanent(&format!("/s/{}/{access}/", site.id)).into_response(),
        Err(res) => res,
    }
}

#[derive(Template)]
#[template(path = "published.html")]
struct Published {
    lang: &'static str,
    site_title: String,
    class_name: String,
    page_title: String,
    menu: Vec<(String, String, bool)>,
    html: Html,
}

/// The site's published pages in menu order: (page, its online version).
async fn published(state: &App, site: &Site) -> Result<Vec<(PageId, Version)>, PortletError> {
    let mut out = Vec::new();
    for p in state.store.pages(&site.id).await? {
        if let Some(v) = state.store.current(&p.id).await? {
            out.push((p.id, v));
        }
    }
    Ok(out)
}

async fn show(state: &App, site: &Site, wanted: Option<&PageId>) -> Response {
    let pages = match published(state, site).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    let shown = match wanted {
        Some(id) => pages.iter().find(|(p, _)| p == id),
        None => pages.first(),
    };
    let Some((shown_id, v)) = shown else {
        return if wanted.is_some() { not_found() } else { empty_site(site) };
    };
    let page = Published {
        lang: "fr",
        site_title: site.title.clone(),
        class_name: site.class_name.clone(),
        page_title: v.title.clone(),
        // Relative links: they keep the site's access segment.
        menu: pages.iter().map(|(p, pv)| (p.to_string(), pv.title.clone(), p == shown_id)).collect(),
        html: render::markdown(&v.body, Place::Site { pictures: PICTURES }),
    };
    match page.render() {
        Ok(html) => {
            let mut res = html.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res
        }
        Err(e) => failed(e),
    }
}

fn empty_site(site: &Site) -> Response {
    let page = Published {
        lang: "fr",
        site_title: site.title.clone(),
        class_name: site.class_name.clone(),
        page_title: site.title.clone(),
        menu: Vec::new(),
        html: Html::default(),
    };
    match page.render() {
        Ok(html) => {
            let mut res = html.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res
        }
        Err(e) => failed(e),
    }
}

async fn index(State(state): State<App>, Path((site, access)): Path<(String, String)>) -> Response {
    match opened(&state, &site, &access).await {
        Ok(site) => show(&state, &site, None).await,
        Err(res) => res,
    }
}

async fn page(State(state): State<App>, Path((site, access, page)): Path<(String, String, String)>) -> Response {
    let site = match opened(&state, &site, &access).await {
        Ok(site) => site,
        Err(res) => return res,
    };
    let Ok(page) = page.parse::<PageId>() else { return not_found() };
    show(&state, &site, Some(&page)).await
}

async fn picture(State(state): State<App>, Path((site, access, picture)): Path<(String, String, String)>) -> Response {
    let site = match opened(&state, &site, &access).await {
        Ok(site) => site,
        Err(res) => return res,
    };
    let Ok(picture) = picture.parse::<PictureId>() else { return not_found() };
    match state.store.picture(&site.id, &picture).await {
        Ok(Some((p, data))) => {
            let mut res = data.into_response();
            let kind = ent_portlet_kit::upload::served_type(&p.content_type);
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            res
        }
        Ok(None) => not_found(),
        Err(e) => failed(e),
    }
}
