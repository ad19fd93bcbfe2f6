//! Two provider instances on one database behave as one provider: a code from one is redeemed
//! at the other, refresh-token rotation and reuse detection hold across them, access tokens
//! and keys are shared, and a key rotation made on one reaches the other at its next reload.
//!
//! PostgreSQL is the scale-out case (skipped when no server answers, unless
//! `ENT_REQUIRE_POSTGRES=1`; see `ent_idp::testing`); two states on one SQLite file is the
//! cheap one.

use anyhow::{Context, Result, ensure};
use ent_e2e::{ALL_SCOPES, Alg, StartOptions, StatusCode, TestIdp, jwt_parts};
use ent_idp::store::keys::KeyStore;
use ent_idp::testing;
use serde_json::Value;

/// Instance A with its own issuer, and instance B on the same database under A's issuer.
async fn pair(db_url: &str) -> Result<(TestIdp, TestIdp)> {
    let a = TestIdp::start_with_db_url(db_url).await?;
    let b = TestIdp::start_with(StartOptions {
        database_url: Some(db_url.to_string()),
        issuer: Some(a.issuer().to_string()),
        skip_seed: true,
        ..Default::default()
    })
    .await?;
    ensure!(a.base_url() != b.base_url(), "the two instances share a port");
    assert_eq!(b.issuer(), a.issuer());
    Ok((a, b))
}

fn kid(token: &str) -> Result<String> {
    let (header, _) = jwt_parts(token)?;
    header["kid"].as_str().map(str::to_owned).context("token without kid")
}

async fn jwks(idp: &TestIdp) -> Result<Value> {
    idp.get("/jwks").await?.ok()
}

async fn two_instances_behave_as_one(db_url: &str) -> Result<()> {
    let (a, b) = pair(db_url).await?;
    let client = a.confidential_client(true).await?;
    let public_sub = a.public_sub("eleve.demo").await?;
    let browser = a.browser("eleve.demo")?;

    // B's discovery names the same issuer, hence the same `iss` in tokens.
    let meta_b = b.get("/.well-known/openid-configuration").await?.ok()?;
    assert_eq!(meta_b["issuer"], a.issuer());

    // 1. A code from A is redeemed at B, once.
    let grant = a.authorize_code(&browser, &client, ALL_SCOPES).await?;
    let t0 = b.redeem_code(&client, &grant).await?.ok()?;
    let (access0, refresh0) = (t0["access_token"].clone(), t0["refresh_token"].clone());
    let (access0, refresh0) =
        (access0.as_str().context("no access token")?, refresh0.as_str().context("no refresh token")?);
    let id0 = t0["id_token"].as_str().context("no ID token")?;
    let claims = a.verify_jwt(id0).context("A verifies B's ID token")?;
    assert_eq!(claims["iss"], a.issuer());
    assert_eq!(claims["sub"], public_sub.as_str());
    assert_eq!(claims["nonce"], grant.nonce.as_str());
    let replay = a.redeem_code(&client, &grant).await?;
    assert_eq!(replay.error(), Some("invalid_grant"), "code replayed at A");

    // The code replay revoked that grant: start a new one for the rest.
    let userinfo = a.userinfo(access0).await?;
    assert_eq!(userinfo.status, StatusCode::UNAUTHORIZED, "tokens of a replayed code still work");
    let dead = b.refresh(&client, refresh0).await?;
    assert_eq!(dead.error(), Some("invalid_grant"), "{}", dead.text);
    let grant = a.authorize_code(&browser, &client, ALL_SCOPES).await?;
    ensure!(!grant.outcome.login_form_shown, "SSO lost between requests");
    let t1 = b.redeem_code(&client, &grant).await?.ok()?;
    let access_b = t1["access_token"].as_str().context("no access token")?;
    let refresh1 = t1["refresh_token"].as_str().context("no refresh token")?;

    // 2. Access tokens are honoured by both.
    let from_a_view = a.userinfo(access_b).await?.ok()?;
    assert_eq!(from_a_view["sub"], public_sub.as_str());

    // 3. Rotate at A; the new access token (signed by A) opens B's userinfo.
    let t2 = a.refresh(&client, refresh1).await?.ok()?;
    let access_a = t2["access_token"].as_str().context("no access token")?;
    let refresh2 = t2["refresh_token"].as_str().context("no refresh token")?;
    assert_ne!(refresh2, refresh1);
    let at_b = b.userinfo(access_a).await?.ok()?;
    assert_eq!(at_b["sub"], public_sub.as_str());

    // 4. Replaying the rotated-out token at B is refused and ends the grant everywhere.
    let replay = b.refresh(&client, refresh1).await?;
    assert_eq!(replay.error(), Some("invalid_grant"), "{}", replay.text);
    let next = b.refresh(&client, refresh2).await?;
    assert_eq!(next.error(), Some("invalid_grant"), "the newest refresh token survived a reuse: {}", next.text);
    let next = a.refresh(&client, refresh2).await?;
    assert_eq!(next.error(), Some("invalid_grant"), "{}", next.text);
    for idp in [&a, &b] {
        let res = idp.userinfo(access_a).await?;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "revoked grant at {}", idp.base_url());
    }

    // 5. One JWKS.
    assert_eq!(jwks(&a).await?, jwks(&b).await?);

    // 6. Key rotation on A only.
    let grant = a.authorize_code(&browser, &client, ALL_SCOPES).await?;
    let t3 = a.redeem_code(&client, &grant).await?.ok()?;
    let before = t3["access_token"].as_str().context("no access token")?;
    let refresh3 = t3["refresh_token"].as_str().context("no refresh token")?;
    let old_kid = kid(before)?;
    let store = KeyStore::new(a.state().db.clone());
    let new_current = store.rotate(Alg::Es256).await?;
    a.state().keys.reload().await?;
    assert_ne!(new_current, old_kid);
    // A signs with the key that was `next`; B, not reloaded yet, already publishes and trusts it.
    let t4 = a.refresh(&client, refresh3).await?.ok()?;
    let after = t4["access_token"].as_str().context("no access token")?;
    assert_eq!(kid(after)?, new_current);
    b.userinfo(after).await?.ok().context("B (not reloaded) refuses a token signed with the next key")?;
    // B reloads: tokens signed before the rotation still verify at both.
    b.state().keys.reload().await?;
    for idp in [&a, &b] {
        idp.userinfo(before)
            .await?
            .ok()
            .with_context(|| format!("pre-rotation token refused at {}", idp.base_url()))?;
        idp.userinfo(after).await?.ok()?;
    }
    assert_eq!(jwks(&a).await?, jwks(&b).await?, "JWKS differ after reload");
    // B now signs with the new key too.
    let refresh4 = t4["refresh_token"].as_str().context("no refresh token")?;
    let t5 = b.refresh(&client, refresh4).await?.ok()?;
    assert_eq!(kid(t5["access_token"].as_str().unwrap_or(""))?, new_current);

    // A second rotation retires the first key: its tokens stop verifying everywhere.
    store.rotate(Alg::Es256).await?;
    a.state().keys.reload().await?;
    b.state().keys.reload().await?;
    for idp in [&a, &b] {
        let res = idp.userinfo(before).await?;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "retired key still verifies");
    }

    // 7. The same code, or the same refresh token, sent to both at once: never two winners
    // (one wins, or both lose when the loser's replay detection revokes the grant first).
    for round in 0..3 {
        let grant = a.authorize_code(&browser, &client, ALL_SCOPES).await?;
        let (ra, rb) = tokio::join!(a.redeem_code(&client, &grant), b.redeem_code(&client, &grant));
        one_winner_at_most(&format!("code, round {round}"), ra?, rb?)?;

        let grant = a.authorize_code(&browser, &client, ALL_SCOPES).await?;
        let t = a.redeem_code(&client, &grant).await?.ok()?;
        let rt = t["refresh_token"].as_str().context("no refresh token")?;
        let (ra, rb) = tokio::join!(a.refresh(&client, rt), b.refresh(&client, rt));
        one_winner_at_most(&format!("refresh, round {round}"), ra?, rb?)?;
    }

    a.stop().await;
    b.stop().await;
    Ok(())
}

fn one_winner_at_most(what: &str, ra: ent_e2e::Reply, rb: ent_e2e::Reply) -> Result<()> {
    ensure!(!(ra.status.is_success() && rb.status.is_success()), "{what}: both instances accepted it");
    for r in [&ra, &rb] {
        ensure!(
            r.status.is_success() || r.error() == Some("invalid_grant"),
            "{what}: unexpected answer {} {}",
            r.status,
            r.text
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() -> Result<()> {
    let Some((url, guard)) = testing::postgres_shared_url().await else {
        eprintln!("skipping two_instances::postgres: no PostgreSQL server");
        return Ok(());
    };
    let outcome = two_instances_behave_as_one(&url).await;
    guard.cleanup().await;
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_shared_file() -> Result<()> {
    let (url, guard) = testing::sqlite_shared_url();
    let outcome = two_instances_behave_as_one(&url).await;
    guard.cleanup().await;
    outcome
}
