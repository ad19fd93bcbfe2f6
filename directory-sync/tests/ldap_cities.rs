//! Cities through a real OpenLDAP slapd (the schema's city attributes, the standard `l` and
//! `departmentNumber`): the generated directory's schools and demo agent with the `sdet`
//! preset, then changes read incrementally (a school's commune removed, an agent moved to a
//! commune with no school); and the plain `inetorgperson` preset. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use ent_directory_sync::generate::{GenerateOptions, Generated, generate};
use ent_directory_sync::ldif_out::{school_dn, write_ldif};
use ent_directory_sync::run::{RunOptions, RunReport, SyncConfig, run_ldap};
use ent_directory_sync::testing::{Slapd, SlapdOptions, require_slapd};
use ent_idp::both_backends;
use ent_idp::db::Db;
use ent_idp::model::City;
use ent_idp::store::directory::DirectoryStore;

const BASE: &str = "dc=ent,dc=test";

struct Fixture {
    slapd: Slapd,
    generated: Generated,
    dir: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A slapd holding a generated network of four schools (two cities at least, unless the
/// département is Paris's, one commune).
async fn fixture() -> Fixture {
    let generated = generate(&GenerateOptions { schools: 4, classes_per_school: 2, pupils_per_class: 2, seed: 2026 });
    let dir = std::env::temp_dir().join(format!("ent-ldap-cities-{}", ent_idp::secret::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ldif = dir.join("directory.ldif");
    write_ldif(&generated, BASE, &mut std::fs::File::create(&ldif).unwrap()).unwrap();
    let options = SlapdOptions { ldif: Some(ldif), sessionlog: true, ..Default::default() };
    let slapd = Slapd::start(options).await.unwrap();
    std::fs::write(dir.join("bind-password"), slapd.sync_password()).unwrap();
    Fixture { slapd, generated, dir }
}

impl Fixture {
    fn config(&self, preset: &str, base_dn: &str) -> SyncConfig {
        SyncConfig::from_toml(&format!(
            "preset = \"{preset}\"\n[source]\nname = \"annuaire-{preset}\"\nurl = \"{}\"\nbind_dn = \"{}\"\n\
             bind_password_file = \"{}\"\nbase_dn = \"{base_dn}\"\n",
            self.slapd.url(),
            self.slapd.sync_dn(),
            self.dir.join("bind-password").display()
        ))
        .unwrap()
    }
}

async fn sync(db: &Db, cfg: &SyncConfig) -> RunReport {
    let report = run_ldap(db, cfg, &RunOptions::default(), &|_| {}).await.unwrap();
    eprintln!("{}", report.summary());
    assert!(report.apply.applied && report.apply.rejected.is_empty(), "{:?}", report.apply.rejected);
    report
}

/// The city a person serves and the schools they get.
async fn served(db: &Db, login: &str) -> (Option<City>, Vec<String>) {
    let dir = DirectoryStore::new(db.clone());
    let person = dir.person_by_login(login).await.unwrap().unwrap();
    let a = dir.affiliations(&person.id).await.unwrap();
    (a.city, a.schools)
}

both_backends!(the_demo_agent_serves_the_demo_schools_city_through_slapd, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture().await;
    let cfg = f.config("sdet", BASE);
    let r = sync(&db, &cfg).await;
    assert!(r.apply.warnings.is_empty(), "{:?}", r.apply.warnings);
    let schools = &f.generated.snapshot.schools;
    let city = schools[0].city.clone().unwrap();
    let of_city = |city: &City| {
        let mut uais: Vec<String> =
            schools.iter().filter(|s| s.city.as_ref() == Some(city)).map(|s| s.uai.clone()).collect();
        uais.sort();
        uais
    };
    assert_eq!(served(&db, "agent.demo").await, (Some(city.clone()), of_city(&city)));
    assert_eq!(served(&db, "enseignant.demo").await.0, None, "a teacher serves no city");

    // The directory loses the demo school's commune code: the school stays, without a city
    // (reported), and the agent no longer gets it.
    let demo_school = school_dn(&schools[0].uai, BASE);
    f.slapd
        .modify(&format!("dn: {demo_school}\nchangetype: modify\ndelete: ENTStructureCodeCommune\n-\n"))
        .await
        .unwrap();
    let r = sync(&db, &cfg).await;
    assert_eq!(r.apply.schools.updated, 1, "{}", r.summary());
    assert!(
        r.apply.warnings.iter().any(|(dn, why)| dn == &demo_school && why.contains("INSEE")),
        "{:?}",
        r.apply.warnings
    );
    let rest: Vec<String> = of_city(&city).into_iter().filter(|uai| uai != &schools[0].uai).collect();
    let expected_city = (!rest.is_empty()).then(|| city.clone());
    assert_eq!(served(&db, "agent.demo").await, (expected_city, rest));

    // The agent now serves a commune with no school (Ajaccio): reported, and no school at all.
    f.slapd
        .modify(&format!(
            "dn: uid=agent.demo,ou=people,{BASE}\nchangetype: modify\nreplace: ENTAuxPersCollCodeCommune\n\
             ENTAuxPersCollCodeCommune: 2A004\n-\n"
        ))
        .await
        .unwrap();
    let r = sync(&db, &cfg).await;
    assert!(
        r.apply.warnings.iter().any(|(dn, why)| dn.starts_with("uid=agent.demo,") && why.contains("2A004")),
        "{:?}",
        r.apply.warnings
    );
    assert_eq!(served(&db, "agent.demo").await, (None, vec![]));
});

both_backends!(the_plain_preset_reads_cities_from_l_and_department_number_through_slapd, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture().await;
    let plain = format!("ou=plain,{BASE}");
    f.slapd
        .modify(&format!(
            "dn: {plain}\nchangetype: add\nobjectClass: organizationalUnit\nou: plain\n\n\
             dn: ou=0691234A,{plain}\nchangetype: add\nobjectClass: organizationalUnit\nbusinessCategory: school\n\
             ou: 0691234A\ndescription: Ecole Jules Ferry\nl: Lyon\nl: 69123\n\n\
             dn: ou=0691235B,{plain}\nchangetype: add\nobjectClass: organizationalUnit\nbusinessCategory: school\n\
             ou: 0691235B\ndescription: Ecole Anatole France\nl: 69266\nl: Villeurbanne\n\n\
             dn: uid=agent.plain,{plain}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: agent.plain\n\
             cn: Agent Plain\nsn: Plain\nemployeeType: city_agent\ndepartmentNumber: 69123\n"
        ))
        .await
        .unwrap();
    let r = sync(&db, &f.config("inetorgperson", &plain)).await;
    assert!(r.apply.warnings.is_empty(), "{:?}", r.apply.warnings);
    let lyon = City { code: "69123".into(), name: "Lyon".into() };
    assert_eq!(served(&db, "agent.plain").await, (Some(lyon), vec!["0691234A".to_string()]));
});
