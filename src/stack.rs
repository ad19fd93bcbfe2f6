//! The workspace around a running provider: the registry's portlets and the portal, each on its
//! own loopback port with its own SQLite file, registered at the provider as production
//! registers them (docs/portlets.md). `ent demo`, the end-to-end tests and the portal benchmark all start
//! it through [`start`], so they exercise one wiring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::state::AppState;
use ent_portal::{PortalConfig, PortletConfig as PortalEntry};
use ent_portlet_kit::PortletConfig;
use ent_portlet_kit::server::Server as PortletServer;
use tokio::net::TcpListener;
use url::Url;

use crate::registry::{self, Registered, UnknownPortlet};

/// The grant type of RFC 8693 token exchange.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The portal's client id at the provider.
pub const PORTAL_CLIENT: &str = "portal";

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
    /// Each portlet's port by name; a portlet not named here gets the registry's default.
    pub portlet_ports: BTreeMap<String, u16>,
    /// The provider as the services reach it (its JWKS and token endpoint).
    pub idp_url: String,
    /// How long the home page waits for each portlet (`None`: the portal's default).
    pub fragment_deadline_ms: Option<u64>,
    /// The demo school, written by each portlet into a database this start creates (`ent
    /// demo`); `None`: portlets start empty.
    pub demo: Option<ent_portlet_kit::DemoSchool>,
    /// Outgoing mail for the portlets that send it (messaging's digest); `None`: no mail.
    pub mail: Option<ent_portlet_kit::mail::MailConfig>,
}

/// Every registered portlet on any free port (tests, benchmarks).
pub fn free_ports() -> BTreeMap<String, u16> {
    registry::PORTLETS.iter().map(|r| (r.name().to_string(), 0)).collect()
}

/// The running portal and portlets.
pub struct Stack {
    pub portal: ent_portal::Server,
    pub portal_url: String,
    /// The portlets, in the registry's order.
    pub portlets: Vec<(&'static Registered, PortletServer)>,
}

impl Stack {
    /// The running portlet of that name.
    pub fn portlet(&self, name: &str) -> Result<&PortletServer, UnknownPortlet> {
        self.portlets.iter().find(|(r, _)| r.name() == name).map(|(_, s)| s).ok_or_else(|| UnknownPortlet(name.into()))
    }

    pub fn abort(&self) {
        self.portal.abort();
        for (_, server) in &self.portlets {
            server.abort();
        }
    }
}

/// Registers the portal and the portlets at the provider (replacing earlier registrations, so
/// the secrets are new at every start) and starts them.
pub async fn start(idp: &AppState, opts: &StackOptions) -> anyhow::Result<Stack> {
    std::fs::create_dir_all(&opts.data).with_context(|| format!("creating {}", opts.data.display()))?;
    let issuer = idp.config.issuer_str();
    let idp_url = opts.idp_url.trim_end_matches('/');

    // A port given for a portlet the workspace does not run is a mistake, not a default.
    for name in opts.portlet_ports.keys() {
        match name.strip_suffix("-origin") {
            Some(portlet) if registry::origin_port(portlet).is_some() => {}
            _ => {
                registry::find(name)?;
            }
        }
    }
    let mut portlets = Vec::new();
    for kind in registry::PORTLETS {
        let port = opts.portlet_ports.get(kind.name()).copied().unwrap_or(kind.default_port);
        let secret = register_portlet(idp, kind).await?;
        let database = opts.data.join(format!("{}.db", kind.name()));
        if let Some(school) = &opts.demo
            && !database.exists()
        {
            kind.entry
                .fill_demo(&sqlite_url(&opts.data, kind.name()), school)
                .await
                .with_context(|| format!("writing the demo week of the {} portlet", kind.name()))?;
        }
        let config = PortletConfig {
            listen: ([127, 0, 0, 1], port).into(),
            issuer: issuer.clone(),
            resource: kind.resource(),
            jwks_url: Some(format!("{idp_url}/jwks")),
            database_url: sqlite_url(&opts.data, kind.name()),
            client_id: Some(kind.client_id()),
            client_secret: Some(secret),
            mail: opts.mail.clone(),
            origin: origin(kind, opts)?,
        };
        let server = kind
            .entry
            .start(config)
            .await
            .with_context(|| format!("starting the {} portlet on port {port}", kind.name()))?;
        portlets.push((kind, server));
    }

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
    config.portlets = portlets
        .iter()
        .map(|(kind, server)| {
            Ok(PortalEntry {
                name: kind.name().into(),
                url: Url::parse(&server.url())?,
                resource: kind.resource(),
                title_fr: kind.title_fr.into(),
                title_en: kind.title_en.into(),
                profiles: kind.profiles.to_vec(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let state = ent_portal::PortalState::init(config).await.context("starting the portal")?;
    let portal = ent_portal::serve(listener, state).await.context("serving the portal")?;
    Ok(Stack { portal, portal_url, portlets })
}

/// The origin of a portlet that serves one (the mini-sites): its port (`NAME-origin` among the
/// ports; else any free one when the portlet's own is 0, as in tests; else the registry's; 0
/// picks a free one now, so that its address is known), on the
/// other loopback name than the portal's, so that the browser sends it none of the portal's
/// cookies; a link key of this run.
fn origin(kind: &Registered, opts: &StackOptions) -> anyhow::Result<Option<ent_portlet_kit::OriginConfig>> {
    let Some(default) = registry::origin_port(kind.name()) else { return Ok(None) };
    let free = opts.portlet_ports.get(kind.name()) == Some(&0);
    let mut port = match opts.portlet_ports.get(&format!("{}-origin", kind.name())) {
        Some(port) => *port,
        None if free => 0,
        None => default,
    };
    if port == 0 {
        port = std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
    }
    let host = if opts.host == "127.0.0.1" { "localhost" } else { "127.0.0.1" };
    let link_key = ent_portlet_kit::origin::LinkKey::generate().map_err(|_| anyhow::anyhow!("no random link key"))?;
    Ok(Some(ent_portlet_kit::OriginConfig {
        listen: ([127, 0, 0, 1], port).into(),
        public_url: format!("http://{host}:{port}"),
        link_key,
    }))
}

fn sqlite_url(data: &Path, name: &str) -> String {
    format!("sqlite://{}", data.join(format!("{name}.db")).display())
}

/// A portlet: a first-party resource server that reads class rosters with its own credentials.
async fn register_portlet(idp: &AppState, kind: &Registered) -> anyhow::Result<String> {
    let mut spec = ClientSpec::new(kind.title_fr, vec![]);
    spec.id = Some(kind.client_id());
    spec.first_party = true;
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["directory.read".into()];
    spec.audience = Some(kind.resource());
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
