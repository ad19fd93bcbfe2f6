//! Every word the notebook shows, in French (the default) and English. Texts with numbers or
//! names are functions, so that each language orders its own words.

use ent_portlet_kit::Lang;

pub struct Texts {
    pub lang: Lang,
    pub notebook: &'static str,
    pub see_all: &'static str,
    pub no_notes: &'static str,
    pub no_messages: &'static str,
    pub your_reply: &'static str,
    pub send: &'static str,
    pub back_to_list: &'static str,
    pub back_to_note: &'static str,
    pub signatures: &'static str,
    pub signatures_caption: &'static str,
    pub pupil: &'static str,
    pub parent: &'static str,
    pub status: &'static str,
    pub remind: &'static str,
    pub reminder_badge: &'static str,
    pub sign: &'static str,
    pub threads: &'static str,
    pub new_note: &'static str,
    pub classes: &'static str,
    pub class: &'static str,
    pub note_title: &'static str,
    pub note_body: &'static str,
    pub recipients: &'static str,
    pub whole_class: &'static str,
    pub chosen_pupils: &'static str,
    pub chosen_pupils_hint: &'static str,
    pub ask_signature: &'static str,
    pub ask_signature_hint: &'static str,
    pub post: &'static str,
    pub write_to_teacher: &'static str,
    pub write_to_teacher_hint: &'static str,
    pub children: &'static str,
    pub about: &'static str,
    // Summaries and lists.
    pub nothing_for_profile: &'static str,
    pub nothing_to_sign: &'static str,
    pub to_sign: &'static str,
    pub not_signed: &'static str,
    pub no_signer: &'static str,
    pub parents_signed: &'static str,
    pub parents_not_signed: &'static str,
    pub from_parent: &'static str,
    pub new_parent_notes: &'static str,
    pub no_new_parent_notes: &'static str,
    pub nothing_awaiting: &'static str,
    pub latest_notes: &'static str,
    pub my_notes: &'static str,
    pub notes_of_school: &'static str,
    pub all_classes: &'static str,
    pub your_child: &'static str,
    // Errors and notices.
    pub title_missing: &'static str,
    pub title_too_long: &'static str,
    pub body_missing: &'static str,
    pub body_too_long: &'static str,
    pub pupils_missing: &'static str,
    pub reminded_recently: &'static str,
    pub nobody_to_remind: &'static str,
    pub cannot_sign_no_authority: &'static str,
    pub directory_unavailable: &'static str,
    pub no_class_to_write: &'static str,
    pub no_child: &'static str,
    pub child_without_class: &'static str,
}

pub const FR: Texts = Texts {
    lang: Lang::Fr,
    notebook: "Carnet de liaison",
    see_all: "Voir le carnet de liaison",
    no_notes: "Aucun mot pour le moment.",
    no_messages: "Pas encore de message.",
    your_reply: "Votre réponse",
    send: "Envoyer",
    back_to_list: "← Retour au carnet",
    back_to_note: "← Retour au mot",
    signatures: "Signatures",
    signatures_caption: "Qui a signé, élève par élève",
    pupil: "Élève",
    parent: "Parent",
    status: "État",
    remind: "Relancer les parents qui n'ont pas signé",
    reminder_badge: "rappel",
    sign: "Signer",
    threads: "Échanges avec les familles",
    new_note: "Nouveau mot",
    classes: "Classes",
    class: "Classe",
    note_title: "Objet",
    note_body: "Message",
    recipients: "Destinataires",
    whole_class: "Toute la classe",
    chosen_pupils: "Les familles de certains élèves :",
    chosen_pupils_hint: "Cochez les élèves concernés si le mot ne s'adresse pas à toute la classe.",
    ask_signature: "Demander la signature des parents",
    ask_signature_hint: "Les parents ayant l'autorité parentale pourront signer le mot.",
    post: "Publier le mot",
    write_to_teacher: "Écrire à l'enseignant",
    write_to_teacher_hint: "Votre mot sera lu par les enseignants de la classe et la direction de l'école, pas par votre enfant.",
    children: "Enfants",
    about: "Au sujet de",
    nothing_for_profile: "Le carnet de liaison concerne les familles, les élèves et les enseignants : il n'y a rien à afficher pour votre profil.",
    nothing_to_sign: "Rien à signer.",
    to_sign: "à signer",
    not_signed: "pas encore signé",
    no_signer: "aucun parent ayant l'autorité parentale",
    parents_signed: "Signé par tes parents : oui",
    parents_not_signed: "Signé par tes parents : pas encore",
    from_parent: "mot d'un parent",
    new_parent_notes: "Nouveaux mots des parents",
    no_new_parent_notes: "Aucun nouveau mot des parents.",
    nothing_awaiting: "Aucune signature en attente.",
    latest_notes: "Derniers mots",
    my_notes: "Mon carnet de liaison",
    notes_of_school: "Les mots de l'école",
    all_classes: "Toutes les classes",
    your_child: "Votre enfant",
    title_missing: "Indiquez l'objet du mot.",
    title_too_long: "L'objet est trop long.",
    body_missing: "Écrivez le message.",
    body_too_long: "Le message est trop long.",
    pupils_missing: "Cochez au moins un élève, ou choisissez toute la classe.",
    reminded_recently: "Un rappel a déjà été envoyé il y a moins d'une heure.",
    nobody_to_remind: "Tous les parents attendus ont signé : personne à relancer.",
    cannot_sign_no_authority: "Seuls les parents ayant l'autorité parentale peuvent signer ce mot.",
    directory_unavailable: "L'annuaire de l'école n'est pas disponible : impossible d'écrire un mot pour le moment. Réessayez plus tard.",
    no_class_to_write: "Vous n'avez pas de classe à qui écrire.",
    no_child: "Aucun enfant n'est rattaché à votre compte.",
    child_without_class: "Votre enfant n'est inscrit dans aucune classe pour le moment.",
};

pub const EN: Texts = Texts {
    lang: Lang::En,
    notebook: "Liaison notebook",
    see_all: "Open the liaison notebook",
    no_notes: "No notes yet.",
    no_messages: "No messages yet.",
    your_reply: "Your reply",
    send: "Send",
    back_to_list: "← Back to the notebook",
    back_to_note: "← Back to the note",
    signatures: "Signatures",
    signatures_caption: "Who has signed, pupil by pupil",
    pupil: "Pupil",
    parent: "Parent",
    status: "Status",
    remind: "Remind the parents who have not signed",
    reminder_badge: "reminder",
    sign: "Sign",
    threads: "Conversations with the families",
    new_note: "New note",
    classes: "Classes",
    class: "Class",
    note_title: "Subject",
    note_body: "Message",
    recipients: "Recipients",
    whole_class: "The whole class",
    chosen_pupils: "The families of some pupils:",
    chosen_pupils_hint: "Tick the pupils concerned if the note is not for the whole class.",
    ask_signature: "Ask the parents to sign",
    ask_signature_hint: "Parents with parental authority will be able to sign the note.",
    post: "Post the note",
    write_to_teacher: "Write to the teacher",
    write_to_teacher_hint: "Your note will be read by the class's teachers and the school's head, not by your child.",
    children: "Children",
    about: "About",
    nothing_for_profile: "The liaison notebook is for families, pupils and teachers: there is nothing to show for your profile.",
    nothing_to_sign: "Nothing to sign.",
    to_sign: "to sign",
    not_signed: "not signed yet",
    no_signer: "no parent with parental authority",
    parents_signed: "Signed by your parents: yes",
    parents_not_signed: "Signed by your parents: not yet",
    from_parent: "note from a parent",
    new_parent_notes: "New notes from parents",
    no_new_parent_notes: "No new notes from parents.",
    nothing_awaiting: "No signatures awaited.",
    latest_notes: "Latest notes",
    my_notes: "My liaison notebook",
    notes_of_school: "The school's notes",
    all_classes: "All classes",
    your_child: "Your child",
    title_missing: "Give the note a subject.",
    title_too_long: "The subject is too long.",
    body_missing: "Write the message.",
    body_too_long: "The message is too long.",
    pupils_missing: "Tick at least one pupil, or choose the whole class.",
    reminded_recently: "A reminder was already sent less than an hour ago.",
    nobody_to_remind: "Every expected parent has signed: nobody to remind.",
    cannot_sign_no_authority: "Only parents with parental authority can sign this note.",
    directory_unavailable: "The school directory is unavailable, so notes cannot be written right now. Try again later.",
    no_class_to_write: "You have no class to write to.",
    no_child: "No child is linked to your account.",
    child_without_class: "Your child is not in a class at the moment.",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

impl Texts {
    fn fr(&self) -> bool {
        self.lang == Lang::Fr
    }

    /// "3/25 signés".
    pub fn signed_count(&self, signed: i64, expected: i64) -> String {
        if self.fr() { format!("{signed}/{expected} signés") } else { format!("{signed}/{expected} signed") }
    }

    /// "signé le 12/03/2025 à 08:15 par Marie Dupont".
    pub fn signed_on(&self, when: &str, by: &str) -> String {
        if self.fr() { format!("signé le {when} par {by}") } else { format!("signed on {when} by {by}") }
    }

    pub fn by_on(&self, author: &str, when: &str, class: &str) -> String {
        if self.fr() { format!("{author}, le {when} — {class}") } else { format!("{author}, on {when} — {class}") }
    }

    pub fn to_pupils(&self, names: &str) -> String {
        if self.fr() { format!("Pour les familles de : {names}") } else { format!("For the families of: {names}") }
    }

    /// Whom a note to chosen families concerns, as a family sees it: its own children only.
    pub fn concerns(&self, names: &str) -> String {
        if self.fr() { format!("Concerne : {names}") } else { format!("About: {names}") }
    }

    pub fn to_whole_class(&self, class: &str) -> String {
        if self.fr() { format!("Pour toute la classe {class}") } else { format!("For the whole class {class}") }
    }

    pub fn parent_note_about(&self, pupil: &str) -> String {
        if self.fr() {
            format!("Mot d'un parent au sujet de {pupil}")
        } else {
            format!("A parent's note about {pupil}")
        }
    }

    pub fn thread_of(&self, pupil: &str) -> String {
        if self.fr() { format!("Échanges au sujet de {pupil}") } else { format!("Conversation about {pupil}") }
    }

    pub fn messages(&self, n: i64) -> String {
        match (self.fr(), n) {
            (true, 0) => "aucun message".into(),
            (true, 1) => "1 message".into(),
            (true, n) => format!("{n} messages"),
            (false, 0) => "no messages".into(),
            (false, 1) => "1 message".into(),
            (false, n) => format!("{n} messages"),
        }
    }

    pub fn new_replies(&self, n: i64) -> String {
        match (self.fr(), n) {
            (true, 1) => "1 nouvelle réponse".into(),
            (true, n) => format!("{n} nouvelles réponses"),
            (false, 1) => "1 new reply".into(),
            (false, n) => format!("{n} new replies"),
        }
    }

    pub fn to_sign_for(&self, child: &str) -> String {
        if self.fr() { format!("À signer pour {child}") } else { format!("To sign for {child}") }
    }

    pub fn latest_about(&self, child: &str) -> String {
        if self.fr() { format!("Derniers mots — {child}") } else { format!("Latest notes — {child}") }
    }

    pub fn signature_for(&self, child: &str) -> String {
        if self.fr() { format!("Signature pour {child}") } else { format!("Signature for {child}") }
    }

    pub fn awaiting_in(&self, class: &str) -> String {
        if self.fr() {
            format!("Signatures en attente — {class}")
        } else {
            format!("Awaiting signatures — {class}")
        }
    }

    pub fn last_reminder(&self, when: &str, count: i64) -> String {
        if self.fr() {
            format!("Dernier rappel le {when} ({count} au total).")
        } else {
            format!("Last reminder on {when} ({count} in all).")
        }
    }

    pub fn no_signer_for(&self, n: usize) -> String {
        match (self.fr(), n) {
            (true, 1) => "1 élève sans parent signataire".into(),
            (true, n) => format!("{n} élèves sans parent signataire"),
            (false, 1) => "1 pupil without a parent who can sign".into(),
            (false, n) => format!("{n} pupils without a parent who can sign"),
        }
    }

    pub fn school_figures(&self, notes: i64, awaiting: i64, parent_notes: i64) -> Vec<String> {
        if self.fr() {
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

    pub fn notebook_of(&self, who: &str) -> String {
        if self.fr() { format!("Carnet de liaison — {who}") } else { format!("Liaison notebook — {who}") }
    }
}
