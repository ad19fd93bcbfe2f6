//! Periodic jobs: the lease that lets one instance of a portlet run a job's run when several
//! share a database (both backends), a failing run that comes back at the next interval (the
//! clock set, not waited for), and a portlet's server that runs its jobs and stops them.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use ent_portlet_kit::jobs::Tick;
use ent_portlet_kit::storage::testing::sqlite_shared_url;
use ent_portlet_kit::testing::{ISSUER, TestIssuer, serve_jwks};
use ent_portlet_kit::{Clock, Db, Job, JobError, Leases, Migrations, Portlet, PortletConfig, Shared, tables};
use sqlx::migrate::Migrator;
use tokio::sync::watch;

const T0: i64 = 1_767_254_400; // 2026-01-01 08:00 UTC

ent_storage::both_backends!(tables::migrations(); one_claim_of_many_wins_until_its_lease_ends, |t: &TestDb| async {
    let leases = Leases::new(t.db.clone());
    // Another instance of the portlet: its own pool on the same database.
    let other = Leases::new(Db::connect(&t.url, &tables::migrations()).await.unwrap());

    let mut claims = tokio::task::JoinSet::new();
    let start = Arc::new(tokio::sync::Barrier::new(8));
    for i in 0..8 {
        let leases = if i % 2 == 0 { leases.clone() } else { other.clone() };
        let start = start.clone();
        claims.spawn(async move {
            start.wait().await;
            leases.claim("digest", &format!("instance-{i}"), T0, T0 + 60).await.unwrap()
        });
    }
    let won = claims.join_all().await.into_iter().filter(|w| *w).count();
    assert_eq!(won, 1, "exactly one of eight claims at the same moment wins");
    let (holder, until) = leases.holder("digest").await.unwrap().unwrap();
    assert!(holder.starts_with("instance-") && until == T0 + 60);

    assert!(!other.claim("digest", "late", T0 + 59, T0 + 119).await.unwrap(), "held until its end");
    assert!(!leases.claim("digest", &holder, T0 + 30, T0 + 90).await.unwrap(), "even for its holder");
    assert!(leases.claim("purge", "instance-x", T0 + 30, T0 + 90).await.unwrap(), "another job is free");

    // The lease ends at T0 + 60: from then on, a claim takes it over (once).
    assert!(other.claim("digest", "next", T0 + 60, T0 + 120).await.unwrap());
    assert!(!leases.claim("digest", "again", T0 + 60, T0 + 120).await.unwrap());
    assert_eq!(leases.holder("digest").await.unwrap(), Some(("next".to_string(), T0 + 120)));
    assert_eq!(leases.holder("never").await.unwrap(), None);
});

ent_storage::both_backends!(tables::migrations(); a_failed_run_comes_back_at_the_next_interval, |db| async move {
    let leases = Leases::new(db);
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let job = Job::new("flaky", 60, move || {
        let runs = counted.clone();
        async move {
            if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(JobError::Failed("the first run fails".into()))
            } else {
                Ok(())
            }
        }
    });
    let clock = Clock::at(T0);

    assert_eq!(job.tick(&leases, "a", clock.now()).await, Tick::Failed);
    assert_eq!(job.tick(&leases, "b", clock.now()).await, Tick::Held, "another instance, the same moment");
    clock.advance(59);
    assert_eq!(job.tick(&leases, "a", clock.now()).await, Tick::Held, "not retried before its interval");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    clock.advance(1);
    assert_eq!(job.tick(&leases, "b", clock.now()).await, Tick::Ran, "the next interval runs it again");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(job.name(), "flaky");
    assert_eq!(Job::new("zero", 0, || async { Ok(()) }).interval_secs(), 1, "an interval is a second at least");
});

// ----- A portlet's server runs its jobs and stops them -----

/// How many runs the ticking job made (one test uses it).
static RUNS: LazyLock<watch::Sender<usize>> = LazyLock::new(|| watch::channel(0).0);

struct Ticker;

fn ticker_jobs(_: Shared<Ticker>) -> Vec<Job> {
    vec![
        Job::new("tick", 3600, || async {
            RUNS.send_modify(|n| *n += 1);
            Ok(())
        }),
        Job::new("broken", 3600, || async { Err(JobError::Failed("always fails".into())) }),
    ]
}

fn no_migrations() -> &'static Migrations {
    static NONE: LazyLock<(Migrator, Migrator)> =
        LazyLock::new(|| (Migrator::with_migrations(Vec::new()), Migrator::with_migrations(Vec::new())));
    static MIGRATIONS: LazyLock<Migrations> = LazyLock::new(|| Migrations { sqlite: &NONE.0, postgres: &NONE.1 });
    &MIGRATIONS
}

#[tokio::test]
async fn the_server_runs_its_jobs_and_stops_them_when_it_stops() {
    let portlet: Portlet<Ticker> = Portlet {
        name: "ticker",
        migrations: no_migrations(),
        state: |_| Ticker,
        routes: Router::new,
        demo: None,
        jobs: Some(ticker_jobs),
        origin: None,
    };
    let issuer = TestIssuer::new();
    let (database_url, guard) = sqlite_shared_url();
    let config = PortletConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        issuer: ISSUER.into(),
        resource: "urn:ent:portlet:ticker".into(),
        jwks_url: Some(serve_jwks(&issuer).await),
        database_url: database_url.clone(),
        client_id: None,
        client_secret: None,
        mail: None,
        origin: None,
    };
    let mut runs = RUNS.subscribe();
    let server = portlet.build(config).await.unwrap();

    // Jobs run at start, then every interval (an hour here).
    tokio::time::timeout(Duration::from_secs(10), runs.wait_for(|n| *n >= 1)).await.unwrap().unwrap();
    let db = Db::connect(&database_url, no_migrations()).await.unwrap();
    let leases = Leases::new(db.clone());
    let (holder, until) = leases.holder("tick").await.unwrap().unwrap();
    assert!(!holder.is_empty() && until > ent_portlet_kit::now() + 3000, "leased for its interval");

    // Stopping does not wait for the next interval.
    tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await.unwrap().unwrap();
    assert_eq!(*RUNS.borrow(), 1);
    db.pool.close().await;
    db.writer.close().await;
    guard.cleanup().await;
}
