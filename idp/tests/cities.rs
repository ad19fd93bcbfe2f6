#![allow(clippy::unwrap_used)]

//! Cities, on SQLite and PostgreSQL: the commune of each school and the city a city agent
//! serves, as the directory keeps them, and the `ent_city` and `ent_schools` claims they give —
//! a city agent's schools are exactly those of their city, and none without one (fail closed).

use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::both_backends;
use ent_idp::config::Config;
use ent_idp::db::Db;
use ent_idp::model::{City, Profile};
use ent_idp::oauth::claims::user_claims;
use ent_idp::state::AppState;
use ent_idp::store::directory::{DirectoryStore, Person, School, Snapshot};
use serde_json::json;

fn lyon() -> City {
    City { code: "69123".into(), name: "Lyon".into() }
}

fn villeurbanne() -> City {
    City { code: "69266".into(), name: "Villeurbanne".into() }
}

fn school(id: &str, uai: &str, city: Option<City>) -> School {
    School { id: id.into(), uai: uai.into(), name: format!("École {uai}"), external_id: None, city }
}

fn person(id: &str, profile: Profile) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: id.into(),
        profile,
        given_name: format!("Given {id}"),
        family_name: format!("Family {id}"),
        email: Some(format!("{id}@example.org")),
        external_id: None,
        disabled: false,
    }
}

/// Two schools in Lyon, one in Villeurbanne, one whose commune the directory does not give.
/// City agents: of Lyon (whom the directory also attaches to the Villeurbanne school), of
/// Vénissieux (a commune with no school here), and of no city (attached to a Lyon school); a
/// teacher of a Lyon school whom the snapshot gives a city all the same.
fn network() -> Snapshot {
    Snapshot {
        schools: vec![
            school("lyon-b", "0690002B", Some(lyon())),
            school("lyon-a", "0690001A", Some(lyon())),
            school("villeurbanne", "0690003C", Some(villeurbanne())),
            school("nowhere", "0690004D", None),
        ],
        people: vec![
            person("agent-lyon", Profile::CityAgent),
            person("agent-venissieux", Profile::CityAgent),
            person("agent-none", Profile::CityAgent),
            person("teacher", Profile::Teacher),
        ],
        person_schools: vec![
            ("agent-lyon".into(), "villeurbanne".into()),
            ("agent-none".into(), "lyon-a".into()),
            ("teacher".into(), "lyon-a".into()),
        ],
        agent_cities: vec![
            ("agent-lyon".into(), "69123".into()),
            ("agent-venissieux".into(), "69259".into()),
            ("teacher".into(), "69123".into()),
        ],
        ..Snapshot::default()
    }
}

async fn directory(db: &Db) -> DirectoryStore {
    let dir = DirectoryStore::new(db.clone());
    dir.import(&network()).await.unwrap();
    dir
}

both_backends!(a_city_agent_has_exactly_the_schools_of_their_city, |db| async move {
    let dir = directory(&db).await;
    let a = dir.affiliations("agent-lyon").await.unwrap();
    assert_eq!(a.city, Some(lyon()));
    // Neither the school of another city (though the directory attaches the agent to it) nor
    // the school whose city is unknown.
    assert_eq!(a.schools, ["0690001A", "0690002B"]);
    assert!(a.classes.is_empty() && a.children.is_empty() && a.roles.is_empty());
});

both_backends!(a_city_agent_without_a_city_with_schools_has_no_school, |db| async move {
    let dir = directory(&db).await;
    for agent in ["agent-none", "agent-venissieux"] {
        let a = dir.affiliations(agent).await.unwrap();
        assert_eq!(a.city, None, "{agent}");
        assert!(a.schools.is_empty(), "{agent} is attached to no city's schools: {:?}", a.schools);
    }
});

both_backends!(other_profiles_have_no_city_and_keep_their_schools, |db| async move {
    let dir = directory(&db).await;
    let a = dir.affiliations("teacher").await.unwrap();
    assert_eq!(a.city, None, "only a city agent serves a city");
    assert_eq!(a.schools, ["0690001A"]);
    let kept: Option<String> =
        sqlx::query_scalar("SELECT city_code FROM people WHERE id = 'teacher'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(kept, None, "a teacher's city is not even kept");
});

both_backends!(a_new_snapshot_replaces_the_cities, |db| async move {
    let dir = directory(&db).await;
    // The agent now serves Villeurbanne; the Lyon schools moved to no city.
    let mut snap = network();
    snap.schools[0].city = None;
    snap.schools[1].city = None;
    snap.agent_cities = vec![("agent-lyon".into(), "69266".into())];
    dir.import(&snap).await.unwrap();
    let a = dir.affiliations("agent-lyon").await.unwrap();
    assert_eq!((a.city, a.schools), (Some(villeurbanne()), vec!["0690003C".to_string()]));
    // Named again without a city: the agent serves none.
    snap.agent_cities.clear();
    dir.import(&snap).await.unwrap();
    let a = dir.affiliations("agent-lyon").await.unwrap();
    assert_eq!((a.city, a.schools.len()), (None, 0));
    // A school of Villeurbanne whose name the directory spells another way: the city keeps the
    // name of its first school by UAI, on either backend.
    let shouted = City { name: "VILLEURBANNE".into(), ..villeurbanne() };
    snap.schools.insert(0, school("villeurbanne-2", "0690005E", Some(shouted)));
    snap.agent_cities = vec![("agent-lyon".into(), "69266".into())];
    dir.import(&snap).await.unwrap();
    let a = dir.affiliations("agent-lyon").await.unwrap();
    assert_eq!(a.city, Some(villeurbanne()));
    assert_eq!(a.schools, ["0690003C", "0690005E"]);
});

both_backends!(the_ent_claims_carry_the_city_of_city_agents_only, |db| async move {
    directory(&db).await;
    let config = Config::new(url::Url::parse("http://localhost:8400").unwrap(), String::new());
    let state = AppState::with_db(config, db.clone()).await.unwrap();
    let mut spec = ClientSpec::new("Outil", vec!["https://tool.example/cb".into()]);
    spec.scopes = ["openid", "profile", "ent"].map(String::from).to_vec();
    let client = register_client(&state.clients, &state.audit, spec).await.unwrap().client;
    let claims = |id: &'static str, scopes: &'static [&'static str]| {
        let (state, client) = (state.clone(), client.clone());
        async move {
            let person = state.directory.person(id).await.unwrap().unwrap();
            user_claims(&state, &client, &person, scopes).await.unwrap()
        }
    };

    let c = claims("agent-lyon", &["openid", "ent"]).await;
    assert_eq!(c["ent_profile"], "city_agent");
    assert_eq!(c["ent_city"], json!({"code": "69123", "name": "Lyon"}));
    assert_eq!(c["ent_schools"], json!(["0690001A", "0690002B"]));
    // Only with the `ent` scope.
    let c = claims("agent-lyon", &["openid", "profile"]).await;
    assert!(c.get("ent_city").is_none() && c.get("ent_schools").is_none(), "{c:?}");
    // Fail closed: no city, no school, and no `ent_city` at all.
    for agent in ["agent-none", "agent-venissieux"] {
        let c = claims(agent, &["openid", "ent"]).await;
        assert!(c.get("ent_city").is_none(), "{agent}: {c:?}");
        assert_eq!(c["ent_schools"], json!([]), "{agent}");
    }
    let c = claims("teacher", &["openid", "ent"]).await;
    assert!(c.get("ent_city").is_none(), "{c:?}");
    assert_eq!(c["ent_schools"], json!(["0690001A"]));
});
