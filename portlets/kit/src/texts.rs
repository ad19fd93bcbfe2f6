//! The one way a portlet speaks French and English: a typed table of its words, written with
//! [`texts!`](crate::texts). Every entry names both languages side by side, so a missing
//! translation does not compile; a page takes `texts(ctx.lang)` and reads fields (`t.notebook`)
//! or calls the entries with values (`t.signed_count(2, 3)`). Words that change with a number
//! in ways a format cannot say are methods written beside the table, matching on `self.lang`.

/// Defines, in the calling module, `pub struct Texts` (one `&'static str` per word, one
/// method per format, and `lang`), its French and English tables `FR` and `EN`, and
/// `pub fn texts(lang) -> &'static Texts`.
///
/// ```ignore
/// ent_portlet_kit::texts! {
///     words {
///         notebook: "Carnet de liaison" / "Liaison notebook",
///     }
///     formats {
///         signed_count(signed: i64, expected: i64): "{signed}/{expected} signés" / "{signed}/{expected} signed",
///     }
/// }
/// ```
#[macro_export]
macro_rules! texts {
    (
        words { $( $word:ident : $fr:literal / $en:literal ),* $(,)? }
        formats { $( $format:ident ( $( $arg:ident : $ty:ty ),* ) : $ffr:literal / $fen:literal ),* $(,)? }
    ) => {
        /// Every word of this portlet in one language.
        pub struct Texts {
            pub lang: $crate::Lang,
            $( pub $word: &'static str, )*
        }

        pub const FR: Texts = Texts { lang: $crate::Lang::Fr, $( $word: $fr, )* };
        pub const EN: Texts = Texts { lang: $crate::Lang::En, $( $word: $en, )* };

        /// The table of the user's language.
        pub fn texts(lang: $crate::Lang) -> &'static Texts {
            match lang {
                $crate::Lang::Fr => &FR,
                $crate::Lang::En => &EN,
            }
        }

        #[allow(dead_code)]
        impl Texts {
            $(
                pub fn $format(&self, $( $arg: $ty ),*) -> String {
                    match self.lang {
                        $crate::Lang::Fr => format!($ffr),
                        $crate::Lang::En => format!($fen),
                    }
                }
            )*
        }
    };
}

/// The kit's own words: those of the shared partials and of the answers the kit writes.
pub mod kit {
    crate::texts! {
        words {
            forbidden: "Vous n'avez pas accès à cette page." / "You do not have access to this page.",
            not_found: "Cette page n'existe pas." / "This page does not exist.",
            kilobytes: "Ko" / "KB",
            megabytes: "Mo" / "MB",
            decimal_separator: "," / ".",
        }
        formats {
            size(amount: &str, unit: &str): "{amount} {unit}" / "{amount} {unit}",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kit::texts;
    use crate::Lang;

    #[test]
    fn each_language_has_its_words_and_formats() {
        assert_eq!(texts(Lang::Fr).not_found, "Cette page n'existe pas.");
        assert_eq!(texts(Lang::En).size("1.2", texts(Lang::En).megabytes), "1.2 MB");
    }
}
