//! `ent-bench-messaging`: the messaging portlet under load, served over loopback HTTP from this
//! process by the kit (`Portlet::app`, the portlet's own routes and layers) with a test issuer's
//! tokens and a fixed directory: one school of `--recipients` pupils in classes of 25, each
//! pupil with one parent, a teacher per class and a director. SQLite in a temporary folder, and
//! with `--database-url postgres://…` also a fresh PostgreSQL database, side by side.
//!
//! 1. `send`: the director sends a message to the school's parents (`--recipients` people),
//!    `--sends` times one after the other, through `POST /view/new` as the portal forwards the
//!    form: draft, the group expanded from the directory and every recipient checked against the
//!    school's rules, the abuse checks, the delivery into every inbox, in one request. The
//!    sending rates are reset between sends (outside the clock) so that every one is delivered,
//!    not held: the rates are not what is measured.
//! 2. `inbox`: the parents and pupils (`--readers`, 1,000 by default) open their inboxes at
//!    once, each with their own token: `--rounds` bursts of that many concurrent
//!    `GET /view/inbox`, after one burst to open the connections. Each inbox holds the earlier
//!    broadcasts (`--history` to the parents and as many to the pupils, plus the sends) and, for
//!    each parent, a conversation with their child's teacher (a question and its answer).
//!    Beside it, the same bursts on the kit's `GET /health` (no token, no database): the
//!    ceiling of this client and server pair.
//!
//! Each line gives the count, the rate, p50/p99/max latency, and the CPU time per request read
//! from `/proc` (10 ms ticks, summed over the measure): this process's (client, portlet, SQLite)
//! and the PostgreSQL server's processes'. On a machine shared with other work the CPU time per
//! request is the steadier figure. Client and server share the same cores. See
//! docs/benchmarks.md.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::{Parser, ValueEnum};
use ent_bench::db::BenchDb;
use ent_portlet_kit::directory::{Guardian, Member, Pupil};
use ent_portlet_kit::testing::TestIssuer;
use ent_portlet_kit::{
    Backend, Child, ClassRef, ClassRole, ClassRoster, Clock, Db, Directory, Identity, Kit, Profile, SchoolName,
    SchoolRole, SchoolStaff, StaffMember, StaffRole,
};
use ent_portlet_messaging::{MIGRATIONS, PORTLET};
use reqwest::StatusCode;
use tokio::sync::Barrier;

const SCHOOL: &str = "0750100A";
const AUDIENCE: &str = "urn:ent:portlet:messaging";
const CLASS_SIZE: usize = 25;
/// What the portal sends as its CSRF token (the portlet writes it into its forms).
const CSRF: &str = "bench-csrf";

#[derive(Parser, Debug)]
#[command(
    name = "ent-bench-messaging",
    about = "The messaging portlet: a school-wide send, and inboxes opened at once"
)]
struct Args {
    /// `postgres://…`: measure PostgreSQL too (a fresh database `ent_bench_msg_<random>`, created
    /// through the server's `postgres` database and dropped at the end), beside SQLite.
    #[arg(long)]
    database_url: Option<String>,
    /// Skip SQLite (with `--database-url`: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
    /// The school's pupils, and so its parents: the recipients of the school-wide message.
    #[arg(long, default_value_t = 500)]
    recipients: usize,
    /// School-wide messages timed, one after the other.
    #[arg(long, default_value_t = 30)]
    sends: usize,
    /// People who open their inbox at once (parents first, then pupils; at most twice
    /// `--recipients`).
    #[arg(long, default_value_t = 1000)]
    readers: usize,
    /// Broadcasts to the parents and as many to the pupils before the inbox measure.
    #[arg(long, default_value_t = 20)]
    history: usize,
    /// Measured bursts of `--readers` concurrent requests (after one to open the connections).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// One measure only.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Keep the databases at the end (to look at their query plans), and print where they are.
    #[arg(long)]
    keep_database: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Only {
    Send,
    Inbox,
}

fn main() -> Result<()> {
    let args = Args::parse();
    // The portlet's errors (a 500 says nothing else): `RUST_LOG` as for `ent`, warnings by default.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).init();
    ensure!(args.recipients >= CLASS_SIZE, "--recipients must be at least {CLASS_SIZE}");
    ensure!(args.readers <= 2 * args.recipients, "--readers must be at most twice --recipients (parents and pupils)");
    ensure!(
        args.sends > 0 && args.readers > 0 && args.rounds > 0,
        "--sends, --readers and --rounds must be at least 1"
    );
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!(
        "ent-bench-messaging: cores {cores}, cpu {cpu}, build {}",
        if cfg!(debug_assertions) { "debug (use --release)" } else { "release" }
    );
    let school = School::new(args.recipients);
    println!(
        "school          {} classes, {} pupils, {} parents, {} teachers, 1 director; message to {} parents",
        school.classes.len(),
        school.pupils.len(),
        school.parents.len(),
        school.teachers.len(),
        school.parents.len()
    );
    let mut backends = Vec::new();
    if !args.no_sqlite {
        backends.push(None);
    }
    if let Some(url) = &args.database_url {
        backends.push(Some(url.as_str()));
    }
    ensure!(!backends.is_empty(), "--no-sqlite needs --database-url");
    let mut all = Vec::new();
    for url in backends {
        let db = BenchDb::create(url, "msg").await?;
        println!();
        let setup = if db.backend() == "SQLite" { "(WAL, 8 readers, 1 writer)" } else { "(pool of 16)" };
        println!("database        {} {setup}, {}", db.backend(), db.place());
        let outcome = tokio::select! {
            r = measure(&args, &school, &db.url) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        };
        let name = db.backend().to_string();
        let removed = if args.keep_database {
            println!("kept            {}", db.url);
            Ok(())
        } else {
            db.remove().await
        };
        all.push((name, outcome?));
        removed?;
    }
    if all.len() == 2 {
        side_by_side(&all);
    }
    Ok(())
}

// ----- The school -----

/// One school, as the directory gives it and as each person's token says it.
struct School {
    classes: Vec<ClassRoster>,
    director: Identity,
    teachers: Vec<Identity>,
    pupils: Vec<Identity>,
    /// `parents[i]` is the parent of `pupils[i]`.
    parents: Vec<Identity>,
    directory: Directory,
}

fn person(sub: String, name: String, profile: Profile) -> Identity {
    Identity {
        sub,
        name: Some(name),
        profile,
        schools: vec![SCHOOL.into()],
        classes: Vec::new(),
        children: Vec::new(),
        roles: Vec::new(),
        client_id: "portal".into(),
        scopes: ["openid", "profile", "ent"].map(String::from).to_vec(),
        expires_at: 0,
        auth_time: None,
        session_start: None,
    }
}

impl School {
    fn new(pupils: usize) -> School {
        let n_classes = pupils.div_ceil(CLASS_SIZE);
        let mut s = School {
            classes: Vec::new(),
            director: person("director".into(), "Anne Directrice".into(), Profile::Director),
            teachers: Vec::new(),
            pupils: Vec::new(),
            parents: Vec::new(),
            directory: Directory::fixed(Vec::new()),
        };
        s.director.roles.push(SchoolRole { school: SCHOOL.into(), role: StaffRole::Director });
        for c in 0..n_classes {
            let id = format!("class-{c:02}");
            let name = format!("Classe {c:02}");
            let class = |role| ClassRef { id: id.clone(), name: name.clone(), school: SCHOOL.into(), role };
            let mut teacher = person(format!("teacher-{c:02}"), format!("Enseignant {c:02}"), Profile::Teacher);
            teacher.classes.push(class(ClassRole::Teacher));
            let mut roster = ClassRoster {
                id: id.clone(),
                name: name.clone(),
                school: SCHOOL.into(),
                teachers: vec![Member { sub: teacher.sub.clone(), name: format!("Enseignant {c:02}") }],
                pupils: Vec::new(),
            };
            for _ in 0..CLASS_SIZE.min(pupils - s.pupils.len()) {
                let i = s.pupils.len();
                let mut pupil = person(format!("pupil-{i:04}"), format!("Élève {i:04}"), Profile::Pupil);
                pupil.classes.push(class(ClassRole::Pupil));
                let mut parent = person(format!("parent-{i:04}"), format!("Parent {i:04}"), Profile::Parent);
                parent.children.push(Child {
                    sub: pupil.sub.clone(),
                    class: Some(id.clone()),
                    legal_guardian: true,
                    given_name: Some(format!("Élève {i:04}")),
                    class_name: Some(name.clone()),
                    school: Some(SCHOOL.into()),
                });
                roster.pupils.push(Pupil {
                    sub: pupil.sub.clone(),
                    name: format!("Élève {i:04}"),
                    guardians: vec![Guardian {
                        sub: parent.sub.clone(),
                        name: format!("Parent {i:04}"),
                        legal_guardian: true,
                    }],
                });
                s.pupils.push(pupil);
                s.parents.push(parent);
            }
            s.teachers.push(teacher);
            s.classes.push(roster);
        }
        let mut staff: Vec<StaffMember> = s
            .teachers
            .iter()
            .map(|t| StaffMember {
                sub: t.sub.clone(),
                name: t.name.clone().unwrap_or_default(),
                profile: Profile::Teacher,
                roles: Vec::new(),
            })
            .collect();
        staff.push(StaffMember {
            sub: s.director.sub.clone(),
            name: "Anne Directrice".into(),
            profile: Profile::Director,
            roles: vec![StaffRole::Director],
        });
        s.directory = Directory::fixed_with(
            s.classes.clone(),
            vec![SchoolStaff { school: SCHOOL.into(), staff }],
            vec![SchoolName { uai: SCHOOL.into(), name: "École du banc d'essai".into() }],
        );
        s
    }

    /// The teacher of a pupil (by index).
    fn teacher_of(&self, pupil: usize) -> &Identity {
        &self.teachers[pupil / CLASS_SIZE]
    }
}

// ----- Measuring -----

/// Latencies of one measure, and what went wrong.
#[derive(Default)]
struct Stats {
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    /// The wall time of the requests (for bursts: from the start to the last answer, summed over
    /// the rounds).
    wall: Duration,
    /// CPU time used meanwhile: by this process (client, portlet, SQLite) and by the PostgreSQL
    /// server's processes.
    cpu: Cpu,
}

/// CPU time, from `/proc` (in the kernel's `USER_HZ` ticks, 100 per second on Linux).
#[derive(Clone, Copy, Debug, Default)]
struct Cpu {
    own: Duration,
    postgres: Duration,
}

impl Cpu {
    fn now() -> Cpu {
        let ticks = |stat: &str| -> u64 {
            // After the command's name in parentheses: utime and stime are fields 14 and 15.
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
            field(11) + field(12)
        };
        let tick = |n: u64| Duration::from_millis(n * 10);
        let own = std::fs::read_to_string("/proc/self/stat").map(|s| ticks(&s)).unwrap_or(0);
        let mut postgres = 0;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let path = entry.path();
            let is_postgres = std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == "postgres");
            if is_postgres && let Ok(stat) = std::fs::read_to_string(path.join("stat")) {
                postgres += ticks(&stat);
            }
        }
        Cpu { own: tick(own), postgres: tick(postgres) }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu { own: self.own.saturating_sub(before.own), postgres: self.postgres.saturating_sub(before.postgres) }
    }
}

impl Stats {
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1] as f64 / 1000.0
    }

    fn max_ms(&self) -> f64 {
        self.latencies_us.last().map(|us| *us as f64 / 1000.0).unwrap_or(f64::NAN)
    }

    fn per_second(&self) -> f64 {
        let s = self.wall.as_secs_f64();
        if s > 0.0 { self.latencies_us.len() as f64 / s } else { 0.0 }
    }

    fn error(&mut self, what: String) {
        *self.errors.entry(what).or_default() += 1;
    }

    fn merge(&mut self, other: Stats) {
        self.latencies_us.extend(other.latencies_us);
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.wall += other.wall;
        self.cpu.own += other.cpu.own;
        self.cpu.postgres += other.cpu.postgres;
    }

    /// CPU milliseconds per successful request: this process's, and the PostgreSQL server's.
    fn cpu_per_request_ms(&self) -> (f64, f64) {
        let n = self.latencies_us.len().max(1) as f64;
        (self.cpu.own.as_secs_f64() * 1000.0 / n, self.cpu.postgres.as_secs_f64() * 1000.0 / n)
    }

    fn line(&self, name: &str) -> String {
        let (own, postgres) = self.cpu_per_request_ms();
        format!(
            "{name:<34} {:>6} {:>10.1} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>9.2} {:>9.2}",
            self.latencies_us.len(),
            self.per_second(),
            self.percentile_ms(50.0),
            self.percentile_ms(99.0),
            self.max_ms(),
            self.errors.values().sum::<u64>(),
            own,
            postgres
        )
    }
}

/// What one backend measured.
struct Measured {
    send: Option<Stats>,
    inbox: Option<(Stats, Stats)>,
}

/// The portlet and a client that talks to it as the portal does.
struct Bench<'a> {
    http: reqwest::Client,
    base: String,
    issuer: TestIssuer,
    db: Db,
    school: &'a School,
}

impl Bench<'_> {
    /// A token for this person, signed now (tokens live 5 minutes).
    fn token(&self, who: &Identity) -> String {
        let now = ent_portlet_kit::now();
        let mut who = who.clone();
        // A fresh sign-in in a session begun two hours ago: a broadcast goes out at once.
        who.auth_time = Some(now);
        who.session_start = Some(now - 7200);
        self.issuer.token(&who, AUDIENCE)
    }

    fn get(&self, token: Option<&str>, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.get(format!("{}{path}", self.base));
        portal_headers(req, token)
    }

    fn post(&self, token: &str, path: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let mut fields = vec![("_csrf", CSRF)];
        fields.extend_from_slice(form);
        portal_headers(self.http.post(format!("{}{path}", self.base)), Some(token)).form(&fields)
    }

    /// Sends a new message as `who`; the conversation it started.
    async fn send(&self, who: &Identity, to: &str, subject: &str, body: &str) -> Result<String> {
        let token = self.token(who);
        let form = [("school", SCHOOL), ("to", to), ("subject", subject), ("body", body), ("action", "send")];
        let res = self.post(&token, "/view/new", &form).send().await.context("POST /view/new")?;
        let status = res.status();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        if status != StatusCode::SEE_OTHER || !location.ends_with("?sent=ok") {
            let text = res.text().await.unwrap_or_default();
            let error = text.split("id=\"compose-error\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or("");
            bail!("POST /view/new answered {} to {location:?} {error}", status.as_u16());
        }
        location
            .strip_prefix("/view/c/")
            .and_then(|s| s.split('?').next())
            .map(str::to_owned)
            .context("no conversation in the redirect")
    }

    /// Answers the last message of a conversation as `who`.
    async fn reply(&self, who: &Identity, conversation: &str, body: &str) -> Result<()> {
        let token = self.token(who);
        let res = self.get(Some(&token), &format!("/view/c/{conversation}")).send().await?;
        let status = res.status();
        let page = res.text().await?;
        ensure!(status == StatusCode::OK, "GET /view/c/{{id}} answered {status}: {page}");
        let reply_to = page
            .split("name=\"reply_to\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .context("no reply form")?
            .to_string();
        let res = self
            .post(&token, &format!("/view/c/{conversation}/reply"), &[("reply_to", &reply_to), ("body", body)])
            .send()
            .await?;
        ensure!(res.status() == StatusCode::SEE_OTHER, "the reply answered {}", res.status());
        Ok(())
    }

    /// The sending rates back to full (outside the clock).
    async fn reset_rates(&self) -> Result<()> {
        sqlx::query("DELETE FROM buckets").execute(&self.db.writer).await?;
        Ok(())
    }
}

fn portal_headers(req: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    let req = req.header("accept-language", "fr").header("x-ent-base", "/p/messaging").header("x-ent-csrf", CSRF);
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

async fn measure(args: &Args, school: &School, url: &str) -> Result<Measured> {
    let db = Db::connect(url, &MIGRATIONS).await.context("the messaging database")?;
    let issuer = TestIssuer::new();
    let kit = Kit {
        verifier: issuer.verifier(AUDIENCE),
        directory: Some(school.directory.clone()),
        clock: Clock::system(),
        mailer: None,
        origin: None,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let server = ent_portlet_kit::server::serve(listener, PORTLET.app(kit, db.clone()))?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.readers + 16)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()?;
    let bench = Bench { http, base: server.url(), issuer, db: db.clone(), school };
    let result = async {
        let mut out = Measured { send: None, inbox: None };
        if args.only.is_none_or(|o| o == Only::Send) {
            out.send = Some(measure_send(&bench, args.sends).await?);
        }
        if args.only.is_none_or(|o| o == Only::Inbox) {
            fill(&bench, args.history).await?;
            out.inbox = Some(measure_inbox(&bench, args).await?);
        }
        anyhow::Ok(out)
    }
    .await;
    server.abort();
    db.pool.close().await;
    db.writer.close().await;
    let out = result?;
    println!();
    println!(
        "{:<34} {:>6} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "measure", "n", "per-second", "p50 ms", "p99 ms", "max ms", "errors"
    );
    if let Some(s) = &out.send {
        println!("{}", s.line(&format!("send to {} parents", school.parents.len())));
    }
    if let Some((inbox, health)) = &out.inbox {
        println!("{}", inbox.line(&format!("GET /view/inbox, {} at once", args.readers)));
        println!("{}", health.line(&format!("GET /health, {} at once", args.readers)));
        println!(
            "inbox / health: throughput {:.2}, p50 {:.1}×, p99 {:.1}×",
            inbox.per_second() / health.per_second(),
            inbox.percentile_ms(50.0) / health.percentile_ms(50.0),
            inbox.percentile_ms(99.0) / health.percentile_ms(99.0)
        );
    }
    for (name, s) in [
        ("send", out.send.as_ref()),
        ("inbox", out.inbox.as_ref().map(|(i, _)| i)),
        ("health", out.inbox.as_ref().map(|(_, h)| h)),
    ] {
        for (what, n) in s.map(|s| &s.errors).into_iter().flatten() {
            println!("errors of {name}: {n} × {what}");
        }
    }
    Ok(out)
}

/// `n` school-wide messages, one after the other, each timed from the post to its answer.
async fn measure_send(bench: &Bench<'_>, n: usize) -> Result<Stats> {
    eprintln!("measuring {n} sends to the school's parents…");
    let mut stats = Stats::default();
    // The CPU time of the whole loop: one send takes less than the 10 ms `/proc` counts in.
    let cpu = Cpu::now();
    for i in 0..n {
        bench.reset_rates().await?;
        let subject = format!("Information de l'école n° {i}");
        let t = Instant::now();
        match bench.send(&bench.school.director, "g:school_parents", &subject, "Bonjour à toutes les familles.").await
        {
            Ok(_) => {
                let d = t.elapsed();
                stats.latencies_us.push(d.as_micros() as u64);
                stats.wall += d;
            }
            Err(e) => stats.error(format!("{e:#}")),
        }
    }
    stats.cpu = Cpu::now().since(cpu);
    let delivered: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recipients r JOIN messages m ON m.id = r.message_id WHERE m.state = 'sent'",
    )
    .fetch_one(&bench.db.pool)
    .await?;
    let expected = (stats.latencies_us.len() * bench.school.parents.len()) as i64;
    ensure!(delivered == expected, "{delivered} deliveries, expected {expected}");
    stats.latencies_us.sort_unstable();
    Ok(stats)
}

/// The inboxes' history: broadcasts to the parents and to the pupils, and each parent's question
/// to their child's teacher with its answer (16 at a time).
async fn fill(bench: &Bench<'_>, history: usize) -> Result<()> {
    let started = Instant::now();
    for i in 0..history {
        bench.reset_rates().await?;
        bench
            .send(&bench.school.director, "g:school_parents", &format!("Note aux familles n° {i}"), "Bonjour.")
            .await?;
        bench.reset_rates().await?;
        bench.send(&bench.school.director, "g:school_pupils", &format!("Note aux élèves n° {i}"), "Bonjour.").await?;
    }
    let school = bench.school;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || async {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(parent) = school.parents.get(i) else { return anyhow::Ok(()) };
            let teacher = school.teacher_of(i);
            let to = format!("p:{}", teacher.sub);
            let conversation = bench.send(parent, &to, "Une question", "Bonjour, une question sur la classe.").await?;
            bench.reply(teacher, &conversation, "Bonjour, voici la réponse.").await?;
        }
    };
    futures_util::future::try_join_all((0..16).map(|_| worker())).await?;
    // A server in use has statistics (autovacuum analyzes a table once a tenth of it changed);
    // a database filled a second ago has none, and PostgreSQL then plans as for empty tables.
    if bench.db.backend == Backend::Postgres {
        sqlx::query("ANALYZE").execute(&bench.db.writer).await?;
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recipients").fetch_one(&bench.db.pool).await?;
    let mailboxes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mailboxes").fetch_one(&bench.db.pool).await?;
    println!(
        "history         {history} broadcasts to the parents and {history} to the pupils, {} questions answered: \
         {rows} deliveries, {mailboxes} mailbox rows, written in {:.1} s{}",
        school.parents.len(),
        started.elapsed().as_secs_f64(),
        if bench.db.backend == Backend::Postgres { " (then ANALYZE)" } else { "" }
    );
    Ok(())
}

/// One burst: every reader's request released at once; latencies and the wall time until the
/// last answer.
async fn burst(bench: &Bench<'_>, requests: Vec<(Option<String>, &'static str)>, must_contain: &'static str) -> Stats {
    let barrier = Arc::new(Barrier::new(requests.len() + 1));
    let mut handles = Vec::with_capacity(requests.len());
    for (token, path) in requests {
        let req = bench.get(token.as_deref(), path);
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            let t = Instant::now();
            let res = req.send().await;
            let outcome = match res {
                Ok(r) if r.status() == StatusCode::OK => match r.text().await {
                    Ok(body) if body.contains(must_contain) => Ok(()),
                    Ok(_) => Err("an answer without the expected page".to_string()),
                    Err(e) => Err(format!("reading the answer: {e}")),
                },
                Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
                Err(e) if e.is_timeout() => Err("timeout".into()),
                Err(e) if e.is_connect() => Err("connection failed".into()),
                Err(_) => Err("transport error".into()),
            };
            (t.elapsed(), outcome)
        }));
    }
    let cpu = Cpu::now();
    barrier.wait().await;
    let start = Instant::now();
    let mut stats = Stats::default();
    for h in handles {
        match h.await {
            Ok((d, Ok(()))) => stats.latencies_us.push(d.as_micros() as u64),
            Ok((_, Err(e))) => stats.error(e),
            Err(e) => stats.error(format!("task: {e}")),
        }
    }
    stats.wall = start.elapsed();
    stats.cpu = Cpu::now().since(cpu);
    stats
}

/// `--rounds` bursts of `--readers` inbox openings, and as many of `/health`.
async fn measure_inbox(bench: &Bench<'_>, args: &Args) -> Result<(Stats, Stats)> {
    let school = bench.school;
    let readers: Vec<&Identity> = school.parents.iter().chain(&school.pupils).take(args.readers).collect();
    eprintln!("measuring {} rounds of {} inboxes opened at once…", args.rounds, readers.len());
    let tokens =
        |bench: &Bench<'_>| readers.iter().map(|who| (Some(bench.token(who)), "/view/inbox")).collect::<Vec<_>>();
    // The connections opened (and the caches warmed) outside the clock.
    let warm = burst(bench, tokens(bench), "Boîte de réception").await;
    ensure!(warm.errors.is_empty(), "the first burst failed: {:?}", warm.errors);
    let mut inbox = Stats::default();
    let mut health = Stats::default();
    for round in 0..args.rounds {
        let r = burst(bench, tokens(bench), "Boîte de réception").await;
        eprintln!(
            "  round {}: inbox {:.0} ms for {} requests, p99 {:.1} ms",
            round + 1,
            r.wall.as_secs_f64() * 1000.0,
            r.latencies_us.len(),
            sorted(&r).percentile_ms(99.0)
        );
        inbox.merge(r);
        let h = burst(bench, readers.iter().map(|_| (None, "/health")).collect(), "ok").await;
        health.merge(h);
    }
    inbox.latencies_us.sort_unstable();
    health.latencies_us.sort_unstable();
    Ok((inbox, health))
}

fn sorted(s: &Stats) -> Stats {
    let mut latencies_us = s.latencies_us.clone();
    latencies_us.sort_unstable();
    Stats { latencies_us, errors: BTreeMap::new(), wall: s.wall, cpu: s.cpu }
}

fn side_by_side(all: &[(String, Measured)]) {
    let [(a_name, a), (b_name, b)] = all else { return };
    println!();
    println!("side by side          {a_name:>22} {b_name:>22}   ratio {b_name}/{a_name}");
    let row = |label: &str, x: f64, y: f64| println!("{label:<21} {x:>22.2} {y:>22.2}   {:>6.2}", y / x);
    if let (Some(x), Some(y)) = (&a.send, &b.send) {
        row("send p50 ms", x.percentile_ms(50.0), y.percentile_ms(50.0));
        row("send p99 ms", x.percentile_ms(99.0), y.percentile_ms(99.0));
        row("send cpu ms (all)", total_cpu(x), total_cpu(y));
    }
    if let (Some((x, xh)), Some((y, yh))) = (&a.inbox, &b.inbox) {
        row("inbox per second", x.per_second(), y.per_second());
        row("inbox p50 ms", x.percentile_ms(50.0), y.percentile_ms(50.0));
        row("inbox p99 ms", x.percentile_ms(99.0), y.percentile_ms(99.0));
        row("inbox max ms", x.max_ms(), y.max_ms());
        row("inbox cpu ms (all)", total_cpu(x), total_cpu(y));
        row("health per second", xh.per_second(), yh.per_second());
    }
}

/// CPU milliseconds per request, this process's and the database server's together.
fn total_cpu(s: &Stats) -> f64 {
    let (own, postgres) = s.cpu_per_request_ms();
    own + postgres
}
