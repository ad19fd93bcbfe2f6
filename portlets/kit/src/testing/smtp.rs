//! A small SMTP server for tests: a real one over TCP on a free loopback port, in clear, that
//! keeps what it receives. A portlet's test configures its mailer with [`SmtpReceiver::url`],
//! does what sends mail, then reads the messages back ([`SmtpReceiver::wait_for`]) with their
//! subject and body decoded as a mail reader would (encoded words, quoted-printable, base64),
//! so that French words are compared as written.
//!
//! It speaks what a submission client needs: `EHLO`/`HELO`, `MAIL FROM`, `RCPT TO`, `DATA`
//! (with the leading dot of a line removed), `RSET`, `NOOP`, `QUIT`. No TLS, no `AUTH`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::mail::{MailConfig, Mailer};

/// The sender the tests' mailers write from.
pub const TEST_SENDER: &str = "ENT <ne-pas-repondre@ecoles.example>";

/// The largest message the receiver keeps (larger ones are refused with `552`).
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope's sender (`MAIL FROM`), without angle brackets.
    pub from: String,
    /// The envelope's accepted recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The message after `DATA`, lines ending in CRLF, dots unstuffed, without the final `.`.
    pub data: String,
}

impl Received {
    /// A header's value, unfolded and with its encoded words decoded; the first of that name.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_message(&self.data);
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| decode_words(v.trim()))
        })
    }

    /// The subject, decoded ("" when absent).
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The text body, decoded from its transfer encoding, with `\n` line ends.
    pub fn text(&self) -> String {
        let (_, body) = split_message(&self.data);
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(compact).unwrap_or_else(|e| panic!("base64 body: {e}"))
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }
}

fn split_message(data: &str) -> (&str, &str) {
    data.split_once("\r\n\r\n").unwrap_or((data, ""))
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); the white space between
/// two encoded words goes, as readers do.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = false;
    let mut rest = value;
    while !rest.is_empty() {
        let after = rest.trim_start_matches([' ', '\t']);
        let space = &rest[..rest.len() - after.len()];
        let (word, next) = after.split_at(after.find([' ', '\t']).unwrap_or(after.len()));
        match decode_word(word) {
            Some(decoded) => {
                if !previous_encoded {
                    out.push_str(space);
                }
                out.push_str(&decoded);
                previous_encoded = true;
            }
            None => {
                out.push_str(space);
                out.push_str(word);
                previous_encoded = false;
            }
        }
        rest = next;
    }
    out
}

fn decode_word(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (_charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = match encoding {
        "b" | "B" => base64::engine::general_purpose::STANDARD.decode(text).ok()?,
        "q" | "Q" => quoted_printable(&text.replace('_', " ")),
        _ => return None,
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Quoted-printable: `=XX` is a byte, `=` at a line's end joins it to the next.
fn quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// What the server does with a connection.
#[derive(Clone, Debug, Default)]
struct Behaviour {
    /// Recipients answered `550` at `RCPT TO`.
    refuse: Vec<String>,
    /// Accepts connections and never says a word (a hung server).
    silent: bool,
}

/// A running test SMTP server; it stops when dropped.
pub struct SmtpReceiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    count: watch::Receiver<usize>,
    task: JoinHandle<()>,
}

impl SmtpReceiver {
    /// A server that accepts every recipient.
    pub async fn start() -> SmtpReceiver {
        SmtpReceiver::with(Behaviour::default()).await
    }

    /// A server that answers `550` (mailbox unavailable) to these recipients.
    pub async fn refusing(recipients: &[&str]) -> SmtpReceiver {
        let refuse = recipients.iter().map(|r| r.to_ascii_lowercase()).collect();
        SmtpReceiver::with(Behaviour { refuse, silent: false }).await
    }

    /// A server that accepts connections and never answers (not even its greeting).
    pub async fn silent() -> SmtpReceiver {
        SmtpReceiver::with(Behaviour { refuse: Vec::new(), silent: true }).await
    }

    async fn with(behaviour: Behaviour) -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("SMTP test listener: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("SMTP test address: {e}"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (counter, count) = watch::channel(0);
        let counter = Arc::new(counter);
        let store = received.clone();
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (behaviour, store, counter) = (behaviour.clone(), store.clone(), counter.clone());
                sessions.spawn(async move {
                    // A client that goes away mid-session is the client's business.
                    let _ = session(stream, &behaviour, &store, &counter).await;
                });
                while sessions.try_join_next().is_some() {}
            }
        });
        SmtpReceiver { addr, received, count, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`, for a [`MailConfig`].
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// A mail configuration for this server, from [`TEST_SENDER`], waiting `timeout_secs` at most.
    pub fn config(&self, timeout_secs: u64) -> MailConfig {
        let mut config = MailConfig::new(self.url(), TEST_SENDER);
        config.timeout_secs = timeout_secs;
        config
    }

    /// A mailer sending to this server (five seconds at most per step).
    pub fn mailer(&self) -> Mailer {
        Mailer::new(&self.config(5)).unwrap_or_else(|e| panic!("test mailer: {e}"))
    }

    /// The messages received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Waits until at least `n` messages have arrived, at most `timeout`, and returns them all;
    /// panics (the test fails) when they have not arrived by then.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let mut count = self.count.clone();
        let arrived = tokio::time::timeout(timeout, count.wait_for(|c| *c >= n)).await;
        if !matches!(arrived, Ok(Ok(_))) {
            panic!("expected {n} messages within {timeout:?}, received {}", self.received().len());
        }
        self.received()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP session, until `QUIT` or the client goes.
async fn session(
    stream: TcpStream,
    behaviour: &Behaviour,
    store: &Mutex<Vec<Received>>,
    counter: &watch::Sender<usize>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if behaviour.silent {
        // Read and drop whatever comes, say nothing.
        let mut sink = Vec::new();
        while lines.read_until(b'\n', &mut sink).await? > 0 {
            sink.clear();
        }
        return Ok(());
    }
    write.write_all(b"220 receiver.test ESMTP ready\r\n").await?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let command = text.trim_end_matches(['\r', '\n']);
        let verb = command.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-receiver.test\r\n250 8BITMIME\r\n",
            "HELO" => b"250 receiver.test\r\n",
            "MAIL" => match path(command, "MAIL FROM:") {
                Some(sender) => {
                    from = Some(sender);
                    to.clear();
                    b"250 2.1.0 OK\r\n"
                }
                None => b"501 5.5.4 MAIL FROM:<address>\r\n",
            },
            "RCPT" => match (&from, path(command, "RCPT TO:")) {
                (None, _) => b"503 5.5.1 MAIL first\r\n",
                (_, None) => b"501 5.5.4 RCPT TO:<address>\r\n",
                (_, Some(rcpt)) if behaviour.refuse.contains(&rcpt.to_ascii_lowercase()) => {
                    // Like real servers, the refusal quotes the address: the mailer must not.
                    write.write_all(format!("550 5.1.1 <{rcpt}>: mailbox unavailable\r\n").as_bytes()).await?;
                    continue;
                }
                (_, Some(rcpt)) => {
                    to.push(rcpt);
                    b"250 2.1.5 OK\r\n"
                }
            },
            "DATA" => {
                let Some(sender) = from.clone().filter(|_| !to.is_empty()) else {
                    write.write_all(b"503 5.5.1 MAIL and RCPT first\r\n").await?;
                    continue;
                };
                from = None;
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                match read_data(&mut lines).await? {
                    Some(data) => {
                        let message = Received { from: sender, to: std::mem::take(&mut to), data };
                        match store.lock() {
                            Ok(mut all) => all.push(message),
                            Err(poisoned) => poisoned.into_inner().push(message),
                        }
                        counter.send_modify(|c| *c += 1);
                        b"250 2.0.0 OK queued\r\n"
                    }
                    None => {
                        to.clear();
                        b"552 5.3.4 message too big\r\n"
                    }
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"500 5.5.2 command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address of `MAIL FROM:<a>` or `RCPT TO:<a>` (parameters after it ignored).
fn path(command: &str, prefix: &str) -> Option<String> {
    let head = command.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = command[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

/// The message up to the line `.`, dots unstuffed; `None` when it is larger than allowed (read
/// to its end all the same, so that the session goes on).
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> std::io::Result<Option<String>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    let mut too_big = false;
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "end of stream in DATA"));
        }
        let content = line.strip_suffix(b"\n").map(|l| l.strip_suffix(b"\r").unwrap_or(l)).unwrap_or(&line);
        if content == b"." {
            break;
        }
        let content = content.strip_prefix(b".").unwrap_or(content);
        if data.len() + content.len() + 2 > MAX_MESSAGE {
            too_big = true;
        }
        if !too_big {
            data.extend_from_slice(content);
            data.extend_from_slice(b"\r\n");
        }
    }
    Ok((!too_big).then(|| String::from_utf8_lossy(&data).into_owned()))
}

/// A port on which nothing listens (bound, then let go): a mail server that is down.
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("test listener: {e}"));
    listener.local_addr().unwrap_or_else(|e| panic!("test address: {e}"))
}

/// How long the tests wait for mail that should come at once.
pub const MAIL_WAIT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_quoted_printable() {
        assert_eq!(decode_words("=?utf-8?b?w4l0w6k=?= =?utf-8?b?IMOgIGzigJnDqWNvbGU=?="), "Été à l’école");
        assert_eq!(decode_words("Devoirs =?utf-8?q?=C3=A0_faire?= demain"), "Devoirs à faire demain");
        assert_eq!(decode_words("plain words"), "plain words");
        assert_eq!(String::from_utf8_lossy(&quoted_printable("caf=C3=A9 =\r\nnoir=3D")), "café noir=");
    }

    #[test]
    fn paths_of_commands() {
        assert_eq!(path("MAIL FROM:<a@b.example> SIZE=10", "MAIL FROM:").as_deref(), Some("a@b.example"));
        assert_eq!(path("rcpt to: <c@d.example>", "RCPT TO:").as_deref(), Some("c@d.example"));
        assert_eq!(path("RCPT TO:c@d.example", "RCPT TO:"), None);
    }
}
