//! Directory reads for portlets that need more than the user's own claims: the families of a
//! class (`GET /directory/v1/classes/{id}`), the classes of a school
//! (`GET /directory/v1/schools/{uai}/classes`), the adults who work at a school
//! (`GET /directory/v1/schools/{uai}/staff`) and the network's schools
//! (`GET /directory/v1/schools`), called with the portlet's own client-credentials
//! token (docs/portlets.md). Tokens and answers are cached briefly; callers still apply their
//! own entitlement check before showing anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ent_claims::{Profile, StaffRole};
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

/// Someone who works at a school: its teachers, its director, its other staff.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StaffMember {
    pub sub: String,
    pub name: String,
    pub profile: Profile,
    /// Their roles at this school (`director`, or a directory's own titles).
    #[serde(default)]
    pub roles: Vec<StaffRole>,
}

/// The adults who work at a school, by name.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SchoolStaff {
    pub school: String,
    #[serde(default)]
    pub staff: Vec<StaffMember>,
}

/// A school of the network.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SchoolName {
    pub uai: String,
    pub name: String,
}

#[derive(Deserialize)]
struct Schools {
    schools: Vec<SchoolName>,
}

/// A directory held in memory (tests, fixtures): rosters by class id, staff by school.
#[derive(Debug, Default)]
pub struct FixedDirectory {
    rosters: HashMap<String, ClassRoster>,
    staff: HashMap<String, SchoolStaff>,
    schools: Vec<SchoolName>,
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
    Fixed(Arc<FixedDirectory>),
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
            staff: Mutex::new(HashMap::new()),
            network: Mutex::new(HashMap::new()),
        }))
    }

    /// These classes, no staff beyond their teachers, and the schools they name.
    pub fn fixed(rosters: impl IntoIterator<Item = ClassRoster>) -> Directory {
        Directory::fixed_with(rosters, Vec::new(), Vec::new())
    }

    /// These classes, these schools' staff, and these schools (when empty: the schools the
    /// classes and staff name, each named by its UAI).
    pub fn fixed_with(
        rosters: impl IntoIterator<Item = ClassRoster>,
        staff: impl IntoIterator<Item = SchoolStaff>,
        schools: Vec<SchoolName>,
    ) -> Directory {
        let rosters: HashMap<String, ClassRoster> = rosters.into_iter().map(|r| (r.id.clone(), r)).collect();
        let staff: HashMap<String, SchoolStaff> = staff.into_iter().map(|s| (s.school.clone(), s)).collect();
        let mut schools = schools;
        if schools.is_empty() {
            let mut uais: Vec<&String> = rosters.values().map(|r| &r.school).chain(staff.keys()).collect();
            uais.sort();
            uais.dedup();
            schools = uais.into_iter().map(|u| SchoolName { uai: u.clone(), name: u.clone() }).collect();
        }
        Directory::Fixed(Arc::new(FixedDirectory { rosters, staff, schools }))
    }

    /// The class, or `None` when the provider knows no such class.
    pub async fn class(&self, class_id: &str) -> Result<Option<ClassRoster>, DirectoryError> {
        match self {
            Directory::Fixed(fixed) => Ok(fixed.rosters.get(class_id).cloned()),
            Directory::Remote(remote) => {
                let path = format!("classes/{}", segment(class_id));
                remote.cached(&remote.rosters, &path, |r: ClassRoster| r).await
            }
        }
    }

    /// The classes of the school with this UAI, by name, or `None` when there is no such school.
    pub async fn school_classes(&self, school: &str) -> Result<Option<Vec<ClassName>>, DirectoryError> {
        match self {
            Directory::Fixed(fixed) => {
                let mut classes: Vec<ClassName> = fixed
                    .rosters
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

    /// The adults who work at the school with this UAI (teachers, director, other staff), by
    /// name, or `None` when there is no such school.
    pub async fn school_staff(&self, school: &str) -> Result<Option<SchoolStaff>, DirectoryError> {
        match self {
            Directory::Fixed(fixed) => {
                if let Some(staff) = fixed.staff.get(school) {
                    return Ok(Some(staff.clone()));
                }
                let known = fixed.schools.iter().any(|s| s.uai == school);
                Ok(known.then(|| SchoolStaff { school: school.to_string(), staff: Vec::new() }))
            }
            Directory::Remote(remote) => {
                let path = format!("schools/{}/staff", segment(school));
                remote.cached(&remote.staff, &path, |s: SchoolStaff| s).await
            }
        }
    }

    /// The network's schools, by name.
    pub async fn schools(&self) -> Result<Vec<SchoolName>, DirectoryError> {
        match self {
            Directory::Fixed(fixed) => Ok(fixed.schools.clone()),
            Directory::Remote(remote) => {
                Ok(remote.cached(&remote.network, "schools", |s: Schools| s.schools).await?.unwrap_or_default())
            }
        }
    }
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Directory::Remote(r) => f.debug_struct("Directory::Remote").field("base", &r.base).finish(),
            Directory::Fixed(m) => f.debug_struct("Directory::Fixed").field("classes", &m.rosters.len()).finish(),
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
    staff: Cache<SchoolStaff>,
    network: Cache<Vec<SchoolName>>,
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
