//! Activation codes: how parents and pupils who have no password yet log in for the first time.
//! The school prints a letter with a code for each of them (see [`crate::activation`]); the person
//! types it once on `/activate`, with a password of their own choosing.
//!
//! A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
//! `XXXX-XXXX-XXXX`: about 59 bits, plenty since every attempt goes through the login throttle.
//! Only a digest is stored: SHA-256 of the person id and the normalised code, so a copy of the
//! table opens nothing and cannot be searched for every person at once. One live code per
//! person: issuing a new one replaces the unused one (a partial unique index makes it so even
//! when two issuers race). Redeeming is one conditional `UPDATE`, so a code is used once even
//! when two provider instances receive it at the same moment.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use sqlx::Row;

use super::{Db, DbError, now};
use crate::model::Profile;
use crate::secret;

/// The characters of a code: digits and capitals without 0, O, 1, I and L.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code (dashes excluded).
pub const CODE_LEN: usize = 12;

/// A new code, normalised (12 characters, no dashes), uniformly drawn from [`ALPHABET`].
pub fn new_code() -> String {
    // Rejection sampling: 248 = 8 × 31, so the bytes kept map uniformly onto the alphabet.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let rng = SystemRandom::new();
    let mut code = String::with_capacity(CODE_LEN);
    let mut buf = [0u8; 32];
    while code.len() < CODE_LEN {
        if rng.fill(&mut buf).is_err() {
            // Same stance as `secret::random_token`: there is nothing safe to hand out instead.
            panic_rng();
        }
        for b in buf {
            if b < limit && code.len() < CODE_LEN {
                code.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    code
}

#[allow(clippy::panic)]
#[cold]
fn panic_rng() -> ! {
    panic!("the operating system's random number generator failed")
}

/// A code as typed by a person: case, spaces and dashes do not matter. `None` when what is left
/// is not 12 characters of the alphabet.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–' | '—'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// `XXXX-XXXX-XXXX`, for letters and files (input of any shape is normalised first).
pub fn format_code(code: &str) -> String {
    let code = normalize_code(code).unwrap_or_else(|| code.to_string());
    let chars: Vec<char> = code.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// What is stored for a person's code.
fn code_hash(person_id: &str, normalized: &str) -> String {
    secret::sha256_hex(&format!("{person_id}:{normalized}"))
}

/// A code just issued (shown once: only its digest is stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCode {
    pub person_id: String,
    /// Formatted `XXXX-XXXX-XXXX`.
    pub code: String,
    pub expires_at: i64,
}

/// Whom codes are generated for: the pupils of a school (by UAI) or of a class (by id), and
/// their parents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    School(String),
    Class(String),
}

impl Scope {
    fn condition(&self) -> &'static str {
        match self {
            Scope::School(_) => "s.uai = $1",
            Scope::Class(_) => "c.id = $1",
        }
    }

    fn value(&self) -> &str {
        match self {
            Scope::School(uai) => uai,
            Scope::Class(id) => id,
        }
    }
}

/// A person who may receive a code: an enabled pupil of the scope, or an enabled parent of one
/// (a guardian row comes once per child and per class of that child).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub person_id: String,
    pub login: String,
    pub given_name: String,
    pub family_name: String,
    pub profile: Profile,
    /// The pupil's class (for a parent: the child's).
    pub class_name: String,
    pub school_name: String,
    pub has_password: bool,
    /// The pupil this row comes through (the person, for a pupil).
    pub pupil_id: String,
    pub pupil_family_name: String,
    pub pupil_given_name: String,
}

#[derive(Clone, Debug)]
pub struct ActivationStore {
    db: Db,
}

impl ActivationStore {
    pub fn new(db: Db) -> Self {
        ActivationStore { db }
    }

    /// Whether the school (UAI) or the class (id) exists.
    pub async fn scope_exists(&self, scope: &Scope) -> Result<bool, DbError> {
        let sql = match scope {
            Scope::School(_) => "SELECT COUNT(*) FROM schools WHERE uai = $1",
            Scope::Class(_) => "SELECT COUNT(*) FROM classes WHERE id = $1",
        };
        let n: i64 = sqlx::query_scalar(sql).bind(scope.value()).fetch_one(&self.db.pool).await?;
        Ok(n > 0)
    }

    /// The enabled pupils of a scope, then their enabled parents, unordered.
    pub async fn candidates(&self, scope: &Scope) -> Result<Vec<Candidate>, DbError> {
        let cond = scope.condition();
        let from = "FROM class_members m JOIN classes c ON c.id = m.class_id JOIN schools s ON s.id = c.school_id \
                    JOIN people p ON p.id = m.person_id";
        let pupils = format!(
            "SELECT p.id, p.login, p.given_name, p.family_name, p.profile, c.name AS class_name, \
             s.name AS school_name, pw.person_id AS pw, p.id AS pupil_id, p.family_name AS pupil_family, \
             p.given_name AS pupil_given {from} LEFT JOIN passwords pw ON pw.person_id = p.id \
             WHERE m.role = 'pupil' AND p.disabled = 0 AND p.ldap_bind = 0 AND {cond}"
        );
        let parents = format!(
            "SELECT q.id, q.login, q.given_name, q.family_name, q.profile, c.name AS class_name, \
             s.name AS school_name, pw.person_id AS pw, p.id AS pupil_id, p.family_name AS pupil_family, \
             p.given_name AS pupil_given {from} JOIN guardianships g ON g.child_id = p.id \
             JOIN people q ON q.id = g.parent_id LEFT JOIN passwords pw ON pw.person_id = q.id \
             WHERE m.role = 'pupil' AND p.disabled = 0 AND q.disabled = 0 AND q.ldap_bind = 0 AND {cond}"
        );
        let mut out = Vec::new();
        for sql in [pupils, parents] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(scope.value()).fetch_all(&self.db.pool).await?;
            for r in &rows {
                let profile: String = r.try_get("profile")?;
                out.push(Candidate {
                    person_id: r.try_get("id")?,
                    login: r.try_get("login")?,
                    given_name: r.try_get("given_name")?,
                    family_name: r.try_get("family_name")?,
                    profile: profile.parse().map_err(|e| DbError::Corrupt(format!("{e}")))?,
                    class_name: r.try_get("class_name")?,
                    school_name: r.try_get("school_name")?,
                    has_password: r.try_get::<Option<String>, _>("pw")?.is_some(),
                    pupil_id: r.try_get("pupil_id")?,
                    pupil_family_name: r.try_get("pupil_family")?,
                    pupil_given_name: r.try_get("pupil_given")?,
                });
            }
        }
        Ok(out)
    }

    /// Issues a code valid for `ttl_secs`, replacing the person's unused code.
    pub async fn issue(&self, person_id: &str, ttl_secs: i64) -> Result<IssuedCode, DbError> {
        let mut issued = self.issue_all_until(&[person_id.to_string()], now() + ttl_secs).await?;
        issued.pop().ok_or_else(|| DbError::Corrupt("no code issued".into()))
    }

    /// Issues one code per person, all valid until `expires_at`, in one transaction (all or
    /// nothing); each replaces that person's unused code. The codes come in the order given.
    pub async fn issue_all_until(&self, person_ids: &[String], expires_at: i64) -> Result<Vec<IssuedCode>, DbError> {
        let t = now();
        let mut issued = Vec::with_capacity(person_ids.len());
        let mut tx = self.db.writer.begin().await?;
        for person_id in person_ids {
            let code = new_code();
            sqlx::query(
                "INSERT INTO activation_codes (code_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (person_id) WHERE used_at IS NULL DO UPDATE SET code_hash = excluded.code_hash, \
                 created_at = excluded.created_at, expires_at = excluded.expires_at",
            )
            .bind(code_hash(person_id, &code))
            .bind(person_id)
            .bind(t)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            issued.push(IssuedCode { person_id: person_id.clone(), code: format_code(&code), expires_at });
        }
        tx.commit().await?;
        Ok(issued)
    }

    /// Whether the code is the person's live code (unused, unexpired). Reads only: the page
    /// checks a code before it pays for hashing the new password.
    pub async fn is_live(&self, person_id: &str, code: &str) -> Result<bool, DbError> {
        let Some(code) = normalize_code(code) else {
            return Ok(false);
        };
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM activation_codes WHERE code_hash = $1 AND person_id = $2 AND used_at IS NULL \
             AND expires_at > $3",
        )
        .bind(code_hash(person_id, &code))
        .bind(person_id)
        .bind(now())
        .fetch_one(&self.db.pool)
        .await?;
        Ok(n > 0)
    }

    /// Uses the person's code, once: `false` when it is unknown, another person's, used or
    /// expired.
    pub async fn redeem(&self, person_id: &str, code: &str) -> Result<bool, DbError> {
        let Some(code) = normalize_code(code) else {
            return Ok(false);
        };
        let mut conn = self.db.writer.acquire().await?;
        claim(&mut conn, person_id, &code).await
    }

    /// Uses the person's code and sets their password, in one transaction: the password is set
    /// only if this call used the code.
    pub async fn redeem_with_password(&self, person_id: &str, code: &str, phc: &str) -> Result<bool, DbError> {
        let Some(code) = normalize_code(code) else {
            return Ok(false);
        };
        let mut tx = self.db.writer.begin().await?;
        if !claim(&mut tx, person_id, &code).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        // The statement of `DirectoryStore::set_password`, inside this transaction.
        sqlx::query(
            "INSERT INTO passwords (person_id, phc, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET phc = excluded.phc, updated_at = excluded.updated_at",
        )
        .bind(person_id)
        .bind(phc)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes expired codes, used or not (run periodically). Returns how many went.
    pub async fn purge_expired(&self) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM activation_codes WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.db.writer)
            .await?;
        Ok(done.rows_affected())
    }
}

/// The single-use step: marks the code used if, and only if, it is live.
async fn claim(conn: &mut sqlx::AnyConnection, person_id: &str, normalized: &str) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE activation_codes SET used_at = $1 WHERE code_hash = $2 AND person_id = $3 AND used_at IS NULL \
         AND expires_at > $1",
    )
    .bind(now())
    .bind(code_hash(person_id, normalized))
    .bind(person_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::both_backends;
    use crate::store::directory::{Class, ClassRole, DirectoryStore, Person, School, Snapshot};

    fn person(id: &str, profile: Profile) -> Person {
        Person {
            id: id.into(),
            public_sub: format!("sub-{id}"),
            login: format!("login.{id}"),
            profile,
            given_name: format!("Given {id}"),
            family_name: format!("Family {id}"),
            email: None,
            external_id: None,
            disabled: false,
        }
    }

    async fn seed(db: &Db) {
        let snap = Snapshot {
            schools: vec![School {
                id: "s1".into(),
                uai: "0750001A".into(),
                name: "École".into(),
                external_id: None,
                city: None,
            }],
            classes: vec![Class {
                id: "c1".into(),
                school_id: "s1".into(),
                name: "CP".into(),
                level: None,
                external_id: None,
            }],
            people: vec![person("p1", Profile::Pupil), person("p2", Profile::Pupil), person("g1", Profile::Parent)],
            class_members: vec![
                ("c1".into(), "p1".into(), ClassRole::Pupil),
                ("c1".into(), "p2".into(), ClassRole::Pupil),
            ],
            guardianships: vec![("g1".into(), "p1".into(), true)],
            ..Snapshot::default()
        };
        DirectoryStore::new(db.clone()).import(&snap).await.expect("import");
    }

    async fn live_codes(db: &Db, person_id: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM activation_codes WHERE person_id = $1 AND used_at IS NULL")
            .bind(person_id)
            .fetch_one(&db.pool)
            .await
            .expect("count")
    }

    #[test]
    fn codes_are_twelve_unambiguous_characters_and_normalise() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(c.bytes().all(|b| ALPHABET.contains(&b)), "{c}");
            assert!(!c.contains(['0', 'O', '1', 'I', 'L']), "{c}");
        }
        assert_ne!(new_code(), new_code());
        assert_eq!(format_code("abcd efgh-jkmn"), "ABCD-EFGH-JKMN");
        assert_eq!(normalize_code(" abcd-EFGH - jkmn ").as_deref(), Some("ABCDEFGHJKMN"));
        assert_eq!(normalize_code("ABCD–EFGH–JKMN").as_deref(), Some("ABCDEFGHJKMN"));
        assert_eq!(normalize_code("ABCD-EFGH-JKM"), None);
        assert_eq!(normalize_code("ABCD-EFGH-JKMNP"), None);
        assert_eq!(normalize_code("ABCD-EFGH-JKM0"), None);
        assert_eq!(normalize_code("ABCD-EFGH-JKMÉ"), None);
    }

    both_backends!(a_code_is_used_once_even_under_concurrency, |db| async move {
        seed(&db).await;
        let store = ActivationStore::new(db.clone());
        let issued = store.issue("p1", 3600).await.expect("issue");
        assert_eq!(issued.code.len(), 14);
        assert!(store.is_live("p1", &issued.code.to_lowercase().replace('-', " ")).await.expect("live"));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            let code = issued.code.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    store.redeem("p1", &code).await.expect("redeem")
                } else {
                    store.redeem_with_password("p1", &code, &format!("phc-{i}")).await.expect("redeem")
                }
            }));
        }
        let mut won = 0;
        for t in tasks {
            won += usize::from(t.await.expect("task"));
        }
        assert_eq!(won, 1, "exactly one redemption wins");
        assert!(!store.is_live("p1", &issued.code).await.expect("live"));
        assert!(!store.redeem("p1", &issued.code).await.expect("redeem"));
    });

    both_backends!(a_password_is_set_only_with_a_live_code, |db| async move {
        seed(&db).await;
        let store = ActivationStore::new(db.clone());
        let dir = DirectoryStore::new(db.clone());
        let issued = store.issue("p1", 3600).await.expect("issue");
        assert!(!store.redeem_with_password("p1", "ABCD-EFGH-JKMN", "phc-wrong").await.expect("redeem"));
        assert_eq!(dir.password_hash("p1").await.expect("hash"), None);
        assert!(store.redeem_with_password("p1", &issued.code, "phc-right").await.expect("redeem"));
        assert_eq!(dir.password_hash("p1").await.expect("hash").as_deref(), Some("phc-right"));
        assert!(!store.redeem_with_password("p1", &issued.code, "phc-again").await.expect("redeem"));
        assert_eq!(dir.password_hash("p1").await.expect("hash").as_deref(), Some("phc-right"));
    });

    both_backends!(one_live_code_per_person, |db| async move {
        seed(&db).await;
        let store = ActivationStore::new(db.clone());
        let first = store.issue("p1", 3600).await.expect("issue");
        let second = store.issue("p1", 3600).await.expect("issue");
        assert_ne!(first.code, second.code);
        assert_eq!(live_codes(&db, "p1").await, 1);
        assert!(!store.redeem("p1", &first.code).await.expect("redeem"), "the earlier code is revoked");
        // Issuing for several people at once replaces their codes too, and racing issuers still
        // leave one live code.
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.issue_all_until(&["p1".to_string(), "p2".to_string()], now() + 3600).await
            }));
        }
        let mut last = Vec::new();
        for t in tasks {
            // On PostgreSQL a racing upsert may wait for the other; none may fail.
            last = t.await.expect("task").expect("issue");
        }
        assert_eq!(live_codes(&db, "p1").await, 1);
        assert_eq!(live_codes(&db, "p2").await, 1);
        assert!(!store.redeem("p1", &second.code).await.expect("redeem"));
        // A used code does not count as live: a new one can be issued after it.
        let fresh = store.issue("p2", 3600).await.expect("issue");
        assert!(store.redeem("p2", &fresh.code).await.expect("redeem"));
        let again = store.issue("p2", 3600).await.expect("issue");
        assert_eq!(live_codes(&db, "p2").await, 1);
        assert!(store.redeem("p2", &again.code).await.expect("redeem"));
        assert_eq!(last.len(), 2);
    });

    both_backends!(expired_codes_are_refused_and_purged, |db| async move {
        seed(&db).await;
        let store = ActivationStore::new(db.clone());
        let expired = store.issue("p1", -1).await.expect("issue");
        assert!(!store.is_live("p1", &expired.code).await.expect("live"));
        assert!(!store.redeem("p1", &expired.code).await.expect("redeem"));
        let used = store.issue("p2", 3600).await.expect("issue");
        assert!(store.redeem("p2", &used.code).await.expect("redeem"));
        assert_eq!(store.purge_expired().await.expect("purge"), 1);
        // The used, unexpired code stays until it expires.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activation_codes").fetch_one(&db.pool).await.expect("n");
        assert_eq!(n, 1);
    });

    both_backends!(a_code_belongs_to_its_person, |db| async move {
        seed(&db).await;
        let store = ActivationStore::new(db.clone());
        let issued = store.issue("p1", 3600).await.expect("issue");
        assert!(!store.is_live("p2", &issued.code).await.expect("live"));
        assert!(!store.redeem("p2", &issued.code).await.expect("redeem"));
        assert!(!store.redeem("g1", &issued.code).await.expect("redeem"));
        assert!(!store.redeem("nobody", &issued.code).await.expect("redeem"));
        assert!(store.redeem("p1", &issued.code).await.expect("redeem"), "still usable by its person");
    });

    both_backends!(candidates_are_pupils_and_their_parents, |db| async move {
        seed(&db).await;
        let store = ActivationStore::new(db.clone());
        assert!(store.scope_exists(&Scope::School("0750001A".into())).await.expect("scope"));
        assert!(store.scope_exists(&Scope::Class("c1".into())).await.expect("scope"));
        assert!(!store.scope_exists(&Scope::Class("nope".into())).await.expect("scope"));
        let mut ids: Vec<(String, String)> = store
            .candidates(&Scope::Class("c1".into()))
            .await
            .expect("candidates")
            .into_iter()
            .map(|c| (c.person_id, c.pupil_id))
            .collect();
        ids.sort();
        let want = [("g1", "p1"), ("p1", "p1"), ("p2", "p2")].map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(ids, want);
    });
}
