//! `ent-bench`: a load benchmark of ENT's identity provider.
//!
//! The provider runs in this process on 127.0.0.1 (port 0), over a fresh SQLite file in a
//! temporary folder or a fresh PostgreSQL database (`--database-url postgres://…`), seeded with a
//! generated school network. A keep-alive HTTP client in the same process then drives, each for
//! `--seconds` with `--concurrency` tasks:
//!
//! 1. `cc`: client_credentials grants (POST /token, HTTP Basic client authentication);
//! 2. `refresh`: refresh-token grants, each task rotating the refresh token of its own grant;
//! 3. `login`: full password logins (GET /authorize → GET /login → POST /login → POST /token);
//! 4. `argon2`: raw argon2id verifies with the provider's parameters, one thread per core.
//!
//! Client and server share the same cores: the figures are for the pair, not for the provider
//! alone. See docs/benchmarks.md.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};
use clap::{Parser, ValueEnum};
use ent_bench::db::BenchDb;
use ent_directory_sync::generate::{GenerateOptions, generate};
use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::password::{M_COST_KIB, P_COST, T_COST, hash_blocking};
use ent_idp::secret;
use ent_idp::state::AppState;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde_json::Value;
use tokio::net::TcpListener;
use url::Url;

/// The password given to every benchmark account.
const PASSWORD: &str = "cartable-bleu-2026";
/// Where the provider sends the browser back; never followed.
const REDIRECT_URI: &str = "http://localhost:9/callback";
const CLIENT_ID: &str = "ent-bench";

#[derive(Parser, Debug)]
#[command(name = "ent-bench", about = "Load benchmark of ENT's identity provider (in-process server and client)")]
struct Args {
    /// Duration of each measured operation, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent client tasks for the HTTP operations.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// `postgres://…` to benchmark PostgreSQL: a fresh database `ent_bench_<random>` is created
    /// through the server's `postgres` database and dropped at the end. Default: SQLite in a
    /// temporary folder.
    #[arg(long)]
    database_url: Option<String>,
    /// Run one operation only. `baseline` (never run by default) measures GET of the static
    /// stylesheet: no database, no cryptography, the ceiling of this client and server pair.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Size of the generated directory.
    #[arg(long, default_value_t = 10)]
    schools: usize,
    #[arg(long, default_value_t = 10)]
    classes_per_school: usize,
    #[arg(long, default_value_t = 25)]
    pupils_per_class: usize,
    /// How many accounts get a password (the logins cycle through them).
    #[arg(long, default_value_t = 1000)]
    accounts: usize,
    /// Scopes asked for in the login flow (and so carried by the refresh grants).
    #[arg(long, default_value = "openid profile ent")]
    scope: String,
    /// ID token signature algorithm of the benchmark client (RS256, ES256, EdDSA).
    #[arg(long, default_value = "RS256")]
    id_token_alg: String,
    /// Threads of the raw argon2 measure (default: the number of cores).
    #[arg(long)]
    argon2_threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Only {
    Baseline,
    Cc,
    Refresh,
    Login,
    Argon2,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.seconds == 0 || args.concurrency == 0 {
        bail!("--seconds and --concurrency must be at least 1");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?
        .block_on(run(args))
}

fn wants(args: &Args, op: Only) -> bool {
    match args.only {
        None => op != Only::Baseline,
        Some(o) => o == op,
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    print_machine();
    let http_needed = args.only != Some(Only::Argon2);
    let phc = tokio::task::spawn_blocking(|| hash_blocking(PASSWORD)).await.context("hashing task")??;
    let mut results = Vec::new();
    if http_needed {
        let db = BenchDb::create(args.database_url.as_deref(), "idp").await?;
        let setup = if db.backend() == "SQLite" { "(WAL, synchronous=NORMAL)" } else { "" };
        println!("database        {} {setup}, {}", db.backend(), db.place());
        // Ctrl-C still drops the benchmark database.
        let outcome = tokio::select! {
            r = http_benchmarks(&args, &db.url, &phc) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        };
        let removed = db.remove().await;
        results.extend(outcome?);
        removed?;
    }
    if wants(&args, Only::Argon2) {
        let threads = args.argon2_threads.unwrap_or_else(cores).max(1);
        let seconds = args.seconds;
        let phc = phc.clone();
        let r = tokio::task::spawn_blocking(move || argon2_bench(&phc, threads, seconds))
            .await
            .context("argon2 task")??;
        results.push(r);
    }
    print_table(&results);
    Ok(())
}

// ----- The machine -----

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn print_machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let profile = if cfg!(debug_assertions) { "debug (figures are meaningless: use --release)" } else { "release" };
    println!("ent-bench: ENT identity provider, client and server in one process");
    println!("cores (nproc)   {}", cores());
    println!("cpu             {model}");
    println!("memory          {mem_gib}");
    println!("build profile   {profile}");
    println!("argon2id        m={M_COST_KIB} KiB, t={T_COST}, p={P_COST} (ent_idp::password constants)");
}

// ----- The provider -----

/// Everything the client tasks share.
struct Ctx {
    http: reqwest::Client,
    /// Where the server listens (`http://127.0.0.1:<port>`).
    base: String,
    /// The issuer (`http://localhost:<port>`), whose origin form POSTs carry.
    issuer: String,
    client_secret: String,
    scope: String,
    accounts: Vec<String>,
    concurrency: usize,
}

async fn http_benchmarks(args: &Args, db_url: &str, phc: &str) -> anyhow::Result<Vec<Measure>> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let issuer = format!("http://localhost:{}", addr.port());
    let mut config = ent_idp::Config::new(ent_idp::config::parse_issuer(&issuer)?, db_url);
    config.listen = addr;
    let state = AppState::init(config).await?;
    let version_sql = match state.db.backend {
        ent_idp::db::Backend::Sqlite => "SELECT sqlite_version()",
        ent_idp::db::Backend::Postgres => "SHOW server_version",
    };
    let version: String = sqlx::query_scalar(version_sql).fetch_one(&state.db.pool).await.unwrap_or_default();
    println!("engine version  {version}");

    let started = Instant::now();
    let accounts = seed(args, &state, phc).await?;
    let seeded = started.elapsed();
    let mut spec = ClientSpec::new("ENT bench", vec![REDIRECT_URI.to_string()]);
    spec.id = Some(CLIENT_ID.into());
    spec.first_party = true;
    spec.scopes = ["openid", "profile", "email", "ent", "offline_access"].map(String::from).to_vec();
    spec.grant_types = ["authorization_code", "refresh_token", "client_credentials"].map(String::from).to_vec();
    spec.id_token_alg = args.id_token_alg.parse().map_err(|e| anyhow!("--id-token-alg: {e}"))?;
    let registered = register_client(&state.clients, &state.audit, spec).await?;
    let client_secret = registered.secret.context("a confidential client has a secret")?;
    println!(
        "directory       {} people, {} with a password, seeded in {:.1} s",
        state.directory.count_people().await?,
        accounts.len(),
        seeded.as_secs_f64()
    );
    println!(
        "client          {CLIENT_ID}: first party, ID tokens {}, access tokens {}, scope \"{}\"",
        args.id_token_alg,
        state.config.access_token_alg.as_str(),
        args.scope
    );
    println!("load            {} tasks, {} s per operation, keep-alive connections", args.concurrency, args.seconds);
    println!();

    let server = ent_idp::app::serve(listener, state.clone()).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency * 2)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let ctx = Arc::new(Ctx {
        http,
        base: server.local_url(),
        issuer,
        client_secret,
        scope: args.scope.clone(),
        accounts,
        concurrency: args.concurrency,
    });
    let duration = Duration::from_secs(args.seconds);
    let n = args.concurrency;
    let mut out = Vec::new();
    let result = async {
        if wants(args, Only::Baseline) {
            out.push(measure_baseline(&ctx, n, duration).await?);
        }
        if wants(args, Only::Cc) {
            out.push(measure_cc(&ctx, n, duration).await?);
        }
        if wants(args, Only::Refresh) {
            out.push(measure_refresh(&ctx, n, duration).await?);
        }
        if wants(args, Only::Login) {
            out.push(measure_login(&ctx, n, duration).await?);
        }
        anyhow::Ok(())
    }
    .await;
    server.abort();
    state.db.pool.close().await;
    result?;
    Ok(out)
}

/// Imports a generated directory and gives `--accounts` people, spread over it, the same hash.
async fn seed(args: &Args, state: &AppState, phc: &str) -> anyhow::Result<Vec<String>> {
    let generated = generate(&GenerateOptions {
        seed: 2026,
        schools: args.schools,
        classes_per_school: args.classes_per_school,
        pupils_per_class: args.pupils_per_class,
    });
    let snap = &generated.snapshot;
    state.directory.import(snap).await?;
    let people: Vec<_> = snap.people.iter().filter(|p| !p.disabled).collect();
    let step = (people.len() / args.accounts.max(1)).max(1);
    let mut logins = Vec::new();
    for p in people.iter().step_by(step).take(args.accounts.max(1)) {
        state.directory.set_password(&p.id, phc).await?;
        logins.push(p.login.to_lowercase());
    }
    if logins.is_empty() {
        bail!("the generated directory is empty");
    }
    Ok(logins)
}

// ----- Measuring -----

/// What one operation measured.
struct Measure {
    name: String,
    ok: u64,
    seconds: f64,
    /// Latencies of the successful operations, in microseconds, sorted.
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    steps: [Duration; 4],
}

impl Measure {
    fn per_second(&self) -> f64 {
        if self.seconds > 0.0 { self.ok as f64 / self.seconds } else { 0.0 }
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies_us.len()) - 1;
        self.latencies_us[i] as f64 / 1000.0
    }

    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// One task's tally.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    /// For logins: the summed time of each of the four requests.
    steps: [Duration; 4],
}

impl Tally {
    fn ok(&mut self, since: Instant) {
        self.latencies_us.push(since.elapsed().as_micros() as u64);
    }

    fn error(&mut self, e: &anyhow::Error) {
        *self.errors.entry(format!("{e:#}")).or_default() += 1;
    }
}

/// Runs `n` tasks until `duration` has passed since the start, and merges their tallies. The
/// operation's time is from the start until the last task has finished its last request.
async fn drive<F, Fut>(name: &'static str, n: usize, duration: Duration, task: F) -> anyhow::Result<Measure>
where
    F: Fn(usize, Instant) -> Fut,
    Fut: Future<Output = Tally> + Send + 'static,
{
    let start = Instant::now();
    let deadline = start + duration;
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(task(i, deadline))).collect();
    let mut latencies_us = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut steps = [Duration::ZERO; 4];
    for h in handles {
        let t = h.await.context("benchmark task")?;
        latencies_us.extend(t.latencies_us);
        for (sum, d) in steps.iter_mut().zip(t.steps) {
            *sum += d;
        }
        for (k, v) in t.errors {
            *errors.entry(k).or_default() += v;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    latencies_us.sort_unstable();
    Ok(Measure { name: name.into(), ok: latencies_us.len() as u64, seconds, latencies_us, errors, steps })
}

async fn measure_baseline(ctx: &Arc<Ctx>, n: usize, duration: Duration) -> anyhow::Result<Measure> {
    eprintln!("measuring the baseline (static stylesheet)…");
    drive("GET /assets/idp.css (baseline)", n, duration, |_, deadline| {
        let ctx = ctx.clone();
        async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let t = Instant::now();
                match ctx.stylesheet().await {
                    Ok(()) => tally.ok(t),
                    Err(e) => tally.error(&e),
                }
            }
            tally
        }
    })
    .await
}

async fn measure_cc(ctx: &Arc<Ctx>, n: usize, duration: Duration) -> anyhow::Result<Measure> {
    eprintln!("measuring client_credentials grants…");
    drive("client_credentials grant", n, duration, |_, deadline| {
        let ctx = ctx.clone();
        async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let t = Instant::now();
                match ctx.client_credentials().await {
                    Ok(()) => tally.ok(t),
                    Err(e) => tally.error(&e),
                }
            }
            tally
        }
    })
    .await
}

async fn measure_refresh(ctx: &Arc<Ctx>, n: usize, duration: Duration) -> anyhow::Result<Measure> {
    eprintln!("logging in {n} grants for the refresh measure…");
    // One grant per task, obtained before the clock starts.
    let mut tokens = Vec::with_capacity(n);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let account = ctx.account(i, 0);
                ctx.login(&account).await.map(|(rt, _)| rt)
            })
        })
        .collect();
    for h in handles {
        tokens.push(Some(h.await.context("login task")??));
    }
    eprintln!("measuring refresh grants (rotation)…");
    let tokens = Arc::new(std::sync::Mutex::new(tokens));
    drive("refresh grant (rotating)", n, duration, |i, deadline| {
        let ctx = ctx.clone();
        let mut token = tokens.lock().ok().and_then(|mut t| t[i].take());
        async move {
            let mut tally = Tally::default();
            let mut relogins = 0;
            while Instant::now() < deadline {
                let Some(current) = token.take() else {
                    // The grant was lost (an error): log in again, outside the tally.
                    relogins += 1;
                    match ctx.login(&ctx.account(i, relogins)).await {
                        Ok((rt, _)) => token = Some(rt),
                        Err(e) => {
                            tally.error(&e.context("new grant after an error"));
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                    continue;
                };
                let t = Instant::now();
                match ctx.refresh(&current).await {
                    Ok(fresh) => {
                        tally.ok(t);
                        token = Some(fresh);
                    }
                    Err(e) => tally.error(&e),
                }
            }
            tally
        }
    })
    .await
}

async fn measure_login(ctx: &Arc<Ctx>, n: usize, duration: Duration) -> anyhow::Result<Measure> {
    eprintln!("measuring password logins…");
    drive("password login (4 requests)", n, duration, |i, deadline| {
        let ctx = ctx.clone();
        async move {
            let mut tally = Tally::default();
            // Start after the accounts the refresh measure used.
            let mut k = 1;
            while Instant::now() < deadline {
                let account = ctx.account(i, k);
                k += 1;
                let t = Instant::now();
                match ctx.login(&account).await {
                    Ok((_, steps)) => {
                        tally.ok(t);
                        for (sum, d) in tally.steps.iter_mut().zip(steps) {
                            *sum += d;
                        }
                    }
                    Err(e) => tally.error(&e),
                }
            }
            tally
        }
    })
    .await
}

// ----- The client side of the protocol -----

impl Ctx {
    /// Task `i`'s `k`-th account: tasks never share an account at the same time (as long as
    /// there are more accounts than tasks).
    fn account(&self, i: usize, k: usize) -> String {
        let idx = (k * self.concurrency + i) % self.accounts.len();
        self.accounts[idx].clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn token_request(&self, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.http.post(self.url("/token")).basic_auth(CLIENT_ID, Some(&self.client_secret)).form(form)
    }

    /// POST /token and its JSON answer, or the OAuth error as a short, constant message.
    async fn token(&self, what: &str, form: &[(&str, &str)]) -> anyhow::Result<Value> {
        let res =
            self.token_request(form).send().await.map_err(|e| anyhow!("POST /token ({what}): {}", transport(&e)))?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| anyhow!("POST /token ({what}): {}", transport(&e)))?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status != StatusCode::OK {
            let code = json["error"].as_str().unwrap_or("?");
            bail!("POST /token ({what}): HTTP {} {code}", status.as_u16());
        }
        if json["access_token"].as_str().is_none() {
            bail!("POST /token ({what}): no access_token");
        }
        Ok(json)
    }

    async fn stylesheet(&self) -> anyhow::Result<()> {
        let res = self
            .http
            .get(self.url("/assets/idp.css"))
            .send()
            .await
            .map_err(|e| anyhow!("GET /assets/idp.css: {}", transport(&e)))?;
        let status = res.status();
        res.bytes().await.map_err(|e| anyhow!("GET /assets/idp.css: {}", transport(&e)))?;
        if status != StatusCode::OK {
            bail!("GET /assets/idp.css: HTTP {}", status.as_u16());
        }
        Ok(())
    }

    async fn client_credentials(&self) -> anyhow::Result<()> {
        self.token("client_credentials", &[("grant_type", "client_credentials")]).await.map(|_| ())
    }

    /// Rotates a refresh token; returns the new one.
    async fn refresh(&self, token: &str) -> anyhow::Result<String> {
        let json = self.token("refresh_token", &[("grant_type", "refresh_token"), ("refresh_token", token)]).await?;
        json["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("POST /token (refresh_token): no new refresh_token"))
    }

    /// A full authorization-code login with a new browser session; returns the refresh token
    /// and the time each of the four requests took.
    async fn login(&self, login: &str) -> anyhow::Result<(String, [Duration; 4])> {
        let mut steps = [Duration::ZERO; 4];
        let mut clock = Instant::now();
        let mut lap = |i: usize| {
            let now = Instant::now();
            steps[i] = now - clock;
            clock = now;
        };
        let mut jar = Jar::default();
        let verifier = secret::new_secret();
        let challenge = secret::pkce_s256(&verifier);
        let state = secret::new_id();
        let nonce = secret::new_id();

        // 1. The authorization request: a 303 to the login page.
        let mut authorize = Url::parse(&self.url("/authorize"))?;
        authorize
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", CLIENT_ID)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", &self.scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let res = self.http.get(authorize).send().await.map_err(|e| anyhow!("GET /authorize: {}", transport(&e)))?;
        jar.keep(res.headers());
        lap(0);
        let login_page = expect_redirect(&res, "GET /authorize")?;
        if !login_page.starts_with("/login?") {
            bail!("GET /authorize: redirected elsewhere than the login page");
        }

        // 2. The login page: its hidden fields and the CSRF cookie.
        let res = self
            .http
            .get(self.url(&login_page))
            .header(header::COOKIE, jar.header())
            .send()
            .await
            .map_err(|e| anyhow!("GET /login: {}", transport(&e)))?;
        jar.keep(res.headers());
        let status = res.status();
        let page = res.text().await.map_err(|e| anyhow!("GET /login: {}", transport(&e)))?;
        lap(1);
        if status != StatusCode::OK {
            bail!("GET /login: HTTP {}", status.as_u16());
        }
        let field = |name: &str| hidden_input(&page, name).ok_or_else(|| anyhow!("GET /login: no hidden {name} field"));
        let (csrf, req, lang) = (field("csrf")?, field("req")?, field("lang")?);

        // 3. The form, as a browser posts it: same origin, with the cookies.
        let res = self
            .http
            .post(self.url("/login"))
            .header(header::ORIGIN, self.origin())
            .header(header::COOKIE, jar.header())
            .form(&[
                ("csrf", csrf.as_str()),
                ("req", req.as_str()),
                ("lang", lang.as_str()),
                ("login", login),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .map_err(|e| anyhow!("POST /login: {}", transport(&e)))?;
        lap(2);
        let back = expect_redirect(&res, "POST /login")?;
        let back = Url::parse(&back).map_err(|_| anyhow!("POST /login: bad redirect"))?;
        if !back.as_str().starts_with(REDIRECT_URI) {
            bail!("POST /login: not redirected to the client");
        }
        let param = |name: &str| back.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if let Some(error) = param("error") {
            bail!("POST /login: redirected with error {error}");
        }
        if param("state").as_deref() != Some(state.as_str()) {
            bail!("POST /login: state does not match");
        }
        if param("iss").as_deref() != Some(self.issuer.as_str()) {
            bail!("POST /login: iss does not match the issuer");
        }
        let code = param("code").ok_or_else(|| anyhow!("POST /login: no code"))?;

        // 4. The code for tokens.
        let json = self
            .token(
                "authorization_code",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT_URI),
                    ("code_verifier", &verifier),
                ],
            )
            .await?;
        lap(3);
        if self.scope.split_whitespace().any(|s| s == "openid") && json["id_token"].is_null() {
            bail!("POST /token (authorization_code): no id_token");
        }
        let refresh_token = json["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("POST /token (authorization_code): no refresh_token"))?;
        Ok((refresh_token, steps))
    }

    fn origin(&self) -> String {
        Url::parse(&self.issuer).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }
}

/// A transport error, without the URL (which carries codes and tokens).
fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        "transport error".into()
    }
}

/// The `Location` of a 303 (a 4xx/5xx is reported with its status).
fn expect_redirect(res: &reqwest::Response, what: &str) -> anyhow::Result<String> {
    if res.status() != StatusCode::SEE_OTHER {
        bail!("{what}: HTTP {} instead of a 303", res.status().as_u16());
    }
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{what}: 303 without Location"))
}

/// The value of `<input type="hidden" name="NAME" value="…">` in a page.
fn hidden_input(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let len = page[start..].find('"')?;
    Some(page[start..start + len].replace("&#x2f;", "/").replace("&#47;", "/").replace("&amp;", "&"))
}

/// The cookies of one simulated browser (a new one per login, so each login is a new session).
/// Kept by hand so that all logins share the client's keep-alive connections.
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let Some((name, value)) =
                v.to_str().ok().and_then(|s| s.split(';').next()).and_then(|pair| pair.split_once('='))
            else {
                continue;
            };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            self.0.retain(|(n, _)| *n != name);
            if !value.is_empty() {
                self.0.push((name, value));
            }
        }
    }

    fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }
}

// ----- argon2 -----

/// `threads` threads verifying the correct password against `phc` for `seconds`.
fn argon2_bench(phc: &str, threads: usize, seconds: u64) -> anyhow::Result<Measure> {
    eprintln!("measuring raw argon2id verifies on {threads} threads…");
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|e| anyhow!("{e}"))?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tallies: Vec<anyhow::Result<Tally>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let params = params.clone();
                s.spawn(move || {
                    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                    let mut tally = Tally::default();
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        match argon2.verify_password(PASSWORD.as_bytes(), phc) {
                            Ok(()) => tally.ok(t),
                            Err(e) => tally.error(&anyhow!("argon2 verify: {e}")),
                        }
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().map_err(|_| anyhow!("argon2 thread panicked"))).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mut latencies_us = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for t in tallies {
        let t = t?;
        latencies_us.extend(t.latencies_us);
        for (k, v) in t.errors {
            *errors.entry(k).or_default() += v;
        }
    }
    latencies_us.sort_unstable();
    Ok(Measure {
        name: if threads == 1 {
            "argon2id verify (1 thread)".into()
        } else {
            format!("argon2id verify ({threads} threads)")
        },
        ok: latencies_us.len() as u64,
        seconds,
        latencies_us,
        errors,
        steps: [Duration::ZERO; 4],
    })
}

// ----- The report -----

fn print_table(results: &[Measure]) {
    println!();
    println!(
        "{:<32} {:>9} {:>8} {:>11} {:>9} {:>9} {:>7}",
        "operation", "requests", "seconds", "per-second", "p50 ms", "p99 ms", "errors"
    );
    for m in results {
        println!(
            "{:<32} {:>9} {:>8.2} {:>11.1} {:>9.2} {:>9.2} {:>7}",
            m.name,
            m.ok,
            m.seconds,
            m.per_second(),
            m.percentile_ms(50.0),
            m.percentile_ms(99.0),
            m.error_count()
        );
    }
    let login = results.iter().find(|m| m.name.starts_with("password login"));
    let argon = results.iter().find(|m| m.name.starts_with("argon2id"));
    if let (Some(l), Some(a)) = (login, argon)
        && a.per_second() > 0.0
    {
        println!();
        println!(
            "password logins / raw argon2 verifies = {:.1} / {:.1} = {:.2}",
            l.per_second(),
            a.per_second(),
            l.per_second() / a.per_second()
        );
    }
    if let Some(l) = login
        && l.ok > 0
    {
        let mean = |d: Duration| d.as_secs_f64() * 1000.0 / l.ok as f64;
        println!();
        println!(
            "password login, mean ms per request: GET /authorize {:.2}, GET /login {:.2}, \
             POST /login {:.2}, POST /token {:.2}",
            mean(l.steps[0]),
            mean(l.steps[1]),
            mean(l.steps[2]),
            mean(l.steps[3])
        );
    }
    for m in results.iter().filter(|m| !m.errors.is_empty()) {
        println!();
        println!("errors of {}:", m.name);
        for (what, n) in &m.errors {
            println!("  {n:>7}  {what}");
        }
    }
}
