//! Attachments: accepted under the kit's file rules (names sanitised, types decided from the
//! bytes), no programs or videos from pupils, within the sender's quota; downloaded only by
//! those who may see the message, always as an attachment.

use axum::extract::{Path, State};
use axum::response::Response;
use ent_portlet_kit::upload::{self, FileProblem, Upload};
use ent_portlet_kit::{Ctx, DbError, Identity, PortletError, Profile};

use crate::App;
use crate::access;
use crate::limits;
use crate::store::Attached;
use crate::texts::Texts;

/// Adds the uploads to a draft of this person's, `kept` files already on it; the problem in the
/// person's words when they cannot be added (nothing is added then).
pub async fn attach(
    state: &App,
    who: &Identity,
    draft_id: &str,
    kept: usize,
    uploads: &[Upload],
    t: &Texts,
    now: i64,
) -> Result<Option<String>, DbError> {
    if uploads.is_empty() {
        return Ok(None);
    }
    let (accepted, problem) = limits::FILES.check(uploads, kept);
    match problem {
        Some(FileProblem::TooLarge(name)) => {
            return Ok(Some(t.file_too_large(&name, &upload::human_size(limits::FILES.max_bytes as i64, t.lang))));
        }
        Some(FileProblem::TooMany) => return Ok(Some(t.too_many_files(limits::FILES.max_files))),
        None => {}
    }
    if who.profile == Profile::Pupil
        && let Some(f) = accepted.iter().find(|f| limits::refused_for_pupils(&f.content_type, &f.name))
    {
        return Ok(Some(t.file_refused_for_pupils(&f.name)));
    }
    let quota = limits::quota(who.profile);
    match state.store.attach(draft_id, &who.sub, &accepted, quota, now).await? {
        Attached::OverQuota { used } => Ok(Some(t.over_quota(&upload::human_size(quota - used.min(quota), t.lang)))),
        Attached::Done | Attached::NoDraft => Ok(None),
    }
}

/// What the form says before an upload: the size limit and the room left.
pub async fn limits_hint(state: &App, who: &Identity, t: &Texts) -> Result<String, DbError> {
    let used = state.store.quota_used(&who.sub).await?;
    let quota = limits::quota(who.profile);
    let max = upload::human_size(limits::FILES.max_bytes as i64, t.lang);
    let left = upload::human_size((quota - used).max(0), t.lang);
    let mut hint = t.files_hint(limits::FILES.max_files, &max, &left);
    if who.profile == Profile::Pupil {
        hint.push(' ');
        hint.push_str(t.files_hint_pupils);
    }
    Ok(hint)
}

/// GET /view/files/{id}
pub async fn download(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let Some((file, data)) = state.store.attachment(&id).await? else { return Err(PortletError::NotFound(lang)) };
    let Some(m) = state.store.message(&file.message_id).await? else { return Err(PortletError::NotFound(lang)) };
    // The school's messages are out of sight for a profile whose messaging is off there.
    if state.store.schools_off(who.profile).await?.contains(&m.school) {
        return Err(PortletError::NotFound(lang));
    }
    let received = state.store.received(&m.id, &who.sub).await?;
    let reported = who.is_director_of(&m.school) && state.store.is_reported(&m.id, &m.school).await?;
    if !access::can_see(&who, &m, received, reported) {
        return Err(PortletError::NotFound(lang));
    }
    Ok(upload::download(&file.name, &file.content_type, data))
}
