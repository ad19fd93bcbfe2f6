//! Every word the forum shows, in French (the default) and English: the kit's typed table
//! (`texts!`), so that a word missing in one language does not compile. Words that change with
//! a number, and the names of modes and audited acts, are methods below the table.

use ent_portlet_kit::Lang;

use crate::model::Mode;

ent_portlet_kit::texts! {
    words {
        forums: "Forums" / "Forums",
        all_forums: "Tous mes forums" / "All my forums",
        no_forum: "Aucun forum pour l'instant." / "No forum yet.",
        back_to_forums: "← Mes forums" / "← My forums",
        back_to_thread: "← Retour à la discussion" / "← Back to the thread",
        read_only: "lecture seule" / "read only",
        moderator: "vous modérez" / "you moderate",
        categories: "Catégories" / "Categories",
        category: "Catégorie" / "Category",
        pages: "Pages" / "Pages",
        newer: "Plus récents" / "Newer",
        older: "Plus anciens" / "Older",
        previous: "Précédents" / "Previous",
        next: "Suivants" / "Next",
        no_thread: "Aucune discussion dans cette catégorie." / "No thread in this category.",
        no_thread_yet: "Aucune discussion pour l'instant." / "No thread yet.",
        new_thread: "Nouvelle discussion" / "New thread",
        title: "Titre" / "Title",
        your_message: "Votre message" / "Your message",
        markdown_hint: "Mise en forme : **gras**, *italique*, listes avec « - », > citation, [lien](https://…)." / "Formatting: **bold**, *italic*, lists with \"- \", > quote, [link](https://…).",
        publish: "Publier" / "Publish",
        reply: "Répondre" / "Reply",
        send: "Envoyer" / "Send",
        save: "Enregistrer" / "Save",
        quote: "Citer" / "Quote",
        quote_gone: "Citation d'un message masqué." / "Quote of a hidden post.",
        quote_refused: "Ce message ne peut pas être cité." / "This post cannot be quoted.",
        title_missing: "Indiquez un titre." / "Give a title.",
        body_missing: "Écrivez votre message." / "Write your message.",
        category_missing: "Choisissez une catégorie." / "Choose a category.",
        category_name_missing: "Indiquez le nom de la catégorie." / "Give the category's name.",
        held_note: "Votre enseignant lira votre message avant qu'il soit publié." / "Your teacher will read your post before it is published.",
        locked_note: "Cette discussion est verrouillée : on ne peut plus y répondre." / "This thread is locked: no more replies.",
        badge_new: "nouveau" / "new",
        badge_held: "en attente de validation" / "waiting for approval",
        badge_hidden: "masqué" / "hidden",
        badge_locked: "verrouillée" / "locked",
        report: "Signaler ce message" / "Report this post",
        report_reason: "Motif du signalement (facultatif)" / "Why you report it (optional)",
        moderation: "Modération" / "Moderation",
        settings: "Réglages du forum" / "Forum settings",
        approve: "Publier ce message" / "Approve this post",
        refuse: "Refuser (masquer)" / "Refuse (hide)",
        hide: "Masquer ce message" / "Hide this post",
        edit: "Modifier ce message" / "Edit this post",
        edit_note: "Le message portera la mention « modifié par » avec votre nom ; le texte d'origine reste dans le journal de modération." / "The post will say \"edited by\" with your name; the original text stays in the moderation log.",
        lock: "Verrouiller la discussion" / "Lock the thread",
        unlock: "Déverrouiller la discussion" / "Unlock the thread",
        move_to: "Déplacer vers la catégorie" / "Move to the category",
        move_thread: "Déplacer" / "Move",
        close_report: "Classer le signalement" / "Close the report",
        held_posts: "Messages en attente de validation" / "Posts waiting for approval",
        nothing_held: "Aucun message en attente." / "No post waiting.",
        open_reports: "Signalements" / "Reports",
        nothing_reported: "Aucun signalement." / "No report.",
        done_held: "Votre message attend la validation d'un enseignant avant d'être publié." / "Your post waits for a teacher's approval before it is published.",
        done_reported: "Merci : le message a été signalé aux modérateurs du forum." / "Thank you: the post was reported to the forum's moderators.",
        done_approved: "Message publié." / "Post approved.",
        done_hidden: "Message masqué." / "Post hidden.",
        done_edited: "Message modifié." / "Post edited.",
        done_locked: "Discussion verrouillée." / "Thread locked.",
        done_unlocked: "Discussion déverrouillée." / "Thread unlocked.",
        done_closed: "Signalement classé." / "Report closed.",
        done_saved: "Réglages enregistrés." / "Settings saved.",
        moved: "Discussion déplacée." / "Thread moved.",
        mode_legend: "Validation des messages des élèves" / "Approval of pupils' posts",
        mode_none: "Aucune : les messages sont publiés aussitôt" / "None: posts are published at once",
        mode_threads: "Les nouvelles discussions des élèves attendent une validation" / "Pupils' new threads wait for approval",
        mode_posts: "Chaque message d'élève attend une validation" / "Every pupil's post waits for approval",
        open_families: "Ouvrir le forum en lecture aux familles de la classe" / "Open the forum to the class's families (reading)",
        open_pupils: "Ouvrir le forum aux élèves de l'école (lecture et écriture)" / "Open the forum to the school's pupils (reading and writing)",
        open_parents: "Ouvrir le forum en lecture aux parents de l'école" / "Open the forum to the school's parents (reading)",
        new_category: "Nouvelle catégorie" / "New category",
        add_category: "Ajouter la catégorie" / "Add the category",
        audit: "Journal de modération" / "Moderation log",
        when: "Quand" / "When",
        who: "Qui" / "Who",
        what: "Quoi" / "What",
        act_approve: "a publié un message" / "approved a post",
        act_hide: "a masqué un message" / "hid a post",
        act_edit: "a modifié un message" / "edited a post",
        act_lock: "a verrouillé une discussion" / "locked a thread",
        act_unlock: "a déverrouillé une discussion" / "unlocked a thread",
        act_move: "a déplacé une discussion" / "moved a thread",
        act_close_report: "a classé un signalement" / "closed a report",
        act_set_mode: "a changé la validation des messages" / "changed the approval of posts",
        act_set_openings: "a changé qui lit le forum" / "changed who reads the forum",
        act_add_category: "a ajouté une catégorie" / "added a category",
    }
    formats {
        class_forum(name: &str): "Forum de la classe {name}" / "{name} class forum",
        school_forum(name: &str): "Forum de l'école — {name}" / "School forum — {name}",
        quoting(name: &str): "Vous citez le message de {name}." / "You are quoting {name}'s post.",
        wrote(name: &str): "{name} a écrit :" / "{name} wrote:",
        edited_by(name: &str): "modifié par {name}" / "edited by {name}",
        edit_post_of(name: &str): "Modifier le message de {name}" / "Edit {name}'s post",
        reported_by(name: &str, at: &str): "Signalé par {name}, {at}" / "Reported by {name}, {at}",
        too_long(max: usize): "{max} caractères au plus." / "At most {max} characters.",
    }
}

impl Texts {
    /// "3 réponses", "1 reply".
    pub fn replies(&self, n: i64) -> String {
        match (self.lang, n) {
            (Lang::Fr, 0) => "aucune réponse".into(),
            (Lang::Fr, 1) => "1 réponse".into(),
            (Lang::Fr, n) => format!("{n} réponses"),
            (Lang::En, 0) => "no reply".into(),
            (Lang::En, 1) => "1 reply".into(),
            (Lang::En, n) => format!("{n} replies"),
        }
    }

    /// "2 discussions non lues", "1 unread thread".
    pub fn unread_threads(&self, n: i64) -> String {
        match (self.lang, n) {
            (Lang::Fr, 1) => "1 discussion non lue".into(),
            (Lang::Fr, n) => format!("{n} discussions non lues"),
            (Lang::En, 1) => "1 unread thread".into(),
            (Lang::En, n) => format!("{n} unread threads"),
        }
    }

    /// What waits for a moderator: "2 messages à valider, 1 signalement".
    pub fn waiting_line(&self, held: i64, reports: i64) -> String {
        let held = match (self.lang, held) {
            (Lang::Fr, 0) => "aucun message à valider".to_string(),
            (Lang::Fr, 1) => "1 message à valider".into(),
            (Lang::Fr, n) => format!("{n} messages à valider"),
            (Lang::En, 0) => "no post to approve".into(),
            (Lang::En, 1) => "1 post to approve".into(),
            (Lang::En, n) => format!("{n} posts to approve"),
        };
        let reports = match (self.lang, reports) {
            (Lang::Fr, 0) => "aucun signalement".to_string(),
            (Lang::Fr, 1) => "1 signalement".into(),
            (Lang::Fr, n) => format!("{n} signalements"),
            (Lang::En, 0) => "no report".into(),
            (Lang::En, 1) => "1 report".into(),
            (Lang::En, n) => format!("{n} reports"),
        };
        match self.lang {
            Lang::Fr => format!("Modération : {held}, {reports}"),
            Lang::En => format!("Moderation: {held}, {reports}"),
        }
    }

    /// A moderation mode in words.
    pub fn mode(&self, mode: Mode) -> &'static str {
        match mode {
            Mode::None => self.mode_none,
            Mode::PupilThreads => self.mode_threads,
            Mode::PupilPosts => self.mode_posts,
        }
    }

    /// An audited act, as the audit stores its name.
    pub fn act(&self, action: &str) -> &'static str {
        match action {
            "approve" => self.act_approve,
            "hide" => self.act_hide,
            "edit" => self.act_edit,
            "lock" => self.act_lock,
            "unlock" => self.act_unlock,
            "move" => self.act_move,
            "close_report" => self.act_close_report,
            "set_mode" => self.act_set_mode,
            "set_openings" => self.act_set_openings,
            "add_category" => self.act_add_category,
            _ => "—",
        }
    }
}
