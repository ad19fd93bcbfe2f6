//! The kit's directory client against the real provider, with the demo directory: what a
//! portlet reads of a school's staff and of the network's schools is what the provider's
//! directory holds, typed as the kit types it; pupils and parents are never staff; a school
//! that does not exist is `None`; a client that is not a first-party portlet reads nothing.
#![allow(clippy::unwrap_used)]

use anyhow::{Context, Result};
use ent_e2e::TestIdp;
use ent_idp::admin::ClientSpec;
use ent_portlet_kit::{Directory, Profile, StaffRole};

/// A portlet as `ent::stack` registers one: first-party, client credentials, `directory.read`
/// for the directory resource. Returns the kit's client for it.
async fn portlet_directory(idp: &TestIdp, first_party: bool) -> Result<Directory> {
    let mut spec = ClientSpec::new("Portlet (test)", vec![]);
    spec.id = Some(format!("portlet-test-{}", ent_e2e::random_suffix()));
    spec.first_party = first_party;
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["directory.read".into()];
    spec.resources = vec![idp.state().config.directory_resource.clone()];
    let (id, secret) = idp.register_client(spec).await?;
    Ok(Directory::remote(idp.base_url(), &id, &secret.context("a confidential client")?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portlet_reads_a_schools_staff_and_the_schools_from_the_provider() -> Result<()> {
    let idp = TestIdp::start().await?;
    let dir = portlet_directory(&idp, true).await?;
    let director = idp.person("directeur.demo").await?;
    let uai = idp.state().directory.affiliations(&director.id).await?.schools.first().cloned().context("a school")?;

    let staff = dir.school_staff(&uai).await?.context("the director's school")?;
    assert_eq!(staff.school, uai);
    let mut listed = std::collections::HashMap::new();
    for login in ["directeur.demo", "enseignant.demo", "eleve.demo", "parent.demo"] {
        let sub = idp.public_sub(login).await?;
        listed.insert(login, staff.staff.iter().find(|m| m.sub == sub).cloned());
    }
    let head = listed["directeur.demo"].clone().context("the director is staff")?;
    assert_eq!(head.profile, Profile::Director);
    assert!(head.roles.contains(&StaffRole::Director), "{head:?}");
    assert_eq!(head.name, format!("{} {}", director.given_name, director.family_name));
    let teacher = listed["enseignant.demo"].clone().context("the teacher is staff")?;
    assert_eq!(teacher.profile, Profile::Teacher);
    for login in ["eleve.demo", "parent.demo"] {
        assert!(listed[login].is_none(), "{login} listed as staff");
    }
    assert!(
        staff.staff.iter().all(|m| matches!(m.profile, Profile::Teacher | Profile::Director | Profile::Staff)),
        "{staff:?}"
    );
    // As the provider's directory holds them: the same people, in the same order.
    let held = idp.state().directory.school_staff(&uai).await?.context("held")?;
    let read: Vec<&str> = staff.staff.iter().map(|m| m.sub.as_str()).collect();
    assert_eq!(read, held.staff.iter().map(|m| m.sub.as_str()).collect::<Vec<_>>());
    assert!(dir.school_staff("0000000X").await?.is_none());

    let schools = dir.schools().await?;
    let held = idp.state().directory.schools().await?;
    assert_eq!(schools.len(), held.len());
    assert!(schools.iter().zip(&held).all(|(a, b)| a.uai == b.uai && a.name == b.name));
    assert!(schools.iter().any(|s| s.uai == uai));

    // A school's tool registered the same way reads nothing.
    let tool = portlet_directory(&idp, false).await?;
    assert!(tool.school_staff(&uai).await.is_err());
    assert!(tool.schools().await.is_err());
    idp.stop().await;
    Ok(())
}
