//! The demo class's forum: opened to its families, a thread the teacher started with the
//! pupils' answers (one quoting another), and a pupil's reply waiting for the teacher's
//! approval, so that `ent demo` shows the forum in use and the teacher what waits. Deterministic
//! and in French.

use ent_portlet_kit::{DemoSchool, Profile};

use crate::Forum;
use crate::model::Scope;
use crate::store::{Actor, NewPost};

/// Writes the demo class's forum.
pub(crate) fn fill<'a>(app: &'a Forum, school: &'a DemoSchool) -> ent_portlet_kit::demo::Filling<'a> {
    Box::pin(async move {
        let store = &app.store;
        let monday = school.today.school_day_from().monday();
        let at = |days: i64, secs: i64| monday.add_days(days).paris_noon() + secs;
        let scope = Scope::Class { class_id: school.class_id.clone() };
        let forum = store.ensure_forum(&scope, &school.uai, &school.class_name, at(-7, 0)).await?;
        let teacher = Actor { sub: &school.teacher.sub, name: &school.teacher.name };
        store.set_openings(&forum.id, true, false, false, teacher, at(-7, 60)).await?;
        let Some(category) = store.categories(&forum.id).await?.into_iter().next() else { return Ok(()) };
        let post = |author: &'a ent_portlet_kit::DemoPerson, profile: Profile, body: &'a str, held: bool| NewPost {
            author_sub: &author.sub,
            author_name: &author.name,
            author_profile: profile,
            body,
            held,
        };
        let (thread_id, _) = store
            .create_thread(
                &forum.id,
                &category.id,
                "Notre sortie au musée : qu'avez-vous préféré ?",
                &post(
                    &school.teacher,
                    Profile::Teacher,
                    "Bonjour à tous !\n\nRacontez ici ce que vous avez **préféré** pendant la visite du musée :\n\n- un tableau ?\n- une sculpture ?\n- l'atelier ?",
                    false,
                ),
                at(-3, 0),
            )
            .await?;
        let Some(thread) = store.thread(&thread_id).await? else { return Ok(()) };
        let pupils: Vec<_> = school.families.iter().map(|f| &f.child).collect();
        let mut first_answer = None;
        if let Some(pupil) = pupils.first() {
            let body = "Moi j'ai adoré le grand tableau avec les bateaux. Les couleurs étaient très belles !";
            first_answer =
                Some(store.reply(&thread, &post(pupil, Profile::Pupil, body, false), None, at(-3, 3600)).await?);
        }
        if let Some(pupil) = pupils.get(1) {
            let body = "Moi aussi ! Et l'atelier de peinture était génial.";
            store
                .reply(&thread, &post(pupil, Profile::Pupil, body, false), first_answer.as_ref(), at(-2, 1800))
                .await?;
        }
        let body = "Bravo pour vos réponses. Nous en reparlerons en classe jeudi.";
        store.reply(&thread, &post(&school.teacher, Profile::Teacher, body, false), None, at(-2, 7200)).await?;
        if let Some(pupil) = pupils.first() {
            let body = "On pourra y retourner avec nos parents ?";
            store.reply(&thread, &post(pupil, Profile::Pupil, body, true), None, at(-1, 600)).await?;
        }
        Ok(())
    })
}
