//! The operators' commands: `ent client …`, `ent keys …`, `ent directory …`, `ent audit`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use ent_idp::admin::{ClientSpec, register_client, remove_client, rotate_client_secret};
use ent_idp::db::Db;
use ent_idp::jose::Alg;
use ent_idp::store::audit::AuditStore;
use ent_idp::store::clients::ClientStore;
use ent_idp::store::keys::KeyStore;

#[derive(Args, Clone)]
pub struct DbArgs {
    /// sqlite://… or postgres://… (default: ENT_IDP_DATABASE_URL, else sqlite://ent-data/idp.db)
    #[arg(long)]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .or_else(|| std::env::var("ENT_IDP_DATABASE_URL").ok())
            .unwrap_or_else(|| "sqlite://ent-data/idp.db".into())
    }

    pub async fn connect(&self) -> anyhow::Result<Db> {
        let url = self.url();
        ensure_sqlite_folder(&url)?;
        ent_idp::db::connect(&url).await.with_context(|| "opening the provider's database".to_string())
    }
}

/// A SQLite database's folder is created on first use; other URLs are left alone.
pub fn ensure_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let Some(path) = url.strip_prefix("sqlite://") else { return Ok(()) };
    let file = std::path::Path::new(path.split('?').next().unwrap_or(path));
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Registers a client and prints its id and (once) its secret.
    Add(Box<AddClient>),
    /// Lists the registered clients.
    List(DbArgs),
    /// Removes a client and everything issued to it.
    Remove {
        client_id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issues a new secret; the old one stops working at once.
    RotateSecret {
        client_id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Args)]
pub struct AddClient {
    /// The name users see on the consent screen.
    #[arg(long)]
    name: String,
    /// Exact redirect URI (repeat for several).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Exact post-logout redirect URI (repeat for several).
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// Choose the client id (default: generated).
    #[arg(long)]
    client_id: Option<String>,
    /// A public client (no secret; browser or mobile app).
    #[arg(long)]
    public: bool,
    /// A service of ENT itself: no consent screen, public `sub`.
    #[arg(long)]
    first_party: bool,
    /// Scopes the client may ask for (default: openid profile).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Grant types (default: authorization_code refresh_token).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// ID token algorithm: RS256 (default), ES256 or EdDSA.
    #[arg(long, default_value = "RS256")]
    id_token_alg: String,
    /// Resource indicator when the client is also an API (RFC 8707); no other client's.
    #[arg(long)]
    audience: Option<String>,
    /// A resource (RFC 8707) the client may ask tokens for with client_credentials: the
    /// directory API (urn:ent:directory) or another service's audience (repeat for several).
    #[arg(long = "resource", value_name = "URI")]
    resources: Vec<String>,
    /// Where the provider posts logout tokens when a session ends (OpenID Connect
    /// Back-Channel Logout 1.0): https, or http on localhost.
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn client(cmd: ClientCommand) -> anyhow::Result<()> {
    match cmd {
        ClientCommand::Add(a) => {
            let a = *a;
            let db = a.db.connect().await?;
            let mut spec = ClientSpec::new(a.name, a.redirect_uris);
            spec.id = a.client_id;
            spec.post_logout_redirect_uris = a.post_logout_redirect_uris;
            spec.public = a.public;
            spec.first_party = a.first_party;
            if !a.scopes.is_empty() {
                spec.scopes = split_all(&a.scopes);
            }
            if !a.grants.is_empty() {
                spec.grant_types = split_all(&a.grants);
            }
            spec.id_token_alg =
                a.id_token_alg.parse::<Alg>().map_err(|_| anyhow::anyhow!("--id-token-alg: RS256, ES256 or EdDSA"))?;
            spec.audience = a.audience;
            spec.resources = a.resources;
            spec.backchannel_logout_uri = a.backchannel_logout_uri;
            let r = register_client(&ClientStore::new(db.clone()), &AuditStore::new(db), spec).await?;
            println!("client_id:     {}", r.client.id);
            match r.secret {
                Some(s) => {
                    println!("client_secret: {s}");
                    println!("(the secret is shown only now; it is stored hashed)");
                }
                None => println!("public client: no secret; PKCE S256 is required"),
            }
        }
        ClientCommand::List(db) => {
            let clients = ClientStore::new(db.connect().await?).list().await?;
            if clients.is_empty() {
                println!("no clients");
            }
            for c in clients {
                println!(
                    "{}\t{}\t{}{}\tscopes={}\tgrants={}\tredirects={}{}{}{}",
                    c.id,
                    c.name,
                    if c.is_public() { "public" } else { "confidential" },
                    if c.first_party { ", first-party" } else { "" },
                    c.scopes.join(" "),
                    c.grant_types.join(" "),
                    c.redirect_uris.join(" "),
                    c.audience.as_deref().map(|a| format!("\taudience={a}")).unwrap_or_default(),
                    if c.resources.is_empty() {
                        String::new()
                    } else {
                        format!("\tresources={}", c.resources.join(" "))
                    },
                    c.backchannel_logout_uri
                        .as_deref()
                        .map(|u| format!("\tbackchannel_logout={u}"))
                        .unwrap_or_default(),
                );
            }
        }
        ClientCommand::Remove { client_id, db } => {
            let db = db.connect().await?;
            if remove_client(&ClientStore::new(db.clone()), &AuditStore::new(db), &client_id).await? {
                println!("removed {client_id}");
            } else {
                anyhow::bail!("no client {client_id:?}");
            }
        }
        ClientCommand::RotateSecret { client_id, db } => {
            let db = db.connect().await?;
            match rotate_client_secret(&ClientStore::new(db.clone()), &AuditStore::new(db), &client_id).await? {
                Some(s) => println!("client_secret: {s}"),
                None => anyhow::bail!("no confidential client {client_id:?}"),
            }
        }
    }
    Ok(())
}

fn split_all(v: &[String]) -> Vec<String> {
    v.iter().flat_map(|s| s.split([' ', ','])).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// One rotation step: next → current, current → previous, previous → retired, new next.
    Rotate {
        /// Only this algorithm (default: all).
        #[arg(long)]
        alg: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Lists the published keys.
    List(DbArgs),
}

pub async fn keys(cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Rotate { alg, db } => {
            let db = db.connect().await?;
            let store = KeyStore::new(db.clone());
            let algs = match alg {
                Some(a) => vec![a.parse::<Alg>().map_err(|_| anyhow::anyhow!("--alg: RS256, ES256 or EdDSA"))?],
                None => Alg::ALL.to_vec(),
            };
            for alg in algs {
                store.ensure(alg).await?;
                let kid = store.rotate(alg).await?;
                println!("{alg}: now signing with {kid}");
            }
            AuditStore::new(db).record(&ent_idp::store::audit::AuditEvent::new("keys.rotate", "ok")).await?;
            println!("running providers pick the new keys up within a minute");
        }
        KeysCommand::List(db) => {
            for k in KeyStore::new(db.connect().await?).active().await? {
                println!("{}\t{}\t{:?}", k.key.kid(), k.key.alg(), k.state);
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// Writes a synthetic school network as LDIF in the SDET schema (deterministic for a seed):
    /// by default the reference deployment (125 schools, ~28,300 accounts); `--scale 35` makes
    /// about a million people. Load it into OpenLDAP with slapadd, or sync it with
    /// `ent sync --ldif FILE`.
    Generate {
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Multiplies every count of the reference deployment.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The small demo school instead (one school, four classes).
        #[arg(long)]
        demo: bool,
        #[arg(long, default_value = "dc=ent,dc=example")]
        base_dn: String,
        /// Give the demo accounts (eleve.demo, enseignant.demo, …) this directory password.
        #[arg(long)]
        demo_password: Option<String>,
        /// Where to write the LDIF (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn directory(cmd: DirectoryCommand) -> anyhow::Result<()> {
    match cmd {
        DirectoryCommand::Generate { seed, scale, demo, base_dn, demo_password, output } => {
            use ent_directory_sync::generate::{GenerateOptions, generate};
            if !(scale > 0.0 && scale <= 1000.0) {
                anyhow::bail!("--scale must be above 0 and at most 1000");
            }
            let generated = if demo {
                generate(&GenerateOptions { seed, ..GenerateOptions::default() })
            } else {
                generate(&ent_directory_sync::generate::ReferenceOptions { seed, factor: scale })
            };
            let options = ent_directory_sync::ldif_out::LdifOptions { demo_password: demo_password.as_deref() };
            let counts = match &output {
                Some(path) => {
                    let file = std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
                    let mut out = std::io::BufWriter::new(file);
                    let c = ent_directory_sync::ldif_out::write_ldif_with(&generated, &base_dn, &options, &mut out)?;
                    std::io::Write::flush(&mut out)?;
                    c
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    let c = ent_directory_sync::ldif_out::write_ldif_with(&generated, &base_dn, &options, &mut out)?;
                    std::io::Write::flush(&mut out)?;
                    c
                }
            };
            eprintln!(
                "{} schools, {} classes, {} people ({} entries){}",
                counts.schools,
                counts.classes,
                counts.people,
                counts.entries(),
                output.map(|p| format!(" written to {}", p.display())).unwrap_or_default()
            );
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct AuditArgs {
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn audit(args: AuditArgs) -> anyhow::Result<()> {
    for e in AuditStore::new(args.db.connect().await?).recent(args.limit).await? {
        println!(
            "{}\t{}\t{}\tperson={}\tclient={}\t{}",
            e.at,
            e.event,
            e.outcome,
            e.person_id.unwrap_or_default(),
            e.client_id.unwrap_or_default(),
            e.detail.unwrap_or_default()
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum PasskeysCommand {
    /// Removes every passkey of a person (a lost or stolen device); audited, and the person is
    /// told at their next login. Those whose profile requires a passkey register a new one then.
    Reset {
        /// The person's login.
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn passkeys(cmd: PasskeysCommand) -> anyhow::Result<()> {
    match cmd {
        PasskeysCommand::Reset { login, db } => {
            let db = db.connect().await?;
            let removed = ent_idp::admin::reset_passkeys(
                &ent_idp::store::directory::DirectoryStore::new(db.clone()),
                &ent_idp::store::passkeys::PasskeyStore::new(db.clone()),
                &AuditStore::new(db),
                &login,
            )
            .await?;
            println!("{removed} passkey(s) removed; the person will be told at their next login");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Ent {
        #[command(subcommand)]
        client: ClientCommand,
    }

    fn add(args: &[&str], url: &str) -> ClientCommand {
        let base = ["ent", "add", "--name", "Service", "--grant", "client_credentials", "--database-url", url];
        Ent::try_parse_from(base.iter().chain(args)).expect("command line").client
    }

    #[tokio::test]
    async fn client_add_records_resources_and_refuses_a_taken_audience() {
        let dir = std::env::temp_dir().join(format!("ent-client-add-{}", ent_idp::secret::new_id()));
        let url = format!("sqlite://{}", dir.join("idp.db").display());
        client(add(&["--client-id", "portlet-homework", "--audience", "urn:ent:portlet:homework"], &url))
            .await
            .expect("the portlet");
        client(add(
            &["--client-id", "robot", "--resource", "urn:ent:directory", "--resource", "https://api.example/"],
            &url,
        ))
        .await
        .expect("a client with resources");

        // Another service claiming the portlet's audience: one sentence, nothing stored.
        let err = client(add(&["--client-id", "copycat", "--audience", "urn:ent:portlet:homework"], &url))
            .await
            .expect_err("a taken audience");
        assert_eq!(
            format!("{err:#}"),
            "the audience urn:ent:portlet:homework is already registered for the client portlet-homework: an \
             audience names one service"
        );
        let db = DbArgs { database_url: Some(url.clone()) }.connect().await.expect("database");
        let clients = ClientStore::new(db.clone());
        assert!(clients.get("copycat").await.expect("get").is_none());
        let robot = clients.get("robot").await.expect("get").expect("robot");
        assert_eq!(robot.resources, vec!["https://api.example/".to_string(), "urn:ent:directory".to_string()]);

        // Resources without the grant that uses them: refused with what to add.
        let cmd = Ent::try_parse_from([
            "ent",
            "add",
            "--name",
            "Outil",
            "--redirect-uri",
            "https://outil.example/cb",
            "--resource",
            "urn:ent:directory",
            "--database-url",
            &url,
        ])
        .expect("command line")
        .client;
        let err = client(cmd).await.expect_err("resources without client_credentials");
        assert!(format!("{err:#}").contains("add --grant client_credentials"), "{err:#}");
        db.pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
