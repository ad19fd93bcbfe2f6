//! Who a client sees: the subject identifier (public for first-party services, pairwise for the
//! schools' own tools, OIDC Core §8) and the claims its granted scopes release — nothing more.

use ent_claims::{ClassRef, ClassRole, SchoolRole, StaffRole};
use serde_json::{Map, Value, json};

use crate::secret;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::directory::Person;

/// Scopes the provider knows. A client may ask only for those it was registered with.
pub const SUPPORTED_SCOPES: [&str; 5] = ["openid", "profile", "email", "ent", "offline_access"];

/// Claims the provider can release (advertised in discovery).
pub const SUPPORTED_CLAIMS: [&str; 24] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "amr",
    "acr",
    "azp",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "email",
    "email_verified",
    "ent_profile",
    "ent_schools",
    "ent_classes",
    "ent_children",
    "ent_roles",
    "ent_city",
    "sid",
];

/// The `sub` a client sees for a person (or a child of that person).
pub fn subject_for(state: &AppState, client: &Client, public_sub: &str) -> String {
    if client.first_party {
        public_sub.to_string()
    } else {
        // The sector is the client itself: two tools never share a subject for one child.
        secret::hmac_b64(&state.pairwise_secret, &format!("{}\u{1f}{}", client.id, public_sub))
    }
}

/// The claims released for these scopes (without `sub`).
pub async fn user_claims(
    state: &AppState,
    client: &Client,
    person: &Person,
    scopes: &[&str],
) -> Result<Map<String, Value>, crate::db::DbError> {
    let mut c = Map::new();
    if scopes.contains(&"profile") {
        c.insert("name".into(), json!(format!("{} {}", person.given_name, person.family_name)));
        c.insert("given_name".into(), json!(person.given_name));
        c.insert("family_name".into(), json!(person.family_name));
        if client.first_party {
            c.insert("preferred_username".into(), json!(person.login));
        }
    }
    if scopes.contains(&"email")
        && !person.profile.is_minor()
        && let Some(email) = &person.email
    {
        {
            c.insert("email".into(), json!(email));
            // Addresses come from the school directory, which vouches for them.
            c.insert("email_verified".into(), json!(true));
        }
    }
    if scopes.contains(&"ent") {
        let a = state.directory.affiliations_of(person).await?;
        c.insert("ent_profile".into(), json!(person.profile.as_str()));
        c.insert("ent_schools".into(), json!(a.schools));
        // A membership stored with a word the claims do not know is left out (fail closed).
        let classes: Vec<ClassRef> = a
            .classes
            .iter()
            .filter_map(|(id, name, uai, role)| {
                let role = ClassRole::parse(role)?;
                Some(ClassRef { id: id.clone(), name: name.clone(), school: uai.clone(), role })
            })
            .collect();
        c.insert("ent_classes".into(), json!(classes));
        if !a.children.is_empty() {
            let children: Vec<Value> = a
                .children
                .iter()
                .map(|k| {
                    let mut child = json!({
                        "sub": subject_for(state, client, &k.sub),
                        "class": k.class.as_ref().map(|(id, _, _)| id),
                        "legal_guardian": k.legal_guardian,
                    });
                    // What the parent's pages call the child's class, and its school.
                    if let Some((_, name, uai)) = &k.class {
                        child["class_name"] = json!(name);
                        child["school"] = json!(uai);
                    }
                    // The child's first name, what the parent's pages call them, only where the
                    // `profile` scope releases names at all.
                    if scopes.contains(&"profile") {
                        child["given_name"] = json!(k.given_name);
                    }
                    child
                })
                .collect();
            c.insert("ent_children".into(), Value::Array(children));
        }
        let roles: Vec<SchoolRole> = a
            .roles
            .iter()
            .map(|(uai, role)| SchoolRole { school: uai.clone(), role: StaffRole::parse(role) })
            .collect();
        c.insert("ent_roles".into(), json!(roles));
        // Only a city agent whose city has schools: what their `ent_schools` are the schools of.
        if let Some(city) = &a.city {
            c.insert("ent_city".into(), json!(city));
        }
    }
    Ok(c)
}
