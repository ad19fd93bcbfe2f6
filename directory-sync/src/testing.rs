//! A real OpenLDAP server for tests (feature `testing`): a throwaway `slapd` with its own
//! cn=config in a temporary folder, the ENT schema, an mdb database for `dc=ent,dc=test`
//! bulk-loaded with `slapadd`, the RFC 4533 provider (syncprov), optional TLS, and a read-only
//! sync account.
//!
//! Needs Debian's `slapd` package (`slapd`, `slapadd` and the modules in `/usr/lib/ldap`) and,
//! for TLS, the `openssl` command; nothing else (changes go through `ldap3`, not
//! `ldapmodify`). Tests call [`require_slapd`] first and skip when slapd is missing, unless
//! `CI` or `ENT_REQUIRE_SLAPD` is set. `ENT_KEEP_SLAPD=1` keeps the folder (config, data,
//! `slapd.log`) after the test for a look.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use ent_directory_sync::testing::{Slapd, SlapdOptions, require_slapd};
//! if !require_slapd() {
//!     return Ok(());
//! }
//! let slapd = Slapd::start(SlapdOptions { tls: true, ..SlapdOptions::default() }).await?;
//! let mut ldap = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await?;
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Mod, Scope};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::ldif_out::{ssha, write_entry};

/// The suffix of the test directory.
pub const BASE_DN: &str = "dc=ent,dc=test";
/// The directory manager (rootdn): may do anything.
pub const ADMIN_DN: &str = "cn=admin,dc=ent,dc=test";
/// The read-only account of the directory sync: reads everything but passwords, no limits.
pub const SYNC_DN: &str = "cn=dirsync,ou=system,dc=ent,dc=test";
/// The ENT schema (`directory-sync/schema/ent-sdet.ldif`), built into the crate.
pub const SCHEMA_LDIF: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/ent-sdet.ldif"));

/// Virtual size of the mdb map: address space only (the file grows with the data), big
/// enough for a million-person directory.
const DB_MAX_SIZE: u64 = 8 << 30;
/// Where the slapd tools and modules may be (Debian first).
const TOOL_DIRS: [&str; 4] = ["/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/local/libexec"];
const MODULE_DIRS: [&str; 4] = ["/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap"];
const SCHEMA_DIRS: [&str; 2] = ["/etc/ldap/schema", "/etc/openldap/schema"];
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
const PORT_ATTEMPTS: usize = 5;

/// How to start a [`Slapd`].
#[derive(Clone, Debug, Default)]
pub struct SlapdOptions {
    /// LDIF to load with `slapadd` (from [`crate::ldif_out`]), with the base entry; nothing
    /// under `ou=system`. Without one the directory holds the base, `ou=structures`,
    /// `ou=groups` and `ou=people`. The sync account is added either way.
    pub ldif: Option<PathBuf>,
    /// Also serve LDAPS and StartTLS, with a certificate of a private CA ([`Slapd::ca_pem_path`]).
    pub tls: bool,
    /// Keep a session log of 1,000 changes: deletes then reach a syncrepl client as explicit
    /// lists of UUIDs. Without it (or after a restart, the log being in memory), deletes
    /// arrive as the present list of every UUID still there.
    pub sessionlog: bool,
    /// Leave the RFC 4533 provider (syncprov) out, like a server that offers no content
    /// synchronisation: a client must fall back to full reads.
    pub no_syncprov: bool,
    /// Have syncprov honour the reload hint (`olcSpReloadHint`). A cookie the server cannot
    /// continue from (no entry is as old as its CSN: the directory was rebuilt, say) then gets
    /// e-syncRefreshRequired (RFC 4533 §2.5, result 4096) when the client sent no hint, as ours
    /// does; without this, slapd ignores such a cookie and sends the whole content instead.
    pub reload_hint: bool,
}

/// How long the steps of [`Slapd::start`] took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlapdTimings {
    /// Certificates (with `tls`), cn=config and its check.
    pub config: Duration,
    /// `slapadd` of the data.
    pub load: Duration,
    /// From spawning slapd to its first answer.
    pub start: Duration,
}

/// A running slapd, stopped and deleted on drop.
#[derive(Debug)]
pub struct Slapd {
    dir: PathBuf,
    slapd: PathBuf,
    child: Option<Child>,
    port: u16,
    tls_port: Option<u16>,
    admin_password: String,
    sync_password: String,
    timings: SlapdTimings,
}

/// Whether slapd and slapadd are installed, with the schemas this harness includes.
pub fn slapd_available() -> bool {
    find_tool("slapd").is_some() && find_tool("slapadd").is_some() && schema_dir().is_some()
}

/// Whether a test needing slapd may run: true when slapd is installed. Otherwise prints a
/// one-line notice and returns false, so that the test passes as skipped; unless `CI` or
/// `ENT_REQUIRE_SLAPD` is set (and not `0` or `false`), which makes a missing slapd a panic.
pub fn require_slapd() -> bool {
    require(slapd_available(), |name| std::env::var(name).ok())
}

fn require(available: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    if available {
        return true;
    }
    let set = |name: &str| env(name).is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    if set("CI") || set("ENT_REQUIRE_SLAPD") {
        panic!("slapd is required (CI or ENT_REQUIRE_SLAPD is set) but not installed: apt-get install slapd");
    }
    eprintln!("SKIPPED: slapd is not installed (apt-get install slapd; ENT_REQUIRE_SLAPD=1 makes this a failure)");
    false
}

impl Slapd {
    /// Builds the configuration and the database in a new temporary folder, loads the data and
    /// starts slapd on free ports of 127.0.0.1, returning once it answers.
    pub async fn start(options: SlapdOptions) -> anyhow::Result<Slapd> {
        let slapd = find_tool("slapd").ok_or_else(|| anyhow!("slapd is not installed (apt-get install slapd)"))?;
        let slapadd =
            find_tool("slapadd").ok_or_else(|| anyhow!("slapadd is not installed (apt-get install slapd)"))?;
        let schemas =
            schema_dir().ok_or_else(|| anyhow!("the OpenLDAP schemas are missing (apt-get install slapd)"))?;
        let dir = new_temp_dir()?;
        let mut me = Slapd {
            dir,
            slapd,
            child: None,
            port: 0,
            tls_port: None,
            admin_password: random_secret()?,
            sync_password: random_secret()?,
            timings: SlapdTimings::default(),
        };
        // From here on, dropping `me` removes the folder.
        let started = Instant::now();
        for sub in ["slapd.d", "data", "run"] {
            std::fs::create_dir(me.dir.join(sub))?;
        }
        if options.tls {
            me.make_certificates()?;
        }
        let config = me.config_ldif(&schemas, &options);
        std::fs::write(me.dir.join("config.ldif"), config)?;
        let conf_dir = me.dir.join("slapd.d");
        run_tool(Command::new(&slapadd).arg("-n0").arg("-F").arg(&conf_dir).arg("-l").arg(me.dir.join("config.ldif")))
            .context("loading cn=config")?;
        me.timings.config = started.elapsed();

        let started = Instant::now();
        let system = me.dir.join("system.ldif");
        let mut text = Vec::new();
        if options.ldif.is_none() {
            me.base_entries(&mut text)?;
        }
        me.system_entries(&mut text)?;
        std::fs::write(&system, text)?;
        let load = |file: &Path| {
            run_tool(Command::new(&slapadd).args(["-q", "-w", "-b", BASE_DN, "-F"]).arg(&conf_dir).arg("-l").arg(file))
                .with_context(|| format!("slapadd {}", file.display()))
        };
        if let Some(ldif) = &options.ldif {
            load(ldif)?;
        }
        load(&system)?;
        me.timings.load = started.elapsed();

        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            me.port = free_port()?;
            me.tls_port = if options.tls { Some(free_port()?) } else { None };
            match me.spawn().await {
                Ok(()) => break,
                Err(e) if attempt < PORT_ATTEMPTS && e.downcast_ref::<PortTaken>().is_some() => continue,
                Err(e) => return Err(e),
            }
        }
        me.timings.start = started.elapsed();
        Ok(me)
    }

    /// `ldap://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// `ldaps://127.0.0.1:<port>`, when started with `tls`.
    pub fn ldaps_url(&self) -> Option<String> {
        self.tls_port.map(|port| format!("ldaps://127.0.0.1:{port}"))
    }

    /// The private CA that signed the server's certificate (for 127.0.0.1 and localhost), when
    /// started with `tls`.
    pub fn ca_pem_path(&self) -> Option<PathBuf> {
        self.tls_port.map(|_| self.dir.join("tls/ca.pem"))
    }

    pub fn base_dn(&self) -> &str {
        BASE_DN
    }

    pub fn admin_dn(&self) -> &str {
        ADMIN_DN
    }

    /// A random password, new for each server.
    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    pub fn sync_dn(&self) -> &str {
        SYNC_DN
    }

    /// A random password, new for each server.
    pub fn sync_password(&self) -> &str {
        &self.sync_password
    }

    /// The pid of the running slapd; `None` after [`Slapd::kill`] until restarted.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The temporary folder: `slapd.d` (cn=config), `data` (mdb), `slapd.log`, `tls`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn timings(&self) -> SlapdTimings {
        self.timings
    }

    /// A rustls client configuration trusting only the private CA (when started with `tls`),
    /// for `LdapConnSettings::set_config`.
    pub fn rustls_config(&self) -> anyhow::Result<Arc<rustls::ClientConfig>> {
        let ca = self.ca_pem_path().ok_or_else(|| anyhow!("this slapd was started without tls"))?;
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_file(&ca).with_context(|| format!("reading {}", ca.display()))?)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// Connection settings for StartTLS (or LDAPS, by URL) trusting the private CA.
    pub fn tls_settings(&self) -> anyhow::Result<LdapConnSettings> {
        Ok(LdapConnSettings::new().set_config(self.rustls_config()?).set_conn_timeout(Duration::from_secs(10)))
    }

    /// An anonymous connection to [`Slapd::url`] (its driver runs on the current runtime).
    pub async fn connect(&self) -> anyhow::Result<Ldap> {
        connect(&self.url(), LdapConnSettings::new().set_conn_timeout(Duration::from_secs(10))).await
    }

    /// A connection to [`Slapd::url`] bound as `dn`.
    pub async fn bind(&self, dn: &str, password: &str) -> anyhow::Result<Ldap> {
        let mut ldap = self.connect().await?;
        ldap.simple_bind(dn, password).await?.success().with_context(|| format!("binding as {dn}"))?;
        Ok(ldap)
    }

    /// Applies LDIF change records as the admin, in order: `changetype: add` (the default),
    /// `delete`, `modify` (`add:`/`delete:`/`replace:` blocks ended by `-`) and
    /// `modrdn`/`moddn` (`newrdn`, `deleteoldrdn`, optional `newsuperior`). Values may be
    /// base64 (`::`); lines may be folded; `#` comments and `version:` are skipped.
    pub async fn modify(&self, ldif_changes: &str) -> anyhow::Result<()> {
        let changes = parse_changes(ldif_changes)?;
        let mut ldap = self.bind(ADMIN_DN, &self.admin_password).await?;
        for change in changes {
            let dn = change.dn().to_string();
            let result = match change {
                Change::Add { dn, attrs } => {
                    let attrs = attrs.into_iter().map(|(a, v)| (a.into_bytes(), v.into_iter().collect())).collect();
                    ldap.add(&dn, attrs).await?
                }
                Change::Delete { dn } => ldap.delete(&dn).await?,
                Change::Modify { dn, mods } => ldap.modify(&dn, mods).await?,
                Change::ModRdn { dn, new_rdn, delete_old, new_superior } => {
                    ldap.modifydn(&dn, &new_rdn, delete_old, new_superior.as_deref()).await?
                }
            };
            result.success().with_context(|| format!("change of {dn}"))?;
        }
        ldap.unbind().await?;
        Ok(())
    }

    /// Stops slapd (SIGTERM, waiting for it to exit) and starts it again on the same ports and
    /// data. Also starts it again after [`Slapd::kill`].
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while child.try_wait()?.is_none() {
                if Instant::now() > deadline {
                    child.kill()?;
                    child.wait()?;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let started = Instant::now();
        self.spawn().await?;
        self.timings.start = started.elapsed();
        Ok(())
    }

    /// Kills slapd with SIGKILL, as a crash would (the data stays: mdb is crash-safe).
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// `ldapi://` URL of the local socket (SASL EXTERNAL maps the current user to the sync account).
    pub fn ldapi_url(&self) -> String {
        let path = self.dir.join("run/ldapi").display().to_string();
        let encoded: String =
            path.bytes().map(|b| if b == b'/' { "%2F".to_string() } else { (b as char).to_string() }).collect();
        format!("ldapi://{encoded}")
    }

    /// Starts slapd on `self.port` (and `self.tls_port`) and waits until it answers an
    /// anonymous search of the root DSE. Fails with [`PortTaken`] when a port is in use.
    async fn spawn(&mut self) -> anyhow::Result<()> {
        let pid_file = self.dir.join("run/slapd.pid");
        let _ = std::fs::remove_file(&pid_file);
        let mut urls = format!("ldap://127.0.0.1:{}/ {}", self.port, self.ldapi_url());
        if let Some(port) = self.tls_port {
            let _ = write!(urls, " ldaps://127.0.0.1:{port}/");
        }
        let log = std::fs::File::create(self.dir.join("slapd.log"))?;
        // -d: stay in the foreground, so that the child is slapd itself (its pid is ours);
        // level "none" still logs errors (`-d 0` would not even say a port is taken).
        let child = Command::new(&self.slapd)
            .args(["-d", "none", "-h"])
            .arg(&urls)
            .arg("-F")
            .arg(self.dir.join("slapd.d"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.slapd.display()))?;
        let pid = child.id();
        self.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().transpose()).transpose()? {
                self.child = None;
                let log = self.log_tail();
                let ports = [Some(self.port), self.tls_port];
                let taken = ports.into_iter().flatten().any(|p| TcpListener::bind(("127.0.0.1", p)).is_err());
                if log.contains("Address already in use") || taken {
                    return Err(PortTaken(self.port).into());
                }
                bail!("slapd exited during startup ({status}): {log}");
            }
            // Ours once it answers and has written its pid (after binding its ports: another
            // server that took the port first would answer too).
            let pid_written = std::fs::read_to_string(&pid_file).is_ok_and(|s| s.trim() == pid.to_string());
            if pid_written && self.probe().await {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("slapd did not answer within {READY_TIMEOUT:?}: {}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Whether an anonymous search of the root DSE succeeds.
    async fn probe(&self) -> bool {
        let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(1));
        let Ok(mut ldap) = connect(&self.url(), settings).await else {
            return false;
        };
        let found = ldap.search("", Scope::Base, "(objectClass=*)", vec!["namingContexts"]).await;
        let ok = found.and_then(|r| r.success()).is_ok();
        let _ = ldap.unbind().await;
        ok
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir.join("slapd.log")) {
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join(" | ")
    }

    /// A private CA and a certificate it signs for 127.0.0.1 and localhost (P-256 keys).
    fn make_certificates(&self) -> anyhow::Result<()> {
        let tls = self.dir.join("tls");
        std::fs::create_dir(&tls)?;
        std::fs::write(
            tls.join("server.ext"),
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )?;
        let openssl = |args: &[&str]| {
            run_tool(Command::new("openssl").args(args).current_dir(&tls)).context("openssl (is it installed?)")
        };
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        openssl(
            &[
                &["req", "-x509", "-days", "7", "-subj", "/CN=ENT test CA", "-keyout", "ca.key", "-out", "ca.pem"][..],
                &ec,
                &["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ]
            .concat(),
        )?;
        openssl(
            &[&["req", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"][..], &ec].concat(),
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "2",
            "-days",
            "7",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ])?;
        Ok(())
    }

    fn config_ldif(&self, schemas: &Path, options: &SlapdOptions) -> String {
        let dir = &self.dir;
        let mut c = String::new();
        let _ = writeln!(c, "dn: cn=config\nobjectClass: olcGlobal\ncn: config");
        // SASL EXTERNAL over ldapi://: the local user running the tests is the sync account.
        let _ = writeln!(
            c,
            "olcAuthzRegexp: {{0}}\"gidNumber=[0-9]+\\+uidNumber={},cn=peercred,cn=external,cn=auth\" \"{SYNC_DN}\"",
            current_uid()
        );
        let _ = writeln!(
            c,
            "olcPidFile: {}\nolcArgsFile: {}",
            dir.join("run/slapd.pid").display(),
            dir.join("run/slapd.args").display()
        );
        let _ = writeln!(c, "olcLogLevel: none\nolcToolThreads: 2");
        if options.tls {
            let tls = dir.join("tls");
            let _ = writeln!(c, "olcTLSCACertificateFile: {}", tls.join("ca.pem").display());
            let _ = writeln!(c, "olcTLSCertificateFile: {}", tls.join("server.pem").display());
            let _ = writeln!(c, "olcTLSCertificateKeyFile: {}", tls.join("server.key").display());
        }
        if let Some(modules) = module_dir() {
            let _ = writeln!(c, "\ndn: cn=module{{0}},cn=config\nobjectClass: olcModuleList\ncn: module{{0}}");
            let _ = writeln!(
                c,
                "olcModulePath: {}\nolcModuleLoad: {{0}}back_mdb\nolcModuleLoad: {{1}}syncprov",
                modules.display()
            );
        }
        let _ = writeln!(c, "\ndn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema");
        for schema in ["core", "cosine", "inetorgperson"] {
            let _ = writeln!(c, "\ninclude: file://{}", schemas.join(format!("{schema}.ldif")).display());
        }
        let _ = writeln!(c, "\n{}", SCHEMA_LDIF.trim_end());
        let _ = writeln!(
            c,
            "\ndn: olcDatabase={{-1}}frontend,cn=config\nobjectClass: olcDatabaseConfig\n\
             objectClass: olcFrontendConfig\nolcDatabase: {{-1}}frontend\n\
             olcAccess: {{0}}to dn.base=\"\" by * read\nolcAccess: {{1}}to dn.base=\"cn=Subschema\" by * read"
        );
        let _ = writeln!(
            c,
            "\ndn: olcDatabase={{0}}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {{0}}config\n\
             olcAccess: {{0}}to * by * none"
        );
        let _ = writeln!(
            c,
            "\ndn: olcDatabase={{1}}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig"
        );
        let _ =
            writeln!(c, "olcDatabase: {{1}}mdb\nolcSuffix: {BASE_DN}\nolcDbDirectory: {}", dir.join("data").display());
        let _ = writeln!(c, "olcRootDN: {ADMIN_DN}\nolcRootPW: {}", ssha(&self.admin_password, &salt()));
        let _ = writeln!(c, "olcDbMaxSize: {DB_MAX_SIZE}\nolcDbNoSync: TRUE");
        for index in ["objectClass", "entryUUID", "entryCSN", "uid", "ENTPersonJointure"] {
            let _ = writeln!(c, "olcDbIndex: {index} eq");
        }
        let _ = writeln!(c, "olcLimits: {{0}}dn.exact=\"{SYNC_DN}\" size=unlimited time=unlimited");
        // The sync account reads everything but passwords, which are only for binding.
        let _ = writeln!(c, "olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none");
        let _ = writeln!(c, "olcAccess: {{1}}to * by dn.exact=\"{SYNC_DN}\" read by self read by * none");
        if options.no_syncprov {
            return c;
        }
        let _ = writeln!(
            c,
            "\ndn: olcOverlay={{0}}syncprov,olcDatabase={{1}}mdb,cn=config\nobjectClass: olcOverlayConfig\n\
             objectClass: olcSyncProvConfig\nolcOverlay: {{0}}syncprov\nolcSpCheckpoint: 100 10"
        );
        if options.sessionlog {
            let _ = writeln!(c, "olcSpSessionlog: 1000");
        }
        if options.reload_hint {
            let _ = writeln!(c, "olcSpReloadHint: TRUE");
        }
        c
    }

    /// The base entry and the containers of [`crate::ldif_out`].
    fn base_entries(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        write_entry(
            out,
            BASE_DN,
            &[
                ("objectClass", "top"),
                ("objectClass", "dcObject"),
                ("objectClass", "organization"),
                ("dc", "ent"),
                ("o", "ent"),
            ],
        )?;
        for ou in ["structures", "groups", "people"] {
            let dn = format!("ou={ou},{BASE_DN}");
            write_entry(out, &dn, &[("objectClass", "top"), ("objectClass", "organizationalUnit"), ("ou", ou)])?;
        }
        Ok(())
    }

    /// `ou=system` and the sync account.
    fn system_entries(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        let dn = format!("ou=system,{BASE_DN}");
        write_entry(out, &dn, &[("objectClass", "top"), ("objectClass", "organizationalUnit"), ("ou", "system")])?;
        let password = ssha(&self.sync_password, &salt());
        write_entry(
            out,
            SYNC_DN,
            &[
                ("objectClass", "applicationProcess"),
                ("objectClass", "simpleSecurityObject"),
                ("cn", "dirsync"),
                ("description", "read-only account of the directory sync"),
                ("userPassword", &password),
            ],
        )?;
        Ok(())
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var("ENT_KEEP_SLAPD").is_ok_and(|v| !matches!(v.as_str(), "" | "0")) {
            eprintln!("ENT_KEEP_SLAPD: kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// slapd could not listen on the port it was given (taken meanwhile): try another.
#[derive(Debug)]
struct PortTaken(u16);

impl std::fmt::Display for PortTaken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "port {} is already in use", self.0)
    }
}

impl std::error::Error for PortTaken {}

/// SIGTERM to `child`, through the shell's `kill` (this crate has no unsafe code for
/// `libc::kill`).
fn terminate(child: &mut Child) {
    let sent = Command::new("sh")
        .args(["-c", "kill -TERM \"$1\"", "sh"])
        .arg(child.id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !sent {
        let _ = child.kill();
    }
}

async fn connect(url: &str, settings: LdapConnSettings) -> anyhow::Result<Ldap> {
    let (conn, ldap) =
        LdapConnAsync::with_settings(settings, url).await.with_context(|| format!("connecting to {url}"))?;
    ldap3::drive!(conn);
    Ok(ldap)
}

/// A port of 127.0.0.1 free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(TOOL_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
}

fn module_dir() -> Option<PathBuf> {
    MODULE_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|dir| dir.join("back_mdb.la").is_file() || dir.join("back_mdb.so").is_file())
}

fn schema_dir() -> Option<PathBuf> {
    SCHEMA_DIRS.iter().map(PathBuf::from).find(|dir| dir.join("inetorgperson.ldif").is_file())
}

fn new_temp_dir() -> anyhow::Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = format!("ent-slapd-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// 24 random characters.
fn random_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 18];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("no random numbers"))?;
    Ok(BASE64.encode(bytes).replace(['+', '/'], "x"))
}

fn salt() -> [u8; 8] {
    let mut salt = [0u8; 8];
    let _ = aws_lc_rs::rand::fill(&mut salt);
    salt
}

/// Runs a tool to completion; its stderr (or stdout) in the error when it fails.
fn run_tool(command: &mut Command) -> anyhow::Result<()> {
    let output = command.stdin(Stdio::null()).output().with_context(|| format!("running {command:?}"))?;
    if output.status.success() {
        return Ok(());
    }
    let text = [output.stderr, output.stdout].concat();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    bail!("{command:?} failed ({}): {}", output.status, lines[lines.len().saturating_sub(10)..].join(" | "))
}

/// An LDIF change record.
#[derive(Debug, PartialEq)]
enum Change {
    Add { dn: String, attrs: Vec<(String, Vec<Vec<u8>>)> },
    Delete { dn: String },
    Modify { dn: String, mods: Vec<Mod<Vec<u8>>> },
    ModRdn { dn: String, new_rdn: String, delete_old: bool, new_superior: Option<String> },
}

impl Change {
    fn dn(&self) -> &str {
        match self {
            Change::Add { dn, .. } | Change::Delete { dn } | Change::Modify { dn, .. } | Change::ModRdn { dn, .. } => {
                dn
            }
        }
    }
}

/// Parses LDIF change records (the subset [`Slapd::modify`] documents).
fn parse_changes(text: &str) -> anyhow::Result<Vec<Change>> {
    // Unfold, drop comments, split into records at blank lines.
    let mut records: Vec<Vec<String>> = vec![Vec::new()];
    for raw in text.lines() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = line.strip_prefix(' ') {
            let record = records.last_mut().and_then(|r| r.last_mut());
            record.ok_or_else(|| anyhow!("a continuation line starts the LDIF"))?.push_str(rest);
        } else if line.is_empty() {
            if records.last().is_some_and(|r| !r.is_empty()) {
                records.push(Vec::new());
            }
        } else if !line.starts_with('#')
            && let Some(record) = records.last_mut()
        {
            record.push(line.to_string());
        }
    }
    let mut changes = Vec::new();
    for record in records.into_iter().filter(|r| !r.is_empty()) {
        let mut lines = Vec::with_capacity(record.len());
        for line in &record {
            lines.push(parse_line(line)?);
        }
        let mut lines = lines.into_iter().filter(|(a, _)| !a.eq_ignore_ascii_case("version")).peekable();
        let Some((attr, dn)) = lines.next() else { continue };
        if !attr.eq_ignore_ascii_case("dn") {
            bail!("an LDIF record starts with {attr:?}, not dn");
        }
        let dn = String::from_utf8(dn)?;
        let changetype = match lines.peek() {
            Some((a, v)) if a.eq_ignore_ascii_case("changetype") => {
                let v = String::from_utf8(v.clone())?.to_ascii_lowercase();
                lines.next();
                v
            }
            _ => "add".to_string(),
        };
        let rest: Vec<(String, Vec<u8>)> = lines.collect();
        changes.push(match changetype.as_str() {
            "add" => {
                let mut attrs: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
                for (a, v) in rest {
                    match attrs.iter_mut().find(|(name, _)| name.eq_ignore_ascii_case(&a)) {
                        Some((_, values)) => values.push(v),
                        None => attrs.push((a, vec![v])),
                    }
                }
                Change::Add { dn, attrs }
            }
            "delete" => Change::Delete { dn },
            "modify" => Change::Modify { mods: parse_mods(&dn, rest)?, dn },
            "modrdn" | "moddn" => {
                let get = |name: &str| {
                    rest.iter()
                        .find(|(a, _)| a.eq_ignore_ascii_case(name))
                        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                };
                let new_rdn = get("newrdn").ok_or_else(|| anyhow!("{dn}: modrdn without newrdn"))?;
                let delete_old = get("deleteoldrdn").is_none_or(|v| v.trim() != "0");
                Change::ModRdn { dn, new_rdn, delete_old, new_superior: get("newsuperior") }
            }
            other => bail!("{dn}: unsupported changetype {other:?}"),
        });
    }
    Ok(changes)
}

/// The `add:`/`delete:`/`replace:` blocks of a modify record.
fn parse_mods(dn: &str, lines: Vec<(String, Vec<u8>)>) -> anyhow::Result<Vec<Mod<Vec<u8>>>> {
    let mut mods = Vec::new();
    let mut current: Option<(String, String, HashSet<Vec<u8>>)> = None;
    let finish = |current: Option<(String, String, HashSet<Vec<u8>>)>, mods: &mut Vec<Mod<Vec<u8>>>| {
        if let Some((op, attr, values)) = current {
            let attr = attr.into_bytes();
            mods.push(match op.as_str() {
                "add" => Mod::Add(attr, values),
                "delete" => Mod::Delete(attr, values),
                _ => Mod::Replace(attr, values),
            });
        }
    };
    for (a, v) in lines {
        if a == "-" {
            finish(current.take(), &mut mods);
            continue;
        }
        let op = a.to_ascii_lowercase();
        match &mut current {
            None if matches!(op.as_str(), "add" | "delete" | "replace") => {
                current = Some((op, String::from_utf8(v)?.trim().to_string(), HashSet::new()));
            }
            None => bail!("{dn}: expected add:, delete: or replace:, found {a:?}"),
            Some((_, attr, values)) if attr.eq_ignore_ascii_case(&a) => {
                values.insert(v);
            }
            Some((_, attr, _)) => bail!("{dn}: a value of {a:?} in the block of {attr:?} (missing '-'?)"),
        }
    }
    finish(current, &mut mods);
    Ok(mods)
}

/// `attr: value`, `attr:: base64` or a lone `-`.
fn parse_line(line: &str) -> anyhow::Result<(String, Vec<u8>)> {
    if line == "-" {
        return Ok(("-".into(), Vec::new()));
    }
    let (attr, rest) = line.split_once(':').ok_or_else(|| anyhow!("LDIF line without a colon: {line:?}"))?;
    let value = if let Some(b64) = rest.strip_prefix(':') {
        BASE64.decode(b64.trim()).with_context(|| format!("base64 of {attr}"))?
    } else if rest.starts_with('<') {
        bail!("{attr}: URL values are not supported");
    } else {
        rest.strip_prefix(' ').unwrap_or(rest).trim_start().as_bytes().to_vec()
    };
    Ok((attr.trim().to_string(), value))
}

/// The uid of this process (for the SASL EXTERNAL identity over ldapi://).
fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_change_records() {
        let text = "version: 1\n# comment\ndn: uid=a,ou=people,dc=ent,dc=test\nchangetype: modify\nreplace: cn\ncn: A\n\
                    cn:: w4k=\n-\ndelete: mail\n-\nadd: description\ndescription: long\n  folded\n\n\n\
                    dn: uid=b,ou=people,dc=ent,dc=test\nchangetype: modrdn\nnewrdn: uid=c\ndeleteoldrdn: 1\n\n\
                    dn: uid=d,ou=people,dc=ent,dc=test\nchangetype: delete\n\n\
                    dn: cn=x,dc=ent,dc=test\nobjectClass: top\nobjectClass: organizationalRole\ncn: x\n";
        let changes = parse_changes(text).expect("parse");
        assert_eq!(changes.len(), 4);
        let Change::Modify { mods, .. } = &changes[0] else { panic!("{:?}", changes[0]) };
        assert_eq!(mods.len(), 3);
        assert_eq!(mods[0], Mod::Replace(b"cn".to_vec(), HashSet::from([b"A".to_vec(), "É".as_bytes().to_vec()])));
        assert_eq!(mods[1], Mod::Delete(b"mail".to_vec(), HashSet::new()));
        assert_eq!(mods[2], Mod::Add(b"description".to_vec(), HashSet::from([b"long folded".to_vec()])));
        assert_eq!(
            changes[1],
            Change::ModRdn {
                dn: "uid=b,ou=people,dc=ent,dc=test".into(),
                new_rdn: "uid=c".into(),
                delete_old: true,
                new_superior: None
            }
        );
        assert_eq!(changes[2], Change::Delete { dn: "uid=d,ou=people,dc=ent,dc=test".into() });
        let Change::Add { attrs, .. } = &changes[3] else { panic!("{:?}", changes[3]) };
        assert_eq!(attrs[0], ("objectClass".to_string(), vec![b"top".to_vec(), b"organizationalRole".to_vec()]));
        assert!(parse_changes("dn: x\nchangetype: bogus\n").is_err());
        assert!(parse_changes("dn: x\nchangetype: modify\ncn: y\n").is_err());
    }

    #[test]
    fn a_missing_slapd_skips_unless_required() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        assert!(require(true, env(&[("CI", "true")])));
        assert!(!require(false, env(&[])));
        assert!(!require(false, env(&[("CI", "false"), ("ENT_REQUIRE_SLAPD", "0")])));
        for vars in [&[("CI", "true")][..], &[("ENT_REQUIRE_SLAPD", "1")][..]] {
            let panicked = std::panic::catch_unwind(|| require(false, env(vars)));
            assert!(panicked.is_err(), "{vars:?}");
        }
    }

    #[tokio::test]
    async fn a_taken_port_is_reported_for_a_retry() {
        if !require_slapd() {
            return;
        }
        let first = Slapd::start(SlapdOptions::default()).await.expect("slapd");
        let mut second = Slapd::start(SlapdOptions::default()).await.expect("slapd");
        second.kill().expect("kill");
        second.port = first.port;
        let err = second.restart().await.expect_err("the port is taken");
        assert!(err.downcast_ref::<PortTaken>().is_some(), "{err:#}");
        assert_eq!(second.pid(), None);
        assert!(first.probe().await, "the first server still answers");
    }

    #[test]
    fn config_has_the_schema_and_the_sync_account_limits() {
        let me = Slapd {
            dir: PathBuf::from("/nonexistent"),
            slapd: PathBuf::from("slapd"),
            child: None,
            port: 0,
            tls_port: None,
            admin_password: "a".into(),
            sync_password: "s".into(),
            timings: SlapdTimings::default(),
        };
        let schemas = Path::new("/etc/ldap/schema");
        let config = me.config_ldif(
            schemas,
            &SlapdOptions { tls: true, sessionlog: true, reload_hint: true, ..Default::default() },
        );
        assert!(config.contains("dn: cn=ent-sdet,cn=schema,cn=config"));
        assert!(config.contains("olcSpSessionlog: 1000"));
        assert!(config.contains("olcSpReloadHint: TRUE"));
        assert!(config.contains("olcTLSCertificateFile: /nonexistent/tls/server.pem"));
        assert!(config.contains(&format!("olcLimits: {{0}}dn.exact=\"{SYNC_DN}\" size=unlimited time=unlimited")));
        let plain = me.config_ldif(schemas, &SlapdOptions::default());
        assert!(
            !plain.contains("olcSpSessionlog") && !plain.contains("olcSpReloadHint") && plain.contains("syncprov,")
        );
        assert!(
            !me.config_ldif(schemas, &SlapdOptions { no_syncprov: true, ..Default::default() }).contains("syncprov,")
        );
    }
}
