//! Synthetic school directory: a seeded, deterministic generator of French primary schools
//! (schools, classes, pupils, families, school workers) for the demo, tests and benchmarks.
//!
//! Every id comes from a small built-in SplitMix64 generator seeded with
//! [`GenerateOptions::seed`], never from the clock or the OS: the same options always give a
//! byte-identical [`Snapshot`]. The generator is written here rather than taken from `rand` so
//! that its output does not change when a dependency is upgraded.
//!
//! Two shapes of network: [`GenerateOptions`] gives a uniform one (every school has the same
//! number of classes of the same size: the demo, most tests), and [`ReferenceOptions`]
//! ([`GenerateOptions::reference`], [`GenerateOptions::scaled`]) a realistic one sized on the
//! reference deployment, for load tests and benchmarks.

use std::collections::{HashMap, HashSet};

use ent_idp::model::{City, Profile};
use ent_idp::store::directory::{Class, ClassRole, Person, School, Snapshot};
use serde::Serialize;

mod names;
mod reference;
mod rng;
#[cfg(test)]
mod tests;

pub use reference::{REFERENCE, ReferenceOptions, Targets};

use names::{ADULT_FIRST_NAMES, CHILD_FIRST_NAMES, DEPARTEMENTS, ELEMENTARY_NAMESAKES, FAMILY_NAMES, NURSERY_NAMES};
use rng::Rng;

/// Domain of the generated e-mail addresses (the `.example` TLD is reserved, RFC 2606).
pub const EMAIL_DOMAIN: &str = "demo.ent.example";

/// The fixed logins of the demo accounts, one per profile.
pub const DEMO_LOGINS: [(Profile, &str); 7] = [
    (Profile::Pupil, "eleve.demo"),
    (Profile::Parent, "parent.demo"),
    (Profile::Teacher, "enseignant.demo"),
    (Profile::Director, "directeur.demo"),
    (Profile::Staff, "personnel.demo"),
    (Profile::CityAgent, "agent.demo"),
    (Profile::Admin, "admin.demo"),
];

/// The letters of a UAI check character: the alphabet without I, O and Q.
const UAI_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// How big a network to generate. Sizes below 1 school, 2 classes per school or 1 pupil per
/// class are raised to those minimums, so that every demo account exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateOptions {
    pub seed: u64,
    pub schools: usize,
    pub classes_per_school: usize,
    pub pupils_per_class: usize,
}

impl Default for GenerateOptions {
    /// The demo size: one elementary school of four classes of twelve pupils.
    fn default() -> Self {
        GenerateOptions { seed: 2026, schools: 1, classes_per_school: 4, pupils_per_class: 12 }
    }
}

impl GenerateOptions {
    /// The reference deployment ([`REFERENCE`]: 125 schools, 609 classes, 1,032 teachers and
    /// directors, 9,456 pupils, 17,782 parents) as a realistic network: uneven schools, siblings
    /// across two schools, separated parents, pupils attached to two schools.
    ///
    /// This returns a [`ReferenceOptions`], not a `GenerateOptions`: [`generate`] takes both.
    pub fn reference() -> ReferenceOptions {
        ReferenceOptions::default()
    }

    /// The reference deployment with every count multiplied by `factor` (`35.0` is about a
    /// million people). Counts are rounded and kept at least at one school of three classes.
    pub fn scaled(factor: f64) -> ReferenceOptions {
        ReferenceOptions { factor, ..ReferenceOptions::default() }
    }
}

/// The shapes of network [`generate`] makes; any of their options converts into it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Network {
    /// Every school alike (the demo, most tests).
    Uniform(GenerateOptions),
    /// A realistic network sized on the reference deployment.
    Reference(ReferenceOptions),
}

impl From<GenerateOptions> for Network {
    fn from(opts: GenerateOptions) -> Self {
        Network::Uniform(opts)
    }
}

impl From<ReferenceOptions> for Network {
    fn from(opts: ReferenceOptions) -> Self {
        Network::Reference(opts)
    }
}

/// A generated directory and the accounts the demo presents.
#[derive(Clone, Debug)]
pub struct Generated {
    pub snapshot: Snapshot,
    /// One account per profile, in [`Profile::ALL`] order, with the logins of [`DEMO_LOGINS`].
    pub demo_accounts: Vec<DemoAccount>,
}

/// A person of the generated directory the demo invites to log in as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoAccount {
    pub profile: Profile,
    pub login: String,
    pub person_id: String,
    /// Who this is, in English, e.g. "parent of 2 pupils in CE1-A".
    pub description: String,
}

/// Generates a network of French primary schools. Deterministic in `opts`: a
/// [`GenerateOptions`] (uniform network) or a [`ReferenceOptions`] (realistic network, see
/// [`GenerateOptions::reference`]).
pub fn generate(opts: &(impl Into<Network> + Copy)) -> Generated {
    match (*opts).into() {
        Network::Uniform(opts) => generate_uniform(&opts),
        Network::Reference(opts) => reference::generate(&opts),
    }
}

/// A uniform network of French primary schools.
///
/// Each school has one director (who also teaches its last class), one teacher per other
/// class, one staff member (ATSEM in a nursery school, secretariat in an elementary one),
/// `pupils_per_class` pupils per class and their families: 1 to 3 siblings in the same school,
/// 1 or 2 legal guardians, sometimes a non-legal contact. The network has one city agent, who
/// serves the first school's city, and one administrator, both linked to no school. The first
/// school is always an elementary school, in the département's main city; the others are
/// nursery schools one time in four, every other one in a neighbouring town.
fn generate_uniform(opts: &GenerateOptions) -> Generated {
    let classes_per_school = opts.classes_per_school.max(2);
    let pupils_per_class = opts.pupils_per_class.max(1);
    let mut b = Builder::new(opts.seed);
    let departement = b.rng.below(DEPARTEMENTS.len());
    // UAI numbers: a shuffled 0..10000 (the same in every département), so unique up to
    // 10000 schools per département; more schools spill over into the next département.
    let mut uai_numbers: Vec<u32> = (0..10_000).collect();
    b.rng.shuffle(&mut uai_numbers);
    let mut first = None;
    for index in 0..opts.schools.max(1) {
        let (dept, city) = school_place(departement, index);
        let number = dept * 10_000 + uai_numbers[index % 10_000];
        let record = b.school(index, number, city, classes_per_school, pupils_per_class);
        first.get_or_insert(record);
    }
    let city_agent = b.adult(Profile::CityAgent);
    let admin = b.adult(Profile::Admin);
    let mut chosen = Vec::new();
    if let Some(school) = &first {
        chosen = b.demo_school_accounts(school);
    }
    let (_, city) = school_place(departement, 0);
    chosen.push((city_agent, b.serve(city_agent, &city)));
    chosen.push((admin, "administrator of the whole network, linked to no school".to_string()));
    b.finish(&chosen)
}

/// Lower-case ASCII form of a name for a login: accents folded, anything but a-z and 0-9
/// dropped ("N'Diaye" → "ndiaye", "Jean-Baptiste" → "jeanbaptiste", "Lecœur" → "lecoeur").
pub fn login_part(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        let folded = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'æ' => "ae",
            'œ' => "oe",
            'ß' => "ss",
            _ => "",
        };
        out.push_str(folded);
    }
    out
}

/// The département number and the commune of the `index`-th school of a network whose first
/// school is in `DEPARTEMENTS[departement]`: schools fill the next département every 10,000 (as
/// their UAI numbers do); in a département, every other school is in its main city, and the
/// others go round its neighbouring towns.
fn school_place(departement: usize, index: usize) -> (u32, City) {
    let (dept, communes) = DEPARTEMENTS[(departement + index / 10_000) % DEPARTEMENTS.len()];
    let local = index % 10_000;
    let neighbours = communes.get(1..).unwrap_or_default();
    let (code, name) = match communes.first() {
        Some(main) if local.is_multiple_of(2) || neighbours.is_empty() => *main,
        _ => neighbours[(local / 2) % neighbours.len()],
    };
    (dept, City { code: code.to_string(), name: name.to_string() })
}

/// The UAI code of a 7-digit number: the number and its check letter.
pub fn uai(number: u32) -> String {
    let letter = UAI_LETTERS[(number % 23) as usize] as char;
    format!("{number:07}{letter}")
}

/// What the demo needs to remember of the first school. Indices are into the snapshot.
struct SchoolRecord {
    school: usize,
    staff_role: &'static str,
    staff: usize,
    director: usize,
    /// Per class: (class index, teacher or director index).
    classes: Vec<(usize, usize)>,
    families: Vec<Family>,
}

struct Family {
    /// (pupil index, index of the pupil's class in the school)
    children: Vec<(usize, usize)>,
    legal_parents: Vec<usize>,
}

struct Builder {
    rng: Rng,
    snap: Snapshot,
    logins: HashSet<String>,
    /// Next suffix to try for a login base, so that collisions cost O(1).
    login_next: HashMap<String, u32>,
    school_names: HashSet<String>,
}

impl Builder {
    /// A builder with the demo logins reserved.
    fn new(seed: u64) -> Self {
        Builder {
            rng: Rng(seed),
            snap: Snapshot::default(),
            logins: DEMO_LOGINS.iter().map(|(_, l)| l.to_string()).collect(),
            login_next: HashMap::new(),
            school_names: HashSet::new(),
        }
    }

    /// Gives the demo logins to the `chosen` people (the first of each profile; index into the
    /// snapshot, description) and returns the directory.
    fn finish(mut self, chosen: &[(usize, String)]) -> Generated {
        let mut demo_accounts = Vec::new();
        for (profile, login) in DEMO_LOGINS {
            let Some((index, description)) =
                chosen.iter().find(|(i, _)| self.snap.people[*i].profile == profile).cloned()
            else {
                continue;
            };
            let person = &mut self.snap.people[index];
            person.login = login.to_string();
            if person.email.is_some() {
                person.email = Some(format!("{login}@{EMAIL_DOMAIN}"));
            }
            demo_accounts.push(DemoAccount {
                profile,
                login: login.to_string(),
                person_id: person.id.clone(),
                description,
            });
        }
        Generated { snapshot: self.snap, demo_accounts }
    }

    /// Adds a school whose name is unique in the network. Returns its id and index, the levels
    /// it teaches, and the role of its staff member.
    fn add_school(
        &mut self,
        nursery: bool,
        uai_number: u32,
        city: City,
    ) -> (String, usize, &'static [&'static str], &'static str) {
        let (kind, levels, namesakes, staff_role): (_, &'static [&'static str], _, _) = if nursery {
            ("École maternelle", &["PS", "MS", "GS"], NURSERY_NAMES, "atsem")
        } else {
            ("École élémentaire", &["CP", "CE1", "CE2", "CM1", "CM2"], ELEMENTARY_NAMESAKES, "secretariat")
        };
        let base = format!("{kind} {}", self.rng.pick(namesakes));
        let mut name = base.clone();
        let mut n = 2;
        while !self.school_names.insert(name.clone()) {
            name = format!("{base} {n}");
            n += 1;
        }
        let school_id = self.rng.uuid();
        let external_id = Some(self.rng.uuid());
        let index = self.snap.schools.len();
        self.snap.schools.push(School {
            id: school_id.clone(),
            uai: uai(uai_number),
            name,
            external_id,
            city: Some(city),
        });
        (school_id, index, levels, staff_role)
    }

    fn school(&mut self, index: usize, uai_number: u32, city: City, classes: usize, pupils: usize) -> SchoolRecord {
        let nursery = index > 0 && self.rng.below(4) == 0;
        let (school_id, school, levels, staff_role) = self.add_school(nursery, uai_number, city);

        let mut per_level = vec![0usize; levels.len()];
        let mut class_ids = Vec::with_capacity(classes);
        for c in 0..classes {
            let level = c * levels.len() / classes;
            let name = format!("{}-{}", levels[level], class_letters(per_level[level]));
            per_level[level] += 1;
            let id = self.rng.uuid();
            let external_id = Some(self.rng.uuid());
            class_ids.push((self.snap.classes.len(), id.clone()));
            self.snap.classes.push(Class {
                id,
                school_id: school_id.clone(),
                name,
                level: Some(levels[level].to_string()),
                external_id,
            });
        }

        // The director teaches the last class; a teacher each of the others.
        let director = self.adult(Profile::Director);
        self.link_school(director, &school_id);
        self.role(director, &school_id, "director");
        let mut teachers = Vec::with_capacity(classes);
        for (c, (_, class_id)) in class_ids.iter().enumerate() {
            let teacher = if c + 1 == classes {
                director
            } else {
                let t = self.adult(Profile::Teacher);
                self.link_school(t, &school_id);
                t
            };
            let id = self.snap.people[teacher].id.clone();
            self.snap.class_members.push((class_id.clone(), id, ClassRole::Teacher));
            teachers.push(teacher);
        }
        let staff = self.adult(Profile::Staff);
        self.link_school(staff, &school_id);
        self.role(staff, &school_id, staff_role);

        // Pupils: a shuffled list of class seats, consumed family by family.
        let mut seats: Vec<usize> = (0..classes).flat_map(|c| std::iter::repeat_n(c, pupils)).collect();
        self.rng.shuffle(&mut seats);
        let mut families = Vec::new();
        let mut rest = seats.as_slice();
        while !rest.is_empty() {
            let size = match self.rng.below(100) {
                0..50 => 1,
                50..85 => 2,
                _ => 3,
            }
            .min(rest.len());
            let (mine, others) = rest.split_at(size);
            rest = others;
            families.push(self.family(&school_id, &class_ids, mine));
        }
        let classes = class_ids.iter().map(|(i, _)| *i).zip(teachers).collect();
        SchoolRecord { school, staff_role, staff, director, classes, families }
    }

    /// Siblings seated in `seats` (class positions in the school) and their parents.
    fn family(&mut self, school_id: &str, class_ids: &[(usize, String)], seats: &[usize]) -> Family {
        let name = self.rng.pick(FAMILY_NAMES);
        let two_parents = self.rng.chance(75);
        let other_name = (two_parents && self.rng.chance(35)).then(|| self.rng.pick(FAMILY_NAMES));
        let children_name = match other_name {
            Some(other) if !format!("{name}{other}").contains('-') && self.rng.chance(25) => {
                format!("{name}-{other}")
            }
            _ => name.to_string(),
        };
        let mut children = Vec::with_capacity(seats.len());
        for &seat in seats {
            let given = self.rng.pick(CHILD_FIRST_NAMES);
            let pupil = self.person(Profile::Pupil, given, &children_name);
            self.link_school(pupil, school_id);
            let id = self.snap.people[pupil].id.clone();
            self.snap.class_members.push((class_ids[seat].1.clone(), id, ClassRole::Pupil));
            children.push((pupil, seat));
        }
        let mut parents = vec![(self.parent(name), true)];
        if two_parents {
            parents.push((self.parent(other_name.unwrap_or(name)), true));
        }
        if self.rng.chance(6) {
            let contact_name = self.rng.pick(FAMILY_NAMES);
            parents.push((self.parent(contact_name), false));
        }
        for &(parent, legal) in &parents {
            self.link_school(parent, school_id);
            let parent_id = self.snap.people[parent].id.clone();
            for &(child, _) in &children {
                let child_id = self.snap.people[child].id.clone();
                self.snap.guardianships.push((parent_id.clone(), child_id, legal));
            }
        }
        let legal_parents = parents.iter().filter(|(_, legal)| *legal).map(|(p, _)| *p).collect();
        Family { children, legal_parents }
    }

    fn parent(&mut self, family_name: &str) -> usize {
        let given = self.rng.pick(ADULT_FIRST_NAMES);
        self.person(Profile::Parent, given, family_name)
    }

    fn adult(&mut self, profile: Profile) -> usize {
        let given = self.rng.pick(ADULT_FIRST_NAMES);
        let family = self.rng.pick(FAMILY_NAMES);
        self.person(profile, given, family)
    }

    fn person(&mut self, profile: Profile, given_name: &str, family_name: &str) -> usize {
        let id = self.rng.uuid();
        let public_sub = self.rng.uuid();
        let external_id = Some(self.rng.uuid());
        let login = self.login(given_name, family_name);
        let email = (!profile.is_minor()).then(|| format!("{login}@{EMAIL_DOMAIN}"));
        self.snap.people.push(Person {
            id,
            public_sub,
            login,
            profile,
            given_name: given_name.to_string(),
            family_name: family_name.to_string(),
            email,
            external_id,
            disabled: false,
        });
        self.snap.people.len() - 1
    }

    /// `firstname.lastname`, then `firstname.lastname2`, `3`… on collision.
    fn login(&mut self, given_name: &str, family_name: &str) -> String {
        let (given, family) = (login_part(given_name), login_part(family_name));
        let base = match (given.is_empty(), family.is_empty()) {
            (false, false) => format!("{given}.{family}"),
            (true, true) => "user".to_string(),
            _ => format!("{given}{family}"),
        };
        let next = self.login_next.entry(base.clone()).or_insert(1);
        let mut login = if *next == 1 { base.clone() } else { format!("{base}{next}") };
        while self.logins.contains(&login) {
            *next += 1;
            login = format!("{base}{next}");
        }
        *next += 1;
        self.logins.insert(login.clone());
        login
    }

    fn link_school(&mut self, person: usize, school_id: &str) {
        let id = self.snap.people[person].id.clone();
        self.snap.person_schools.push((id, school_id.to_string()));
    }

    /// Makes a city agent serve `city`; returns how the demo describes them.
    fn serve(&mut self, agent: usize, city: &City) -> String {
        let id = self.snap.people[agent].id.clone();
        self.snap.agent_cities.push((id, city.code.clone()));
        let schools = self.snap.schools.iter().filter(|s| s.city.as_ref() == Some(city)).count();
        let plural = if schools == 1 { "" } else { "s" };
        format!("city agent of {} (INSEE {}), for its {schools} school{plural}", city.name, city.code)
    }

    fn role(&mut self, person: usize, school_id: &str, role: &str) {
        let id = self.snap.people[person].id.clone();
        self.snap.staff_roles.push((id, school_id.to_string(), role.to_string()));
    }

    /// Demo accounts of the first school: a pupil (with a sibling if possible) in a class a
    /// `teacher` teaches, one of the pupil's legal guardians, that teacher, the director and
    /// the staff member.
    fn demo_school_accounts(&self, rec: &SchoolRecord) -> Vec<(usize, String)> {
        let school = &self.snap.schools[rec.school].name;
        let class_name = |seat: usize| &self.snap.classes[rec.classes[seat].0].name;
        let taught_by_teacher = |seat: usize| rec.classes[seat].1 != rec.director;
        let candidate = |min_children: usize| {
            rec.families.iter().find_map(|f| {
                let usable = f.children.len() >= min_children && !f.legal_parents.is_empty();
                let child = f.children.iter().find(|(_, seat)| taught_by_teacher(*seat));
                child.filter(|_| usable).map(|c| (f, *c))
            })
        };
        let mut out = Vec::new();
        if let Some((family, (pupil, seat))) = candidate(2).or_else(|| candidate(1)) {
            let class = class_name(seat);
            out.push((pupil, format!("pupil in {class} at {school}")));
            let mut seats: Vec<usize> = family.children.iter().map(|(_, s)| *s).collect();
            seats.sort_unstable();
            seats.dedup();
            let classes: Vec<&str> = seats.into_iter().map(|s| class_name(s).as_str()).collect();
            let n = family.children.len();
            let plural = if n == 1 { "" } else { "s" };
            let list = match classes.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => classes.join(""),
            };
            let description = format!("parent of {n} pupil{plural} in {list}");
            out.extend(family.legal_parents.first().map(|p| (*p, description)));
            let teacher = rec.classes[seat].1;
            out.push((teacher, format!("teacher of {class} (the demo pupil's class) at {school}")));
        }
        let director_class = rec.classes.iter().find(|(_, t)| *t == rec.director);
        let teaching = director_class.map(|(c, _)| format!(", also teaching {}", self.snap.classes[*c].name));
        out.push((rec.director, format!("director of {school}{}", teaching.unwrap_or_default())));
        let job = if rec.staff_role == "atsem" { "ATSEM (nursery assistant)" } else { "school secretary" };
        out.push((rec.staff, format!("{job} at {school}")));
        out
    }
}

/// Letters of the n-th class of a level: A…Z, then AA, AB…
fn class_letters(mut n: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}
