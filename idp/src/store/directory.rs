//! The directory tables: schools, classes, people and their links. Written by directory-sync
//! and the admin tools; read by login, by the claims of tokens and by the directory API.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Db, DbError, now};
use crate::model::{City, Profile};
use ent_claims::StaffRole;

/// A school, known by its UAI code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub id: String,
    pub uai: String,
    pub name: String,
    pub external_id: Option<String>,
    /// The commune the school is in; `None` when the directory does not say (the school is then
    /// in no city agent's claims).
    #[serde(default)]
    pub city: Option<City>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    pub id: String,
    pub school_id: String,
    pub name: String,
    pub level: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub public_sub: String,
    pub login: String,
    pub profile: Profile,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub disabled: bool,
}

/// Membership of a class: the pupil's class or a class a teacher teaches (the claims' own type,
/// so that what the directory stores is what the tokens say).
pub use ent_claims::ClassRole;

/// A whole directory (or one school's part of it) to write in one transaction.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub schools: Vec<School>,
    pub classes: Vec<Class>,
    pub people: Vec<Person>,
    /// (person id, school id)
    pub person_schools: Vec<(String, String)>,
    /// (class id, person id, role)
    pub class_members: Vec<(String, String, ClassRole)>,
    /// (parent id, child id, legal guardian)
    pub guardianships: Vec<(String, String, bool)>,
    /// (person id, school id, role)
    pub staff_roles: Vec<(String, String, String)>,
    /// (city agent id, INSEE code of the commune they serve); ignored for other profiles.
    #[serde(default)]
    pub agent_cities: Vec<(String, String)>,
}

/// What the claims of a token need to know about a person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affiliations {
    /// UAI codes of the person's schools. A city agent's are the schools of `city`, whatever
    /// schools the directory attaches them to, and none without a city (fail closed).
    pub schools: Vec<String>,
    /// The city a city agent serves, when some school is in it; `None` for every other profile.
    pub city: Option<City>,
    /// (class id, class name, school UAI, role)
    pub classes: Vec<(String, String, String, String)>,
    /// For parents: their children.
    pub children: Vec<ChildLink>,
    /// (school UAI, role)
    pub roles: Vec<(String, String)>,
}

/// A parent's child, as the parent's `ent_children` names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildLink {
    pub sub: String,
    /// The child's class (the first, should the directory give several), its name and its
    /// school's UAI.
    pub class: Option<(String, String, String)>,
    pub legal_guardian: bool,
    pub given_name: String,
}

/// A person as a class roster names them: public subject and display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    pub sub: String,
    pub name: String,
}

/// A parent of a pupil on a roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Guardian {
    pub sub: String,
    pub name: String,
    pub legal_guardian: bool,
}

/// A pupil on a roster, with the parents the directory links to them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterPupil {
    pub sub: String,
    pub name: String,
    pub guardians: Vec<Guardian>,
}

/// A class with its active teachers, pupils and the pupils' parents (for the directory API).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Roster {
    pub id: String,
    pub name: String,
    /// The school's UAI.
    pub school: String,
    pub teachers: Vec<Member>,
    pub pupils: Vec<RosterPupil>,
}

/// A school's classes (for the directory API): what a director's views list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchoolClasses {
    /// The school's UAI.
    pub school: String,
    pub classes: Vec<ClassName>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassName {
    pub id: String,
    pub name: String,
}

/// Someone who works at a school, as the directory API names them: public subject, display
/// name, profile and their roles at that school. Nothing else (no login, e-mail or birth date).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StaffMember {
    pub sub: String,
    pub name: String,
    pub profile: Profile,
    pub roles: Vec<StaffRole>,
}

/// The adults who work at a school (for the directory API): its teachers, director and staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchoolStaff {
    /// The school's UAI.
    pub school: String,
    pub staff: Vec<StaffMember>,
}

/// A school of the network, as the directory API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchoolName {
    pub uai: String,
    pub name: String,
}

/// The profiles of the people who work at a school (the directory API's staff list).
pub const STAFF_PROFILES: [Profile; 3] = [Profile::Teacher, Profile::Director, Profile::Staff];

#[derive(Clone, Debug)]
pub struct DirectoryStore {
    db: Db,
}

const PERSON_COLUMNS: &str = "id, public_sub, login, profile, given_name, family_name, email, external_id, disabled";

fn person_from_row(row: &sqlx::any::AnyRow) -> Result<Person, DbError> {
    let profile: String = row.try_get("profile")?;
    Ok(Person {
        id: row.try_get("id")?,
        public_sub: row.try_get("public_sub")?,
        login: row.try_get("login")?,
        profile: profile.parse().map_err(|e| DbError::Corrupt(format!("{e}")))?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        email: row.try_get("email")?,
        external_id: row.try_get("external_id")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

impl DirectoryStore {
    pub fn new(db: Db) -> Self {
        DirectoryStore { db }
    }

    /// Writes a snapshot: upserts every school, class and person, and replaces the links of the
    /// people it names. All or nothing.
    pub async fn import(&self, snap: &Snapshot) -> Result<(), DbError> {
        let t = now();
        let mut tx = self.db.writer.begin().await?;
        for s in &snap.schools {
            sqlx::query(
                "INSERT INTO schools (id, uai, name, external_id, updated_at, city_code, city_name) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET uai = excluded.uai, name = excluded.name, \
                 external_id = excluded.external_id, updated_at = excluded.updated_at, \
                 city_code = excluded.city_code, city_name = excluded.city_name",
            )
            .bind(&s.id)
            .bind(&s.uai)
            .bind(&s.name)
            .bind(&s.external_id)
            .bind(t)
            .bind(s.city.as_ref().map(|c| c.code.as_str()))
            .bind(s.city.as_ref().map(|c| c.name.as_str()))
            .execute(&mut *tx)
            .await?;
        }
        for c in &snap.classes {
            sqlx::query(
                "INSERT INTO classes (id, school_id, name, level, external_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id, name = excluded.name, \
                 level = excluded.level, external_id = excluded.external_id, updated_at = excluded.updated_at",
            )
            .bind(&c.id)
            .bind(&c.school_id)
            .bind(&c.name)
            .bind(&c.level)
            .bind(&c.external_id)
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
        for p in &snap.people {
            let email = if p.profile.is_minor() { None } else { p.email.clone() };
            sqlx::query(
                "INSERT INTO people (id, public_sub, login, profile, given_name, family_name, email, external_id, disabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                 ON CONFLICT (id) DO UPDATE SET login = excluded.login, profile = excluded.profile, \
                 given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email, \
                 external_id = excluded.external_id, disabled = excluded.disabled, updated_at = excluded.updated_at, \
                 city_code = NULL",
            )
            .bind(&p.id)
            .bind(&p.public_sub)
            .bind(p.login.to_lowercase())
            .bind(p.profile.as_str())
            .bind(&p.given_name)
            .bind(&p.family_name)
            .bind(email)
            .bind(&p.external_id)
            .bind(p.disabled as i64)
            .bind(t)
            .execute(&mut *tx)
            .await?;
            for table in ["person_schools", "staff_roles"] {
                let sql = format!("DELETE FROM {table} WHERE person_id = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&p.id).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM class_members WHERE person_id = $1").bind(&p.id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM guardianships WHERE parent_id = $1").bind(&p.id).execute(&mut *tx).await?;
        }
        for (person, school) in &snap.person_schools {
            sqlx::query("INSERT INTO person_schools (person_id, school_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(person)
                .bind(school)
                .execute(&mut *tx)
                .await?;
        }
        for (class, person, role) in &snap.class_members {
            sqlx::query(
                "INSERT INTO class_members (class_id, person_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (class_id, person_id) DO UPDATE SET role = excluded.role",
            )
            .bind(class)
            .bind(person)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        }
        for (parent, child, legal) in &snap.guardianships {
            sqlx::query(
                "INSERT INTO guardianships (parent_id, child_id, legal) VALUES ($1, $2, $3) \
                 ON CONFLICT (parent_id, child_id) DO UPDATE SET legal = excluded.legal",
            )
            .bind(parent)
            .bind(child)
            .bind(*legal as i64)
            .execute(&mut *tx)
            .await?;
        }
        for (person, code) in &snap.agent_cities {
            // Only a city agent serves a city: the code of anyone else is not kept.
            sqlx::query("UPDATE people SET city_code = $2 WHERE id = $1 AND profile = $3")
                .bind(person)
                .bind(code)
                .bind(Profile::CityAgent.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for (person, school, role) in &snap.staff_roles {
            sqlx::query(
                "INSERT INTO staff_roles (person_id, school_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(person)
            .bind(school)
            .bind(role)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn person_by_login(&self, login: &str) -> Result<Option<Person>, DbError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE login = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(login.trim().to_lowercase())
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    pub async fn person(&self, id: &str) -> Result<Option<Person>, DbError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(person_from_row).transpose()
    }

    pub async fn count_people(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(&self.db.pool).await?)
    }

    /// Schools, classes, children, roles and, for a city agent, the city of a person, for the
    /// `ent` claims.
    pub async fn affiliations(&self, person_id: &str) -> Result<Affiliations, DbError> {
        self.affiliations_with(person_id, None).await
    }

    /// [`DirectoryStore::affiliations`] of a person already read (the token endpoint): someone
    /// who is not a city agent, nearly everyone, costs no lookup of a served city.
    pub async fn affiliations_of(&self, person: &Person) -> Result<Affiliations, DbError> {
        self.affiliations_with(&person.id, Some(person.profile)).await
    }

    async fn affiliations_with(&self, person_id: &str, profile: Option<Profile>) -> Result<Affiliations, DbError> {
        let pool = &self.db.pool;
        let served = match profile {
            Some(p) if p != Profile::CityAgent => Served::NotAnAgent,
            _ => self.served_city(person_id).await?,
        };
        let (schools, city) = match served {
            Served::NotAnAgent => (
                sqlx::query_scalar(
                    "SELECT s.uai FROM person_schools ps JOIN schools s ON s.id = ps.school_id \
                     WHERE ps.person_id = $1 ORDER BY s.uai",
                )
                .bind(person_id)
                .fetch_all(pool)
                .await?,
                None,
            ),
            Served::City(city) => (
                sqlx::query_scalar("SELECT uai FROM schools WHERE city_code = $1 ORDER BY uai")
                    .bind(&city.code)
                    .fetch_all(pool)
                    .await?,
                Some(city),
            ),
            Served::Nothing => (Vec::new(), None),
        };
        let classes = sqlx::query(
            "SELECT c.id, c.name, s.uai, m.role FROM class_members m JOIN classes c ON c.id = m.class_id \
             JOIN schools s ON s.id = c.school_id WHERE m.person_id = $1 ORDER BY s.uai, c.name",
        )
        .bind(person_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let children = sqlx::query(
            "SELECT p.public_sub, c.id, c.name, s.uai, g.legal, p.given_name \
             FROM guardianships g JOIN people p ON p.id = g.child_id \
             LEFT JOIN classes c ON c.id = (SELECT m.class_id FROM class_members m \
                 WHERE m.person_id = p.id AND m.role = 'pupil' ORDER BY m.class_id LIMIT 1) \
             LEFT JOIN schools s ON s.id = c.school_id \
             WHERE g.parent_id = $1 AND p.disabled = 0 ORDER BY p.public_sub",
        )
        .bind(person_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let class = match (r.try_get::<Option<String>, _>(1)?, r.try_get(2)?, r.try_get(3)?) {
                (Some(id), Some(name), Some(uai)) => Some((id, name, uai)),
                _ => None,
            };
            Ok(ChildLink {
                sub: r.try_get(0)?,
                class,
                legal_guardian: r.try_get::<i64, _>(4)? != 0,
                given_name: r.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let roles = sqlx::query(
            "SELECT s.uai, r.role FROM staff_roles r JOIN schools s ON s.id = r.school_id WHERE r.person_id = $1 ORDER BY s.uai, r.role",
        )
        .bind(person_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Affiliations { schools, city, classes, children, roles })
    }

    /// The city a person serves as a city agent. Its name is the one the directory gives the
    /// commune's first school by UAI, should schools spell it differently (the UAI orders the
    /// same on both backends, where a name's order depends on PostgreSQL's collation).
    async fn served_city(&self, person_id: &str) -> Result<Served, DbError> {
        let Some(row) = sqlx::query("SELECT profile, city_code FROM people WHERE id = $1")
            .bind(person_id)
            .fetch_optional(&self.db.pool)
            .await?
        else {
            return Ok(Served::Nothing);
        };
        let profile: Profile = row.try_get::<String, _>(0)?.parse().map_err(|e| DbError::Corrupt(format!("{e}")))?;
        if profile != Profile::CityAgent {
            return Ok(Served::NotAnAgent);
        }
        let Some(code) = row.try_get::<Option<String>, _>(1)? else {
            return Ok(Served::Nothing);
        };
        let name: Option<String> = sqlx::query_scalar(
            "SELECT city_name FROM schools WHERE city_code = $1 AND city_name IS NOT NULL ORDER BY uai LIMIT 1",
        )
        .bind(&code)
        .fetch_optional(&self.db.pool)
        .await?;
        // A commune with no school in the directory is no city the agent can act in.
        Ok(name.map_or(Served::Nothing, |name| Served::City(City { code, name })))
    }

    /// A class's roster: three queries whatever the size of the class (the class, its active
    /// members, the active parents of its active pupils). `None` when there is no such class.
    pub async fn class_roster(&self, class_id: &str) -> Result<Option<Roster>, DbError> {
        let pool = &self.db.pool;
        let Some(class) = sqlx::query(
            "SELECT c.id, c.name, s.uai FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.id = $1",
        )
        .bind(class_id)
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        let mut roster = Roster {
            id: class.try_get(0)?,
            name: class.try_get(1)?,
            school: class.try_get(2)?,
            teachers: Vec::new(),
            pupils: Vec::new(),
        };
        let members = sqlx::query(
            "SELECT p.public_sub, p.given_name, p.family_name, m.role FROM class_members m \
             JOIN people p ON p.id = m.person_id WHERE m.class_id = $1 AND p.disabled = 0 \
             ORDER BY p.family_name, p.given_name, p.public_sub",
        )
        .bind(class_id)
        .fetch_all(pool)
        .await?;
        for r in &members {
            let sub: String = r.try_get(0)?;
            let name = display_name(&r.try_get::<String, _>(1)?, &r.try_get::<String, _>(2)?);
            // A membership of an unknown kind makes nobody a teacher (fail closed).
            match ClassRole::parse(&r.try_get::<String, _>(3)?) {
                Some(ClassRole::Pupil) => roster.pupils.push(RosterPupil { sub, name, guardians: Vec::new() }),
                Some(ClassRole::Teacher) => roster.teachers.push(Member { sub, name }),
                None => {}
            }
        }
        let guardians = sqlx::query(
            "SELECT kid.public_sub, par.public_sub, par.given_name, par.family_name, g.legal FROM class_members m \
             JOIN people kid ON kid.id = m.person_id JOIN guardianships g ON g.child_id = kid.id \
             JOIN people par ON par.id = g.parent_id \
             WHERE m.class_id = $1 AND m.role = 'pupil' AND kid.disabled = 0 AND par.disabled = 0 \
             ORDER BY par.family_name, par.given_name, par.public_sub",
        )
        .bind(class_id)
        .fetch_all(pool)
        .await?;
        for r in &guardians {
            let child: String = r.try_get(0)?;
            let guardian = Guardian {
                sub: r.try_get(1)?,
                name: display_name(&r.try_get::<String, _>(2)?, &r.try_get::<String, _>(3)?),
                legal_guardian: r.try_get::<i64, _>(4)? != 0,
            };
            if let Some(pupil) = roster.pupils.iter_mut().find(|p| p.sub == child) {
                pupil.guardians.push(guardian);
            }
        }
        Ok(Some(roster))
    }

    /// The classes of the school with this UAI, by name; `None` when there is no such school.
    pub async fn school_classes(&self, uai: &str) -> Result<Option<SchoolClasses>, DbError> {
        let pool = &self.db.pool;
        let Some(school_id) = sqlx::query_scalar::<_, String>("SELECT id FROM schools WHERE uai = $1")
            .bind(uai)
            .fetch_optional(pool)
            .await?
        else {
            return Ok(None);
        };
        let classes = sqlx::query("SELECT id, name FROM classes WHERE school_id = $1 ORDER BY name, id")
            .bind(&school_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok(ClassName { id: r.try_get(0)?, name: r.try_get(1)? }))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Some(SchoolClasses { school: uai.to_string(), classes }))
    }

    /// The active teachers, directors and staff of the school with this UAI, by family then
    /// given name (as rosters are), each with their roles at that school; `None` when there is
    /// no such school. Attached to a school is: listed in it, teaching one of its classes, or
    /// holding a role in it (a director named by the school's `director` role). Two queries
    /// whatever the size of the school: the school, then its people with their roles there.
    pub async fn school_staff(&self, uai: &str) -> Result<Option<SchoolStaff>, DbError> {
        let pool = &self.db.pool;
        let Some(school_id) = sqlx::query_scalar::<_, String>("SELECT id FROM schools WHERE uai = $1")
            .bind(uai)
            .fetch_optional(pool)
            .await?
        else {
            return Ok(None);
        };
        // One row per person and role at this school (a NULL role for someone without any).
        let rows = sqlx::query(
            "WITH attached AS ( \
                 SELECT person_id FROM person_schools WHERE school_id = $1 \
                 UNION SELECT m.person_id FROM class_members m JOIN classes c ON c.id = m.class_id \
                     WHERE c.school_id = $1 AND m.role = 'teacher' \
                 UNION SELECT person_id FROM staff_roles WHERE school_id = $1) \
             SELECT p.public_sub, p.given_name, p.family_name, p.profile, r.role \
             FROM attached a JOIN people p ON p.id = a.person_id \
             LEFT JOIN staff_roles r ON r.person_id = p.id AND r.school_id = $1 \
             WHERE p.disabled = 0 AND p.profile IN ($2, $3, $4) \
             ORDER BY p.family_name, p.given_name, p.public_sub, r.role",
        )
        .bind(&school_id)
        .bind(STAFF_PROFILES[0].as_str())
        .bind(STAFF_PROFILES[1].as_str())
        .bind(STAFF_PROFILES[2].as_str())
        .fetch_all(pool)
        .await?;
        let mut staff: Vec<StaffMember> = Vec::new();
        for r in &rows {
            let sub: String = r.try_get(0)?;
            let role = r.try_get::<Option<String>, _>(4)?.map(|role| StaffRole::parse(&role));
            // Rows of one person are adjacent (ordered by their subject after the names).
            if let Some(last) = staff.last_mut().filter(|m| m.sub == sub) {
                last.roles.extend(role);
                continue;
            }
            let profile: Profile = r.try_get::<String, _>(3)?.parse().map_err(|e| DbError::Corrupt(format!("{e}")))?;
            staff.push(StaffMember {
                sub,
                name: display_name(&r.try_get::<String, _>(1)?, &r.try_get::<String, _>(2)?),
                profile,
                roles: role.into_iter().collect(),
            });
        }
        Ok(Some(SchoolStaff { school: uai.to_string(), staff }))
    }

    /// The network's schools (UAI and name), by name.
    pub async fn schools(&self) -> Result<Vec<SchoolName>, DbError> {
        Ok(sqlx::query("SELECT uai, name FROM schools ORDER BY name, uai")
            .fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(|r| Ok(SchoolName { uai: r.try_get(0)?, name: r.try_get(1)? }))
            .collect::<Result<Vec<_>, sqlx::Error>>()?)
    }

    /// Sets (or replaces) a person's password hash.
    pub async fn set_password(&self, person_id: &str, phc: &str) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO passwords (person_id, phc, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET phc = excluded.phc, updated_at = excluded.updated_at",
        )
        .bind(person_id)
        .bind(phc)
        .bind(now())
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    pub async fn password_hash(&self, person_id: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar("SELECT phc FROM passwords WHERE person_id = $1")
            .bind(person_id)
            .fetch_optional(&self.db.pool)
            .await?)
    }
}

/// What a person serves as a city agent.
enum Served {
    /// Not a city agent: their schools are the ones the directory attaches them to.
    NotAnAgent,
    /// A city agent of this city, which has schools.
    City(City),
    /// A city agent with no city, or one with no school: no school at all.
    Nothing,
}

/// "Given Family", as the `name` claim says it.
fn display_name(given: &str, family: &str) -> String {
    format!("{given} {family}").trim().to_string()
}
