//! `ent`: one command that runs any part of ENT — the demo, the identity provider, the portal,
//! the portlets, and the operators' tools (clients, keys, directory, sync, audit).

mod admin;
mod codes;
mod demo;
mod demo_app;
mod services;
mod sync_cmd;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ent", version, about = "ENT, the schools' digital workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything on localhost with SQLite and a generated school; prints the demo accounts.
    Demo(demo::DemoArgs),
    /// Runs the OpenID Connect provider.
    Idp(IdpArgs),
    /// Runs the portal.
    Portal(services::PortalArgs),
    /// Runs one portlet service of the registry (homework, liaison, …).
    Portlet(services::PortletArgs),
    /// Registers, lists and removes the tools linked to the provider.
    #[command(subcommand)]
    Client(admin::ClientCommand),
    /// Rotates and lists signing keys.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Generates or loads a school directory.
    #[command(subcommand)]
    Directory(admin::DirectoryCommand),
    /// Resets a person's passkeys (recovery).
    #[command(subcommand)]
    Passkeys(admin::PasskeysCommand),
    /// Shows the latest audit records.
    Audit(admin::AuditArgs),
    /// Brings the school directory (LDAP, or an LDIF export) into the provider.
    Sync(sync_cmd::SyncArgs),
    /// Prints activation letters and/or a spreadsheet of first-login codes.
    Codes(codes::CodesArgs),
}

#[derive(clap::Args)]
struct IdpArgs {
    /// A TOML file with an `[idp]` section.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The issuer URL, e.g. https://connexion.ecoles.example
    #[arg(long)]
    issuer: Option<String>,
    /// Address to listen on, e.g. 0.0.0.0:8400
    #[arg(long)]
    listen: Option<String>,
    #[command(flatten)]
    db: admin::DbArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            // One readable line with the causes, for operators; no backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => demo::run(args).await.map(|()| 0),
            Command::Idp(args) => run_idp(args).await.map(|()| 0),
            Command::Portal(args) => services::portal(args).await.map(|()| 0),
            Command::Portlet(args) => services::portlet(args).await.map(|()| 0),
            Command::Client(cmd) => admin::client(cmd).await.map(|()| 0),
            Command::Passkeys(cmd) => admin::passkeys(cmd).await.map(|()| 0),
            Command::Keys(cmd) => admin::keys(cmd).await.map(|()| 0),
            Command::Directory(cmd) => admin::directory(cmd).await.map(|()| 0),
            Command::Audit(args) => admin::audit(args).await.map(|()| 0),
            Command::Sync(args) => sync_cmd::run(args).await,
            Command::Codes(args) => codes::run(args).await.map(|()| 0),
        }
    })
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("ENT_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
}

async fn run_idp(args: IdpArgs) -> anyhow::Result<()> {
    let issuer = ent_idp::config::parse_issuer("http://localhost:8400")?;
    let mut config = ent_idp::Config::new(issuer, args.db.url());
    config.listen = "127.0.0.1:8400".parse()?;
    if let Some(path) = &args.config {
        for key in config.apply_file(path)? {
            tracing::warn!(key = %key, "unknown configuration key ignored");
        }
    }
    config.apply_env()?;
    if let Some(i) = &args.issuer {
        config.issuer = ent_idp::config::parse_issuer(i)?;
    }
    if let Some(l) = &args.listen {
        config.listen = l.parse().with_context(|| format!("invalid --listen {l:?}"))?;
    }
    if args.db.database_url.is_some() {
        config.database_url = args.db.url();
    }
    admin::ensure_sqlite_folder(&config.database_url)?;
    let listen = config.listen;
    let issuer = config.issuer_str();
    let server = ent_idp::build(config).await.map_err(|e| port_message(e, listen))?;
    tracing::info!(issuer = %issuer, addr = %server.addr, "identity provider ready");
    shutdown_signal().await;
    tracing::info!("stopping: finishing the requests in flight");
    server.shutdown().await?;
    Ok(())
}

/// A busy port gets a sentence, not a stack of errors.
pub fn port_message(e: ent_idp::state::StartError, addr: std::net::SocketAddr) -> anyhow::Error {
    match e {
        ent_idp::state::StartError::Bind(_, io) if io.kind() == std::io::ErrorKind::AddrInUse => {
            anyhow::anyhow!(
                "port {} is already in use (another program, or another ENT, is listening there); choose another port",
                addr.port()
            )
        }
        other => anyhow::Error::new(other),
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
