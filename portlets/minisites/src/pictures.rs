//! A site's pictures: sent through the kit's file parts by the site's writers, encoded again
//! by the kit's `picture` (decoding limits against bombs, no metadata kept: a child's photo
//! carries no GPS position), kept in the site's database, and served only on the sites' origin
//! (`img/{id}` under the site's path). Pages show them with `![description](img/{id})`.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use ent_portlet_kit::picture::{PictureRules, reencode};
use ent_portlet_kit::upload::sanitize_name;
use ent_portlet_kit::views::Html;
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::App;
use crate::access;
use crate::serve::PICTURES;
use crate::sites;
use crate::store::Site;
use crate::texts::{Texts, texts};
use crate::views as shared;

/// What a site keeps of a picture: 1,600 pixels a side at most.
fn rules() -> PictureRules {
    PictureRules::default()
}

#[derive(Template)]
#[template(path = "pictures.html")]
struct PicturesPart {
    t: &'static Texts,
    pictures: Vec<(String, String)>,
    action: String,
    csrf: String,
    error: Option<&'static str>,
}

/// The site's pictures with the Markdown that shows each, and the form to add one.
pub async fn part(state: &App, ctx: &Ctx, site: &Site, error: Option<&'static str>) -> Result<Html, PortletError> {
    let pictures = state
        .store
        .pictures(&site.id)
        .await?
        .into_iter()
        .map(|p| {
            let code = format!("![{}]({PICTURES}{})", p.name.replace([']', '['], ""), p.id);
            (p.name, code)
        })
        .collect();
    Html::of(&PicturesPart {
        t: texts(ctx.lang),
        pictures,
        action: ctx.href(&Link::to(format!("/view/s/{}/pictures", site.id))),
        csrf: ctx.csrf.clone(),
        error,
    })
}

/// `POST /view/s/{id}/pictures` (multipart, `picture`): a writer of the site adds a picture.
pub async fn add(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let site = shared::site(&state, &who, &id, lang).await?;
    access::require(access::can_write(&who, &site), lang)?;
    let t = texts(lang);
    let file = form.files.iter().find(|f| f.field == "picture");
    let kept = match file.map(|f| reencode(&f.data, &rules())) {
        Some(Ok(kept)) => kept,
        refused => {
            let error = match refused {
                Some(Err(e)) => {
                    tracing::info!(reason = %e, "picture refused");
                    t.picture_refused
                }
                _ => t.picture_missing,
            };
            let page = sites::site_page(&state, &who, &ctx, &site, None, None, Some(error)).await?;
            return Err(PortletError::Form(page));
        }
    };
    let name = sanitize_name(file.map(|f| f.name.as_str()).unwrap_or(""));
    state.store.add_picture(&site.id, &name, kept.content_type, &kept.data, &who.sub, state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/s/{}", site.id)).q("done", "saved")))
}
