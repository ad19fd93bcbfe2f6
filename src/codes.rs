//! `ent codes`: activation codes for the first login of a school's or a class's pupils and their
//! parents, as printable letters and/or a spreadsheet.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{ArgGroup, Args};
use ent_idp::activation::{MAX_TTL_DAYS, Scope, expiry_date, generate_for, to_csv, to_html_letters};
use ent_idp::model::Profile;
use ent_idp::store::activation::ActivationStore;
use ent_idp::store::audit::AuditStore;

use crate::admin::DbArgs;

#[derive(Args)]
#[command(group(ArgGroup::new("scope").required(true).args(["school", "class"])))]
#[command(group(ArgGroup::new("output").required(true).multiple(true).args(["letters", "csv"])))]
pub struct CodesArgs {
    /// Every class of this school (its UAI, e.g. 0750001A).
    #[arg(long, value_name = "UAI")]
    pub school: Option<String>,
    /// One class (its id in the directory).
    #[arg(long, value_name = "CLASS_ID")]
    pub class: Option<String>,
    /// How many days the codes stay valid.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=MAX_TTL_DAYS))]
    pub days: i64,
    /// Also people who already have a password (their new code lets them choose another).
    #[arg(long)]
    pub all: bool,
    /// Writes the letters to print here, one A4 page per person.
    #[arg(long, value_name = "FILE.html")]
    pub letters: Option<PathBuf>,
    /// Writes a spreadsheet of logins and codes here.
    #[arg(long, value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
    /// The ENT's address printed on the letters (default: ENT_IDP_ISSUER).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(args: CodesArgs) -> anyhow::Result<()> {
    let scope = match (args.school, args.class) {
        (Some(uai), None) => Scope::School(uai.trim().to_string()),
        (None, Some(class)) => Scope::Class(class.trim().to_string()),
        _ => anyhow::bail!("give --school UAI or --class CLASS_ID"),
    };
    let address = match &args.letters {
        Some(_) => Some(letters_address(args.url)?),
        None => None,
    };
    // Open the files first: issuing codes replaces the earlier ones, so the new ones must not be
    // lost to a path that cannot be written.
    let mut letters_file = args.letters.as_deref().map(create_private).transpose()?;
    let mut csv_file = args.csv.as_deref().map(create_private).transpose()?;

    let generated = async {
        let db = args.db.connect().await?;
        generate_for(&ActivationStore::new(db.clone()), &AuditStore::new(db), &scope, args.days, args.all)
            .await
            .context("issuing the activation codes")
    };
    let letters = match generated.await {
        Ok(letters) => letters,
        Err(e) => {
            // Nothing was issued: leave no empty files behind.
            for (path, _) in letters_file.iter().chain(&csv_file) {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };

    let mut written = Vec::new();
    if let (Some((path, file)), Some(address)) = (letters_file.as_mut(), &address) {
        let html = to_html_letters(&letters, address).context("writing the letters")?;
        file.write_all(html.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        written.push(path.display().to_string());
    }
    if let Some((path, file)) = csv_file.as_mut() {
        file.write_all(to_csv(&letters).as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        written.push(path.display().to_string());
    }
    let pupils = letters.iter().filter(|l| l.profile == Profile::Pupil).count();
    let until = letters.first().map(|l| format!(", valid until {}", expiry_date(l.expires_at))).unwrap_or_default();
    println!(
        "{} codes ({pupils} pupils, {} parents){until}; wrote {}",
        letters.len(),
        letters.len() - pupils,
        written.join(" and ")
    );
    Ok(())
}

/// Where the letters send people: `--url`, else the provider's issuer from the environment.
fn letters_address(url: Option<String>) -> anyhow::Result<String> {
    let url = url
        .or_else(|| std::env::var("ENT_IDP_ISSUER").ok())
        .filter(|u| !u.trim().is_empty())
        .context("the letters need the ENT's address: give --url https://… (or set ENT_IDP_ISSUER)")?;
    let parsed = url::Url::parse(url.trim()).with_context(|| format!("--url {url:?} is not an absolute URL"))?;
    anyhow::ensure!(matches!(parsed.scheme(), "http" | "https"), "--url {url:?}: http or https only");
    Ok(url.trim().trim_end_matches('/').to_string())
}

/// Creates (or truncates) a file only its owner can read: it holds codes.
fn create_private(path: &Path) -> anyhow::Result<(PathBuf, File)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    Ok((path.to_path_buf(), file))
}
