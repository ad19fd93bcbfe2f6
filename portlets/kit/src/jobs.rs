//! Periodic work beside a portlet's HTTP server: a portlet lists its [`Job`]s
//! (`Portlet::jobs`), the kit runs each every `interval_secs` from the start, next to the
//! server, and stops them with it (a run in progress finishes first).
//!
//! Several instances of a portlet may share one PostgreSQL database; a run must then happen
//! once, not once per instance. Before each run, an instance claims the job in the
//! `job_leases` table ([`Leases::claim`]) until its next interval: one statement that inserts
//! the lease or takes it over only when it has ended, so of any number of instances claiming at
//! the same moment exactly one wins, and the others skip that run. An instance that dies
//! holding a lease gives the job up when its lease ends. Instances' clocks are assumed set by
//! NTP, as token lifetimes already assume.
//!
//! A run that fails is logged — the job's name and the error, which must carry no personal data
//! (the kit's errors do not) — and the job runs again at its next interval: nothing is retried
//! sooner.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use ent_storage::{Db, DbError};
use futures_util::future::BoxFuture;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::clock::Clock;
use crate::mail::MailError;

/// What a run of a job gives back.
pub type JobFuture = BoxFuture<'static, Result<(), JobError>>;

/// Work a portlet does every `interval_secs` seconds.
pub struct Job {
    name: &'static str,
    interval_secs: u64,
    body: Box<dyn Fn() -> JobFuture + Send + Sync>,
}

/// Why a run failed. Its words are logged: no addresses, names or message text in them.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Mail(#[from] MailError),
    /// Anything else, said in a sentence with no personal data.
    #[error("{0}")]
    Failed(String),
}

/// What one turn of a job did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tick {
    /// This instance won the run, which succeeded.
    Ran,
    /// This instance won the run, which failed (logged).
    Failed,
    /// Another instance (or an earlier turn) holds this interval's run.
    Held,
    /// The lease could not be claimed (database error, logged): no run.
    Unclaimed,
}

impl Job {
    /// A job named `name` (unique among the portlet's jobs: its lease's name) whose `body` runs
    /// every `interval_secs` seconds (at least one). The body is called anew for each run:
    /// `Job::new("digest", 3600, move || { let s = shared.clone(); async move { s.send_digest().await } })`.
    pub fn new<F, Fut>(name: &'static str, interval_secs: u64, body: F) -> Job
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        Job { name, interval_secs: interval_secs.max(1), body: Box::new(move || Box::pin(body())) }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn interval_secs(&self) -> u64 {
        self.interval_secs
    }

    /// Runs the body once, without a lease (what a test of the job's work calls).
    pub async fn run_once(&self) -> Result<(), JobError> {
        (self.body)().await
    }

    /// One turn as the kit's scheduler takes it at `now`: claims this interval's run for
    /// `holder` and, if won, runs the body; failures are logged, not returned.
    pub async fn tick(&self, leases: &Leases, holder: &str, now: i64) -> Tick {
        let until = now.saturating_add(i64::try_from(self.interval_secs).unwrap_or(i64::MAX));
        match leases.claim(self.name, holder, now, until).await {
            Ok(false) => Tick::Held,
            Err(e) => {
                tracing::warn!(job = self.name, error = %e, "cannot claim the job's run: skipped until its next interval");
                Tick::Unclaimed
            }
            Ok(true) => match self.run_once().await {
                Ok(()) => {
                    tracing::debug!(job = self.name, "job ran");
                    Tick::Ran
                }
                Err(e) => {
                    tracing::warn!(job = self.name, error = %e, "job failed: it runs again at its next interval");
                    Tick::Failed
                }
            },
        }
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job").field("name", &self.name).field("interval_secs", &self.interval_secs).finish()
    }
}

/// The `job_leases` table of a portlet's database (the kit's tables: [`crate::tables`]).
#[derive(Clone, Debug)]
pub struct Leases {
    db: Db,
}

impl Leases {
    pub fn new(db: Db) -> Leases {
        Leases { db }
    }

    /// Claims the job `name` for `holder` until `until` if no lease on it is in force at `now`
    /// (none yet, or one that ended at `now` or before): `true` when this claim won. One
    /// statement, so concurrent claims cannot both win.
    pub async fn claim(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool, DbError> {
        let won: Option<String> = sqlx::query_scalar(
            "INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE job_leases.until <= $4 \
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .fetch_optional(&self.db.writer)
        .await?;
        Ok(won.is_some())
    }

    /// Who holds the job's lease and until when, if anyone ever did.
    pub async fn holder(&self, name: &str) -> Result<Option<(String, i64)>, DbError> {
        Ok(sqlx::query_as("SELECT holder, until FROM job_leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.db.pool)
            .await?)
    }
}

/// Starts the jobs, each in its own task, until `stopped` turns true (or its sender goes). Each
/// runs at once, then every interval after the end of the previous turn's start; a turn that
/// outlasts its interval delays the next rather than piling turns up.
pub(crate) fn spawn(
    jobs: Vec<Job>,
    leases: Leases,
    clock: Clock,
    stopped: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    // One holder name per running instance: what the table shows of who ran a job.
    let holder = ent_web::secret::new_id();
    jobs.into_iter()
        .map(|job| {
            let (leases, clock, holder, mut stopped) = (leases.clone(), clock.clone(), holder.clone(), stopped.clone());
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(Duration::from_secs(job.interval_secs));
                ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = stopped.wait_for(|s| *s) => return,
                        _ = ticks.tick() => {}
                    }
                    job.tick(&leases, &holder, clock.now()).await;
                }
            })
        })
        .collect()
}
