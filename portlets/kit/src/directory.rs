//! Directory reads for portlets that need more than the user's own claims: the families of a
//! class (`GET /directory/v1/classes/{id}`) and the classes of a school
//! (`GET /directory/v1/schools/{uai}/classes`), called with the portlet's own client-credentials
//! token (docs/portlets.md). Tokens and answers are cached briefly; callers still apply their
//! own entitlement check before showing anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;
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

/// A class of a school, by name.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ClassName {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize)]
struct SchoolClasses {
    classes: Vec<ClassName>,
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
            schools: Mutex::new(HashMap::new()),
        }))
    }

    pub fn fixed(rosters: impl IntoIterator<Item = ClassRoster>) -> Directory {
        Directory::Fixed(Arc::new(rosters.into_iter().map(|r| (r.id.clone(), r)).collect()))
    }

    /// The class, or `None` when the provider knows no such class.
    pub async fn class(&self, class_id: &str) -> Result<Option<ClassRoster>, DirectoryError> {
        match self {
            Directory::Fixed(map) => Ok(map.get(class_id).cloned()),
            Directory::Remote(remote) => {
                let path = format!("classes/{}", segment(class_id));
                remote.cached(&remote.rosters, &path, |r: ClassRoster| r).await
            }
        }
    }

    /// The classes of the school with this UAI, by name, or `None` when there is no such school.
    pub async fn school_classes(&self, school: &str) -> Result<Option<Vec<ClassName>>, DirectoryError> {
        match self {
            Directory::Fixed(map) => {
                let mut classes: Vec<ClassName> = map
                    .values()
                    .filter(|r| r.school == school)
                    .map(|r| ClassName { id: r.id.clone(), name: r.name.clone() })
                    .collect();
                classes.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
                Ok((!classes.is_empty()).then_some(classes))
            }
            Directory::Remote(remote) => {
                let path = format!("schools/{}/classes", segment(school));
                remote.cached(&remote.schools, &path, |s: SchoolClasses| s.classes).await
            }
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
    rosters: Cache<ClassRoster>,
    schools: Cache<Vec<ClassName>>,
}

/// Answers by path, with the time they were fetched (`None`: the provider said 404).
type Cache<T> = Mutex<HashMap<String, (Option<T>, Instant)>>;

/// An id as one URL path segment (percent-encoded: an id never adds segments).
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl RemoteDirectory {
    /// `GET {base}/directory/v1/{path}`, from the cache while fresh.
    async fn cached<A: DeserializeOwned, T: Clone>(
        &self,
        cache: &Cache<T>,
        path: &str,
        keep: impl Fn(A) -> T,
    ) -> Result<Option<T>, DirectoryError> {
        if let Some((value, at)) = cache.lock().await.get(path)
            && at.elapsed() < ROSTER_TTL
        {
            return Ok(value.clone());
        }
        let value = match self.fetch::<A>(path).await {
            // A token revoked or expired early: one retry with a new one.
            Err(DirectoryError::Refused(401)) => {
                *self.token.lock().await = None;
                self.fetch::<A>(path).await?
            }
            other => other?,
        }
        .map(keep);
        let mut map = cache.lock().await;
        if map.len() >= ROSTER_CACHE_MAX {
            map.retain(|_, (_, at)| at.elapsed() < ROSTER_TTL);
            if map.len() >= ROSTER_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(path.to_string(), (value.clone(), Instant::now()));
        Ok(value)
    }

    async fn fetch<A: DeserializeOwned>(&self, path: &str) -> Result<Option<A>, DirectoryError> {
        let token = self.token().await?;
        let res = self
            .http
            .get(format!("{}/directory/v1/{path}", self.base))
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
