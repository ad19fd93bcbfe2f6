//! Outgoing mail against a real SMTP server on a loopback port: what is sent arrives with its
//! French words intact; a refused or malformed address and a server that is down or hung are
//! errors that say which, without hanging and without repeating the address.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use ent_portlet_kit::testing::{MAIL_WAIT, SmtpReceiver, TEST_SENDER, closed_port};
use ent_portlet_kit::{Mail, MailConfig, MailError, Mailer};

fn mail(to: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: "Nouveau message de Mme Lefèvre : sortie à l’écomusée".into(),
        text: "Bonjour,\n\nLa sortie de jeudi à l’écomusée est confirmée ; prévoir un goûter.\n.\n..une ligne qui commence par un point\n\nÀ bientôt, l’équipe de l’école élémentaire"
            .into(),
    }
}

#[tokio::test]
async fn a_mail_arrives_with_its_accents() {
    let server = SmtpReceiver::start().await;
    server.mailer().send(mail("parent.dupont@familles.example")).await.unwrap();

    let received = server.wait_for(1, MAIL_WAIT).await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.from, "ne-pas-repondre@ecoles.example");
    assert_eq!(got.to, vec!["parent.dupont@familles.example".to_string()]);
    assert_eq!(got.subject(), "Nouveau message de Mme Lefèvre : sortie à l’écomusée");
    assert_eq!(got.text().trim_end(), mail("x@y.example").text, "the body, dots and all");
    let from = got.header("From").unwrap();
    assert!(from.contains("ENT") && from.contains("<ne-pas-repondre@ecoles.example>"), "{from}");
    assert!(got.header("Content-Type").unwrap().starts_with("text/plain"), "plain text only");
    assert!(got.header("Message-ID").is_some() && got.header("Date").is_some());

    // One mailer, cloned, sends again on a new session.
    let copy = server.mailer().clone();
    copy.send(Mail { to: "b@familles.example".into(), subject: "ok".into(), text: "plain ascii".into() })
        .await
        .unwrap();
    let received = server.wait_for(2, MAIL_WAIT).await;
    assert_eq!(received[1].subject(), "ok");
    assert_eq!(received[1].text().trim_end(), "plain ascii");
}

#[tokio::test]
async fn a_malformed_address_is_refused_before_any_connection() {
    let server = SmtpReceiver::start().await;
    for bad in ["", "parent", "parent@", "@familles.example", "a b@familles.example", "Parent <p@familles.example>"] {
        let err = server.mailer().send(mail(bad)).await.unwrap_err();
        assert!(matches!(err, MailError::Address), "{bad:?}: {err}");
        assert!(!err.is_transient());
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_refused_recipient_is_a_permanent_error_that_does_not_quote_the_address() {
    let server = SmtpReceiver::refusing(&["inconnu@familles.example"]).await;
    let err = server.mailer().send(mail("inconnu@familles.example")).await.unwrap_err();
    assert!(matches!(&err, MailError::Rejected(code) if code == "550"), "{err:?}");
    assert!(!err.is_transient());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("inconnu"), "the error repeats the address: {shown}");
    assert!(server.received().is_empty());

    // The next message, to someone else, goes.
    server.mailer().send(mail("connu@familles.example")).await.unwrap();
    assert_eq!(server.wait_for(1, MAIL_WAIT).await[0].to, vec!["connu@familles.example".to_string()]);
}

#[tokio::test]
async fn a_server_that_is_down_is_a_transport_error_at_once() {
    let addr = closed_port().await;
    let mailer = Mailer::new(&MailConfig::new(format!("smtp://{addr}"), TEST_SENDER)).unwrap();
    let started = Instant::now();
    let err = mailer.send(mail("parent@familles.example")).await.unwrap_err();
    assert!(matches!(err, MailError::Transport(_)), "{err:?}");
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_after_the_timeout() {
    let server = SmtpReceiver::silent().await;
    let mailer = Mailer::new(&server.config(1)).unwrap();
    let started = Instant::now();
    let sent = tokio::time::timeout(Duration::from_secs(10), mailer.send(mail("parent@familles.example"))).await;
    let err = sent.expect("the mailer hangs").unwrap_err();
    assert!(matches!(err, MailError::Transport(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}
