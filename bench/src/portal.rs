//! `ent-bench-portal`: the home page under load, and token checks in a portlet.
//!
//! 1. `verify`: `Verifier::verify` of one portlet token (ES256, `ent` claims) in a loop on every
//!    core, beside the raw ES256 signature check of the same token by aws-lc-rs: the ratio says
//!    what the claims checks and parsing cost on top of the cryptography.
//! 2. `home`: the provider, the portal and both portlets in this process (the `ent demo` wiring,
//!    SQLite files in a temporary folder); every person of the demo school signs in through the
//!    provider's login page; then `--concurrency` tasks request the home page for `--seconds`,
//!    each task cycling through the signed-in users. Median and 99th percentile latency.
//! 3. `hung`: the same after the first portlet of the registry (the homework diary) is replaced
//!    by a listener that accepts connections and never answers: every home page then waits out
//!    the fragment deadline.
//!
//! Client and servers share the same cores. See docs/benchmarks.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser;
use ent_e2e::workspace::Workspace;
use ent_e2e::{Browser, DEMO_PASSWORD};
use ent_portlet_kit::testing::{Network, TestIssuer};

#[derive(Parser, Debug)]
#[command(name = "ent-bench-portal", about = "Home-page latency of the portal, and token checks in a portlet")]
struct Args {
    /// Duration of each measure, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients for the home page.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// The portal's deadline per portlet fragment, in milliseconds.
    #[arg(long, default_value_t = 800)]
    deadline_ms: u64,
    /// Run one measure only: verify, home, hung.
    #[arg(long)]
    only: Option<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("ent-bench-portal: cores {cores}, build {}", if cfg!(debug_assertions) { "debug" } else { "release" });
    let wants = |m: &str| args.only.as_deref().is_none_or(|o| o == m);
    if wants("verify") {
        verify(&args, cores).await?;
    }
    if wants("home") || wants("hung") {
        home(&args, wants("home"), wants("hung")).await?;
    }
    Ok(())
}

// ----- Token checks -----

async fn verify(args: &Args, cores: usize) -> Result<()> {
    const AUD: &str = "urn:ent:portlet:homework";
    let issuer = TestIssuer::new();
    let verifier = issuer.verifier(AUD);
    let net = Network::new();
    let token = issuer.token(&net.parent_a1, AUD);
    ensure!(verifier.verify(&token).await.is_ok(), "the benchmark token does not verify");
    let seconds = Duration::from_secs(args.seconds);

    // The whole check, on every core.
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cores {
        let (v, t, d) = (verifier.clone(), token.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while start.elapsed() < seconds {
                if v.verify(&t).await.is_ok() {
                    d.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let full = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();

    // The signature alone, on every core.
    let jwk = &issuer.jwks()["keys"][0];
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().context("x")?)?);
    point.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().context("y")?)?);
    let (input, sig) = token.rsplit_once('.').context("token")?;
    let sig = URL_SAFE_NO_PAD.decode(sig)?;
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);
    ensure!(key.verify(input.as_bytes(), &sig).is_ok(), "raw verification failed");
    let count = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            let (key, sig, input, count) = (&key, &sig, input, count.clone());
            s.spawn(move || {
                while start.elapsed() < seconds {
                    if key.verify(input.as_bytes(), sig).is_ok() {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let raw = count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    println!("verify          {full:>10.0} tokens/s  (Verifier::verify, {cores} tasks)");
    println!("raw ES256       {raw:>10.0} sigs/s    (aws-lc-rs verify only, {cores} threads)");
    println!("ratio           {:>10.2}           (whole check / signature alone)", full / raw);
    Ok(())
}

// ----- The home page -----

async fn home(args: &Args, measure_home: bool, measure_hung: bool) -> Result<()> {
    let w = Workspace::start(args.deadline_ms).await?;
    let users = sign_in_everyone(&w).await?;
    println!("signed in       {} users (pupils, parents, teachers, director of the demo school)", users.len());
    let url = format!("{}/", w.portal_url());
    if measure_home {
        let r = load(&users, &url, args).await?;
        r.print("home");
    }
    if measure_hung {
        // The first portlet of the registry hangs.
        let hung = w.stack.portlets.first().map(|(_, server)| server).context("no portlet")?;
        let port = hung.addr.port();
        hung.abort();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let hole = black_hole(port).await?;
        let r = load(&users, &url, args).await?;
        r.print(&format!("hung ({} ms)", args.deadline_ms));
        hole.store(true, Ordering::Relaxed);
    }
    w.stop().await;
    Ok(())
}

/// Signs in every person with a profile that sees portlets (the registry says which); returns
/// one browser each.
async fn sign_in_everyone(w: &Workspace) -> Result<Vec<Browser>> {
    let phc = w.idp.state().passwords.hash(DEMO_PASSWORD).await?;
    let with_portlets = ent::registry::profiles_with_portlets();
    let mut out = Vec::new();
    for p in &w.idp.directory().snapshot.people {
        if !with_portlets.contains(&p.profile) {
            continue;
        }
        w.idp.state().directory.set_password(&p.id, &phc).await?;
        out.push(w.sign_in(&p.login).await?);
    }
    Ok(out)
}

struct LoadResult {
    ok: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl LoadResult {
    fn print(&self, name: &str) {
        let mut l = self.latencies.clone();
        l.sort();
        let pick = |q: f64| l.get(((l.len() as f64 * q) as usize).min(l.len().saturating_sub(1))).copied();
        let ms = |d: Option<Duration>| d.map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0)).unwrap_or("-".into());
        println!(
            "{name:<15} {:>8} pages  {:>8.1} pages/s  p50 {:>7} ms  p99 {:>7} ms  errors {}",
            self.ok,
            self.ok as f64 / self.elapsed.as_secs_f64(),
            ms(pick(0.50)),
            ms(pick(0.99)),
            self.errors
        );
    }
}

async fn load(users: &[Browser], url: &str, args: &Args) -> Result<LoadResult> {
    let seconds = Duration::from_secs(args.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..args.concurrency {
        let mine: Vec<reqwest::Client> =
            users.iter().skip(t).step_by(args.concurrency).map(|b| b.http().clone()).collect();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut lat) = (0usize, 0usize, Vec::new());
            let mut i = 0usize;
            while start.elapsed() < seconds && !mine.is_empty() {
                let http = &mine[i % mine.len()];
                i += 1;
                let t0 = Instant::now();
                let page = match http.get(&url).send().await {
                    Ok(r) if r.status().is_success() => r.text().await.ok(),
                    _ => None,
                };
                if page.is_some_and(|b| b.contains("<main")) {
                    ok += 1;
                    lat.push(t0.elapsed());
                } else {
                    errors += 1;
                }
            }
            (ok, errors, lat)
        }));
    }
    let mut r = LoadResult { ok: 0, errors: 0, elapsed: Duration::ZERO, latencies: Vec::new() };
    for t in tasks {
        let (ok, errors, lat) = t.await?;
        r.ok += ok;
        r.errors += errors;
        r.latencies.extend(lat);
    }
    r.elapsed = start.elapsed();
    Ok(r)
}

/// A listener on `port` that accepts connections and never answers: a hung portlet.
async fn black_hole(port: u16) -> Result<Arc<AtomicBool>> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.context("rebinding the portlet port")?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while !flag.load(Ordering::Relaxed) {
            if let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        }
    });
    Ok(stop)
}
