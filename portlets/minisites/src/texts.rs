//! Every word the mini-sites show, in French (the default) and English: the kit's typed table
//! (`texts!`), so that a word missing in one language does not compile.

use crate::model::{VersionState, Visibility};

ent_portlet_kit::texts! {
    words {
        heading: "Mini-sites" / "Mini sites",
        sites_label: "Les mini-sites" / "The mini sites",
        no_sites: "Aucun mini-site pour l'instant." / "No mini site yet.",
        all_sites: "← Tous les mini-sites" / "← All mini sites",
        new_site: "Nouveau mini-site" / "New mini site",
        class: "Classe" / "Class",
        title: "Titre" / "Title",
        create: "Créer" / "Create",
        title_missing: "Donnez un titre." / "Give a title.",
        class_unknown: "Choisissez une de vos classes." / "Choose one of your classes.",
        open_site: "Ouvrir le site" / "Open the site",
        open_hint: "Le site s'ouvre à part, hors de l'ENT ; le lien vaut dix minutes." / "The site opens on its own, outside the ENT; the link is valid for ten minutes.",
        public_address: "Adresse publique du site :" / "The site's public address:",
        no_origin: "Le service des mini-sites n'a pas d'adresse configurée : le site ne peut pas encore s'ouvrir." / "The mini sites service has no address configured: the site cannot be opened yet.",
        menu: "Menu" / "Menu",
        no_pages: "Ce site n'a pas encore de page." / "This site has no page yet.",
        new_page: "Nouvelle page" / "New page",
        body: "Texte (Markdown)" / "Text (Markdown)",
        body_hint: "Markdown : **gras**, *italique*, # titre, - liste, [lien](https://…), ![description](img/…) pour une image du site." / "Markdown: **bold**, *italic*, # heading, - list, [link](https://…), ![description](img/…) for a picture of the site.",
        body_missing: "Écrivez le texte de la page." / "Write the page's text.",
        too_long: "Ce texte est trop long." / "This text is too long.",
        save: "Enregistrer" / "Save",
        save_pupil: "Proposer cette version" / "Propose this version",
        pupil_waits: "Votre version attend l'accord d'un enseignant de la classe avant d'être publiée." / "Your version waits for a teacher of the class to approve it before it is published.",
        edit: "Modifier la page" / "Edit the page",
        not_published: "Cette page n'est pas encore publiée." / "This page is not published yet.",
        badge_pending: "en attente" / "waiting",
        badge_unpublished: "pas encore publiée" / "not published yet",
        badge_published: "publiée" / "published",
        badge_rejected: "refusée" / "rejected",
        badge_current: "en ligne" / "online",
        to_review: "À valider" / "To review",
        nothing_to_review: "Rien à valider." / "Nothing to review.",
        approve: "Publier" / "Publish",
        reject: "Refuser" / "Reject",
        restore: "Remettre cette version en ligne" / "Put this version back online",
        history: "Historique" / "History",
        back_to_page: "← Retour à la page" / "← Back to the page",
        back_to_site: "← Retour au site" / "← Back to the site",
        move_up: "Monter" / "Move up",
        move_down: "Descendre" / "Move down",
        settings: "Réglages du site" / "Site settings",
        visibility: "Qui voit le site" / "Who sees the site",
        writers: "Qui écrit" / "Who writes",
        writers_hint: "Sans élève coché, toute la classe écrit." / "With no pupil ticked, the whole class writes.",
        vis_class: "La classe (ses élèves, leurs familles, ses enseignants)" / "The class (its pupils, their families, its teachers)",
        vis_school: "Toute l'école" / "The whole school",
        vis_public: "Tout le monde (avec l'accord du directeur)" / "Everyone (with the director's approval)",
        short_class: "classe" / "class",
        short_school: "école" / "school",
        short_public: "public" / "public",
        public_waits: "Public demandé : en attente de l'accord du directeur. D'ici là, le site est vu par l'école." / "Public asked: waiting for the director's approval. Until then, the school sees the site.",
        approve_public: "Autoriser la publication pour tous" / "Allow it to be public",
        pictures: "Images" / "Pictures",
        no_pictures: "Aucune image." / "No pictures.",
        add_picture: "Ajouter une image" / "Add a picture",
        picture_file: "Image (PNG, JPEG, GIF ou WebP)" / "Picture (PNG, JPEG, GIF or WebP)",
        picture_missing: "Choisissez une image." / "Choose a picture.",
        picture_refused: "Ce fichier n'est pas une image acceptée, ou il est trop grand." / "This file is not an accepted picture, or it is too large.",
        send: "Envoyer" / "Send",
        done_saved: "Enregistré." / "Saved.",
        done_waiting: "Votre version attend l'accord d'un enseignant." / "Your version waits for a teacher's approval.",
        done_published: "Publié." / "Published.",
        done_rejected: "Version refusée." / "Version rejected.",
        done_already: "Cette version a déjà été traitée." / "This version was already dealt with.",
        done_restored: "Cette version est de nouveau en ligne." / "This version is online again.",
        done_public: "Le site est maintenant public." / "The site is now public.",
        summary_none: "Aucun mini-site." / "No mini sites.",
        link_expired: "Ce lien a expiré ou n'est pas valide. Rouvrez le site depuis l'ENT." / "This link has expired or is not valid. Open the site again from the ENT.",
    }
    formats {
        version_meta(number: i64, author: &str, when: &str): "Version {number} · {author} · {when}" / "Version {number} · {author} · {when}",
        decided(by: &str): "décidé par {by}" / "decided by {by}",
        restored(number: i64): "reprend la version {number}" / "restores version {number}",
        sites_count(n: usize): "{n} mini-site(s)" / "{n} mini site(s)",
        waiting_count(n: usize): "{n} version(s) à valider" / "{n} version(s) to review",
    }
}

impl Texts {
    /// A visibility in a few words (a badge).
    pub fn short(&self, v: Visibility) -> &'static str {
        match v {
            Visibility::Class => self.short_class,
            Visibility::School => self.short_school,
            Visibility::Public => self.short_public,
        }
    }

    /// A visibility as a choice of the settings.
    pub fn long(&self, v: Visibility) -> &'static str {
        match v {
            Visibility::Class => self.vis_class,
            Visibility::School => self.vis_school,
            Visibility::Public => self.vis_public,
        }
    }

    pub fn state(&self, s: VersionState) -> &'static str {
        match s {
            VersionState::Pending => self.badge_pending,
            VersionState::Published => self.badge_published,
            VersionState::Rejected => self.badge_rejected,
        }
    }

    /// The notice after a post (`?done=…`).
    pub fn done(&self, done: &str) -> Option<&'static str> {
        Some(match done {
            "saved" => self.done_saved,
            "waiting" => self.done_waiting,
            "published" => self.done_published,
            "rejected" => self.done_rejected,
            "already" => self.done_already,
            "restored" => self.done_restored,
            "public" => self.done_public,
            _ => return None,
        })
    }
}
