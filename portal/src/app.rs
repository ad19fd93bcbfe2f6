//! The portal as an HTTP service: the router with its cross-cutting layers, and `build` /
//! `serve`, which bind a listener (port 0 in tests) and return a handle that knows its address.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::PortalConfig;
use crate::db::now;
use crate::state::{PortalState, StartError};
use crate::{assembly, backchannel, error, oidc, proxy, public, web};

/// Every route of the portal.
pub fn app(state: PortalState) -> Router {
    Router::new()
        .route("/", get(assembly::home))
        .route("/healthz", get(health))
        .route("/static/portal.css", get(stylesheet))
        .route("/static/icon.svg", get(ent_web::icon::svg))
        .route("/favicon.ico", get(ent_web::icon::favicon))
        .route("/login", get(oidc::login))
        .route("/callback", get(oidc::callback))
        .route("/logout", post(oidc::logout))
        .route("/backchannel-logout", post(backchannel::receive))
        .route("/p/{portlet}", get(proxy::get).post(proxy::post))
        .route("/p/{portlet}/", get(proxy::get).post(proxy::post))
        .route("/p/{portlet}/{*path}", get(proxy::get).post(proxy::post))
        .route("/pub/{portlet}/", get(public::get))
        .route("/pub/{portlet}/{*path}", get(public::get))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(proxy::MAX_POST_BODY))
        .layer(middleware::from_fn(error::render_errors))
        .layer(middleware::from_fn_with_state(state.clone(), web::language))
        .layer(middleware::from_fn_with_state(state.clone(), web::security_headers))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: query strings carry codes and states, and the log no personal data.
            tracing::info_span!("http", method = %req.method(), path = %logged_path(req.uri().path()))
        }))
        .with_state(state)
}

/// A path as the log may keep it: a public route's path may be a secret (a calendar feed's
/// address), so only its portlet is kept.
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/pub/") {
        Some(rest) => format!("/pub/{}/…", rest.split('/').next().unwrap_or("")).into(),
        None => path.into(),
    }
}

async fn not_found() -> error::PortalError {
    error::PortalError::NotFound
}

async fn health(State(state): State<PortalState>) -> Response {
    match sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.store.db().pool).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    let mut res = include_str!("../static/portal.css").into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

/// A running portal.
pub struct Server {
    pub addr: SocketAddr,
    pub state: PortalState,
    pub handle: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// The base URL of the listener (which may differ from the public URL behind a proxy).
    pub fn local_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn abort(&self) {
        self.handle.abort();
        self.housekeeping.abort();
    }

    /// Stops accepting connections and waits for the requests in flight to finish.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        self.housekeeping.abort();
        let mut this = self;
        match (&mut this.handle).await {
            Ok(r) => r,
            Err(e) if e.is_cancelled() => Ok(()),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.housekeeping.abort();
    }
}

/// Starts the portal from a configuration: opens the database, binds `config.listen`.
pub async fn build(config: PortalConfig) -> Result<Server, StartError> {
    let listener = TcpListener::bind(config.listen).await.map_err(|e| StartError::Bind(config.listen, e))?;
    let state = PortalState::init(config).await?;
    serve(listener, state).await
}

/// Serves an initialised state on a bound listener.
pub async fn serve(listener: TcpListener, state: PortalState) -> Result<Server, StartError> {
    let addr = listener.local_addr().map_err(|e| StartError::Bind(state.config.listen, e))?;
    let router = app(state.clone());
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
    });
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    Ok(Server { addr, state, handle, housekeeping, stop })
}

/// Purges ended sessions, stale sign-ins, old logout jtis and closed per-address counts, once a
/// minute.
async fn housekeeping(state: PortalState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.tick().await;
    loop {
        tick.tick().await;
        let purged = async {
            state.store.purge(now(), state.config.session_idle_secs as i64).await?;
            state.throttle.purge_expired(crate::oidc::LOGIN_WINDOW_SECS, now()).await
        };
        if let Err(e) = purged.await {
            tracing::warn!(error = %e, "purge of expired rows failed");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_paths_are_logged_without_their_secret() {
        assert_eq!(super::logged_path("/pub/agenda/feed/s3cr3t.ics"), "/pub/agenda/…");
        assert_eq!(super::logged_path("/p/agenda/week"), "/p/agenda/week");
    }
}
