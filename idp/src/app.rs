//! The provider as an HTTP service: the router with its cross-cutting layers, and `build`,
//! which binds a listener (port 0 in tests) and returns a handle that knows its address; beside
//! the listener, housekeeping and the back-channel logout deliverer.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::oauth::{
    account, activation, authorize, consent, discovery, introspect, login, logout, passkeys, revoke, token, userinfo,
};
use crate::state::{AppState, StartError};
use crate::web::i18n::{Lang, Texts};
use crate::web::pages;

/// Every route of the provider.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(health))
        .route("/assets/idp.css", get(stylesheet))
        .route("/assets/icon.svg", get(ent_web::icon::svg))
        .route("/favicon.ico", get(ent_web::icon::favicon))
        .route("/assets/passkeys.js", get(passkey_script))
        .route("/.well-known/openid-configuration", get(discovery::configuration))
        .route("/.well-known/oauth-authorization-server", get(discovery::oauth_metadata))
        .route("/jwks", get(discovery::jwks))
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route("/login", get(login::page).post(login::submit))
        .route("/login/passkey", axum::routing::post(passkeys::discover))
        .route("/login/second-factor", get(passkeys::second_factor_page).post(passkeys::second_factor))
        .route("/login/enrol", get(passkeys::enrol_page).post(passkeys::enrol))
        .route("/login/invitation", get(passkeys::invitation_page).post(passkeys::invitation_continue))
        .route("/passkeys/options", axum::routing::post(passkeys::options))
        .route("/account", get(account::page))
        .route("/account/passkeys", axum::routing::post(account::register))
        .route("/account/passkeys/rename", axum::routing::post(account::rename))
        .route("/account/passkeys/remove", axum::routing::post(account::remove))
        .route("/activate", get(activation::page).post(activation::submit))
        .route("/consent", get(consent::page).post(consent::submit))
        .route("/token", axum::routing::post(token::token))
        .route("/userinfo", get(userinfo::get).post(userinfo::post))
        .route("/revoke", axum::routing::post(revoke::revoke))
        .route("/introspect", axum::routing::post(introspect::introspect))
        .route("/logout", get(logout::get).post(logout::post))
        .route("/directory/v1/classes/{class_id}", get(crate::directory_api::class))
        .route("/directory/v1/schools", get(crate::directory_api::schools))
        .route("/directory/v1/schools/{uai}/classes", get(crate::directory_api::school_classes))
        .route("/directory/v1/schools/{uai}/staff", get(crate::directory_api::school_staff))
        .layer(middleware::from_fn(security_headers))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: query strings carry codes, states and hints.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in crate::web::security_headers() {
        if !h.contains_key(&name) {
            h.insert(name, value);
        }
    }
    res
}

async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.db.pool).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    let mut res = include_str!("../assets/idp.css").into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

/// The provider's one script (passkey ceremonies), served from its own origin so that the
/// pages that need it allow `script-src 'self'` and nothing else.
async fn passkey_script() -> Response {
    let mut res = include_str!("../assets/passkeys.js").into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::negotiate(None, &headers);
    let t = lang.t();
    match authorize::current_session(&state, &headers).await {
        Ok(Some(_)) => pages::message(StatusCode::OK, lang, t.product, t.home_signed_in, ""),
        Ok(None) => pages::message(StatusCode::OK, lang, t.product, t.home_signed_out, ""),
        Err(e) => authorize::server_error_page(lang, e),
    }
}

/// A running provider.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    pub handle: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
    /// The back-channel logout deliverer.
    backchannel: JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// The base URL of the listener (which may differ from the issuer behind a proxy).
    pub fn local_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn abort(&self) {
        self.handle.abort();
        self.housekeeping.abort();
        self.backchannel.abort();
    }

    /// Stops accepting connections and waits for the requests in flight to finish.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        self.housekeeping.abort();
        self.backchannel.abort();
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
        self.backchannel.abort();
    }
}

/// Starts the provider from a configuration.
pub async fn build(config: Config) -> Result<Server, StartError> {
    let listener = TcpListener::bind(config.listen).await.map_err(|e| StartError::Bind(config.listen, e))?;
    let state = AppState::init(config).await?;
    serve(listener, state).await
}

/// Serves an already-initialised state on a bound listener.
pub async fn serve(listener: TcpListener, state: AppState) -> Result<Server, StartError> {
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
    let backchannel = tokio::spawn(crate::oauth::backchannel::run(state.clone()));
    Ok(Server { addr, state, handle, housekeeping, backchannel, stop })
}

/// Reloads keys (rotations made elsewhere) and purges expired rows, once a minute.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = state.keys.reload().await {
            tracing::warn!(error = %e, "key reload failed");
        }
        let window = (state.config.throttle_window.as_secs() as i64).max(crate::oauth::attempts::PARKING_WINDOW_SECS);
        let purged = async {
            state.sessions.purge_expired().await?;
            state.grants.purge_expired().await?;
            state.activation.purge_expired().await?;
            state.passkeys.purge_expired().await?;
            state.throttle.purge_expired(window, state.clock.now()).await
        };
        if let Err(e) = purged.await {
            tracing::warn!(error = %e, "purge of expired rows failed");
        }
    }
}
