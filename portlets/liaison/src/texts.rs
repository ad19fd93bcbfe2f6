//! Every word the notebook shows, in French (the default) and English: the kit's typed table
//! (`texts!`), so that a word missing in one language does not compile. Words with numbers or
//! names are formats; those whose words change with a number are methods below the table.

use ent_portlet_kit::Lang;

ent_portlet_kit::texts! {
    words {
        notebook: "Carnet de liaison"
            / "Liaison notebook",
        see_all: "Voir le carnet de liaison"
            / "Open the liaison notebook",
        no_notes: "Aucun mot pour le moment."
            / "No notes yet.",
        no_messages: "Pas encore de message."
            / "No messages yet.",
        your_reply: "Votre réponse"
            / "Your reply",
        send: "Envoyer"
            / "Send",
        back_to_list: "← Retour au carnet"
            / "← Back to the notebook",
        back_to_note: "← Retour au mot"
            / "← Back to the note",
        signatures: "Signatures"
            / "Signatures",
        signatures_caption: "Qui a signé, élève par élève"
            / "Who has signed, pupil by pupil",
        pupil: "Élève"
            / "Pupil",
        parent: "Parent"
            / "Parent",
        status: "État"
            / "Status",
        remind: "Relancer les parents qui n'ont pas signé"
            / "Remind the parents who have not signed",
        reminder_badge: "rappel"
            / "reminder",
        sign: "Signer"
            / "Sign",
        threads: "Échanges avec les familles"
            / "Conversations with the families",
        new_note: "Nouveau mot"
            / "New note",
        classes: "Classes"
            / "Classes",
        class: "Classe"
            / "Class",
        note_title: "Objet"
            / "Subject",
        note_body: "Message"
            / "Message",
        recipients: "Destinataires"
            / "Recipients",
        whole_class: "Toute la classe"
            / "The whole class",
        chosen_pupils: "Les familles de certains élèves :"
            / "The families of some pupils:",
        chosen_pupils_hint: "Cochez les élèves concernés si le mot ne s'adresse pas à toute la classe."
            / "Tick the pupils concerned if the note is not for the whole class.",
        ask_signature: "Demander la signature des parents"
            / "Ask the parents to sign",
        ask_signature_hint: "Les parents ayant l'autorité parentale pourront signer le mot."
            / "Parents with parental authority will be able to sign the note.",
        post: "Publier le mot"
            / "Post the note",
        write_to_teacher: "Écrire à l'enseignant"
            / "Write to the teacher",
        write_to_teacher_hint: "Votre mot sera lu par les enseignants de la classe et la direction de l'école, pas par votre enfant."
            / "Your note will be read by the class's teachers and the school's head, not by your child.",
        children: "Enfants"
            / "Children",
        about: "Au sujet de"
            / "About",
        nothing_for_profile: "Le carnet de liaison concerne les familles, les élèves et les enseignants : il n'y a rien à afficher pour votre profil."
            / "The liaison notebook is for families, pupils and teachers: there is nothing to show for your profile.",
        nothing_to_sign: "Rien à signer."
            / "Nothing to sign.",
        to_sign: "à signer"
            / "to sign",
        not_signed: "pas encore signé"
            / "not signed yet",
        no_signer: "aucun parent ayant l'autorité parentale"
            / "no parent with parental authority",
        parents_signed: "Signé par tes parents : oui"
            / "Signed by your parents: yes",
        parents_not_signed: "Signé par tes parents : pas encore"
            / "Signed by your parents: not yet",
        from_parent: "mot d'un parent"
            / "note from a parent",
        new_parent_notes: "Nouveaux mots des parents"
            / "New notes from parents",
        no_new_parent_notes: "Aucun nouveau mot des parents."
            / "No new notes from parents.",
        nothing_awaiting: "Aucune signature en attente."
            / "No signatures awaited.",
        latest_notes: "Derniers mots"
            / "Latest notes",
        my_notes: "Mon carnet de liaison"
            / "My liaison notebook",
        notes_of_school: "Les mots de l'école"
            / "The school's notes",
        all_classes: "Toutes les classes"
            / "All classes",
        your_child: "Votre enfant"
            / "Your child",
        title_missing: "Indiquez l'objet du mot."
            / "Give the note a subject.",
        title_too_long: "L'objet est trop long."
            / "The subject is too long.",
        body_missing: "Écrivez le message."
            / "Write the message.",
        body_too_long: "Le message est trop long."
            / "The message is too long.",
        pupils_missing: "Cochez au moins un élève, ou choisissez toute la classe."
            / "Tick at least one pupil, or choose the whole class.",
        reminded_recently: "Un rappel a déjà été envoyé il y a moins d'une heure."
            / "A reminder was already sent less than an hour ago.",
        nobody_to_remind: "Tous les parents attendus ont signé : personne à relancer."
            / "Every expected parent has signed: nobody to remind.",
        cannot_sign_no_authority: "Seuls les parents ayant l'autorité parentale peuvent signer ce mot."
            / "Only parents with parental authority can sign this note.",
        directory_unavailable: "L'annuaire de l'école n'est pas disponible : impossible d'écrire un mot pour le moment. Réessayez plus tard."
            / "The school directory is unavailable, so notes cannot be written right now. Try again later.",
        no_class_to_write: "Vous n'avez pas de classe à qui écrire."
            / "You have no class to write to.",
        no_child: "Aucun enfant n'est rattaché à votre compte."
            / "No child is linked to your account.",
        child_without_class: "Votre enfant n'est inscrit dans aucune classe pour le moment."
            / "Your child is not in a class at the moment.",
    }
    formats {
        signed_count(signed: i64, expected: i64): "{signed}/{expected} signés"
            / "{signed}/{expected} signed",
        signed_on(when: &str, by: &str): "signé le {when} par {by}"
            / "signed on {when} by {by}",
        by_on(author: &str, when: &str, class: &str): "{author}, le {when} — {class}"
            / "{author}, on {when} — {class}",
        to_pupils(names: &str): "Pour les familles de : {names}"
            / "For the families of: {names}",
        concerns(names: &str): "Concerne : {names}"
            / "About: {names}",
        to_whole_class(class: &str): "Pour toute la classe {class}"
            / "For the whole class {class}",
        thread_of(pupil: &str): "Échanges au sujet de {pupil}"
            / "Conversation about {pupil}",
        to_sign_for(child: &str): "À signer pour {child}"
            / "To sign for {child}",
        latest_about(child: &str): "Derniers mots — {child}"
            / "Latest notes — {child}",
        signature_for(child: &str): "Signature pour {child}"
            / "Signature for {child}",
        notebook_of(who: &str): "Carnet de liaison — {who}"
            / "Liaison notebook — {who}",
        parent_note_about(pupil: &str): "Mot d'un parent au sujet de {pupil}"
            / "A parent's note about {pupil}",
        awaiting_in(class: &str): "Signatures en attente — {class}"
            / "Awaiting signatures — {class}",
        last_reminder(when: &str, count: i64): "Dernier rappel le {when} ({count} au total)."
            / "Last reminder on {when} ({count} in all).",
    }
}

impl Texts {
    pub fn messages(&self, n: i64) -> String {
        match (self.lang == Lang::Fr, n) {
            (true, 0) => "aucun message".into(),
            (true, 1) => "1 message".into(),
            (true, n) => format!("{n} messages"),
            (false, 0) => "no messages".into(),
            (false, 1) => "1 message".into(),
            (false, n) => format!("{n} messages"),
        }
    }

    pub fn new_replies(&self, n: i64) -> String {
        match (self.lang == Lang::Fr, n) {
            (true, 1) => "1 nouvelle réponse".into(),
            (true, n) => format!("{n} nouvelles réponses"),
            (false, 1) => "1 new reply".into(),
            (false, n) => format!("{n} new replies"),
        }
    }

    pub fn no_signer_for(&self, n: usize) -> String {
        match (self.lang == Lang::Fr, n) {
            (true, 1) => "1 élève sans parent signataire".into(),
            (true, n) => format!("{n} élèves sans parent signataire"),
            (false, 1) => "1 pupil without a parent who can sign".into(),
            (false, n) => format!("{n} pupils without a parent who can sign"),
        }
    }

    pub fn school_figures(&self, notes: i64, awaiting: i64, parent_notes: i64) -> Vec<String> {
        if self.lang == Lang::Fr {
            vec![
                format!("{notes} mot(s) dans l'école"),
                format!("{awaiting} mot(s) en attente de signatures"),
                format!("{parent_notes} mot(s) de parents"),
            ]
        } else {
            vec![
                format!("{notes} note(s) in the school"),
                format!("{awaiting} note(s) awaiting signatures"),
                format!("{parent_notes} note(s) from parents"),
            ]
        }
    }
}
