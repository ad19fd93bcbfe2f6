//! `ent sync`: brings the school directory into the provider — once, or every INTERVAL with
//! `--watch`. A progress line on a terminal, a one-line summary, a JSON report, and exit codes a
//! scheduler can act on: 0 done, 3 done but some entries were skipped, 4 stopped by the
//! deactivation threshold (nothing changed), 1 failed (nothing changed).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use ent_directory_sync::run::{RunOptions, RunReport, SyncConfig, run_ldap, run_ldif};
use indicatif::{ProgressBar, ProgressStyle};

use crate::admin::DbArgs;

#[derive(Args)]
pub struct SyncArgs {
    /// The sync configuration (TOML: [source], preset or [mapping], [policy]).
    #[arg(long)]
    config: PathBuf,
    /// Read this LDIF export instead of the LDAP server.
    #[arg(long)]
    ldif: Option<PathBuf>,
    /// Show what would change (counts and the first entries of each kind); change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Apply even when more than the configured share of accounts would be deactivated.
    #[arg(long)]
    force: bool,
    /// Read the whole directory even if an incremental sync is possible.
    #[arg(long)]
    full: bool,
    /// Write the run's report as JSON to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Keep syncing, every INTERVAL seconds.
    #[arg(long, value_name = "INTERVAL")]
    watch: Option<u64>,
    #[command(flatten)]
    db: DbArgs,
}

/// Runs the command; returns the process exit code.
pub async fn run(args: SyncArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.config).with_context(|| format!("reading {}", args.config.display()))?;
    let cfg = SyncConfig::from_toml(&text)?;
    let db = args.db.connect().await?;
    let opts = RunOptions { dry_run: args.dry_run, force: args.force, full: args.full };
    loop {
        let code = match once(&db, &cfg, &opts, &args).await {
            Ok(report) => {
                println!("{}", report.summary());
                for (what, dn) in report.apply.samples.iter().filter(|_| args.dry_run) {
                    println!("  {what}: {dn}");
                }
                for (dn, why) in report.apply.rejected.iter().take(20) {
                    println!("  skipped {dn}: {why}");
                }
                if report.apply.rejected.len() > 20 {
                    println!("  … and {} more (see --report)", report.apply.rejected.len() - 20);
                }
                for (dn, why) in report.apply.warnings.iter().take(20) {
                    println!("  warning {dn}: {why}");
                }
                if report.apply.warnings.len() > 20 {
                    println!("  … and {} more warnings (see --report)", report.apply.warnings.len() - 20);
                }
                if let Some(path) = &args.report {
                    std::fs::write(path, serde_json::to_vec_pretty(&report)?)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                report.exit_code()
            }
            Err(e) => {
                eprintln!("error: {e:#} (nothing was changed)");
                1
            }
        };
        let Some(every) = args.watch else { return Ok(code) };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(every.max(1))) => {},
            _ = crate::shutdown_signal() => return Ok(code),
        }
    }
}

async fn once(db: &ent_idp::db::Db, cfg: &SyncConfig, opts: &RunOptions, args: &SyncArgs) -> anyhow::Result<RunReport> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(format!("reading {}", cfg.source.name));
        Some(bar)
    } else {
        None
    };
    let progress = |n: u64| {
        if let Some(b) = &bar {
            b.set_message(format!("{n} entries read"));
        }
    };
    let result = match &args.ldif {
        Some(path) => run_ldif(db, cfg, path, opts).await,
        None => run_ldap(db, cfg, opts, &progress).await,
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Ent {
        #[command(flatten)]
        sync: SyncArgs,
    }

    /// `ent sync` with a source that would carry the bind password in clear stops before it
    /// opens the provider's database or the directory, and says what to set.
    #[tokio::test]
    async fn a_plaintext_source_stops_the_sync_before_anything() {
        let dir = std::env::temp_dir().join(format!("ent-sync-cmd-{}", ent_idp::secret::new_id()));
        std::fs::create_dir_all(&dir).expect("folder");
        let config = dir.join("sync.toml");
        let database = dir.join("idp.db");
        let run_with = |source: &str| {
            std::fs::write(
                &config,
                format!(
                    "preset = \"sdet\"\n[source]\nname = \"annuaire\"\nbase_dn = \"dc=ville,dc=example\"\n{source}\n"
                ),
            )
            .expect("config");
            let args = Ent::try_parse_from([
                "ent",
                "--config",
                &config.display().to_string(),
                "--database-url",
                &format!("sqlite://{}", database.display()),
            ])
            .expect("command line")
            .sync;
            run(args)
        };
        let err = run_with("url = \"ldap://annuaire.ville.example\"").await.expect_err("refused");
        assert_eq!(
            format!("{err:#}"),
            "sync source \"annuaire\": ldap://annuaire.ville.example would send passwords across the network in \
             clear; use an ldaps:// url, set starttls = true, or set allow_plaintext = true on this source if that \
             network is trusted"
        );
        assert!(!database.exists(), "the provider's database was not even opened");
        let err = run_with("url = \"ldap://127.0.0.1.evil.example\"").await.expect_err("not loopback");
        assert!(format!("{err:#}").contains("in clear"), "{err:#}");
        assert!(!database.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
