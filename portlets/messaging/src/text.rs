//! A message's text as it is shown: plain text, never HTML, its line breaks kept as paragraphs,
//! and the web addresses in it made into links — through the portlet's "you are leaving the ENT"
//! page, so that a link in a message never takes a child straight to another site.

/// A run of a line: text, or a web address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    Text(String),
    Link(String),
}

/// The runs of one line.
pub fn runs(line: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = next_link(rest) {
        let (before, from) = rest.split_at(start);
        let end = from.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(from.len());
        // Trailing punctuation ends a sentence, not the address.
        let url = from[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
        if !before.is_empty() {
            out.push(Run::Text(before.to_string()));
        }
        if is_link(url) {
            out.push(Run::Link(url.to_string()));
        } else {
            out.push(Run::Text(url.to_string()));
        }
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Run::Text(rest.to_string()));
    }
    out
}

fn next_link(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")].into_iter().flatten().min()
}

/// An http(s) address with a host, of plain characters, not too long.
pub fn is_link(url: &str) -> bool {
    url.len() <= 2048
        && url.bytes().all(|b| b.is_ascii_graphic())
        && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The paragraphs of a text, each as runs.
pub fn paragraphs(text: &str) -> Vec<Vec<Run>> {
    ent_portlet_kit::views::paragraphs(text).iter().map(|l| runs(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_links_and_the_rest_stays_text() {
        assert_eq!(
            runs("Voir https://ecole.example/sortie. Merci"),
            vec![
                Run::Text("Voir ".into()),
                Run::Link("https://ecole.example/sortie".into()),
                Run::Text(". Merci".into())
            ]
        );
        assert_eq!(runs("javascript:alert(1)"), vec![Run::Text("javascript:alert(1)".into())]);
        assert_eq!(
            runs("<b>https://</b>"),
            vec![Run::Text("<b>".into()), Run::Text("https://".into()), Run::Text("</b>".into())]
        );
        assert_eq!(
            runs("(HTTP://A.example)"),
            vec![Run::Text("(".into()), Run::Link("HTTP://A.example".into()), Run::Text(")".into())]
        );
    }
}
