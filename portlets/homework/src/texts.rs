//! Every word the diary shows, in French (the default) and English: the kit's typed table
//! (`texts!`), so that a word missing in one language does not compile. Words with numbers or
//! names are formats; those whose words change with a number are methods below the table.

use ent_portlet_kit::Lang;

ent_portlet_kit::texts! {
    words {
        diary: "Cahier de textes" / "Homework diary",
        open_diary: "Ouvrir le cahier de textes" / "Open the homework diary",
        no_diary: "Aucun cahier de textes pour le moment." / "No homework diary for now.",
        no_class_has_diary: "Aucune classe n'a encore de cahier de textes." / "No class has a homework diary yet.",
        no_class_teacher: "Vous n'avez pas de classe pour le moment." / "You have no class for now.",
        no_class_school: "Aucune classe de l'école n'a encore de cahier de textes."
            / "No class of the school has a homework diary yet.",
        nothing_for_profile: "Le cahier de textes est réservé aux classes : rien à afficher ici."
            / "The homework diary is for classes: nothing to show here.",
        class: "Classe" / "Class",
        class_colon: "Classe :" / "Class:",
        classes: "Classes" / "Classes",
        children: "Enfants" / "Children",
        view_modes: "Affichage" / "View",
        week: "Semaine" / "Week",
        day: "Jour" / "Day",
        to_do: "À faire" / "To do",
        weeks: "Semaines" / "Weeks",
        days: "Jours" / "Days",
        previous_week: "Semaine précédente" / "Previous week",
        next_week: "Semaine suivante" / "Next week",
        due_from_today: "Travail à faire à partir d'aujourd'hui" / "Homework due from today",
        nothing_due_now: "Rien à faire pour le moment." / "Nothing due for now.",
        nothing_written: "Rien de noté." / "Nothing written.",
        due_this_day: "À faire pour ce jour :" / "Due this day:",
        due_label: "Pour" / "Due",
        given: "donné" / "given",
        today: "aujourd'hui" / "today",
        tomorrow: "demain" / "tomorrow",
        in_class: "En classe" / "In class",
        homework: "À faire" / "Homework",
        homework_label: "Devoirs" / "Homework",
        due_for: "pour" / "due",
        files: "Documents" / "Files",
        written_by: "Écrit par" / "Written by",
        edit_or_delete: "Modifier ou supprimer" / "Edit or delete",
        write_entry: "Écrire une séance" / "Write an entry",
        edit_entry: "Modifier la séance" / "Edit the entry",
        save: "Enregistrer" / "Save",
        save_changes: "Enregistrer les modifications" / "Save the changes",
        cancel: "Annuler" / "Cancel",
        delete_entry: "Supprimer cette séance et ses documents" / "Delete this entry and its files",
        form_not_saved: "Le formulaire n'a pas été enregistré : corrigez ce qui est signalé ci-dessous."
            / "The form was not saved: please correct what is marked below.",
        lesson_day: "Jour de la séance" / "Day of the lesson",
        done_label: "Ce qui a été fait en classe" / "What was done in class",
        done_hint: "Quelques lignes pour les familles : leçons, sorties, ce qui a été vu."
            / "A few lines for families: lessons, outings, what was covered.",
        items_hint: "Un travail par ligne, avec la date pour laquelle il est à faire. Laissez vides les lignes inutiles."
            / "One task per line, with the date it is due. Leave unused lines empty.",
        task: "Travail" / "Task",
        due_on: "Pour le" / "Due on",
        attached_files: "Documents joints" / "Attached files",
        remove: "Retirer" / "Remove",
        attach_files: "Joindre des documents" / "Attach files",
        files_hint: "PDF, images ou documents : 5 Mo au plus chacun, 5 par séance."
            / "PDF, pictures or documents: 5 MB at most each, 5 per entry.",
        choose_files_again: "Choisissez à nouveau les fichiers à joindre." / "Choose the files to attach again.",
        day_missing: "Indiquez le jour." / "Enter the day.",
        not_a_date: "Ce n'est pas une date valide." / "This is not a valid date.",
        not_a_school_day: "Choisissez un jour de classe (lundi à vendredi)." / "Choose a school day (Monday to Friday).",
        item_text_missing: "Écrivez ce qui est à faire pour cette date." / "Write what is due on this date.",
        item_due_missing: "Indiquez pour quand." / "Enter when it is due.",
        due_before_lesson: "La date est avant le jour de la séance." / "The date is before the day of the lesson.",
        due_too_far: "La date est à plus d'un an." / "The date is more than a year away.",
        entry_empty: "Écrivez ce qui a été fait en classe, ou ce qui est à faire."
            / "Write what was done in class, or what is due.",
        too_many_files_now: "Trop de documents pour cette séance." / "Too many files for this entry.",
        nothing_due_soon: "Rien à faire pour aujourd'hui ni pour le jour de classe suivant."
            / "Nothing due today or on the next school day.",
        due_today: "Pour aujourd'hui" / "Due today",
        due_tomorrow: "Pour demain" / "Due tomorrow",
        all_homework: "Tout le travail à faire" / "All homework",
        see_week: "Voir la semaine" / "See the week",
        this_week_in_school: "Cette semaine dans l'école" / "This week in the school",
        nothing_written_today: "rien d'écrit aujourd'hui" / "nothing written today",
        nothing_due_this_week: "Rien à faire cette semaine" / "Nothing due this week",
    }
    formats {
        diary_of(label: &str): "Cahier de textes · {label}" / "Homework diary · {label}",
        week_of(day: &str): "Semaine du {day}" / "Week of {day}",
        due_on_weekday(day: &str): "Pour {day}" / "Due {day}",
        text_too_long(max: usize): "Ce texte est trop long ({max})" / "This text is too long ({max})",
        file_too_large(name: &str): "Le fichier « {name} » dépasse 5 Mo." / "The file « {name} » is larger than 5 MB.",
        too_many_files(max: usize): "Au plus {max} fichiers par séance." / "At most {max} files per entry.",
    }
}

impl Texts {
    /// "3 travaux à faire cette semaine".
    pub fn tasks_this_week(&self, n: usize) -> String {
        match (self.lang, n) {
            (_, 0) => self.nothing_due_this_week.into(),
            (Lang::Fr, 1) => "1 travail à faire cette semaine".into(),
            (Lang::En, 1) => "1 task due this week".into(),
            (Lang::Fr, n) => format!("{n} travaux à faire cette semaine"),
            (Lang::En, n) => format!("{n} tasks due this week"),
        }
    }

    /// "2 séances aujourd'hui".
    pub fn entries_today(&self, n: usize) -> String {
        match (self.lang, n) {
            (_, 0) => self.nothing_written_today.into(),
            (Lang::Fr, 1) => "1 séance aujourd'hui".into(),
            (Lang::En, 1) => "1 entry today".into(),
            (Lang::Fr, n) => format!("{n} séances aujourd'hui"),
            (Lang::En, n) => format!("{n} entries today"),
        }
    }

    /// "2 séances cette semaine".
    pub fn entries_this_week(&self, n: i64) -> String {
        match (self.lang, n) {
            (Lang::Fr, 0) => "aucune séance cette semaine".into(),
            (Lang::En, 0) => "no entry this week".into(),
            (Lang::Fr, 1) => "1 séance cette semaine".into(),
            (Lang::En, 1) => "1 entry this week".into(),
            (Lang::Fr, n) => format!("{n} séances cette semaine"),
            (Lang::En, n) => format!("{n} entries this week"),
        }
    }
}
