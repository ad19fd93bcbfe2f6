//! Serving a portlet: the cross-cutting layers every portlet wears (body limit, timeout,
//! fragment headers, tracing of paths only), `/health`, and a handle on the running service
//! that knows its address (port 0 in tests) and stops gracefully, its periodic jobs with it.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// How long a graceful stop waits for a job's run in progress before cutting it.
const JOB_GRACE: Duration = Duration::from_secs(15);

/// The largest request body a portlet reads (attached files included).
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Wraps a portlet's routes with the shared layers and `/health`.
pub fn wrap(routes: Router) -> Router {
    routes
        .route("/health", get(|| async { "ok" }))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
        ))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(15)))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // axum's body extractors have their own, lower default (2 MB): raise it to the same
        // limit, so a handler reading a large form can still answer with its own message.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // The path only: queries may carry ids, and no personal data is logged; nor the rest
            // of a public route's path, which may be a secret (a feed's address).
            tracing::info_span!("request", method = %req.method(), path = %logged_path(req.uri().path()))
        }))
}

/// A path as the log may keep it: a public route's (`/public/…`) without its rest.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/public/") { "/public/…" } else { path }
}

/// A running portlet.
pub struct Server {
    pub addr: SocketAddr,
    /// The address of the portlet's own origin, when it serves one (`Portlet::origin`).
    pub origin_addr: Option<SocketAddr>,
    handle: JoinHandle<std::io::Result<()>>,
    /// The portlet's periodic jobs (`crate::jobs`), stopped with the server.
    jobs: Vec<JoinHandle<()>>,
    stop: tokio::sync::watch::Sender<bool>,
    kill: tokio::sync::watch::Sender<bool>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs the portlet's jobs beside the server, until it stops.
    pub(crate) fn run_jobs(&mut self, jobs: Vec<crate::jobs::Job>, leases: crate::jobs::Leases, clock: crate::Clock) {
        self.jobs.extend(crate::jobs::spawn(jobs, leases, clock, self.stop.subscribe()));
    }

    /// Stops at once, open connections and jobs' runs included (a crash, in tests and benchmarks).
    pub fn abort(&self) {
        let _ = self.kill.send(true);
        self.handle.abort();
        for job in &self.jobs {
            job.abort();
        }
    }

    /// Stops accepting connections and starting jobs' runs, and waits for the requests in
    /// flight and the runs in progress (a run still going after a while is cut).
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        let served = match (&mut self.handle).await {
            Ok(r) => r,
            Err(e) if e.is_cancelled() => Ok(()),
            Err(e) => Err(std::io::Error::other(e)),
        };
        for job in self.jobs.drain(..) {
            let cut = job.abort_handle();
            if tokio::time::timeout(JOB_GRACE, job).await.is_err() {
                tracing::warn!("a job's run outlasted the stop: cut");
                cut.abort();
            }
        }
        served
    }

    /// Waits until the service ends.
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.handle).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Serves a portlet's router (already wrapped) on a bound listener.
pub fn serve(listener: TcpListener, router: Router) -> std::io::Result<Server> {
    serve_with_origin(listener, router, None)
}

/// Serves a portlet's router, and its own origin's on a second listener: both stop together.
pub fn serve_with_origin(
    listener: TcpListener,
    router: Router,
    origin: Option<(TcpListener, Router)>,
) -> std::io::Result<Server> {
    let addr = listener.local_addr()?;
    let origin_addr = origin.as_ref().map(|(l, _)| l.local_addr()).transpose()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (kill, killed) = tokio::sync::watch::channel(false);
    let one = |listener: TcpListener, router: Router| {
        let listener = crate::killable::KillableListener { inner: listener, killed: killed.clone() };
        let mut stopped = stopped.clone();
        async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        }
    };
    let main = one(listener, router);
    let own = origin.map(|(l, r)| one(l, r));
    let handle = tokio::spawn(async move {
        match own {
            Some(own) => tokio::try_join!(main, own).map(|_| ()),
            None => main.await,
        }
    });
    Ok(Server { addr, origin_addr, handle, jobs: Vec::new(), stop, kill })
}
