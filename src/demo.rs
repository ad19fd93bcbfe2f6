//! `ent demo`: the whole workspace on localhost — the provider, the portal and its portlets, and
//! a demo school tool — with SQLite files in one data folder, a generated school, and one account
//! per profile printed. Running it again reuses the data.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use ent_directory_sync::generate::{GenerateOptions, Generated, generate};
use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::state::{AppState, StartError};
use ent_portlet_kit::{Date, DemoFamily, DemoPerson, DemoSchool};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// The password of every demo account (the demo is for trying, never for real data).
pub const DEMO_PASSWORD: &str = "ecole-demo-2026";

/// Who the demo's mail comes from.
const DEMO_SENDER: &str = "ENT démo <ne-pas-repondre@ent.localhost>";

#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo keeps its SQLite files.
    #[arg(long, default_value = "ent-data")]
    data: PathBuf,
    /// Port of the identity provider (the issuer is http://localhost:PORT).
    #[arg(long, default_value_t = 8400)]
    port: u16,
    /// Port of the demo tool that signs in with the provider.
    #[arg(long, default_value_t = 8401)]
    app_port: u16,
    /// Port of the portal (what pupils, parents and teachers open).
    #[arg(long, default_value_t = 8402)]
    portal_port: u16,
    /// A portlet's port, as NAME=PORT (repeatable); the others keep the registry's (homework
    /// 8411, liaison 8412, agenda 8413, messaging 8414, minisites 8415 and its sites' origin
    /// `minisites-origin` 8416, forum 8417; see `ent::registry`). Portlets are reached by the portal only.
    #[arg(long = "portlet-port", value_name = "NAME=PORT", value_parser = portlet_port)]
    portlet_ports: Vec<(String, u16)>,
    /// `policy`: the production rule (directors, staff, city agents and admins must use a
    /// passkey and register one at their first login); `offered`: everyone is only invited.
    #[arg(long, default_value = "policy", value_parser = ["policy", "offered"])]
    passkeys: String,
    /// An SMTP server for the mail the ENT sends (messaging's daily digest to parents who ask
    /// for it), e.g. `smtp://127.0.0.1:1025` for a local mail catcher; without it no mail is
    /// sent and the digest page says so.
    #[arg(long, value_name = "URL")]
    smtp: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct DemoClient {
    client_id: String,
    client_secret: String,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data).with_context(|| format!("creating {}", args.data.display()))?;
    let issuer = format!("http://localhost:{}", args.port);
    let db_url = format!("sqlite://{}", args.data.join("idp.db").display());
    let mut config = ent_idp::Config::new(ent_idp::config::parse_issuer(&issuer)?, db_url);
    config.listen = SocketAddr::from(([127, 0, 0, 1], args.port));
    if args.passkeys == "offered" {
        config.passkey_policy = ent_idp::passkey::PasskeyPolicy::uniform(ent_idp::passkey::Requirement::Offered);
    }
    let policy = config.passkey_policy.clone();
    let idp_listener = bind(config.listen).await?;
    let app_addr = SocketAddr::from(([127, 0, 0, 1], args.app_port));
    let app_listener = bind(app_addr).await?;

    let state = AppState::init(config)
        .await
        .map_err(|e| crate::port_message(e, SocketAddr::from(([127, 0, 0, 1], args.port))))?;
    let (accounts, generated) = seed_directory(&state, &args.data).await?;
    let school = demo_school(&state, &generated).await?;
    let app_url = format!("http://localhost:{}", args.app_port);
    let client = demo_client(&state, &args.data, &app_url).await?;
    let server = ent_idp::app::serve(idp_listener, state.clone()).await?;
    let stack = ent::stack::start(
        &state,
        &ent::stack::StackOptions {
            data: args.data.clone(),
            host: "localhost".into(),
            portal_port: args.portal_port,
            portlet_ports: args.portlet_ports.iter().cloned().collect(),
            idp_url: issuer.clone(),
            fragment_deadline_ms: None,
            demo: Some(school),
            mail: args.smtp.as_ref().map(|url| ent_portlet_kit::mail::MailConfig::new(url, DEMO_SENDER)),
        },
    )
    .await?;
    let app = crate::demo_app::serve(
        app_listener,
        crate::demo_app::DemoApp::new(&issuer, &app_url, &client.client_id, &client.client_secret)?,
    );

    println!();
    println!("ENT demo is running (data in {}).", args.data.display());
    println!("  portal             {}   (open it in a browser and sign in)", stack.portal_url);
    println!("  identity provider  {issuer}   (discovery: {issuer}/.well-known/openid-configuration)");
    println!("  demo school tool   {app_url}   (signs in with the provider; open it in a browser)");
    println!("  demo client        client_id={}  client_secret={}", client.client_id, client.client_secret);
    for (kind, server) in &stack.portlets {
        if let Some(addr) = server.origin_addr {
            println!(
                "  {:<18} http://{addr}   (opened from the portal's pages by signed links)",
                format!("{} origin", kind.name())
            );
        }
    }
    match &args.smtp {
        Some(url) => println!("  mail               {url}   (messaging's digest to parents who ask for it)"),
        None => println!("  mail               off   (--smtp URL to send messaging's digest)"),
    }
    println!();
    println!("Demo accounts (password for all: {DEMO_PASSWORD}):");
    for (profile, login, description) in &accounts {
        println!("  {profile:<11} {login:<17} {description}");
    }
    let required: Vec<&str> = accounts
        .iter()
        .filter(|(profile, _, _)| {
            profile.parse().is_ok_and(|p| policy.of(p) == ent_idp::passkey::Requirement::Required)
        })
        .map(|(_, login, _)| login.as_str())
        .collect();
    if !required.is_empty() {
        println!();
        println!(
            "Passkeys: {} must use one; at the first login they register it (this computer or a phone).",
            required.join(", ")
        );
        println!("  (`ent demo --passkeys offered` only invites them.)");
    }
    println!();
    println!("Stop with Ctrl-C.");
    tokio::select! {
        _ = crate::shutdown_signal() => {},
        r = app => { r.context("demo tool stopped")?; },
    }
    stack.abort();
    server.abort();
    Ok(())
}

/// `NAME=PORT`, for a portlet of the registry (`NAME-origin=PORT` for its own origin).
fn portlet_port(arg: &str) -> Result<(String, u16), String> {
    let (name, port) = arg.split_once('=').ok_or_else(|| format!("expected NAME=PORT, got {arg:?}"))?;
    match name.strip_suffix("-origin") {
        Some(portlet) if ent::registry::origin_port(portlet).is_some() => {}
        _ => {
            ent::registry::find(name).map_err(|e| e.to_string())?;
        }
    }
    let port = port.parse().map_err(|_| format!("invalid port {port:?}"))?;
    Ok((name.to_string(), port))
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| crate::port_message(StartError::Bind(addr, e), addr))
}

/// The demo accounts, as printed (profile, login, who).
type Accounts = Vec<(String, String, String)>;

/// Fills an empty directory with the generated school and sets the demo passwords.
async fn seed_directory(state: &AppState, data: &Path) -> anyhow::Result<(Accounts, Generated)> {
    let generated = generate(&GenerateOptions::default());
    let accounts = generated
        .demo_accounts
        .iter()
        .map(|a| (a.profile.to_string(), a.login.clone(), a.description.clone()))
        .collect();
    if state.directory.count_people().await? > 0 {
        return Ok((accounts, generated));
    }
    // The demo school goes through the same path as a real directory: an LDIF in the SDET
    // schema, read by the sync with the `sdet` mapping preset (no LDAP server needed).
    let ldif = data.join("demo-directory.ldif");
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(&ldif).with_context(|| format!("writing {}", ldif.display()))?);
    ent_directory_sync::ldif_out::write_ldif(&generated, "dc=demo,dc=ent", &mut out)?;
    std::io::Write::flush(&mut out)?;
    drop(out);
    let cfg = ent_directory_sync::run::SyncConfig::from_toml(
        "preset = \"sdet\"\n[source]\nname = \"demo\"\nurl = \"ldap://localhost\"\nbase_dn = \"dc=demo,dc=ent\"\n",
    )?;
    let report = ent_directory_sync::run::run_ldif(&state.db, &cfg, &ldif, &Default::default()).await?;
    tracing::info!(summary = %report.summary(), "demo directory loaded");
    let phc = state.passwords.hash(DEMO_PASSWORD).await?;
    for a in &generated.demo_accounts {
        let person =
            state.directory.person_by_login(&a.login).await?.with_context(|| format!("{} not loaded", a.login))?;
        state.directory.set_password(&person.id, &phc).await?;
    }
    Ok((accounts, generated))
}

/// The demo pupil's class, its teacher, its families and the school's director, as the portlets
/// see them in tokens (public subjects, names): what each portlet fills with a school week.
async fn demo_school(state: &AppState, generated: &Generated) -> anyhow::Result<DemoSchool> {
    let person = |login: &'static str| async move {
        state.directory.person_by_login(login).await?.with_context(|| format!("the demo account {login} is missing"))
    };
    let pupil = person("eleve.demo").await?;
    let parent = person("parent.demo").await?;
    let director = person("directeur.demo").await?;
    let class_id = state
        .directory
        .affiliations(&pupil.id)
        .await?
        .classes
        .into_iter()
        .map(|(id, ..)| id)
        .next()
        .context("the demo pupil has no class")?;
    let roster = state.directory.class_roster(&class_id).await?.context("the demo class has no roster")?;
    let teacher = roster.teachers.first().context("the demo class has no teacher")?;
    let school_name = generated
        .snapshot
        .schools
        .iter()
        .find(|s| s.uai == roster.school)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| roster.school.clone());
    let as_demo = |sub: &str, name: &str| DemoPerson { sub: sub.to_string(), name: name.to_string() };
    // The demo accounts' family first, the demo parent first in it: what a portlet writes for
    // "the first family" is what `parent.demo` and `eleve.demo` see.
    let mut families: Vec<DemoFamily> = roster
        .pupils
        .iter()
        .map(|p| {
            let mut parents: Vec<(DemoPerson, bool)> =
                p.guardians.iter().map(|g| (as_demo(&g.sub, &g.name), g.legal_guardian)).collect();
            parents.sort_by_key(|(g, _)| g.sub != parent.public_sub);
            DemoFamily { child: as_demo(&p.sub, &p.name), parents }
        })
        .collect();
    families.sort_by_key(|f| f.child.sub != pupil.public_sub);
    Ok(DemoSchool {
        uai: roster.school.clone(),
        school_name,
        class_id: roster.id.clone(),
        class_name: roster.name.clone(),
        teacher: as_demo(&teacher.sub, &teacher.name),
        director: as_demo(&director.public_sub, &format!("{} {}", director.given_name, director.family_name)),
        families,
        today: Date::today(),
    })
}

/// The demo tool's registration, kept in the data folder so that a second run reuses it.
async fn demo_client(state: &AppState, data: &Path, app_url: &str) -> anyhow::Result<DemoClient> {
    let file = data.join("demo-client.json");
    let saved = std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str::<DemoClient>(&t).ok());
    if let Some(saved) = saved
        && let Some(c) = state.clients.get(&saved.client_id).await?
        && c.redirect_uris.iter().any(|r| r == &format!("{app_url}/callback"))
    {
        return Ok(saved);
    }
    let mut spec = ClientSpec::new("Outil de l'école (démo)", vec![format!("{app_url}/callback")]);
    spec.id = Some("demo-tool".into());
    spec.post_logout_redirect_uris = vec![format!("{app_url}/")];
    spec.scopes = ["openid", "profile", "email", "ent", "offline_access"].map(String::from).to_vec();
    let _ = state.clients.remove("demo-tool").await?;
    let r = register_client(&state.clients, &state.audit, spec).await?;
    let saved = DemoClient { client_id: r.client.id, client_secret: r.secret.unwrap_or_default() };
    write_private(&file, &serde_json::to_vec_pretty(&saved)?)?;
    Ok(saved)
}

/// Writes a file readable by its owner only (it holds a client secret).
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}
