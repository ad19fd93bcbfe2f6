//! Tests of the synthetic directory generator: determinism, sizes and referential integrity.

use std::collections::{HashMap, HashSet};

use super::*;

fn opts(seed: u64, schools: usize, classes_per_school: usize, pupils_per_class: usize) -> GenerateOptions {
    GenerateOptions { seed, schools, classes_per_school, pupils_per_class }
}

fn count(snap: &Snapshot, profile: Profile) -> usize {
    snap.people.iter().filter(|p| p.profile == profile).count()
}

/// `^[a-z0-9]+(\.[a-z0-9]+)*[0-9]*$`: dot-separated non-empty runs of a-z0-9.
fn login_ok(login: &str) -> bool {
    login.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// 8-4-4-4-12 lower-case hex.
fn uuid_ok(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// Every structural invariant of a generated uniform directory.
fn check(generated: &Generated) {
    check_shape(generated, true);
}

/// Every structural invariant of a generated directory; a uniform one has exactly one teacher
/// per class, a realistic one at least one.
fn check_shape(generated: &Generated, uniform: bool) {
    let snap = &generated.snapshot;
    let people: HashMap<&str, &Person> = snap.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let schools: HashSet<&str> = snap.schools.iter().map(|s| s.id.as_str()).collect();
    let classes: HashMap<&str, &Class> = snap.classes.iter().map(|c| (c.id.as_str(), c)).collect();
    assert_eq!(people.len(), snap.people.len(), "person ids unique");
    assert_eq!(schools.len(), snap.schools.len(), "school ids unique");
    assert_eq!(classes.len(), snap.classes.len(), "class ids unique");

    let mut ids = HashSet::new();
    for id in snap
        .schools
        .iter()
        .flat_map(|s| [Some(&s.id), s.external_id.as_ref()])
        .chain(snap.classes.iter().flat_map(|c| [Some(&c.id), c.external_id.as_ref()]))
    {
        let id = id.expect("external id");
        assert!(uuid_ok(id), "{id}");
        assert!(ids.insert(id.clone()), "duplicate id {id}");
    }
    for p in &snap.people {
        for id in [&p.id, &p.public_sub, p.external_id.as_ref().expect("external id")] {
            assert!(uuid_ok(id), "{id}");
            assert!(ids.insert(id.clone()), "duplicate id {id}");
        }
    }

    let mut uais = HashSet::new();
    for s in &snap.schools {
        let (digits, letter) = s.uai.split_at(7);
        assert!(s.uai.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()), "{}", s.uai);
        assert!(letter.bytes().all(|b| b.is_ascii_uppercase()), "{}", s.uai);
        let number: u32 = digits.parse().expect("digits");
        assert_eq!(s.uai, uai(number), "check letter");
        assert!(uais.insert(s.uai.clone()), "duplicate UAI {}", s.uai);
        assert!(s.name.starts_with("École "), "{}", s.name);
        assert!(schools.contains(s.id.as_str()));
        // The commune is in the school's département (the UAI's first three digits).
        let city = s.city.as_ref().expect("every generated school has a city");
        assert_eq!(crate::mapping::insee_code(&city.code).as_deref(), Some(city.code.as_str()), "{}", s.uai);
        assert_eq!(city.code[..2], s.uai[1..3], "{} is in {}", s.uai, city.code);
        assert!(!city.name.is_empty());
    }
    // Every city agent serves one city, which has schools; nobody else serves any.
    let mut served = HashSet::new();
    for (agent, code) in &snap.agent_cities {
        assert_eq!(people.get(agent.as_str()).map(|p| p.profile), Some(Profile::CityAgent), "{agent}");
        assert!(served.insert(agent), "{agent} serves one city");
        assert!(snap.schools.iter().any(|s| s.city.as_ref().is_some_and(|c| &c.code == code)), "{code} has schools");
    }
    assert_eq!(served.len(), snap.people.iter().filter(|p| p.profile == Profile::CityAgent).count());
    let mut class_names = HashSet::new();
    for c in &snap.classes {
        assert!(schools.contains(c.school_id.as_str()));
        assert!(class_names.insert((c.school_id.clone(), c.name.clone())), "class name unique in school");
    }

    let mut logins = HashSet::new();
    for p in &snap.people {
        assert!(login_ok(&p.login), "{:?}", p.login);
        assert!(logins.insert(p.login.clone()), "duplicate login {}", p.login);
        match (&p.email, p.profile) {
            (Some(_), Profile::Pupil) => panic!("pupil {} has an e-mail", p.login),
            (None, Profile::Pupil) => {}
            (Some(email), _) => assert_eq!(email, &format!("{}@{EMAIL_DOMAIN}", p.login)),
            (None, _) => panic!("adult {} has no e-mail", p.login),
        }
    }

    let mut links = HashSet::new();
    for (person, school) in &snap.person_schools {
        assert!(people.contains_key(person.as_str()) && schools.contains(school.as_str()));
        assert!(links.insert((person, school)), "duplicate person_schools link");
    }
    let mut pupil_classes: HashMap<&str, usize> = HashMap::new();
    let mut class_teachers: HashMap<&str, usize> = HashMap::new();
    let mut members = HashSet::new();
    for (class, person, role) in &snap.class_members {
        let p = people.get(person.as_str()).expect("class member exists");
        let c = classes.get(class.as_str()).expect("class exists");
        assert!(members.insert((class, person)), "duplicate class member");
        assert!(links.contains(&(person, &c.school_id)), "class member linked to the class's school");
        match role {
            ClassRole::Pupil => {
                assert_eq!(p.profile, Profile::Pupil);
                *pupil_classes.entry(person).or_default() += 1;
            }
            ClassRole::Teacher => {
                assert!(matches!(p.profile, Profile::Teacher | Profile::Director));
                *class_teachers.entry(class).or_default() += 1;
            }
        }
    }
    for p in snap.people.iter().filter(|p| p.profile == Profile::Pupil) {
        assert_eq!(pupil_classes.get(p.id.as_str()), Some(&1), "pupil {} in exactly one class", p.login);
    }
    for c in &snap.classes {
        let teachers = class_teachers.get(c.id.as_str()).copied().unwrap_or(0);
        if uniform {
            assert_eq!(teachers, 1, "class {} has one teacher", c.name);
        } else {
            assert!(teachers >= 1, "class {} has a teacher", c.name);
        }
    }

    let mut schools_of: HashMap<&str, Vec<&String>> = HashMap::new();
    for (person, school) in &snap.person_schools {
        schools_of.entry(person).or_default().push(school);
    }
    let mut legal_guardians: HashMap<&str, usize> = HashMap::new();
    let mut guardianships = HashSet::new();
    for (parent, child, legal) in &snap.guardianships {
        assert_eq!(people.get(parent.as_str()).map(|p| p.profile), Some(Profile::Parent));
        assert_eq!(people.get(child.as_str()).map(|p| p.profile), Some(Profile::Pupil));
        assert!(guardianships.insert((parent, child)), "duplicate guardianship");
        if *legal {
            *legal_guardians.entry(child).or_default() += 1;
        }
        for school in schools_of.get(child.as_str()).into_iter().flatten() {
            assert!(links.contains(&(parent, *school)), "parent linked to the child's school");
        }
    }
    for p in snap.people.iter().filter(|p| p.profile == Profile::Pupil) {
        let n = legal_guardians.get(p.id.as_str()).copied().unwrap_or(0);
        assert!((1..=2).contains(&n), "pupil {} has {n} legal guardians", p.login);
    }
    for (person, school, role) in &snap.staff_roles {
        assert!(links.contains(&(person, school)), "staff role holder linked to the school");
        assert!(["director", "atsem", "secretariat"].contains(&role.as_str()), "{role}");
    }
    for p in &snap.people {
        if matches!(p.profile, Profile::CityAgent | Profile::Admin) {
            assert!(!schools_of.contains_key(p.id.as_str()), "{} has no school", p.login);
        }
    }
    check_demo(generated, &people);
}

fn check_demo(generated: &Generated, people: &HashMap<&str, &Person>) {
    let snap = &generated.snapshot;
    let demo = &generated.demo_accounts;
    assert_eq!(demo.len(), 7);
    for ((profile, login), account) in DEMO_LOGINS.iter().zip(demo) {
        assert_eq!(account.profile, *profile);
        assert_eq!(account.login, *login);
        let person = people.get(account.person_id.as_str()).expect("demo person exists");
        assert_eq!(person.profile, *profile);
        assert_eq!(person.login, *login);
        assert!(!account.description.is_empty());
    }
    let id = |profile: Profile| demo.iter().find(|a| a.profile == profile).map(|a| a.person_id.as_str());
    let agent = id(Profile::CityAgent).expect("city agent");
    let city = snap.agent_cities.iter().find(|(a, _)| a == agent).map(|(_, code)| code.as_str());
    assert_eq!(
        city,
        snap.schools[0].city.as_ref().map(|c| c.code.as_str()),
        "the demo agent serves the demo school's city"
    );
    let (pupil, parent, teacher) = (id(Profile::Pupil), id(Profile::Parent), id(Profile::Teacher));
    let (pupil, parent, teacher) = (pupil.expect("pupil"), parent.expect("parent"), teacher.expect("teacher"));
    assert!(
        snap.guardianships.iter().any(|(p, c, legal)| p == parent && c == pupil && *legal),
        "the demo parent is a legal guardian of the demo pupil"
    );
    let class = snap
        .class_members
        .iter()
        .find(|(_, p, role)| p == pupil && *role == ClassRole::Pupil)
        .map(|(c, _, _)| c)
        .expect("demo pupil's class");
    assert!(
        snap.class_members.iter().any(|(c, p, role)| c == class && p == teacher && *role == ClassRole::Teacher),
        "the demo teacher teaches the demo pupil's class"
    );
}

#[test]
fn default_is_the_demo_size() {
    let generated = generate(&GenerateOptions::default());
    check(&generated);
    let snap = &generated.snapshot;
    assert_eq!(snap.schools.len(), 1);
    assert!(snap.schools[0].name.starts_with("École élémentaire "));
    assert_eq!(snap.classes.len(), 4);
    let names: Vec<&str> = snap.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["CP-A", "CE1-A", "CE2-A", "CM1-A"]);
    assert_eq!(count(snap, Profile::Pupil), 48);
    assert_eq!(count(snap, Profile::Director), 1);
    assert_eq!(count(snap, Profile::Teacher), 3);
    assert_eq!(count(snap, Profile::Staff), 1);
    assert_eq!(count(snap, Profile::CityAgent), 1);
    assert_eq!(count(snap, Profile::Admin), 1);
    let parents = count(snap, Profile::Parent);
    assert!((16..=3 * 48).contains(&parents), "{parents} parents");
}

#[test]
fn bigger_network_counts() {
    let generated = generate(&opts(7, 3, 10, 25));
    check(&generated);
    let snap = &generated.snapshot;
    assert_eq!(snap.schools.len(), 3);
    assert_eq!(snap.classes.len(), 30);
    assert_eq!(count(snap, Profile::Pupil), 750);
    assert_eq!(count(snap, Profile::Director), 3);
    assert_eq!(count(snap, Profile::Teacher), 27);
    assert_eq!(count(snap, Profile::Staff), 3);
    assert_eq!(count(snap, Profile::CityAgent), 1);
    assert_eq!(count(snap, Profile::Admin), 1);
    assert_eq!(snap.staff_roles.len(), 6);
    // Siblings: fewer families than pupils, so some parents have several children.
    let mut children: HashMap<&str, usize> = HashMap::new();
    for (parent, _, _) in &snap.guardianships {
        *children.entry(parent).or_default() += 1;
    }
    assert!(children.values().any(|&n| n >= 2) && children.values().all(|&n| n <= 3));
}

#[test]
fn schools_spread_over_the_departements_communes() {
    let generated = generate(&opts(2026, 6, 2, 1));
    let snap = &generated.snapshot;
    let cities: Vec<&str> = snap.schools.iter().filter_map(|s| s.city.as_ref()).map(|c| c.code.as_str()).collect();
    // The main city every other school (the demo's first), the neighbouring towns in turn.
    // (Paris is one commune: all its schools are in it.)
    let main = cities[0];
    let neighbours = names::DEPARTEMENTS.iter().any(|(_, communes)| communes[0].0 == main && communes.len() > 1);
    let in_main = cities.iter().filter(|c| **c == main).count();
    assert_eq!(in_main, if neighbours { 3 } else { 6 }, "{cities:?}");
    assert_eq!(cities.iter().collect::<HashSet<_>>().len() > 1, neighbours, "{cities:?}");
    let agent = generated.demo_accounts.iter().find(|a| a.profile == Profile::CityAgent).expect("agent");
    assert!(agent.description.contains(&format!("for its {in_main} schools")), "{}", agent.description);
    // Every département's communes: valid INSEE codes, in that département, main city first.
    for (dept, communes) in names::DEPARTEMENTS {
        assert!(!communes.is_empty());
        for (code, name) in *communes {
            assert_eq!(crate::mapping::insee_code(code).as_deref(), Some(*code));
            assert_eq!(code[..2], format!("{dept:02}"), "{name}");
        }
    }
}

#[test]
fn same_options_same_bytes() {
    let options = opts(42, 2, 5, 20);
    let a = serde_json::to_string(&generate(&options).snapshot).expect("json");
    let b = serde_json::to_string(&generate(&options).snapshot).expect("json");
    assert_eq!(a, b);
    assert_eq!(generate(&options).demo_accounts, generate(&options).demo_accounts);
}

#[test]
fn different_seed_different_ids() {
    let a = generate(&opts(1, 1, 4, 12)).snapshot;
    let b = generate(&opts(2, 1, 4, 12)).snapshot;
    let ids = |s: &Snapshot| s.people.iter().map(|p| p.id.clone()).collect::<HashSet<_>>();
    assert!(ids(&a).is_disjoint(&ids(&b)));
    assert_ne!(a.schools[0].id, b.schools[0].id);
    assert_ne!(a.schools[0].uai, b.schools[0].uai);
}

#[test]
fn sizes_below_the_minimum_are_raised() {
    let generated = generate(&opts(3, 0, 0, 0));
    check(&generated);
    assert_eq!(generated.snapshot.classes.len(), 2);
}

#[test]
fn many_seeds_keep_the_invariants() {
    for seed in 0..30 {
        check(&generate(&opts(seed, 4, 3, 6)));
    }
}

#[test]
fn login_normalisation() {
    assert_eq!(login_part("Chloé"), "chloe");
    assert_eq!(login_part("Jean-Baptiste"), "jeanbaptiste");
    assert_eq!(login_part("N'Diaye"), "ndiaye");
    assert_eq!(login_part("Le Goff"), "legoff");
    assert_eq!(login_part("Lecœur"), "lecoeur");
    assert_eq!(login_part("Éloïse"), "eloise");
    let mut b = Builder {
        rng: Rng(0),
        snap: Snapshot::default(),
        logins: HashSet::new(),
        login_next: HashMap::new(),
        school_names: HashSet::new(),
    };
    assert_eq!(b.login("Léa", "Martin"), "lea.martin");
    assert_eq!(b.login("Lea", "Martin"), "lea.martin2");
    assert_eq!(b.login("Léa", "Martin"), "lea.martin3");
    assert_eq!(b.login("", "N'Diaye"), "ndiaye");
}

#[test]
fn uai_check_letter() {
    // 691234 = 23 × 30053 + 15: the sixteenth letter, I and O being skipped.
    assert_eq!(uai(691_234), "0691234S");
    assert_eq!(uai(751_000), format!("0751000{}", UAI_LETTERS[751_000 % 23] as char));
    assert_eq!(class_letters(0), "A");
    assert_eq!(class_letters(25), "Z");
    assert_eq!(class_letters(26), "AA");
}

#[test]
fn a_hundred_schools() {
    let generated = generate(&opts(2026, 100, 10, 25));
    let snap = &generated.snapshot;
    assert_eq!(count(snap, Profile::Pupil), 25_000);
    assert_eq!(snap.schools.len(), 100);
    assert!(snap.people.len() > 40_000, "{} people", snap.people.len());
    check(&generated);
}

/// Within `percent` percent of `target`.
fn close(actual: usize, target: usize, percent: f64) -> bool {
    (actual as f64 - target as f64).abs() <= target as f64 * percent / 100.0
}

#[test]
fn reference_network_meets_its_targets() {
    let generated = generate(&GenerateOptions::reference());
    check_shape(&generated, false);
    let snap = &generated.snapshot;
    assert_eq!(snap.schools.len(), REFERENCE.schools);
    assert_eq!(snap.classes.len(), REFERENCE.classes);
    assert_eq!(count(snap, Profile::Teacher) + count(snap, Profile::Director), REFERENCE.teachers);
    assert_eq!(count(snap, Profile::Director), REFERENCE.schools);
    assert_eq!(count(snap, Profile::Pupil), REFERENCE.pupils);
    let parents = count(snap, Profile::Parent);
    assert!(close(parents, REFERENCE.parents, 0.5), "{parents} parents");
    assert!(snap.schools[0].name.starts_with("École élémentaire "));

    // Schools of 3 to 8 classes, not all alike.
    let mut per_school: HashMap<&str, usize> = HashMap::new();
    for c in &snap.classes {
        *per_school.entry(&c.school_id).or_default() += 1;
    }
    assert!(per_school.values().all(|n| (3..=8).contains(n)));
    for n in [3, 5, 8] {
        assert!(per_school.values().any(|&m| m == n), "a school of {n} classes");
    }
    assert!(snap.classes.iter().any(|c| c.name == "CE1-CE2"), "a class of two levels");

    let profile: HashMap<&str, Profile> = snap.people.iter().map(|p| (p.id.as_str(), p.profile)).collect();
    let mut schools_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (person, school) in &snap.person_schools {
        schools_of.entry(person).or_default().push(school);
    }
    let class_school: HashMap<&str, &str> =
        snap.classes.iter().map(|c| (c.id.as_str(), c.school_id.as_str())).collect();
    let mut pupil_school: HashMap<&str, &str> = HashMap::new();
    let mut classes_of_teacher: HashMap<&str, usize> = HashMap::new();
    for (class, person, role) in &snap.class_members {
        match role {
            ClassRole::Pupil => {
                pupil_school.insert(person, class_school[class.as_str()]);
            }
            ClassRole::Teacher => *classes_of_teacher.entry(person).or_default() += 1,
        }
    }
    // Teachers of several classes, teachers with no class, classes with two teachers.
    assert!(classes_of_teacher.values().any(|&n| n >= 2));
    let teachers = snap.people.iter().filter(|p| p.profile == Profile::Teacher);
    assert!(teachers.clone().any(|p| !classes_of_teacher.contains_key(p.id.as_str())));

    // A few pupils attached to two schools, their class in one.
    let two_schools = pupil_school.keys().filter(|p| schools_of[**p].len() == 2).count();
    assert!((10..=150).contains(&two_schools), "{two_schools} pupils in two schools");

    // Families: siblings in two schools; separated parents with new partners.
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut legal: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut contacts: HashMap<&str, usize> = HashMap::new();
    for (parent, child, is_legal) in &snap.guardianships {
        children.entry(parent).or_default().push(child);
        if *is_legal {
            legal.entry(child).or_default().push(parent);
        } else {
            *contacts.entry(child).or_default() += 1;
        }
    }
    let split = children.values().filter(|kids| {
        let mut schools: Vec<&str> = kids.iter().map(|k| pupil_school[*k]).collect();
        schools.sort_unstable();
        schools.dedup();
        schools.len() > 1
    });
    assert!(split.count() > 100, "siblings split between two schools");
    let with_two_legal = legal.values().filter(|p| p.len() == 2).count();
    let single = legal.values().filter(|p| p.len() == 1).count();
    assert!(with_two_legal > REFERENCE.pupils / 2 && single > REFERENCE.pupils / 20, "{with_two_legal}, {single}");
    assert!(contacts.values().any(|&n| n >= 2), "separated parents, each with a new partner");
    assert!(children.keys().all(|p| profile[*p] == Profile::Parent));
}

#[test]
fn scaled_networks_keep_the_invariants() {
    for factor in [0.0, 0.02, 0.3] {
        let options = GenerateOptions::scaled(factor);
        let targets = options.targets();
        let generated = generate(&options);
        check_shape(&generated, false);
        let snap = &generated.snapshot;
        assert_eq!(snap.schools.len(), targets.schools);
        assert_eq!(snap.classes.len(), targets.classes);
        assert_eq!(count(snap, Profile::Pupil), targets.pupils);
        let parents = count(snap, Profile::Parent);
        assert!(close(parents, targets.parents, 2.0) || parents.abs_diff(targets.parents) <= 3, "{factor}: {parents}");
    }
    let tiny = GenerateOptions::scaled(f64::NAN).targets();
    assert_eq!((tiny.schools, tiny.classes), (1, 3));
}

#[test]
fn reference_network_is_deterministic() {
    let options = ReferenceOptions { seed: 5, factor: 0.1 };
    let a = serde_json::to_string(&generate(&options).snapshot).expect("json");
    let b = serde_json::to_string(&generate(&options).snapshot).expect("json");
    assert_eq!(a, b);
    let other = serde_json::to_string(&generate(&ReferenceOptions { seed: 6, factor: 0.1 }).snapshot).expect("json");
    assert_ne!(a, other);
}

/// A million people: `cargo test --release -p ent-directory-sync -- --ignored million`.
#[test]
#[ignore = "slow in debug builds; run in release"]
fn a_million_people_in_well_under_a_minute() {
    let started = std::time::Instant::now();
    let options = GenerateOptions::scaled(35.0);
    let generated = generate(&options);
    let elapsed = started.elapsed();
    let targets = options.targets();
    let snap = &generated.snapshot;
    eprintln!("scaled(35): {} people, {} classes in {elapsed:?}", snap.people.len(), snap.classes.len());
    assert_eq!(count(snap, Profile::Pupil), targets.pupils);
    assert!(close(count(snap, Profile::Parent), targets.parents, 2.0));
    assert!(close(snap.people.len(), 1_000_000, 5.0), "{} people", snap.people.len());
    assert!(elapsed < std::time::Duration::from_secs(30), "{elapsed:?}");
    assert_eq!(generated.demo_accounts.len(), 7);
}
