//! Login with the directory's own password: the provider binds to a real slapd as the person's
//! DN recorded by the sync. A wrong password, an LDAP-injection attempt in the login name, and a
//! directory that is down are refused; a burst of logins shares a few pooled connections.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, ensure};
use ent_directory_sync::generate::{GenerateOptions, Generated, generate};
use ent_directory_sync::ldif_out::{LdifOptions, ssha, write_ldif_with};
use ent_directory_sync::run::{RunOptions, SyncConfig, run_ldap};
use ent_directory_sync::testing::{Slapd, SlapdOptions, require_slapd};
use ent_e2e::{ALL_SCOPES, Browser, StartOptions, TestIdp};
use ent_idp::ldap_login::LdapLoginSource;
use ent_idp::model::Profile;
use ent_idp::store::sync::SyncStore;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

const BASE: &str = "dc=ent,dc=test";
const DIRECTORY_PASSWORD: &str = "mot-de-passe-annuaire";

/// A slapd with the generated directory (the demo accounts have [`DIRECTORY_PASSWORD`]), and
/// the folder of its files.
struct Directory {
    slapd: Slapd,
    generated: Generated,
    dir: PathBuf,
}

impl Drop for Directory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn directory(opts: GenerateOptions) -> Result<Directory> {
    let dir = std::env::temp_dir().join(format!("ent-ldap-login-{}", ent_idp::secret::new_id()));
    std::fs::create_dir_all(&dir)?;
    let ldif = dir.join("directory.ldif");
    let generated = generate(&opts);
    write_ldif_with(
        &generated,
        BASE,
        &LdifOptions { demo_password: Some(DIRECTORY_PASSWORD) },
        &mut std::fs::File::create(&ldif)?,
    )?;
    let slapd = Slapd::start(SlapdOptions { ldif: Some(ldif), ..Default::default() }).await?;
    std::fs::write(dir.join("pw"), slapd.sync_password())?;
    Ok(Directory { slapd, generated, dir })
}

/// A provider whose people log in against `source`, its directory synced from `d`.
async fn provider(d: &Directory, source: LdapLoginSource) -> Result<TestIdp> {
    let idp =
        TestIdp::start_with(StartOptions { skip_seed: true, ldap_login: vec![source], ..Default::default() }).await?;
    let cfg = SyncConfig::from_toml(&format!(
        "preset = \"sdet\"\n[source]\nname = \"annuaire\"\nurl = \"{}\"\nbind_dn = \"{}\"\nbind_password_file = \"{}\"\nbase_dn = \"{BASE}\"\n",
        d.slapd.url(),
        d.slapd.sync_dn(),
        d.dir.join("pw").display()
    ))?;
    let report = run_ldap(&idp.state().db, &cfg, &RunOptions::default(), &|_| {}).await?;
    ensure!(report.apply.applied, "{}", report.summary());
    Ok(idp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teachers_log_in_with_their_directory_password() -> Result<()> {
    if !require_slapd() {
        return Ok(());
    }
    let mut d = directory(GenerateOptions::default()).await?;
    let idp =
        provider(&d, LdapLoginSource { timeout_secs: 5, ..LdapLoginSource::new("annuaire", d.slapd.url()) }).await?;
    let client = idp.confidential_client(true).await?;

    // The teacher's directory password opens the session.
    let browser = Browser::with_credentials("enseignant.demo", DIRECTORY_PASSWORD)?;
    let grant = idp.authorize_code(&browser, &client, ALL_SCOPES).await?;
    let tokens = idp.redeem_code(&client, &grant).await?.ok()?;
    ensure!(tokens.get("id_token").is_some());

    // A wrong password, and an LDAP filter smuggled into the login name, are refused.
    for (login, password) in [
        ("enseignant.demo", "pas-le-bon"),
        ("enseignant.demo)(uid=*", DIRECTORY_PASSWORD),
        ("*", DIRECTORY_PASSWORD),
        ("enseignant.demo", ""),
    ] {
        let b = Browser::with_credentials(login, password)?;
        ensure!(idp.authorize_code(&b, &client, ALL_SCOPES).await.is_err(), "{login:?} / {password:?} must be refused");
    }
    let audit = idp.state().audit.recent(50).await?;
    ensure!(
        audit
            .iter()
            .any(|e| e.event == "login" && e.outcome == "ok" && e.detail.as_deref().unwrap_or("").contains("ldap")),
        "the LDAP login is audited as such"
    );

    // The directory down: no login, and a clear error instead of "wrong password".
    d.slapd.kill()?;
    let b = Browser::with_credentials("enseignant.demo", DIRECTORY_PASSWORD)?;
    let refused = idp.authorize_code(&b, &client, ALL_SCOPES).await.err().context("the directory is down")?;
    ensure!(format!("{refused:#}").contains("503"), "{refused:#}");
    idp.stop().await;
    Ok(())
}

/// Counts the TCP connections made through it to `upstream`, and how many were open at once.
struct CountingRelay {
    port: u16,
    opened: Arc<AtomicUsize>,
    open_now: Arc<AtomicUsize>,
    most_open: Arc<AtomicUsize>,
}

impl CountingRelay {
    async fn start(upstream: String) -> Result<CountingRelay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let relay = CountingRelay { port, opened: Arc::default(), open_now: Arc::default(), most_open: Arc::default() };
        let (opened, open_now, most_open) = (relay.opened.clone(), relay.open_now.clone(), relay.most_open.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                opened.fetch_add(1, Ordering::SeqCst);
                let now = open_now.fetch_add(1, Ordering::SeqCst) + 1;
                most_open.fetch_max(now, Ordering::SeqCst);
                let (upstream, open_now) = (upstream.clone(), open_now.clone());
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                    open_now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(relay)
    }

    fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }
}

/// At the morning rush, 50 people log in by bind at once: the provider opens at most the
/// pool's connections to the directory (not one per login), and every answer is still right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_logins_shares_a_few_directory_connections() -> Result<()> {
    if !require_slapd() {
        return Ok(());
    }
    const LOGINS: usize = 50;
    const POOL: usize = 4;
    // Twelve schools of five small classes: enough teachers and directors.
    let mut d =
        directory(GenerateOptions { schools: 12, classes_per_school: 5, pupils_per_class: 2, ..Default::default() })
            .await?;
    let relay = CountingRelay::start(d.slapd.url().trim_start_matches("ldap://").to_string()).await?;
    let source = LdapLoginSource { pool_size: POOL, timeout_secs: 10, ..LdapLoginSource::new("annuaire", relay.url()) };
    let idp = Arc::new(provider(&d, source).await?);
    let client = idp.confidential_client(true).await?;

    // 50 people who log in by bind (teachers, directors, staff…), each with a directory
    // password of their own; every other one will type a wrong one.
    // (The demo accounts keep theirs.)
    let sync = SyncStore::new(idp.state().db.clone());
    let generated = &d.generated;
    let demo: Vec<&str> = generated.demo_accounts.iter().map(|a| a.login.as_str()).collect();
    let mut people = Vec::new();
    for p in &generated.snapshot.people {
        if people.len() == LOGINS {
            break;
        }
        if !matches!(p.profile, Profile::Teacher | Profile::Director | Profile::Staff)
            || demo.contains(&p.login.as_str())
        {
            continue;
        }
        let synced = idp.state().directory.person_by_login(&p.login).await?.context("a synced person")?;
        if let Some((_, dn)) = sync.bind_dn(&synced.id).await? {
            people.push((p.login.clone(), dn, format!("mot-de-passe-{}", people.len())));
        }
    }
    ensure!(people.len() == LOGINS, "only {} people log in by bind", people.len());
    let changes: String = people
        .iter()
        .map(|(_, dn, pw)| {
            format!(
                "dn: {dn}\nchangetype: modify\nreplace: userPassword\nuserPassword: {}\n-\n\n",
                ssha(pw, b"saltsalt")
            )
        })
        .collect();
    d.slapd.modify(&changes).await?;
    ensure!(relay.opened.load(Ordering::SeqCst) == 0, "nothing went through the relay before the logins");

    let mut logins = JoinSet::new();
    for (i, (login, _, password)) in people.into_iter().enumerate() {
        let right = i % 2 == 0;
        let typed = if right { password } else { format!("{password}-faux") };
        let (idp, client) = (idp.clone(), client.clone());
        logins.spawn(async move {
            let browser = Browser::with_credentials(&login, &typed)?;
            anyhow::Ok((login, right, idp.authorize_code(&browser, &client, "openid").await))
        });
    }
    let (mut accepted, mut refused) = (0, 0);
    while let Some(done) = logins.join_next().await {
        let (login, right, outcome) = done??;
        match (right, outcome) {
            (true, Ok(_)) => accepted += 1,
            // A wrong password is a 401 with the login form, never the 503 of a directory
            // that cannot be reached.
            (false, Err(e)) if format!("{e:#}").contains("answered 401") => refused += 1,
            (true, Err(e)) => anyhow::bail!("{login}: the right password was refused: {e:#}"),
            (false, Ok(_)) => anyhow::bail!("{login}: a wrong password was accepted"),
            (false, Err(e)) => anyhow::bail!("{login}: a wrong password got another answer than 401: {e:#}"),
        }
    }
    let opened = relay.opened.load(Ordering::SeqCst);
    let most_open = relay.most_open.load(Ordering::SeqCst);
    eprintln!("{LOGINS} logins by bind: {opened} connections opened, at most {most_open} at once");
    ensure!(accepted == LOGINS / 2 && refused == LOGINS / 2, "{accepted} accepted, {refused} refused");
    ensure!(opened <= POOL, "{opened} connections opened for {LOGINS} logins (pool of {POOL})");
    ensure!(most_open <= POOL, "{most_open} connections open at once (pool of {POOL})");

    // The directory restarts: the pooled connections are dead; the next login is not refused
    // for it (the broken connection is dropped and a new one opened).
    d.slapd.restart().await?;
    let browser = Browser::with_credentials("enseignant.demo", DIRECTORY_PASSWORD)?;
    idp.authorize_code(&browser, &client, "openid").await.context("a login after the directory restarted")?;

    let idp = Arc::into_inner(idp).context("the logins are over")?;
    idp.stop().await;
    Ok(())
}

/// Directory passwords go through the same limits as the provider's own: 40 concurrent wrong
/// passwords for one person who logs in by bind reach the directory at most as many times as
/// the account allows (10), the others wait without a bind; then even the right one waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_password_guesses_are_counted_before_any_bind() -> Result<()> {
    if !require_slapd() {
        return Ok(());
    }
    let d = directory(GenerateOptions::default()).await?;
    let idp = Arc::new(
        provider(&d, LdapLoginSource { timeout_secs: 5, ..LdapLoginSource::new("annuaire", d.slapd.url()) }).await?,
    );
    let client = idp.confidential_client(true).await?;
    let mut guesses = JoinSet::new();
    for i in 0..40 {
        let (idp, client) = (idp.clone(), client.clone());
        guesses.spawn(async move {
            let browser = Browser::with_credentials("enseignant.demo", &format!("devinette-{i}"))?;
            anyhow::Ok(idp.authorize_code(&browser, &client, "openid").await)
        });
    }
    let (mut verified, mut waited) = (0, 0);
    while let Some(done) = guesses.join_next().await {
        match done?? {
            Ok(_) => anyhow::bail!("a wrong directory password was accepted"),
            Err(e) if format!("{e:#}").contains("answered 401") => verified += 1,
            Err(e) if format!("{e:#}").contains("answered 429") => waited += 1,
            Err(e) => anyhow::bail!("another answer than 401 or 429: {e:#}"),
        }
    }
    let limit = idp.state().config.max_failures_per_account as usize;
    ensure!((verified, waited) == (limit, 40 - limit), "{verified} verified, {waited} refused");
    let audit = idp.state().audit.recent(100).await?;
    let looked_at = audit.iter().filter(|e| e.event == "login" && e.outcome == "bad_credentials").count();
    ensure!(looked_at == limit, "{looked_at} directory binds for wrong passwords");
    let browser = Browser::with_credentials("enseignant.demo", DIRECTORY_PASSWORD)?;
    let refused = idp.authorize_code(&browser, &client, "openid").await.err().context("the account waits")?;
    ensure!(format!("{refused:#}").contains("429"), "{refused:#}");
    Arc::into_inner(idp).context("the guesses are over")?.stop().await;
    Ok(())
}
