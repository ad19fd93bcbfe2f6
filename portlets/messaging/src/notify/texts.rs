//! The words of the digest's page, its mails and the school's notification hours, in French (the
//! default) and English.

ent_portlet_kit::texts! {
    words {
        tab: "Résumé par e-mail" / "E-mail digest",
        heading: "Résumé quotidien par e-mail" / "Daily e-mail digest",
        intro: "Une fois par jour au plus, aux heures de l'école, un e-mail vous dit combien de messages vous attendent et de qui. Il ne contient jamais le texte des messages : pour les lire, connectez-vous à l'ENT." / "At most once a day, within the school's hours, an e-mail tells you how many messages wait for you and from whom. It never holds the messages' text: sign in to the ENT to read them.",
        unavailable: "Les e-mails ne sont pas configurés sur cet ENT." / "E-mail is not set up on this ENT.",
        parents_only: "Le résumé par e-mail est proposé aux parents." / "The e-mail digest is offered to parents.",
        email: "Adresse e-mail" / "E-mail address",
        email_hint: "Un code vous sera envoyé à cette adresse pour la confirmer." / "A code will be sent to this address to confirm it.",
        subscribe: "Recevoir le résumé" / "Get the digest",
        code: "Code reçu par e-mail" / "Code received by e-mail",
        confirm: "Confirmer" / "Confirm",
        send_again: "Changer d'adresse ou renvoyer un code" / "Change the address or send a new code",
        stop: "Ne plus recevoir le résumé" / "Stop the digest",
        bad_email: "Cette adresse e-mail n'est pas valide." / "This e-mail address is not valid.",
        code_sent: "Un code a été envoyé. Tapez-le ci-dessous pour confirmer l'adresse." / "A code was sent. Type it below to confirm the address.",
        confirmed: "C'est confirmé : vous recevrez le résumé." / "Confirmed: you will get the digest.",
        too_many: "Trop de codes erronés : demandez un nouveau code." / "Too many wrong codes: ask for a new one.",
        stopped: "Vous ne recevrez plus le résumé ; votre adresse a été effacée." / "You will no longer get the digest; your address was erased.",
        slow_down: "Trop de codes demandés : réessayez dans une heure." / "Too many codes asked for: try again in an hour.",
        mail_failed: "L'e-mail n'a pas pu être envoyé ; réessayez plus tard." / "The e-mail could not be sent; try again later.",
        code_subject: "ENT : votre code de confirmation" / "ENT: your confirmation code",
        hours_heading: "Heures des notifications" / "Notification hours",
        hours_intro: "Les e-mails aux familles ne partent qu'à ces heures (heure de Paris) ; les messages, eux, arrivent tout de suite. Exemple : « mon-fri 07:00-20:00, sat 08:00-12:00 »." / "E-mails to families leave only within these hours (Paris time); messages themselves arrive at once. Example: \"mon-fri 07:00-20:00, sat 08:00-12:00\".",
        hours_label: "Heures" / "Hours",
        hours_save: "Enregistrer les heures" / "Save the hours",
        hours_saved: "Heures enregistrées." / "Hours saved.",
        bad_hours: "Ces heures ne sont pas valides." / "These hours are not valid.",
    }
    formats {
        pending(email: &str): "Un code a été envoyé à {email}." / "A code was sent to {email}.",
        active(email: &str): "Le résumé est envoyé à {email}." / "The digest goes to {email}.",
        wrong_code(left: i64): "Ce n'est pas le bon code ({left} essai(s) restant(s))." / "That is not the code ({left} tries left).",
        code_text(code: &str): "Bonjour,\n\nVotre code de confirmation pour le résumé de la messagerie de l'ENT : {code}\n\nSi vous n'avez rien demandé, ignorez ce message : aucun résumé ne sera envoyé.\n" / "Hello,\n\nYour confirmation code for the ENT messaging digest: {code}\n\nIf you did not ask for it, ignore this message: no digest will be sent.\n",
    }
}

impl Texts {
    /// The digest's subject.
    pub fn digest_subject(&self, count: i64) -> String {
        match (self.lang, count) {
            (ent_portlet_kit::Lang::Fr, 1) => "Messagerie de l'ENT : 1 message non lu".into(),
            (ent_portlet_kit::Lang::Fr, n) => format!("Messagerie de l'ENT : {n} messages non lus"),
            (ent_portlet_kit::Lang::En, 1) => "ENT messages: 1 unread message".into(),
            (ent_portlet_kit::Lang::En, n) => format!("ENT messages: {n} unread messages"),
        }
    }

    /// "from A, B and 2 other people".
    pub fn from_whom(&self, names: &[String], others: i64) -> String {
        let (and, other) = match self.lang {
            ent_portlet_kit::Lang::Fr => (
                " et ",
                if others == 1 { "1 autre personne".to_string() } else { format!("{others} autres personnes") },
            ),
            ent_portlet_kit::Lang::En => {
                (" and ", if others == 1 { "1 other person".to_string() } else { format!("{others} other people") })
            }
        };
        let mut parts: Vec<String> = names.to_vec();
        if others > 0 {
            parts.push(other);
        }
        match parts.len() {
            0 => String::new(),
            1 => parts.remove(0),
            n => format!("{}{and}{}", parts[..n - 1].join(", "), parts[n - 1]),
        }
    }

    /// The digest's text: how many, from whom, where to read them; never a message's text.
    pub fn digest_text(&self, count: i64, from: &str, link: Option<&str>) -> String {
        match self.lang {
            ent_portlet_kit::Lang::Fr => {
                let what =
                    if count == 1 { "1 message non lu".to_string() } else { format!("{count} messages non lus") };
                let open = match link {
                    Some(l) => format!("Pour les lire, connectez-vous à l'ENT : {l}"),
                    None => "Pour les lire, connectez-vous à l'ENT.".to_string(),
                };
                format!(
                    "Bonjour,\n\nVous avez {what} dans la messagerie de l'ENT, de {from}.\n\n{open}\n\n\
                     Vous recevez ce résumé une fois par jour au plus parce que vous l'avez demandé. \
                     Pour ne plus le recevoir : Messagerie, puis « Résumé par e-mail ».\n"
                )
            }
            ent_portlet_kit::Lang::En => {
                let what = if count == 1 { "1 unread message".to_string() } else { format!("{count} unread messages") };
                let open = match link {
                    Some(l) => format!("Sign in to the ENT to read them: {l}"),
                    None => "Sign in to the ENT to read them.".to_string(),
                };
                format!(
                    "Hello,\n\nYou have {what} in the ENT's messaging, from {from}.\n\n{open}\n\n\
                     You get this digest at most once a day because you asked for it. \
                     To stop it: Messages, then \"E-mail digest\".\n"
                )
            }
        }
    }
}
