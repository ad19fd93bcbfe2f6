//! The demo school's mini-site: its class's site, public so that the demo shows the sites'
//! origin without a link, with one published page and one a pupil proposed.

use ent_portlet_kit::demo::Filling;
use ent_portlet_kit::{DemoSchool, now};

use crate::Minisites;
use crate::model::Visibility;
use crate::store::{NewSite, Settings, Writing};

pub fn fill<'a>(own: &'a Minisites, school: &'a DemoSchool) -> Filling<'a> {
    Box::pin(async move {
        let store = &own.store;
        let at = now();
        let title = format!("Le journal de la {}", school.class_name);
        let site = NewSite {
            school: &school.uai,
            class_id: &school.class_id,
            class_name: &school.class_name,
            title: &title,
            created_by: &school.teacher.sub,
        };
        let id = store.create_site(&site, at).await?;
        let settings = Settings {
            title: &title,
            visibility: Visibility::Public,
            members: &[],
            director: Some(&school.director.name),
        };
        store.update_site(&id, &settings, at).await?;
        let welcome = Writing {
            title: "Bienvenue",
            body: "Bienvenue sur le journal de notre classe !\n\nCette semaine, nous avons planté des radis dans le jardin de l'école.",
            author_sub: &school.teacher.sub,
            author_name: &school.teacher.name,
            publish: true,
        };
        store.create_page(&id, &welcome, at).await?;
        if let Some(family) = school.families.first() {
            let proposed = Writing {
                title: "Notre sortie au musée",
                body: "Jeudi, nous sommes allés au musée des Beaux-Arts.",
                author_sub: &family.child.sub,
                author_name: &family.child.name,
                publish: false,
            };
            store.create_page(&id, &proposed, at).await?;
        }
        Ok(())
    })
}
