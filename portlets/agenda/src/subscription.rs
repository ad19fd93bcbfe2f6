//! The private address of a person's agenda, for calendar applications: made (and made again,
//! which ends the old one) or ended from the agenda's subscription page. Only its SHA-256 is
//! kept, so the address is shown once, right after it is made; the page says when the one in
//! use was made and how to add it to Apple, Google, Thunderbird or Outlook. The feed shows what
//! its owner could read when they last opened the agenda: every view takes their scopes again.

use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::views;
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, see_other};

use crate::App;
use crate::access::Reach;
use crate::days;
use crate::templates::SubscriptionPage;
use crate::texts::{Texts, texts};

/// Takes again what a subscriber may read, when they have an address (one read otherwise).
pub async fn refresh(state: &App, reach: &Reach) -> Result<(), PortletError> {
    if state.store.feed_token_dates(&reach.me).await?.is_some() {
        state.store.refresh_feed_scopes(&reach.me, &reach.feed_scopes()).await?;
    }
    Ok(())
}

fn page_of<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    address: Option<String>,
    since: Option<String>,
) -> SubscriptionPage<'a> {
    SubscriptionPage {
        t,
        ctx,
        address,
        since,
        create_action: ctx.href(&Link::to("/view/subscription")),
        revoke_action: ctx.href(&Link::to("/view/subscription/revoke")),
        back_href: ctx.href(&Link::to("/view/week")),
    }
}

/// GET /view/subscription
pub async fn page(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    refresh(&state, &reach).await?;
    let since = state.store.feed_token_dates(&reach.me).await?.map(|(created, _)| {
        let day = crate::paris::from_unix(created).map(|p| p.date_naive());
        t.address_since(&day.map(|d| days::long(d, ctx.lang)).unwrap_or_default())
    });
    views::page(&page_of(&ctx, t, None, since))
}

/// POST /view/subscription — a new address (the previous one, if any, stops working).
pub async fn create(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    // Without the portal's public address there is nothing to give out: make no token.
    if ctx.public_base.is_empty() {
        return Err(PortletError::Unavailable(t.no_public_address.into()));
    }
    let token = state.store.issue_feed_token(&reach.me, &reach.feed_scopes()).await?;
    let address = ctx.public_href(&Link::to(format!("/public/feed/{}.ics", token.as_str())));
    tracing::info!("feed address made");
    views::page(&page_of(&ctx, t, address, None))
}

/// POST /view/subscription/revoke — the address stops working.
pub async fn revoke(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    state.store.revoke_feed_token(&reach.me).await?;
    tracing::info!("feed address ended");
    Ok(see_other(&Link::to("/view/subscription")))
}
