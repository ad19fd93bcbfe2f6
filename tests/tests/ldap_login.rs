//! Login with the directory's own password: the provider binds to a real slapd as the person's
//! DN recorded by the sync. A wrong password, an LDAP-injection attempt in the login name, and a
//! directory that is down are refused.

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use ent_directory_sync::generate::{GenerateOptions, generate};
use ent_directory_sync::ldif_out::{LdifOptions, write_ldif_with};
use ent_directory_sync::run::{RunOptions, SyncConfig, run_ldap};
use ent_directory_sync::testing::{Slapd, SlapdOptions, require_slapd};
use ent_e2e::{ALL_SCOPES, Browser, StartOptions, TestIdp};
use ent_idp::ldap_login::LdapLoginSource;

const BASE: &str = "dc=ent,dc=test";
const DIRECTORY_PASSWORD: &str = "mot-de-passe-annuaire";

/// A slapd with the generated directory (the demo accounts have [`DIRECTORY_PASSWORD`]), and
/// the folder of its files.
struct Directory {
    slapd: Slapd,
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
    Ok(Directory { slapd, dir })
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
