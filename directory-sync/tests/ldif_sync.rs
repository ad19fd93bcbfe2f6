//! The mapping and the apply step end to end, from LDIF (no LDAP server): the SDET preset, the
//! plain inetOrgPerson preset, an entry that cannot be mapped, a second run after changes, the
//! cities of schools and agents, and the generated directory's cities read back.
//! Every test runs on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use ent_directory_sync::generate::{GenerateOptions, generate};
use ent_directory_sync::ldif_out::write_ldif;
use ent_directory_sync::run::{RunOptions, SyncConfig, run_ldif};
use ent_idp::both_backends;
use ent_idp::store::directory::DirectoryStore;

const SDET_LDIF: &str = "\
dn: dc=ent,dc=test
objectClass: dcObject
objectClass: organization
dc: ent
o: ENT

dn: ou=structures,dc=ent,dc=test
objectClass: organizationalUnit
ou: structures

dn: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
objectClass: top
objectClass: ENTStructure
ENTStructureUAI: 0691234A
ENTStructureNomCourant:: w4ljb2xlIMOJbGVtZW50YWlyZSBKdWxlcyBGZXJyeQ==
entryUUID: 00000000-0000-4000-8000-000000000001

dn: cn=0691234A-CM1-A,ou=groups,dc=ent,dc=test
objectClass: groupOfNames
objectClass: ENTGroupe
cn: 0691234A-CM1-A
member: uid=lea.martin,ou=people,dc=ent,dc=test
ENTGroupeNiveau: CM1
ENTGroupeStructRattach: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
entryUUID: 00000000-0000-4000-8000-000000000002

dn: uid=lea.martin,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
objectClass: ENTEleve
uid: lea.martin
cn: Lea Martin
sn: Martin
givenName:: TMOpYQ==
mail: should-not-be-kept@example.org
ENTPersonJointure: J1
ENTPersonLogin: lea.martin
ENTPersonProfils: National_ELV
ENTPersonStructRattach: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
ENTEleveClasses: cn=0691234A-CM1-A,ou=groups,dc=ent,dc=test
ENTEleveParents: uid=paul.martin,ou=people,dc=ent,dc=test
ENTEleveParents: uid=jean.dupont,ou=people,dc=ent,dc=test
ENTEleveAutoriteParentale: uid=paul.martin,ou=people,dc=ent,dc=test
entryUUID: 00000000-0000-4000-8000-000000000010

dn: uid=paul.martin,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
objectClass: ENTAuxPersRelEleve
uid: paul.martin
cn: Paul Martin
sn: Martin
givenName: Paul
mail: paul.martin@example.org
ENTPersonJointure: J2
ENTPersonLogin: paul.martin
ENTPersonProfils: National_TUT
ENTAuxPersRelEleveEleve: uid=lea.martin,ou=people,dc=ent,dc=test
entryUUID: 00000000-0000-4000-8000-000000000011

dn: uid=jean.dupont,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
uid: jean.dupont
cn: Jean Dupont
sn: Dupont
givenName: Jean
ENTPersonJointure: J3
ENTPersonLogin: jean.dupont
ENTPersonProfils: National_TUT
entryUUID: 00000000-0000-4000-8000-000000000012

dn: uid=claire.petit,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
objectClass: ENTAuxEnseignant
uid: claire.petit
cn: Claire Petit
sn: Petit
givenName: Claire
mail: claire.petit@example.org
ENTPersonJointure: J4
ENTPersonLogin: claire.petit
ENTPersonProfils: National_DIR
ENTPersonStructRattach: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
ENTAuxEnsClasses: cn=0691234A-CM1-A,ou=groups,dc=ent,dc=test
entryUUID: 00000000-0000-4000-8000-000000000013

dn: uid=sans.profil,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
uid: sans.profil
sn: Profil
ENTPersonJointure: J5
ENTPersonLogin: sans.profil
ENTPersonProfils: National_XYZ
entryUUID: 00000000-0000-4000-8000-000000000014
";

fn config(preset: &str) -> SyncConfig {
    SyncConfig::from_toml(&format!(
        "preset = \"{preset}\"\n[source]\nname = \"annuaire\"\nurl = \"ldap://127.0.0.1:1\"\nbase_dn = \"dc=ent,dc=test\"\n"
    ))
    .unwrap()
}

fn ldif_file(text: &str) -> tempfile_path::TempPath {
    tempfile_path::TempPath::with(text)
}

mod tempfile_path {
    use super::*;
    pub struct TempPath(pub std::path::PathBuf);
    impl TempPath {
        pub fn with(text: &str) -> TempPath {
            let p = std::env::temp_dir().join(format!("ent-ldif-{}.ldif", ent_idp::secret::new_id()));
            std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
            TempPath(p)
        }
    }
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

both_backends!(sdet_ldif_maps_people_classes_and_links, |db| async move {
    let file = ldif_file(SDET_LDIF);
    let report = run_ldif(&db, &config("sdet"), &file.0, &RunOptions::default()).await.unwrap();
    assert!(report.apply.applied, "{}", report.summary());
    assert_eq!((report.apply.schools.added, report.apply.classes.added, report.apply.people.added), (1, 1, 4));
    assert_eq!(report.apply.rejected.len(), 1, "{:?}", report.apply.rejected);
    assert!(report.apply.rejected[0].0.contains("sans.profil") && report.apply.rejected[0].1.contains("profile"));
    assert_eq!(report.exit_code(), 3);
    let dir = DirectoryStore::new(db.clone());
    let lea = dir.person_by_login("lea.martin").await.unwrap().unwrap();
    assert_eq!(lea.given_name, "Léa");
    assert_eq!(lea.email, None, "a pupil's address is never kept");
    let a = dir.affiliations(&lea.id).await.unwrap();
    assert_eq!(a.schools, vec!["0691234A".to_string()]);
    assert_eq!(a.classes[0].1, "0691234A-CM1-A");
    let paul = dir.person_by_login("paul.martin").await.unwrap().unwrap();
    let jean = dir.person_by_login("jean.dupont").await.unwrap().unwrap();
    let pa = dir.affiliations(&paul.id).await.unwrap();
    let ja = dir.affiliations(&jean.id).await.unwrap();
    assert_eq!(pa.children.len(), 1);
    assert!(pa.children[0].legal_guardian, "Paul has parental authority");
    assert!(!ja.children[0].legal_guardian, "Jean is a parent without parental authority");
    let claire = dir.person_by_login("claire.petit").await.unwrap().unwrap();
    let ca = dir.affiliations(&claire.id).await.unwrap();
    assert_eq!(ca.classes[0].3, "teacher");
    assert_eq!(ca.roles, vec![("0691234A".to_string(), "director".to_string())]);

    // Lea moves to another class, Jean leaves the directory (1 of 4 is above 10 %: forced).
    let changed = SDET_LDIF
        .replace("ENTEleveParents: uid=jean.dupont,ou=people,dc=ent,dc=test\n", "")
        .replace("cn=0691234A-CM1-A,ou=groups", "cn=0691234A-CM2-B,ou=groups")
        .replace("cn: 0691234A-CM1-A", "cn: 0691234A-CM2-B");
    let jean_entry = changed.find("dn: uid=jean.dupont").unwrap();
    let end = changed[jean_entry..].find("\n\n").unwrap() + jean_entry + 2;
    let changed = format!("{}{}", &changed[..jean_entry], &changed[end..]);
    let file = ldif_file(&changed);
    let stopped = run_ldif(&db, &config("sdet"), &file.0, &RunOptions::default()).await.unwrap();
    assert_eq!(stopped.exit_code(), 4, "{}", stopped.summary());
    assert!(!dir.person(&jean.id).await.unwrap().unwrap().disabled, "a stopped run changes nothing");
    let report =
        run_ldif(&db, &config("sdet"), &file.0, &RunOptions { force: true, ..Default::default() }).await.unwrap();
    assert!(report.apply.applied, "{}", report.summary());
    assert_eq!(report.apply.people.removed, 1);
    assert!(dir.person(&jean.id).await.unwrap().unwrap().disabled);
    let a = dir.affiliations(&lea.id).await.unwrap();
    assert_eq!(a.classes.len(), 1, "{:?}", a.classes);
    assert_eq!(a.classes[0].1, "0691234A-CM2-B");
});

const PLAIN_LDIF: &str = "\
dn: ou=0691234A,ou=schools,dc=ent,dc=test
objectClass: organizationalUnit
businessCategory: school
ou: 0691234A
description: Ecole Jules Ferry
entryUUID: 10000000-0000-4000-8000-000000000001

dn: cn=CM1-A,ou=0691234A,ou=schools,dc=ent,dc=test
objectClass: groupOfNames
cn: CM1-A
businessCategory: CM1
member: uid=lea,ou=0691234A,ou=schools,dc=ent,dc=test
member: uid=claire,ou=0691234A,ou=schools,dc=ent,dc=test
entryUUID: 10000000-0000-4000-8000-000000000002

dn: uid=lea,ou=0691234A,ou=schools,dc=ent,dc=test
objectClass: inetOrgPerson
uid: lea
sn: Martin
givenName: Lea
cn: Lea Martin
employeeType: pupil
entryUUID: 10000000-0000-4000-8000-000000000010

dn: uid=claire,ou=0691234A,ou=schools,dc=ent,dc=test
objectClass: inetOrgPerson
uid: claire
sn: Petit
givenName: Claire
cn: Claire Petit
employeeType: teacher
entryUUID: 10000000-0000-4000-8000-000000000011

dn: uid=paul,ou=parents,dc=ent,dc=test
objectClass: inetOrgPerson
uid: paul
sn: Martin
givenName: Paul
cn: Paul Martin
employeeType: parent
seeAlso: uid=lea,ou=0691234A,ou=schools,dc=ent,dc=test
entryUUID: 10000000-0000-4000-8000-000000000012
";

both_backends!(plain_inetorgperson_preset, |db| async move {
    let file = ldif_file(PLAIN_LDIF);
    let report = run_ldif(&db, &config("inetorgperson"), &file.0, &RunOptions::default()).await.unwrap();
    assert!(
        report.apply.applied && report.apply.rejected.is_empty(),
        "{} {:?}",
        report.summary(),
        report.apply.rejected
    );
    assert_eq!(report.apply.people.added, 3);
    let dir = DirectoryStore::new(db.clone());
    let lea = dir.person_by_login("lea").await.unwrap().unwrap();
    let a = dir.affiliations(&lea.id).await.unwrap();
    assert_eq!(a.schools, vec!["0691234A".to_string()], "school from the tree");
    assert_eq!(a.classes.len(), 1, "membership from the class's members");
    let paul = dir.person_by_login("paul").await.unwrap().unwrap();
    assert_eq!(dir.affiliations(&paul.id).await.unwrap().children.len(), 1, "child from seeAlso");
});

both_backends!(dry_run_from_ldif_changes_nothing, |db| async move {
    let file = ldif_file(SDET_LDIF);
    let report =
        run_ldif(&db, &config("sdet"), &file.0, &RunOptions { dry_run: true, ..Default::default() }).await.unwrap();
    assert_eq!(report.apply.people.added, 4);
    assert!(!report.apply.applied);
    assert!(report.summary().contains("dry run"));
    assert!(DirectoryStore::new(db.clone()).person_by_login("lea.martin").await.unwrap().is_none());
});

/// Schools of two communes and one whose commune is only named; city agents of Lyon, of a
/// commune with no school, and of none; a teacher whose entry names a commune all the same.
const CITIES_LDIF: &str = "\
dn: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
objectClass: ENTStructure
ENTStructureUAI: 0691234A
ENTStructureNomCourant: Ecole Jules Ferry
l: Lyon
ENTStructureCodeCommune: 69123
entryUUID: 20000000-0000-4000-8000-000000000001

dn: ENTStructureUAI=0691235B,ou=structures,dc=ent,dc=test
objectClass: ENTStructure
ENTStructureUAI: 0691235B
ENTStructureNomCourant: Ecole Anatole France
l: Villeurbanne
ENTStructureCodeCommune: 69266
entryUUID: 20000000-0000-4000-8000-000000000002

dn: ENTStructureUAI=0691236C,ou=structures,dc=ent,dc=test
objectClass: ENTStructure
ENTStructureUAI: 0691236C
ENTStructureNomCourant: Ecole sans commune
l: Lyon
entryUUID: 20000000-0000-4000-8000-000000000003

dn: uid=agent.lyon,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
objectClass: ENTAuxPersColl
uid: agent.lyon
sn: Garnier
ENTPersonJointure: A1
ENTPersonLogin: agent.lyon
ENTPersonProfils: National_COL
ENTPersonStructRattach: ENTStructureUAI=0691235B,ou=structures,dc=ent,dc=test
ENTAuxPersCollCodeCommune: 69123
entryUUID: 20000000-0000-4000-8000-000000000010

dn: uid=agent.venissieux,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
objectClass: ENTAuxPersColl
uid: agent.venissieux
sn: Roux
ENTPersonJointure: A2
ENTPersonLogin: agent.venissieux
ENTPersonProfils: National_COL
ENTAuxPersCollCodeCommune: 69259
entryUUID: 20000000-0000-4000-8000-000000000011

dn: uid=agent.sans.ville,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
uid: agent.sans.ville
sn: Blanc
ENTPersonJointure: A3
ENTPersonLogin: agent.sans.ville
ENTPersonProfils: National_COL
ENTPersonStructRattach: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
entryUUID: 20000000-0000-4000-8000-000000000012

dn: uid=prof.lyon,ou=people,dc=ent,dc=test
objectClass: inetOrgPerson
objectClass: ENTPerson
uid: prof.lyon
sn: Petit
ENTPersonJointure: T1
ENTPersonLogin: prof.lyon
ENTPersonProfils: National_ENS
ENTPersonStructRattach: ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test
ENTAuxPersCollCodeCommune: 69123
entryUUID: 20000000-0000-4000-8000-000000000013
";

both_backends!(sdet_cities_are_mapped_and_what_is_missing_reported, |db| async move {
    let file = ldif_file(CITIES_LDIF);
    let report = run_ldif(&db, &config("sdet"), &file.0, &RunOptions::default()).await.unwrap();
    assert!(report.apply.applied && report.apply.rejected.is_empty(), "{:?}", report.apply.rejected);
    // Reported, not skipped: the school with a name but no code, the agent with no city, the
    // agent whose city has no school. Nothing about the teacher.
    let mut warned: Vec<&str> = report.apply.warnings.iter().map(|(dn, _)| dn.as_str()).collect();
    warned.sort_unstable();
    assert_eq!(
        warned,
        [
            "ENTStructureUAI=0691236C,ou=structures,dc=ent,dc=test",
            "uid=agent.sans.ville,ou=people,dc=ent,dc=test",
            "uid=agent.venissieux,ou=people,dc=ent,dc=test",
        ],
        "{:?}",
        report.apply.warnings
    );
    assert_eq!(report.exit_code(), 0, "warnings leave the exit code alone");
    assert!(report.summary().contains("warnings 3"), "{}", report.summary());

    let dir = DirectoryStore::new(db.clone());
    let schools_of = |login: &'static str| {
        let dir = dir.clone();
        async move {
            let person = dir.person_by_login(login).await.unwrap().unwrap();
            let a = dir.affiliations(&person.id).await.unwrap();
            (a.city.map(|c| (c.code, c.name)), a.schools)
        }
    };
    let (city, schools) = schools_of("agent.lyon").await;
    assert_eq!(city, Some(("69123".to_string(), "Lyon".to_string())));
    assert_eq!(schools, ["0691234A"], "not Villeurbanne's school, not the school of no known city");
    for agent in ["agent.venissieux", "agent.sans.ville"] {
        assert_eq!(schools_of(agent).await, (None, vec![]), "{agent}");
    }
    assert_eq!(schools_of("prof.lyon").await, (None, vec!["0691234A".to_string()]));
});

/// The plain preset: the school's commune in two values of `l`, the agent's in `departmentNumber`.
const PLAIN_CITIES_LDIF: &str = "\
dn: ou=0691234A,ou=schools,dc=ent,dc=test
objectClass: organizationalUnit
businessCategory: school
ou: 0691234A
description: Ecole Jules Ferry
l: 69123
l: Lyon
entryUUID: 30000000-0000-4000-8000-000000000001

dn: ou=0691235B,ou=schools,dc=ent,dc=test
objectClass: organizationalUnit
businessCategory: school
ou: 0691235B
description: Ecole Anatole France
l: Villeurbanne
l: 69266
entryUUID: 30000000-0000-4000-8000-000000000002

dn: uid=agent,ou=ville,dc=ent,dc=test
objectClass: inetOrgPerson
uid: agent
sn: Garnier
employeeType: city_agent
departmentNumber: 69266
entryUUID: 30000000-0000-4000-8000-000000000010
";

both_backends!(plain_preset_cities, |db| async move {
    let file = ldif_file(PLAIN_CITIES_LDIF);
    let report = run_ldif(&db, &config("inetorgperson"), &file.0, &RunOptions::default()).await.unwrap();
    assert!(report.apply.applied && report.apply.rejected.is_empty(), "{}", report.summary());
    assert!(report.apply.warnings.is_empty(), "{:?}", report.apply.warnings);
    let dir = DirectoryStore::new(db.clone());
    let agent = dir.person_by_login("agent").await.unwrap().unwrap();
    let a = dir.affiliations(&agent.id).await.unwrap();
    assert_eq!(a.city.map(|c| (c.code, c.name)), Some(("69266".to_string(), "Villeurbanne".to_string())));
    assert_eq!(a.schools, ["0691235B"]);
});

both_backends!(the_generated_directory_round_trips_its_cities, |db| async move {
    // Four schools: two in the département's main city, two in neighbouring towns.
    let generated =
        generate(&GenerateOptions { schools: 4, classes_per_school: 2, pupils_per_class: 2, ..Default::default() });
    let mut ldif = Vec::new();
    write_ldif(&generated, "dc=ent,dc=test", &mut ldif).unwrap();
    let file = ldif_file(std::str::from_utf8(&ldif).unwrap());
    let report = run_ldif(&db, &config("sdet"), &file.0, &RunOptions::default()).await.unwrap();
    assert!(report.apply.applied && report.apply.rejected.is_empty(), "{:?}", report.apply.rejected);
    assert!(report.apply.warnings.is_empty(), "{:?}", report.apply.warnings);

    let snap = &generated.snapshot;
    for school in &snap.schools {
        let row: (Option<String>, Option<String>) =
            sqlx::query_as("SELECT city_code, city_name FROM schools WHERE uai = $1")
                .bind(&school.uai)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        let city = school.city.clone().unwrap();
        assert_eq!(row, (Some(city.code), Some(city.name)), "{}", school.uai);
    }
    let demo_city = snap.schools[0].city.clone().unwrap();
    let mut expected: Vec<String> =
        snap.schools.iter().filter(|s| s.city.as_ref() == Some(&demo_city)).map(|s| s.uai.clone()).collect();
    expected.sort();
    assert!(expected.len() < snap.schools.len(), "some school is in another city");
    let dir = DirectoryStore::new(db.clone());
    let agent = dir.person_by_login("agent.demo").await.unwrap().unwrap();
    let a = dir.affiliations(&agent.id).await.unwrap();
    assert_eq!(a.city, Some(demo_city));
    assert_eq!(a.schools, expected);
});
