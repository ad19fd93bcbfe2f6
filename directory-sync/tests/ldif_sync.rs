//! The mapping and the apply step end to end, from LDIF (no LDAP server): the SDET preset, the
//! plain inetOrgPerson preset, an entry that cannot be mapped, and a second run after changes.
//! Every test runs on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::io::Write;

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
    assert!(pa.children[0].2, "Paul has parental authority");
    assert!(!ja.children[0].2, "Jean is a parent without parental authority");
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
