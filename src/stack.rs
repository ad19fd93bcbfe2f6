//! The workspace around a running provider: the portlets and the portal, each on its own
//! loopback port with its own SQLite file, registered at the provider as production registers
//! them (docs/portlets.md). `ent demo`, the end-to-end tests and the portal benchmark all start
//! it through [`start`], so they exercise one wiring.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::state::AppState;
use ent_portal::{PortalConfig, PortletConfig as PortalEntry, Profile};
use ent_portlet_kit::PortletConfig;
use ent_portlet_kit::server::Server as PortletServer;
use tokio::net::TcpListener;
use url::Url;

/// The grant type of RFC 8693 token exchange.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The portal's client id at the provider.
pub const PORTAL_CLIENT: &str = "portal";

/// A portlet of the workspace: its name in the portal's URLs, its resource at the provider,
/// its titles, and the profiles that may use it.
pub struct PortletKind {
    pub name: &'static str,
    pub resource: &'static str,
    pub title_fr: &'static str,
    pub title_en: &'static str,
    pub profiles: &'static [Profile],
}

const FAMILY_AND_SCHOOL: &[Profile] = &[Profile::Pupil, Profile::Parent, Profile::Teacher, Profile::Director];

pub const HOMEWORK: PortletKind = PortletKind {
    name: "homework",
    resource: "urn:ent:portlet:homework",
    title_fr: "Cahier de textes",
    title_en: "Homework diary",
    profiles: FAMILY_AND_SCHOOL,
};

pub const LIAISON: PortletKind = PortletKind {
    name: "liaison",
    resource: "urn:ent:portlet:liaison",
    title_fr: "Carnet de liaison",
    title_en: "Liaison notebook",
    profiles: FAMILY_AND_SCHOOL,
};

/// Where and how to start the workspace.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// The folder of the portal's and portlets' SQLite files.
    pub data: PathBuf,
    /// The host name in the portal's public URL (`localhost`: cookies and the provider's
    /// redirect URIs use it).
    pub host: String,
    /// Ports (0: any free port).
    pub portal_port: u16,
    pub homework_port: u16,
    pub liaison_port: u16,
    /// The provider as the services reach it (its JWKS and token endpoint).
    pub idp_url: String,
    /// How long the home page waits for each portlet (`None`: the portal's default).
    pub fragment_deadline_ms: Option<u64>,
}

/// The running portal and portlets.
pub struct Stack {
    pub portal: ent_portal::Server,
    pub portal_url: String,
    pub homework: PortletServer,
    pub liaison: PortletServer,
}

impl Stack {
    pub fn abort(&self) {
        self.portal.abort();
        self.homework.abort();
        self.liaison.abort();
    }
}

/// Registers the portal and the portlets at the provider (replacing earlier registrations, so
/// the secrets are new at every start) and starts them.
pub async fn start(idp: &AppState, opts: &StackOptions) -> anyhow::Result<Stack> {
    std::fs::create_dir_all(&opts.data).with_context(|| format!("creating {}", opts.data.display()))?;
    let issuer = idp.config.issuer_str();
    let idp_url = opts.idp_url.trim_end_matches('/');

    let mut started = Vec::new();
    for (kind, port) in [(&HOMEWORK, opts.homework_port), (&LIAISON, opts.liaison_port)] {
        let secret = register_portlet(idp, kind).await?;
        let config = PortletConfig {
            listen: ([127, 0, 0, 1], port).into(),
            issuer: issuer.clone(),
            resource: kind.resource.into(),
            jwks_url: Some(format!("{idp_url}/jwks")),
            database_url: sqlite_url(&opts.data, kind.name),
            client_id: Some(portlet_client_id(kind)),
            client_secret: Some(secret),
        };
        let server = match kind.name {
            "homework" => ent_portlet_homework::build(config).await.map_err(anyhow::Error::new),
            _ => ent_portlet_liaison::build(config).await.map_err(anyhow::Error::new),
        }
        .with_context(|| format!("starting the {} portlet on port {port}", kind.name))?;
        started.push(server);
    }
    let liaison = started.pop().context("liaison portlet")?;
    let homework = started.pop().context("homework portlet")?;

    let listener = TcpListener::bind(("127.0.0.1", opts.portal_port))
        .await
        .with_context(|| format!("port {} (portal) is not free", opts.portal_port))?;
    let portal_url = format!("http://{}:{}", opts.host, listener.local_addr()?.port());
    let secret = register_portal(idp, &portal_url).await?;
    let mut config = PortalConfig::new(Url::parse(&issuer)?, PORTAL_CLIENT, &secret, Url::parse(&portal_url)?);
    config.database_url = sqlite_url(&opts.data, "portal");
    if let Some(ms) = opts.fragment_deadline_ms {
        config.fragment_deadline_ms = ms;
    }
    config.portlets = [(&HOMEWORK, &homework), (&LIAISON, &liaison)]
        .into_iter()
        .map(|(kind, server)| {
            Ok(PortalEntry {
                name: kind.name.into(),
                url: Url::parse(&server.url())?,
                resource: kind.resource.into(),
                title_fr: kind.title_fr.into(),
                title_en: kind.title_en.into(),
                profiles: kind.profiles.to_vec(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let state = ent_portal::PortalState::init(config).await.context("starting the portal")?;
    let portal = ent_portal::serve(listener, state).await.context("serving the portal")?;
    Ok(Stack { portal, portal_url, homework, liaison })
}

fn sqlite_url(data: &Path, name: &str) -> String {
    format!("sqlite://{}", data.join(format!("{name}.db")).display())
}

pub fn portlet_client_id(kind: &PortletKind) -> String {
    format!("portlet-{}", kind.name)
}

/// A portlet: a first-party resource server that reads class rosters with its own credentials.
async fn register_portlet(idp: &AppState, kind: &PortletKind) -> anyhow::Result<String> {
    let mut spec = ClientSpec::new(kind.title_fr, vec![]);
    spec.id = Some(portlet_client_id(kind));
    spec.first_party = true;
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["directory.read".into()];
    spec.audience = Some(kind.resource.into());
    spec.resources = vec![idp.config.directory_resource.clone()];
    register(idp, spec).await
}

/// The portal: first-party, confidential, allowed to exchange its tokens for portlet tokens,
/// told of logouts over the back channel.
async fn register_portal(idp: &AppState, portal_url: &str) -> anyhow::Result<String> {
    let mut spec = ClientSpec::new("Portail ENT", vec![format!("{portal_url}/callback")]);
    spec.id = Some(PORTAL_CLIENT.into());
    spec.first_party = true;
    spec.post_logout_redirect_uris = vec![format!("{portal_url}/")];
    spec.grant_types = vec!["authorization_code".into(), "refresh_token".into(), TOKEN_EXCHANGE.into()];
    spec.scopes = ["openid", "profile", "ent", "offline_access"].map(String::from).to_vec();
    spec.backchannel_logout_uri = Some(format!("{portal_url}/backchannel-logout"));
    register(idp, spec).await
}

async fn register(idp: &AppState, spec: ClientSpec) -> anyhow::Result<String> {
    let id = spec.id.clone().unwrap_or_default();
    idp.clients.remove(&id).await.with_context(|| format!("removing the earlier registration of {id}"))?;
    let registered =
        register_client(&idp.clients, &idp.audit, spec).await.with_context(|| format!("registering {id}"))?;
    registered.secret.with_context(|| format!("{id} was registered without a secret"))
}
