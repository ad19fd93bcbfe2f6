//! Directory reads for portlets that need more than the user's own claims (the families of a
//! class): the provider's `GET /directory/v1/classes/{id}`, called with the portlet's own
//! client-credentials token (docs/portlets.md). Tokens and answers are cached briefly; callers
//! still apply their own entitlement check before showing anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

/// The resource indicator of the provider's directory API.
pub const DIRECTORY_RESOURCE: &str = "urn:ent:directory";

/// How long a class's roster is reused.
const ROSTER_TTL: Duration = Duration::from_secs(60);
/// At most this many rosters are cached.
const ROSTER_CACHE_MAX: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub sub: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Guardian {
    pub sub: String,
    pub name: String,
    #[serde(default)]
    pub legal_guardian: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Pupil {
    pub sub: String,
    pub name: String,
    #[serde(default)]
    pub guardians: Vec<Guardian>,
}

/// A class with its teachers, pupils and the pupils' parents.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ClassRoster {
    pub id: String,
    pub name: String,
    pub school: String,
    #[serde(default)]
    pub teachers: Vec<Member>,
    #[serde(default)]
    pub pupils: Vec<Pupil>,
}

impl ClassRoster {
    pub fn pupil(&self, sub: &str) -> Option<&Pupil> {
        self.pupils.iter().find(|p| p.sub == sub)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the provider refused the request: HTTP {0}")]
    Refused(u16),
    #[error("the provider's answer could not be read: {0}")]
    BadAnswer(String),
}

impl From<DirectoryError> for crate::fragment::PortletError {
    fn from(e: DirectoryError) -> Self {
        crate::fragment::PortletError::internal(e)
    }
}

/// Where rosters come from: the provider over HTTP, or a fixed set (tests, demo fixtures).
#[derive(Clone)]
pub enum Directory {
    Remote(Arc<RemoteDirectory>),
    Fixed(Arc<HashMap<String, ClassRoster>>),
}

impl Directory {
    /// The provider at `issuer` (its token endpoint is `{issuer}/token`, the API under
    /// `{issuer}/directory/v1`), with the portlet's client credentials.
    pub fn remote(issuer: &str, client_id: &str, client_secret: &str) -> Directory {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Directory::Remote(Arc::new(RemoteDirectory {
            base: issuer.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            http,
            token: Mutex::new(None),
            rosters: Mutex::new(HashMap::new()),
        }))
    }

    pub fn fixed(rosters: impl IntoIterator<Item = ClassRoster>) -> Directory {
        Directory::Fixed(Arc::new(rosters.into_iter().map(|r| (r.id.clone(), r)).collect()))
    }

    /// The class, or `None` when the provider knows no such class.
    pub async fn class(&self, class_id: &str) -> Result<Option<ClassRoster>, DirectoryError> {
        match self {
            Directory::Fixed(map) => Ok(map.get(class_id).cloned()),
            Directory::Remote(remote) => remote.class(class_id).await,
        }
    }
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Directory::Remote(r) => f.debug_struct("Directory::Remote").field("base", &r.base).finish(),
            Directory::Fixed(m) => f.debug_struct("Directory::Fixed").field("classes", &m.len()).finish(),
        }
    }
}

pub struct RemoteDirectory {
    base: String,
    client_id: String,
    client_secret: String,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
    rosters: Mutex<HashMap<String, (Option<ClassRoster>, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl RemoteDirectory {
    async fn class(&self, class_id: &str) -> Result<Option<ClassRoster>, DirectoryError> {
        if let Some((roster, at)) = self.rosters.lock().await.get(class_id)
            && at.elapsed() < ROSTER_TTL
        {
            return Ok(roster.clone());
        }
        let roster = match self.fetch(class_id).await {
            // A token revoked or expired early: one retry with a new one.
            Err(DirectoryError::Refused(401)) => {
                *self.token.lock().await = None;
                self.fetch(class_id).await?
            }
            other => other?,
        };
        let mut cache = self.rosters.lock().await;
        if cache.len() >= ROSTER_CACHE_MAX {
            cache.retain(|_, (_, at)| at.elapsed() < ROSTER_TTL);
            if cache.len() >= ROSTER_CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(class_id.to_string(), (roster.clone(), Instant::now()));
        Ok(roster)
    }

    async fn fetch(&self, class_id: &str) -> Result<Option<ClassRoster>, DirectoryError> {
        let token = self.token().await?;
        let mut url = url::Url::parse(&format!("{}/directory/v1/classes/", self.base))
            .map_err(|e| DirectoryError::BadAnswer(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|_| DirectoryError::BadAnswer("base URL".into()))?
            .pop_if_empty()
            .push(class_id);
        let res = self
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| DirectoryError::Unreachable(e.without_url().to_string()))?;
        match res.status().as_u16() {
            200 => res.json().await.map(Some).map_err(|e| DirectoryError::BadAnswer(e.to_string())),
            404 => Ok(None),
            code => Err(DirectoryError::Refused(code)),
        }
    }

    /// A client-credentials token for the directory, reused until shortly before it expires.
    async fn token(&self) -> Result<String, DirectoryError> {
        let mut slot = self.token.lock().await;
        if let Some((token, until)) = slot.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let res = self
            .http
            .post(format!("{}/token", self.base))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "directory.read"),
                ("resource", DIRECTORY_RESOURCE),
            ])
            .send()
            .await
            .map_err(|e| DirectoryError::Unreachable(e.without_url().to_string()))?;
        if !res.status().is_success() {
            return Err(DirectoryError::Refused(res.status().as_u16()));
        }
        let answer: TokenAnswer = res.json().await.map_err(|e| DirectoryError::BadAnswer(e.to_string()))?;
        let life = answer.expires_in.unwrap_or(60).saturating_sub(30).max(1);
        *slot = Some((answer.access_token.clone(), Instant::now() + Duration::from_secs(life)));
        Ok(answer.access_token)
    }
}
