//! `ent portal` and `ent portlet NAME`: each service as its own process, from a TOML file, with
//! the client secret readable from the environment (`…_CLIENT_SECRET`, or a file named by
//! `…_CLIENT_SECRET_FILE`) so that it need not sit in the file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

#[derive(Args)]
pub struct PortalArgs {
    /// A TOML file: the portal's settings at the top level or under `[portal]` (docs/portal.md).
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on, e.g. 0.0.0.0:8402 (overrides the file).
    #[arg(long)]
    listen: Option<String>,
}

#[derive(Args)]
pub struct PortletArgs {
    /// Which portlet of the registry: `homework`, `liaison`, …
    name: String,
    /// A TOML file: the portlet's settings at the top level or under `[portlet]`
    /// (docs/portlets.md).
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on (overrides the file).
    #[arg(long)]
    listen: Option<String>,
}

/// A secret from `{prefix}_CLIENT_SECRET` or the file named by `{prefix}_CLIENT_SECRET_FILE`.
fn secret_from_env(prefix: &str) -> anyhow::Result<Option<String>> {
    if let Ok(v) = std::env::var(format!("{prefix}_CLIENT_SECRET")) {
        return Ok(Some(v.trim().to_string()));
    }
    if let Ok(path) = std::env::var(format!("{prefix}_CLIENT_SECRET_FILE")) {
        let v = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        return Ok(Some(v.trim().to_string()));
    }
    Ok(None)
}

/// The link key of a portlet's own origin from `ENT_PORTLET_ORIGIN_LINK_KEY` or the file
/// `ENT_PORTLET_ORIGIN_LINK_KEY_FILE` names, rather than the configuration file.
fn origin_key_from_env() -> anyhow::Result<Option<String>> {
    if let Ok(v) = std::env::var("ENT_PORTLET_ORIGIN_LINK_KEY") {
        return Ok(Some(v.trim().to_string()));
    }
    if let Ok(path) = std::env::var("ENT_PORTLET_ORIGIN_LINK_KEY_FILE") {
        let v = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        return Ok(Some(v.trim().to_string()));
    }
    Ok(None)
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub async fn portal(args: PortalArgs) -> anyhow::Result<()> {
    let mut config = ent_portal::PortalConfig::from_toml(&read(&args.config)?)
        .with_context(|| format!("in {}", args.config.display()))?;
    if let Some(secret) = secret_from_env("ENT_PORTAL")? {
        config.client_secret = secret;
    }
    if let Some(l) = &args.listen {
        config.listen = l.parse().with_context(|| format!("invalid --listen {l:?}"))?;
    }
    crate::admin::ensure_sqlite_folder(&config.database_url)?;
    let server = ent_portal::build(config).await.context("starting the portal")?;
    tracing::info!(addr = %server.addr, "portal ready");
    crate::shutdown_signal().await;
    tracing::info!("stopping: finishing the requests in flight");
    server.shutdown().await?;
    Ok(())
}

pub async fn portlet(args: PortletArgs) -> anyhow::Result<()> {
    let portlet = ent::registry::find(&args.name)?;
    let text = read(&args.config)?;
    let table: toml::Table = toml::from_str(&text).with_context(|| format!("in {}", args.config.display()))?;
    let value = match table.get("portlet") {
        Some(section) => section.clone(),
        None => toml::Value::Table(table),
    };
    let mut config: ent_portlet_kit::PortletConfig =
        value.try_into().with_context(|| format!("in {}", args.config.display()))?;
    if let Some(secret) = secret_from_env("ENT_PORTLET")? {
        config.client_secret = Some(secret);
    }
    if let Some(origin) = config.origin.as_mut()
        && let Some(key) = origin_key_from_env()?
    {
        origin.link_key = ent_portlet_kit::origin::LinkKey::new(key.into_bytes())?;
    }
    if let Some(l) = &args.listen {
        config.listen = l.parse().with_context(|| format!("invalid --listen {l:?}"))?;
    }
    crate::admin::ensure_sqlite_folder(&config.database_url)?;
    let server = portlet.entry.start(config).await?;
    tracing::info!(portlet = %args.name, addr = %server.addr, "portlet ready");
    crate::shutdown_signal().await;
    tracing::info!("stopping: finishing the requests in flight");
    server.shutdown().await?;
    Ok(())
}
