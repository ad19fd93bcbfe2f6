//! Test helpers (feature `testing`): an issuer that mints portlet tokens with a test key (so a
//! portlet's tests need no running provider), and a small network of two schools whose people
//! cover every profile and every kind of link, with the rosters the provider would serve; the
//! one router harness ([`Harness`]) and the entitlement-matrix runner ([`Matrix`]) every
//! portlet's tests use; a test SMTP server ([`SmtpReceiver`]) that keeps the mail it receives.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::directory::{ClassRoster, Directory, Guardian, Member, Pupil, SchoolName, SchoolStaff, StaffMember};
use crate::identity::{Child, ClassRef, ClassRole, Identity, Profile, SchoolRole, StaffRole};
use crate::verify::Verifier;

mod harness;
mod matrix;
mod smtp;

pub use harness::{Answer, Harness, ORIGIN_KEY, ORIGIN_URL, TestFile, multipart};
pub use matrix::{Expect, Matrix, NO_CLASS_CONTENT, Route};
pub use smtp::{MAIL_WAIT, Received, SmtpReceiver, TEST_SENDER, closed_port};

pub const ISSUER: &str = "https://idp.test";
pub const PORTAL: &str = "portal";

/// Mints tokens as the provider would, with its own ES256 key.
pub struct TestIssuer {
    pub issuer: String,
    pub kid: String,
    key: EncodingKey,
    jwk: Value,
}

impl TestIssuer {
    /// A new issuer for [`ISSUER`] with a fresh key named `test-key`.
    pub fn new() -> TestIssuer {
        TestIssuer::with_kid("test-key")
    }

    /// A new issuer with a fresh key of that id (another issuer with the same `kid` forges).
    pub fn with_kid(kid: &str) -> TestIssuer {
        crate::crypto::install();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("cannot generate a test key");
        let key = EncodingKey::from_ec_der(pkcs8.as_ref());
        let mut jwk = serde_json::to_value(Jwk::from_encoding_key(&key, Algorithm::ES256).expect("test JWK"))
            .expect("test JWK as JSON");
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!("ES256");
        jwk["use"] = json!("sig");
        TestIssuer { issuer: ISSUER.into(), kid: kid.into(), key, jwk }
    }

    /// The JWKS document this issuer publishes.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk.clone()] })
    }

    /// A verifier for `audience` that trusts this issuer's key.
    pub fn verifier(&self, audience: &str) -> Arc<Verifier> {
        Verifier::with_jwks(&self.issuer, audience, &self.jwks()).expect("test verifier")
    }

    /// The claims the provider's token exchange would put in a token for this identity.
    pub fn claims(&self, who: &Identity, audience: &str) -> Map<String, Value> {
        let now = crate::now();
        let mut c = Map::new();
        c.insert("iss".into(), json!(self.issuer));
        c.insert("aud".into(), json!(audience));
        c.insert("sub".into(), json!(who.sub));
        c.insert("client_id".into(), json!(PORTAL));
        c.insert("scope".into(), json!("openid profile ent"));
        c.insert("iat".into(), json!(now));
        c.insert("exp".into(), json!(now + 300));
        c.insert("jti".into(), json!(format!("jti-{}-{now}", who.sub)));
        if let Some(name) = &who.name {
            c.insert("name".into(), json!(name));
        }
        c.insert("ent_profile".into(), json!(who.profile.as_str()));
        c.insert("ent_schools".into(), json!(who.schools));
        c.insert("ent_classes".into(), json!(who.classes));
        c.insert("ent_children".into(), json!(who.children));
        c.insert("ent_roles".into(), json!(who.roles));
        if let Some(at) = who.auth_time {
            c.insert("auth_time".into(), json!(at));
        }
        if let Some(at) = who.session_start {
            c.insert("ent_session_start".into(), json!(at));
        }
        c
    }

    /// A valid token for this identity and audience.
    pub fn token(&self, who: &Identity, audience: &str) -> String {
        self.sign(&self.claims(who, audience))
    }

    /// A token with the claims changed by `edit` (expired, another audience, …).
    pub fn token_with(&self, who: &Identity, audience: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut c = self.claims(who, audience);
        edit(&mut c);
        self.sign(&c)
    }

    /// Signs claims with `typ: at+jwt` and this issuer's key.
    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        self.sign_with_type(claims, Some("at+jwt"))
    }

    pub fn sign_with_type(&self, claims: &Map<String, Value>, typ: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.key).expect("test token")
    }
}

impl Default for TestIssuer {
    fn default() -> Self {
        TestIssuer::new()
    }
}

/// School A and its classes, school B and its class.
pub const SCHOOL_A: &str = "0750001A";
pub const SCHOOL_B: &str = "0750002B";
pub const CLASS_A1: &str = "class-a1";
pub const CLASS_A2: &str = "class-a2";
pub const CLASS_B1: &str = "class-b1";

/// Two schools, three classes, and one person of every kind the entitlement rules tell apart.
#[derive(Clone, Debug)]
pub struct Network {
    /// Teacher of A1.
    pub teacher_a1: Identity,
    /// Teacher of A2.
    pub teacher_a2: Identity,
    /// Teacher of B1.
    pub teacher_b1: Identity,
    /// Director of school A (teaches no class).
    pub director_a: Identity,
    /// Director of school B.
    pub director_b: Identity,
    /// Pupils: two in A1, one in A2, one in B1.
    pub pupil_a1: Identity,
    pub pupil_a1_bis: Identity,
    pub pupil_a2: Identity,
    pub pupil_b1: Identity,
    /// Parent with parental authority over `pupil_a1`.
    pub parent_a1: Identity,
    /// Parent of `pupil_a1` without parental authority.
    pub parent_a1_no_authority: Identity,
    /// Parent with authority over `pupil_a2`.
    pub parent_a2: Identity,
    /// Parent with authority over `pupil_b1`.
    pub parent_b1: Identity,
    pub staff_a: Identity,
    pub city_agent: Identity,
    pub admin: Identity,
}

fn person(sub: &str, name: &str, profile: Profile, schools: &[&str]) -> Identity {
    Identity {
        sub: sub.into(),
        name: Some(name.into()),
        profile,
        schools: schools.iter().map(|s| s.to_string()).collect(),
        classes: vec![],
        children: vec![],
        roles: vec![],
        client_id: PORTAL.into(),
        scopes: vec!["openid".into(), "profile".into(), "ent".into()],
        expires_at: crate::now() + 300,
        auth_time: None,
        session_start: None,
    }
}

fn class(id: &str, school: &str, role: ClassRole) -> ClassRef {
    let name = match id {
        CLASS_A1 => "CM1 A",
        CLASS_A2 => "CE2 A",
        _ => "CP B",
    };
    ClassRef { id: id.into(), name: name.into(), school: school.into(), role }
}

fn in_class(mut who: Identity, id: &str, school: &str, role: ClassRole) -> Identity {
    who.classes.push(class(id, school, role));
    who
}

fn parent_of(mut who: Identity, child: &Identity, legal: bool) -> Identity {
    let class = child.classes.first();
    let given_name = child.name.as_deref().and_then(|n| n.split_whitespace().next()).map(str::to_owned);
    who.children.push(Child {
        sub: child.sub.clone(),
        class: class.map(|c| c.id.clone()),
        legal_guardian: legal,
        given_name,
        class_name: class.map(|c| c.name.clone()),
        school: class.map(|c| c.school.clone()),
    });
    who
}

fn role(mut who: Identity, school: &str, role: StaffRole) -> Identity {
    who.roles.push(SchoolRole { school: school.into(), role });
    who
}

impl Network {
    pub fn new() -> Network {
        let pupil_a1 = in_class(
            person("pupil-a1", "Léa Dupont", Profile::Pupil, &[SCHOOL_A]),
            CLASS_A1,
            SCHOOL_A,
            ClassRole::Pupil,
        );
        let pupil_a1_bis = in_class(
            person("pupil-a1-bis", "Noé Martin", Profile::Pupil, &[SCHOOL_A]),
            CLASS_A1,
            SCHOOL_A,
            ClassRole::Pupil,
        );
        let pupil_a2 = in_class(
            person("pupil-a2", "Inès Roux", Profile::Pupil, &[SCHOOL_A]),
            CLASS_A2,
            SCHOOL_A,
            ClassRole::Pupil,
        );
        let pupil_b1 = in_class(
            person("pupil-b1", "Hugo Petit", Profile::Pupil, &[SCHOOL_B]),
            CLASS_B1,
            SCHOOL_B,
            ClassRole::Pupil,
        );
        Network {
            teacher_a1: in_class(
                person("teacher-a1", "Camille Bernard", Profile::Teacher, &[SCHOOL_A]),
                CLASS_A1,
                SCHOOL_A,
                ClassRole::Teacher,
            ),
            teacher_a2: in_class(
                person("teacher-a2", "Julien Moreau", Profile::Teacher, &[SCHOOL_A]),
                CLASS_A2,
                SCHOOL_A,
                ClassRole::Teacher,
            ),
            teacher_b1: in_class(
                person("teacher-b1", "Sophie Laurent", Profile::Teacher, &[SCHOOL_B]),
                CLASS_B1,
                SCHOOL_B,
                ClassRole::Teacher,
            ),
            director_a: role(
                person("director-a", "Anne Girard", Profile::Director, &[SCHOOL_A]),
                SCHOOL_A,
                StaffRole::Director,
            ),
            director_b: role(
                person("director-b", "Marc Lefèvre", Profile::Director, &[SCHOOL_B]),
                SCHOOL_B,
                StaffRole::Director,
            ),
            parent_a1: parent_of(person("parent-a1", "Marie Dupont", Profile::Parent, &[SCHOOL_A]), &pupil_a1, true),
            parent_a1_no_authority: parent_of(
                person("parent-a1-bis", "Paul Dupont", Profile::Parent, &[SCHOOL_A]),
                &pupil_a1,
                false,
            ),
            parent_a2: parent_of(person("parent-a2", "Karim Roux", Profile::Parent, &[SCHOOL_A]), &pupil_a2, true),
            parent_b1: parent_of(person("parent-b1", "Lucie Petit", Profile::Parent, &[SCHOOL_B]), &pupil_b1, true),
            staff_a: role(
                person("staff-a", "Nadia Blanc", Profile::Staff, &[SCHOOL_A]),
                SCHOOL_A,
                StaffRole::Other("secretariat".into()),
            ),
            city_agent: person("city-agent", "Yves Mercier", Profile::CityAgent, &[]),
            admin: person("admin", "Admin ENT", Profile::Admin, &[]),
            pupil_a1,
            pupil_a1_bis,
            pupil_a2,
            pupil_b1,
        }
    }

    /// Everyone, with a label for test messages.
    pub fn everyone(&self) -> Vec<(&'static str, &Identity)> {
        vec![
            ("teacher_a1", &self.teacher_a1),
            ("teacher_a2", &self.teacher_a2),
            ("teacher_b1", &self.teacher_b1),
            ("director_a", &self.director_a),
            ("director_b", &self.director_b),
            ("pupil_a1", &self.pupil_a1),
            ("pupil_a1_bis", &self.pupil_a1_bis),
            ("pupil_a2", &self.pupil_a2),
            ("pupil_b1", &self.pupil_b1),
            ("parent_a1", &self.parent_a1),
            ("parent_a1_no_authority", &self.parent_a1_no_authority),
            ("parent_a2", &self.parent_a2),
            ("parent_b1", &self.parent_b1),
            ("staff_a", &self.staff_a),
            ("city_agent", &self.city_agent),
            ("admin", &self.admin),
        ]
    }

    /// The network's pupils, with their labels in [`Network::everyone`]: whose names the
    /// matrices check a page does or does not show.
    pub fn pupils(&self) -> Vec<(&'static str, &Identity)> {
        self.everyone().into_iter().filter(|(_, who)| who.profile == Profile::Pupil).collect()
    }

    /// The rosters the provider's directory API would give for the three classes.
    pub fn directory(&self) -> Directory {
        let schools = vec![
            SchoolName { uai: SCHOOL_A.into(), name: "École A".into() },
            SchoolName { uai: SCHOOL_B.into(), name: "École B".into() },
        ];
        Directory::fixed_with(self.rosters(), self.staff(), schools)
    }

    /// The adults who work at each school, as the provider's directory API would give them.
    pub fn staff(&self) -> Vec<SchoolStaff> {
        let member = |p: &Identity, school: &str| StaffMember {
            sub: p.sub.clone(),
            name: p.display_name().into(),
            profile: p.profile,
            roles: p.roles.iter().filter(|r| r.school == school).map(|r| r.role.clone()).collect(),
        };
        let mut a = vec![
            member(&self.director_a, SCHOOL_A),
            member(&self.staff_a, SCHOOL_A),
            member(&self.teacher_a1, SCHOOL_A),
            member(&self.teacher_a2, SCHOOL_A),
        ];
        let mut b = vec![member(&self.director_b, SCHOOL_B), member(&self.teacher_b1, SCHOOL_B)];
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        vec![SchoolStaff { school: SCHOOL_A.into(), staff: a }, SchoolStaff { school: SCHOOL_B.into(), staff: b }]
    }

    /// The three classes' rosters, for a test that extends one (a family of its own) before
    /// making them a [`Directory`].
    pub fn rosters(&self) -> Vec<ClassRoster> {
        let member = |p: &Identity| Member { sub: p.sub.clone(), name: p.display_name().into() };
        let guardian = |p: &Identity, legal: bool| Guardian {
            sub: p.sub.clone(),
            name: p.display_name().into(),
            legal_guardian: legal,
        };
        let pupil = |p: &Identity, guardians: Vec<Guardian>| Pupil {
            sub: p.sub.clone(),
            name: p.display_name().into(),
            guardians,
        };
        vec![
            ClassRoster {
                id: CLASS_A1.into(),
                name: "CM1 A".into(),
                school: SCHOOL_A.into(),
                teachers: vec![member(&self.teacher_a1)],
                pupils: vec![
                    pupil(
                        &self.pupil_a1,
                        vec![guardian(&self.parent_a1, true), guardian(&self.parent_a1_no_authority, false)],
                    ),
                    pupil(&self.pupil_a1_bis, vec![]),
                ],
            },
            ClassRoster {
                id: CLASS_A2.into(),
                name: "CE2 A".into(),
                school: SCHOOL_A.into(),
                teachers: vec![member(&self.teacher_a2)],
                pupils: vec![pupil(&self.pupil_a2, vec![guardian(&self.parent_a2, true)])],
            },
            ClassRoster {
                id: CLASS_B1.into(),
                name: "CP B".into(),
                school: SCHOOL_B.into(),
                teachers: vec![member(&self.teacher_b1)],
                pupils: vec![pupil(&self.pupil_b1, vec![guardian(&self.parent_b1, true)])],
            },
        ]
    }
}

impl Network {
    /// The demo school as `ent demo` would hand it to a portlet, made of class A1: its teacher,
    /// the school's director, and its families (`pupil_a1` first, with `parent_a1` first).
    pub fn demo_school(&self, today: crate::Date) -> crate::DemoSchool {
        use crate::{DemoFamily, DemoPerson};
        let person = |p: &Identity| DemoPerson { sub: p.sub.clone(), name: p.display_name().into() };
        crate::DemoSchool {
            uai: SCHOOL_A.into(),
            school_name: "École A".into(),
            class_id: CLASS_A1.into(),
            class_name: "CM1 A".into(),
            teacher: person(&self.teacher_a1),
            director: person(&self.director_a),
            families: vec![
                DemoFamily {
                    child: person(&self.pupil_a1),
                    parents: vec![(person(&self.parent_a1), true), (person(&self.parent_a1_no_authority), false)],
                },
                DemoFamily { child: person(&self.pupil_a1_bis), parents: vec![] },
            ],
            today,
        }
    }
}

impl Default for Network {
    fn default() -> Self {
        Network::new()
    }
}

/// The CSRF token the portlets' tests send as `X-Ent-Csrf`.
pub const TEST_CSRF: &str = "csrf-token";

/// Checks a fragment against the portal's rules (docs/portlets.md): no `<html>`, no script, no
/// inline style or event attribute, only the stylesheet's classes, every link and form action
/// under the portal's `base`, and every form a `post` carrying the CSRF field [`TEST_CSRF`].
pub fn assert_fragment_rules(html: &str, base: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<html"), "a fragment has no <html>: {html}");
    assert!(!lower.contains("<script"), "script in {html}");
    // Attributes are read inside tags only: text people wrote may say `style=` or `href="…"`
    // (escaped where it matters, its quotes kept), which is no attribute.
    let tags: Vec<&str> = html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("")).collect();
    for tag in &tags {
        let names = attribute_names(tag);
        assert!(!names.iter().any(|n| n == "style"), "inline style in <{tag}> of {html}");
        let event = names.iter().find(|n| n.starts_with("on"));
        assert!(event.is_none(), "event attribute {event:?} in {html}");
        for part in tag.split("class=\"").skip(1) {
            let value = part.split('"').next().unwrap_or("");
            for class in value.split_whitespace() {
                assert!(crate::fragment::STYLE_CLASSES.contains(&class), "class {class} is not the portal's");
            }
        }
        // A link out of the ENT (the messaging's "you are leaving" page) tells the browser to
        // send nothing of the ENT to the site and the search engines to give it no credit; one
        // in what people wrote (`richtext`) also says it is theirs (`ugc`).
        if let Some(value) = tag.split("href=\"").nth(1).map(|v| v.split('"').next().unwrap_or(""))
            && (value.starts_with("https://") || value.starts_with("http://"))
        {
            let marked = tag.contains("rel=\"noopener noreferrer nofollow\"")
                || tag.contains(&format!("rel=\"{}\"", crate::richtext::LINK_REL));
            assert!(marked, "an outside link without rel: {tag}");
        }
        for part in tag.split("href=\"").skip(1).chain(tag.split("action=\"").skip(1)) {
            let value = part.split('"').next().unwrap_or("");
            if value.starts_with("https://") || value.starts_with("http://") {
                continue; // an outside link: its rel is checked above
            }
            assert!(value.starts_with(&format!("{base}/")), "link {value} is not under the portal's base {base}");
            // The portal adds `/view` itself: `{base}/view/…` would reach the portlet's `/view/view/…`.
            assert!(!value.starts_with(&format!("{base}/view/")), "link {value} names /view: use ctx.href(&Link)");
        }
    }
    for form in html.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap_or("");
        assert!(form.contains("method=\"post\""), "a form that does not post: {form}");
        assert!(
            form.contains(&format!("name=\"_csrf\" value=\"{TEST_CSRF}\"")),
            "a form without the CSRF field: {form}"
        );
    }
}

/// The names of a tag's attributes (lowercased), its quoted values skipped: a value that says
/// `x" onclick="…` (its quotes escaped) is no attribute.
fn attribute_names(tag: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = tag.trim_start_matches('/');
    // The tag's own name.
    rest = rest.trim_start_matches(|c: char| !c.is_whitespace() && c != '/');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return names;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '=' || c == '/').unwrap_or(rest.len());
        names.push(rest[..end].to_ascii_lowercase());
        rest = rest[end..].trim_start();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            rest = match after.chars().next() {
                Some(q @ ('"' | '\'')) => after[1..].find(q).map_or("", |i| &after[1 + i + 1..]),
                _ => after.find(char::is_whitespace).map_or("", |i| &after[i..]),
            };
        }
    }
}

/// The issuer's JWKS served over HTTP on a free loopback port, as the provider serves it to a
/// portlet started by `Portlet::build`: its URL.
pub async fn serve_jwks(issuer: &TestIssuer) -> String {
    let jwks = issuer.jwks();
    let provider = axum::Router::new().route("/jwks", axum::routing::get(move || async move { axum::Json(jwks) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("JWKS listener: {e}"));
    let url = format!("http://{}/jwks", listener.local_addr().unwrap_or_else(|e| panic!("JWKS address: {e}")));
    tokio::spawn(async move { axum::serve(listener, provider).await });
    url
}

#[cfg(test)]
mod rules_tests {
    use super::*;

    #[test]
    fn attributes_are_read_inside_tags_and_outside_their_values() {
        assert_eq!(attribute_names("a href=\"x\" title='y z' rel=a"), ["href", "title", "rel"]);
        assert_eq!(attribute_names("img/src=x onerror=y"), ["src", "onerror"]);
        assert_eq!(attribute_names("img src=x/onerror=y"), ["src"], "as browsers read it: one value");
        assert_eq!(attribute_names("/p"), Vec::<String>::new());
        // Text people wrote, shown as text, and a title whose value says an event: no attribute.
        let page = "<p>&lt;b style=\"x\" onclick=\"y\" class=\"evil\"&gt; href=\"javascript:z\"</p>\
                    <a href=\"https://a.example\" title=\"x&quot; onmouseover=&quot;y\" rel=\"noopener noreferrer nofollow ugc\">a</a>";
        assert_fragment_rules(page, "/p/x");
        for bad in ["<p style=\"color:red\">", "<p onclick=\"x\">", "<img src=x onerror=y>", "<p class=\"evil\">"] {
            assert!(std::panic::catch_unwind(|| assert_fragment_rules(bad, "/p/x")).is_err(), "{bad}");
        }
    }
}
