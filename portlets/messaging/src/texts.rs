//! Every word messaging shows, in French (the default) and English: the kit's typed table
//! (`texts!`), so that a word missing in one language does not compile. Words that change with
//! a number are methods below the table.

use ent_portlet_kit::Lang;

ent_portlet_kit::texts! {
    words {
        folders: "Dossiers" / "Folders",
        inbox: "Boîte de réception" / "Inbox",
        sent: "Envoyés" / "Sent",
        drafts: "Brouillons" / "Drafts",
        archive: "Archives" / "Archive",
        review: "À valider" / "To review",
        reports: "Signalements" / "Reports",
        settings: "Réglages de la messagerie" / "Messaging settings",
        schools: "Écoles" / "Schools",
        pages: "Pages" / "Pages",
        newer: "Plus récents" / "Newer",
        older: "Plus anciens" / "Older",
        new_message: "Nouveau message" / "New message",
        search: "Rechercher" / "Search",
        search_label: "Rechercher dans mes messages" / "Search my messages",
        search_too_short: "Tapez au moins deux lettres." / "Type at least two letters.",
        search_nothing: "Aucun message ne correspond." / "No message matches.",
        inbox_empty: "Aucun message." / "No messages.",
        archive_empty: "Aucune conversation archivée." / "No archived conversation.",
        sent_empty: "Vous n'avez encore rien envoyé." / "You have not sent anything yet.",
        drafts_empty: "Aucun brouillon." / "No drafts.",
        no_subject: "(sans objet)" / "(no subject)",
        to_prefix: "à" / "to",
        new_badge: "nouveau" / "new",
        no_unread: "Aucun nouveau message." / "No new messages.",
        badge_held: "en attente de validation" / "waiting for review",
        badge_recalled: "rappelé" / "recalled",
        badge_retracted: "retiré par l'école" / "withdrawn by the school",
        badge_refused: "refusé par l'école" / "refused by the school",
        badge_draft: "brouillon" / "draft",
        badge_frozen: "envoi suspendu" / "sending suspended",
        held_explained: "Ce message attend la validation de l'école :" / "This message waits for the school's review:",
        held_rate: "beaucoup de messages ont été envoyés depuis ce compte en peu de temps." / "many messages were sent from this account in a short time.",
        held_school_rate: "beaucoup de messages sont partis de l'école en peu de temps." / "many messages left the school in a short time.",
        held_new_session: "premier envoi à de nombreux destinataires depuis une connexion récente." / "first message to many people from a recent sign-in.",
        held_pupil_broadcast: "message d'élève à de nombreux destinataires." / "a pupil's message to many people.",
        sent_ok: "Message envoyé." / "Message sent.",
        sent_held: "Votre message attend la validation d'un enseignant ou du directeur avant d'être distribué. Vous serez informé dans le dossier Envoyés." / "Your message waits for a teacher's or the director's review before it is delivered. Its state shows in your Sent folder.",
        retracted_text: "Ce message a été retiré par l'école." / "This message was withdrawn by the school.",
        recall: "Rappeler ce message (personne ne l'a encore lu)" / "Recall this message (nobody has read it yet)",
        recall_too_late: "Ce message ne peut plus être rappelé : il a été lu, ou il a été envoyé il y a plus d'une heure." / "This message can no longer be recalled: it was read, or sent more than an hour ago.",
        report: "Signaler ce message au directeur" / "Report this message to the director",
        report_reason: "Motif du signalement (facultatif)" / "Why you report it (optional)",
        your_reply: "Votre réponse" / "Your reply",
        attach: "Joindre des fichiers" / "Attach files",
        send: "Envoyer" / "Send",
        archive_action: "Archiver la conversation" / "Archive the conversation",
        unarchive: "Remettre dans la boîte de réception" / "Move back to the inbox",
        leaving_title: "Vous quittez l'ENT" / "You are leaving the ENT",
        leaving_text: "Ce lien mène à un site extérieur à l'ENT, que l'école ne contrôle pas. Vérifiez l'adresse avant de continuer." / "This link leads to a site outside the ENT, which the school does not control. Check the address before you go on.",
        leaving_go: "Ouvrir le site" / "Open the site",
        back_to_inbox: "← Retour à la messagerie" / "← Back to messaging",
        reply_draft: "Réponse (brouillon)" / "Reply (draft)",
        recipients: "Destinataires" / "Recipients",
        no_recipient_yet: "Aucun destinataire choisi." / "No recipient chosen yet.",
        groups: "Groupes" / "Groups",
        people: "Personnes" / "People",
        find_person: "Chercher une personne par son nom" / "Find a person by name",
        find: "Chercher" / "Find",
        people_search_hint: "Cherchez une personne par son nom pour l'ajouter." / "Find a person by name to add them.",
        people_none_found: "Personne à qui vous pouvez écrire ne porte ce nom." / "Nobody you may write to has that name.",
        unknown_person: "Personne inconnue" / "Unknown person",
        subject: "Objet" / "Subject",
        body: "Message" / "Message",
        body_hint: "Texte simple ; les adresses web deviennent des liens." / "Plain text; web addresses become links.",
        detach: "Retirer" / "Remove",
        save_draft: "Enregistrer le brouillon" / "Save the draft",
        delete_draft: "Supprimer le brouillon" / "Delete the draft",
        files_hint_pupils: "Les programmes et les vidéos ne sont pas acceptés." / "Programs and videos are not accepted.",
        subject_missing: "Indiquez l'objet du message." / "Give the message a subject.",
        body_missing: "Écrivez le message." / "Write the message.",
        kept_as_draft: "Votre message est conservé dans vos brouillons." / "Your message is kept in your drafts.",
        refused_closed: "La messagerie de l'école est fermée à l'envoi pour le moment." / "The school's messaging is closed to sending for now.",
        refused_frozen: "L'envoi de messages est suspendu pour votre compte. Adressez-vous au directeur de l'école." / "Sending is suspended for your account. Ask the school's director.",
        refused_school: "Vous n'écrivez pas dans cette école." / "You do not write in this school.",
        refused_no_recipient: "Choisissez au moins un destinataire." / "Choose at least one recipient.",
        refused_unknown: "Un destinataire n'est pas une personne à qui vous pouvez écrire." / "A recipient is not someone you may write to.",
        refused_group: "Vous ne pouvez pas écrire à ce groupe." / "You may not write to this group.",
        sign_in_again: "Pour écrire à autant de personnes, confirmez d'abord votre identité." / "To write to so many people, confirm who you are first.",
        directory_down: "L'annuaire ne répond pas : les destinataires ne peuvent pas être choisis pour le moment. Vous pouvez enregistrer un brouillon ou répondre à un message." / "The directory does not answer: recipients cannot be chosen for now. You can save a draft or reply to a message.",
        group_school_teachers: "Enseignants de l'école" / "The school's teachers",
        group_school_staff: "Direction et personnels de l'école" / "The school's director and staff",
        group_school_directors: "Direction de l'école" / "The school's director",
        group_school_parents: "Parents de l'école" / "The school's parents",
        group_school_pupils: "Élèves de l'école" / "The school's pupils",
        kind_pupil: "élève" / "pupil",
        kind_parent: "parent" / "parent",
        kind_teacher: "enseignant" / "teacher",
        kind_director: "direction" / "director",
        kind_staff: "personnel" / "staff",
        done_deleted: "Brouillon supprimé." / "Draft deleted.",
        done_recalled: "Message rappelé : il n'apparaît plus chez ses destinataires." / "Message recalled: its recipients no longer see it.",
        done_archived: "Conversation archivée." / "Conversation archived.",
        done_reported: "Message signalé au directeur de l'école. Merci." / "Message reported to the school's director. Thank you.",
        done_saved: "Enregistré." / "Saved.",
        done_signed_in: "Identité confirmée : vous pouvez envoyer votre message." / "Identity confirmed: you can send your message.",
        done_released: "Message distribué." / "Message delivered.",
        done_refused: "Message supprimé sans être distribué." / "Message deleted without being delivered.",
        done_frozen: "L'envoi est suspendu pour ce compte." / "Sending is suspended for this account.",
        done_unfrozen: "L'envoi est rétabli pour ce compte." / "Sending is restored for this account.",
        done_retracted: "Les messages ont été retirés de toutes les boîtes." / "The messages were taken out of every inbox.",
        done_closed: "Signalement traité." / "Report dealt with.",
        review_intro: "Ces messages ne sont pas encore distribués. Distribuez-les s'ils sont appropriés, sinon supprimez-les ; vous pouvez aussi suspendre l'envoi pour leur auteur." / "These messages are not delivered yet. Deliver them if they are appropriate, otherwise delete them; you can also suspend their author's sending.",
        review_empty: "Aucun message en attente." / "No message waiting.",
        reports_intro: "Messages signalés par leurs destinataires." / "Messages reported by their recipients.",
        reports_empty: "Aucun signalement en cours." / "No open report.",
        release: "Distribuer" / "Deliver",
        refuse: "Supprimer" / "Delete",
        close_report: "Marquer comme traité" / "Mark as dealt with",
        retract_period: "Période" / "Period",
        modes_heading: "Ouverture de la messagerie" / "Messaging open or closed",
        modes_intro: "Par profil : ouverte, en lecture seule (aucun envoi, même en réponse) ou fermée (les messages de l'école ne sont plus affichés). Le changement s'applique immédiatement." / "Per profile: open, read-only (no sending, not even replies) or off (the school's messages are no longer shown). The change applies at once.",
        mode_open: "Ouverte" / "Open",
        mode_read_only: "Lecture seule" / "Read-only",
        mode_off: "Fermée" / "Off",
        save: "Enregistrer" / "Save",
        rules_heading: "Qui peut écrire à qui" / "Who may write to whom",
        rules_intro: "Les cases cochées sont permises. « Toujours » et « Jamais » ne se changent pas : un parent n'écrit jamais à d'autres parents ni à des élèves." / "Ticked boxes are allowed. \"Always\" and \"never\" cannot be changed: a parent never writes to other parents or to pupils.",
        rules_caption: "Règles d'écriture de l'école" / "The school's writing rules",
        sender: "Qui écrit" / "Who writes",
        always: "Toujours" / "Always",
        never: "Jamais" / "Never",
        accounts_heading: "Comptes" / "Accounts",
        nobody_frozen: "Aucun compte n'a l'envoi suspendu." / "No account has its sending suspended.",
        unfreeze: "Rétablir l'envoi" / "Restore sending",
        everywhere: "toutes les écoles" / "every school",
        audit_heading: "Journal" / "Log",
        audit_empty: "Rien pour le moment." / "Nothing yet.",
        audit_rule: "règle modifiée" / "rule changed",
        audit_mode: "ouverture modifiée" / "switch changed",
        audit_hours: "heures des notifications modifiées" / "notification hours changed",
        audit_freeze: "envoi suspendu" / "sending suspended",
        audit_unfreeze: "envoi rétabli" / "sending restored",
        audit_retract: "messages retirés" / "messages withdrawn",
        audit_release: "message distribué après validation" / "message delivered after review",
        audit_refuse: "message refusé" / "message refused",
        audit_report_closed: "signalement traité" / "report dealt with",
        profile_pupils: "Élèves" / "Pupils",
        profile_parents: "Parents" / "Parents",
        profile_teachers: "Enseignants" / "Teachers",
        profile_staff: "Personnels" / "Staff",
        profile_directors: "Direction" / "Directors",
        profile_city_agents: "Agents de la ville" / "City agents",
        profile_admins: "Administrateurs" / "Administrators",
        aud_class_teachers: "Enseignants de sa classe" / "Own class's teachers",
        aud_class_pupils: "Élèves de sa classe" / "Own class's pupils",
        aud_class_parents: "Parents de sa classe" / "Own class's parents",
        aud_school_teachers: "Enseignants de l'école" / "The school's teachers",
        aud_school_pupils: "Élèves de l'école" / "The school's pupils",
        aud_school_parents: "Parents de l'école" / "The school's parents",
        aud_school_staff: "Personnels" / "Staff",
        aud_school_directors: "Direction" / "Director",
    }
    formats {
        search_results(q: &str): "Résultats pour « {q} »" / "Results for \"{q}\"",
        group_class_pupils(class: &str): "Élèves de {class}" / "Pupils of {class}",
        group_class_parents(class: &str): "Parents de {class}" / "Parents of {class}",
        group_class_teachers(class: &str): "Enseignants de {class}" / "Teachers of {class}",
        refused_person(name: &str): "Vous ne pouvez pas écrire à {name}." / "You may not write to {name}.",
        file_too_large(name: &str, max: &str): "« {name} » dépasse la taille permise ({max})." / "\"{name}\" is larger than allowed ({max}).",
        file_refused_for_pupils(name: &str): "« {name} » n'est pas accepté : les élèves ne peuvent pas joindre de programme ni de vidéo." / "\"{name}\" is not accepted: pupils may not attach programs or videos.",
        over_quota(left: &str): "Ces fichiers dépassent votre espace : il vous reste {left}." / "These files exceed your space: {left} left.",
        body_too_long(max: usize): "Le message dépasse {max} caractères." / "The message is longer than {max} characters.",
        subject_too_long(max: usize): "L'objet dépasse {max} caractères." / "The subject is longer than {max} characters.",
        reported_by(name: &str, at: &str, reason: &str): "Signalé par {name} le {at}. {reason}" / "Reported by {name} on {at}. {reason}",
        freeze_author(name: &str): "Suspendre l'envoi pour {name}" / "Suspend sending for {name}",
        retract_author(name: &str): "Retirer de toutes les boîtes les messages de {name}" / "Take {name}'s messages out of every inbox",
    }
}

impl Texts {
    fn plural(&self, n: i64, fr_one: &str, fr_many: &str, en_one: &str, en_many: &str) -> String {
        match (self.lang, n) {
            (Lang::Fr, 0 | 1) => format!("{n} {fr_one}"),
            (Lang::Fr, _) => format!("{n} {fr_many}"),
            (Lang::En, 1) => format!("{n} {en_one}"),
            (Lang::En, _) => format!("{n} {en_many}"),
        }
    }

    pub fn inbox_unread(&self, n: i64) -> String {
        format!("{} ({n})", self.inbox)
    }

    pub fn unread_badge(&self, n: i64) -> String {
        self.plural(n, "non lu", "non lus", "unread", "unread")
    }

    pub fn unread_summary(&self, n: i64) -> String {
        self.plural(n, "message non lu", "messages non lus", "unread message", "unread messages")
    }

    pub fn review_waiting(&self, n: usize) -> String {
        format!("{} ({n})", self.review)
    }

    pub fn reports_waiting(&self, n: usize) -> String {
        format!("{} ({n})", self.reports)
    }

    pub fn recipient_count(&self, n: i64) -> String {
        self.plural(n, "destinataire", "destinataires", "recipient", "recipients")
    }

    pub fn read_by(&self, read: i64, total: i64) -> String {
        match self.lang {
            Lang::Fr => format!("Lu par {read} sur {total}."),
            Lang::En => format!("Read by {read} of {total}."),
        }
    }

    pub fn last_hours(&self, hours: &i64) -> String {
        match (self.lang, *hours) {
            (Lang::Fr, 1) => "la dernière heure".into(),
            (Lang::Fr, 24) => "les dernières 24 heures".into(),
            (Lang::Fr, h) if h % 24 == 0 => format!("les {} derniers jours", h / 24),
            (Lang::Fr, h) => format!("les {h} dernières heures"),
            (Lang::En, 1) => "the last hour".into(),
            (Lang::En, 24) => "the last 24 hours".into(),
            (Lang::En, h) if h % 24 == 0 => format!("the last {} days", h / 24),
            (Lang::En, h) => format!("the last {h} hours"),
        }
    }

    pub fn too_many_files(&self, max: usize) -> String {
        match self.lang {
            Lang::Fr => format!("Au plus {max} fichiers par message."),
            Lang::En => format!("At most {max} files per message."),
        }
    }

    pub fn refused_too_many(&self, cap: usize) -> String {
        match self.lang {
            Lang::Fr => format!("Trop de destinataires : {cap} au plus par message."),
            Lang::En => format!("Too many recipients: at most {cap} per message."),
        }
    }

    pub fn cap_hint(&self, cap: usize) -> String {
        match self.lang {
            Lang::Fr => format!("Au plus {cap} destinataires par message. Les groupes sont développés à l'envoi."),
            Lang::En => format!("At most {cap} recipients per message. Groups are expanded when the message is sent."),
        }
    }

    pub fn files_hint(&self, max_files: usize, max: &str, left: &str) -> String {
        match self.lang {
            Lang::Fr => format!("Jusqu'à {max_files} fichiers de {max} au plus chacun ; il vous reste {left}."),
            Lang::En => format!("Up to {max_files} files of at most {max} each; {left} left in your space."),
        }
    }
}
