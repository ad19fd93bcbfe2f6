//! The posts (`POST /view/…`, urlencoded): write a note, sign, remind, reply, write to the
//! teachers. Each checks the reader's rights first (404 for what they may not know of, 403 for
//! what they may see but not do), then the form (422 with the form and its errors, values
//! kept), then writes in one transaction and answers `303` to a view.

use axum::extract::{Path, State};
use axum::response::Response;
use ent_portlet_kit::field::{self, Errors, Problem};
use ent_portlet_kit::views::render;
use ent_portlet_kit::{Ctx, Identity, PortletError, Posted, Profile, see_other};

use crate::App;
use crate::access;
use crate::compose;
use crate::note_view::{self, Problem as NoteProblem};
use crate::store::{Concerned, Kind, NewNote, Person};
use crate::templates::{MAX_BODY, MAX_TITLE, NoteValues};
use crate::texts::{Texts, texts};
use crate::views::{self, gate, load, note_path, roster};

/// A subject: required, one line, at most [`MAX_TITLE`] characters.
fn check_title(t: &Texts, errors: &mut Errors, title: &str) {
    errors.check("title", field::required(title, MAX_TITLE), |p| match p {
        Problem::TooLong { .. } => t.title_too_long.into(),
        _ => t.title_missing.into(),
    });
}

/// A message: required, at most [`MAX_BODY`] characters.
fn check_body(t: &Texts, errors: &mut Errors, body: &str) {
    errors.check("body", field::required(body, MAX_BODY), |p| match p {
        Problem::TooLong { .. } => t.body_too_long.into(),
        _ => t.body_missing.into(),
    });
}

fn author(who: &Identity) -> Person {
    Person { sub: who.sub.clone(), name: who.display_name().to_string() }
}

// ----- A teacher's (or the director's) note -----

pub async fn create_note(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    form: Posted,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    if !access::writes_notes(&who) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let class_id = form.text("class");
    if !who.is_teacher_of(class_id) && who.directed_schools().next().is_none() {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let roster = match roster(&state, t, class_id).await {
        Ok(Some(r)) if who.can_write_class(&r.id, &r.school) => r,
        Ok(_) => return Err(PortletError::NotFound(ctx.lang)),
        Err(res) => return Ok(res),
    };
    let values = NoteValues {
        title: field::one_line(form.text("title")),
        body: field::multiline(form.text("body")),
        chosen: form.get("to") == Some("pupils"),
        signature: form.get("signature") == Some("1"),
    };
    let mut chosen: Vec<&str> = form.all("pupil");
    chosen.sort_unstable();
    chosen.dedup();
    // A pupil who is not in the class is a forged form, not a typing error.
    if chosen.iter().any(|sub| roster.pupil(sub).is_none()) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let mut errors = Errors::default();
    check_title(t, &mut errors, &values.title);
    check_body(t, &mut errors, &values.body);
    if values.chosen && chosen.is_empty() {
        errors.set("pupils", t.pupils_missing);
    }
    if errors.any() {
        let choices: Vec<(String, String)> = vec![(roster.id.clone(), roster.name.clone())];
        let page = compose::note_form(&ctx, t, &choices, &roster, values, &chosen, errors);
        return Err(PortletError::Form(render(&page)?));
    }
    let pupils = roster
        .pupils
        .iter()
        .filter(|p| !values.chosen || chosen.contains(&p.sub.as_str()))
        .map(|p| Concerned {
            sub: p.sub.clone(),
            name: p.name.clone(),
            // Only parents with parental authority are asked to sign.
            signers: p
                .guardians
                .iter()
                .filter(|g| g.legal_guardian)
                .map(|g| Person { sub: g.sub.clone(), name: g.name.clone() })
                .collect(),
        })
        .collect();
    let note = NewNote {
        kind: Kind::Class,
        school: roster.school.clone(),
        class_id: roster.id.clone(),
        class_name: roster.name.clone(),
        author: author(&who),
        whole_class: !values.chosen,
        title: values.title,
        body: values.body,
        needs_signature: values.signature,
        pupils,
    };
    let id = state.store.create_note(&note, state.now()).await?;
    tracing::info!(note = %id, "note posted");
    Ok(see_other(&note_path(&id)))
}

// ----- Signing -----

pub async fn sign(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    if who.profile != Profile::Parent {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let pupil = form.text("pupil");
    // Only for one's own child, and only a child the note concerns.
    if who.child(pupil).is_none() || !loaded.concerns(pupil) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    if !access::can_sign(&who, &loaded.note, pupil) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let added = state.store.sign(&loaded.note.id, pupil, &who.sub, who.display_name(), state.now()).await?;
    if !added {
        // Either signed already (a second click: nothing to do) or not among the signers
        // recorded when the note was posted.
        let expected = loaded.expected(&state.store).await?;
        if !expected.iter().any(|e| e.pupil_sub == pupil && e.parent_sub == who.sub) {
            return Err(PortletError::Forbidden(ctx.lang));
        }
    }
    Ok(see_other(&note_path(&loaded.note.id)))
}

// ----- Reminding -----

pub async fn remind(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    if !access::can_remind(&who, &loaded.note) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let expected = loaded.expected(&state.store).await?;
    let problem = if expected.iter().all(|e| e.signed_at.is_some()) {
        Some(t.nobody_to_remind)
    } else if !state.store.remind(&loaded.note.id, &who.sub, state.now()).await? {
        Some(t.reminded_recently)
    } else {
        None
    };
    if let Some(p) = problem {
        let page = note_view::note_page(&state, &who, &ctx, &loaded, NoteProblem::Note(p.into())).await?;
        return Err(PortletError::Form(page));
    }
    tracing::info!(note = %loaded.note.id, "reminder recorded");
    Ok(see_other(&note_path(&loaded.note.id)))
}

// ----- Replies -----

pub async fn reply(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    let pupil = form.text("pupil");
    if !loaded.concerns(pupil) || !access::can_read_thread(&who, &loaded.note, pupil) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    if !access::can_write_thread(&who, &loaded.note, pupil) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let message = field::multiline(form.text("body"));
    let mut errors = Errors::default();
    check_body(t, &mut errors, &message);
    if let Some(error) = errors.get("body") {
        let error = error.to_string();
        let page = note_view::thread_page(&state, &who, &ctx, &loaded, pupil, Some(error), message).await?;
        return Err(PortletError::Form(page));
    }
    let role = access::thread_role(&who);
    state.store.add_message(&loaded.note.id, pupil, &author(&who), role, &message, state.now()).await?;
    // Parents come back to the note (their thread is in it); teachers to the thread.
    if who.profile == Profile::Parent || loaded.note.kind == Kind::Parent {
        Ok(see_other(&note_path(&loaded.note.id)))
    } else {
        Ok(see_other(&views::thread_path(&loaded.note.id, pupil)))
    }
}

// ----- A parent's note to the teachers -----

pub async fn ask(State(state): State<App>, who: Identity, ctx: Ctx, form: Posted) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    if who.profile != Profile::Parent {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let child = who.child(form.text("child")).ok_or(PortletError::NotFound(ctx.lang))?;
    let Some(class_id) = child.class.as_deref() else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    // The class's school (the director's scope) and the child's name come from the directory,
    // which must also agree that the child is in that class.
    let roster = match roster(&state, t, class_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(PortletError::NotFound(ctx.lang)),
        Err(res) => return Ok(res),
    };
    let Some(pupil) = roster.pupil(&child.sub) else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    let values = NoteValues {
        title: field::one_line(form.text("title")),
        body: field::multiline(form.text("body")),
        chosen: false,
        signature: false,
    };
    let mut errors = Errors::default();
    check_title(t, &mut errors, &values.title);
    check_body(t, &mut errors, &values.body);
    if errors.any() {
        let names = views::child_names(&state, &who).await;
        let page = compose::ask_form(&ctx, t, &who, &names, &child.sub, values, errors);
        return Err(PortletError::Form(render(&page)?));
    }
    let note = NewNote {
        kind: Kind::Parent,
        school: roster.school.clone(),
        class_id: roster.id.clone(),
        class_name: roster.name.clone(),
        author: author(&who),
        whole_class: false,
        title: values.title,
        body: values.body,
        needs_signature: false,
        pupils: vec![Concerned { sub: pupil.sub.clone(), name: pupil.name.clone(), signers: Vec::new() }],
    };
    let id = state.store.create_note(&note, state.now()).await?;
    tracing::info!(note = %id, "parent note posted");
    Ok(see_other(&note_path(&id)))
}
