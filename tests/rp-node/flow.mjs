#!/usr/bin/env node
// Independent relying-party test: drives the whole OpenID Connect
// authorization-code flow against the ENT provider with panva's openid-client
// (an OpenID-certified RP library), ID token signature checks switched on.
//
// Output: one line `ok <step>` per passed step (`skip <step>: <why>` for steps
// that do not apply), `info ...` lines for debugging, and on the first failure
// `FAIL <step>: <reason>` followed by a non-zero exit. Success ends with
// `rp-node: all checks passed (<confidential|public> client)`.
// See README.md for the environment variables.

import * as client from 'openid-client';
import { Browser, BrowserError, describePage, findConfirmForm, findConsentForm, findLoginForm, formData, isSubmit, parseForms } from './browser.mjs';

// ---------------------------------------------------------------------------
// Plumbing

class StepFailure extends Error {}

let currentStep = 'env';
const verbose = process.env.ENT_RP_VERBOSE === '1';

function ok(step) {
  console.log(`ok ${step}`);
}
function info(msg) {
  console.log(`info ${msg}`);
}
function fail(reason) {
  throw new StepFailure(reason);
}
function check(cond, reason) {
  if (!cond) fail(reason);
}

async function step(name, fn) {
  currentStep = name;
  const result = await fn();
  ok(name);
  return result;
}

/** One-line description of an error thrown by openid-client / oauth4webapi / fetch. */
function describe(err) {
  if (err instanceof StepFailure || err instanceof BrowserError) return err.message;
  const parts = [`${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`];
  if (err?.code) parts.push(`code=${err.code}`);
  if (err?.status) parts.push(`status=${err.status}`);
  if (typeof err?.error === 'string') parts.push(`error=${err.error}`);
  if (err?.error_description) parts.push(`error_description=${JSON.stringify(err.error_description)}`);
  const cause = err?.cause;
  if (cause instanceof Error) {
    parts.push(`cause: ${describe(cause)}`);
  } else if (cause instanceof URLSearchParams) {
    parts.push(`params: ${cause.toString()}`);
  } else if (cause !== undefined) {
    try {
      const replacer = (k, v) => {
        if (v instanceof URLSearchParams) return v.toString();
        if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `<${v.byteLength} bytes>`;
        if (v && typeof v === 'object' && v.constructor?.name === 'CryptoKey') return `<CryptoKey ${v.algorithm?.name}>`;
        return v;
      };
      parts.push(`cause: ${JSON.stringify(cause, replacer).slice(0, 800)}`);
    } catch {
      parts.push(`cause: ${String(cause)}`);
    }
  }
  return parts.join(', ');
}

/** The OAuth `error` code carried by an openid-client error, if any. */
function oauthError(err) {
  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) return err.error;
  if (err instanceof client.WWWAuthenticateChallengeError) {
    for (const ch of err.cause ?? []) if (ch?.parameters?.error) return ch.parameters.error;
  }
  return undefined;
}

/** Run `fn`, which must fail with OAuth error `expected`. */
async function expectOAuthError(expected, what, fn) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    const code = oauthError(err);
    check(code === expected, `${what}: expected OAuth error "${expected}", got ${describe(err)}`);
    return err;
  }
  fail(`${what}: expected OAuth error "${expected}" but the request succeeded (${JSON.stringify(Object.keys(result ?? {}))})`);
}

function env(name, { required = true } = {}) {
  const v = process.env[name];
  if (required && (v === undefined || v === '')) fail(`missing environment variable ${name}`);
  return v === '' ? undefined : v;
}

// ---------------------------------------------------------------------------
// The flow

async function main() {
  const issuer = env('ENT_ISSUER');
  const clientId = env('ENT_CLIENT_ID');
  const clientSecret = env('ENT_CLIENT_SECRET', { required: false });
  const redirectUri = env('ENT_REDIRECT_URI');
  const postLogoutRedirectUri = env('ENT_POST_LOGOUT_REDIRECT_URI');
  const login = env('ENT_LOGIN');
  const password = env('ENT_PASSWORD');
  const scope = env('ENT_SCOPE', { required: false }) ?? 'openid profile email ent offline_access';
  const expectPairwise = env('ENT_EXPECT_PAIRWISE', { required: false }) === '1';
  const publicSub = env('ENT_PUBLIC_SUB', { required: false });
  const confidential = clientSecret !== undefined;
  const kind = confidential ? 'confidential' : 'public';

  let issuerUrl;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    fail(`ENT_ISSUER is not a URL: ${issuer}`);
  }
  const browser = new Browser({ origin: issuerUrl.origin, log: verbose ? (l) => console.error(`  [http] ${l}`) : () => {} });

  // 1. Discovery -------------------------------------------------------------
  const config = await step('discovery', async () => {
    let cfg;
    try {
      cfg = await client.discovery(
        issuerUrl,
        clientId,
        confidential ? clientSecret : undefined,
        confidential ? client.ClientSecretBasic(clientSecret) : client.None(),
        { execute: [client.allowInsecureRequests] },
      );
    } catch (err) {
      fail(`discovery failed: ${describe(err)}`);
    }
    const md = cfg.serverMetadata();
    check(Array.isArray(md.code_challenge_methods_supported) && md.code_challenge_methods_supported.includes('S256'),
      `code_challenge_methods_supported does not include S256: ${JSON.stringify(md.code_challenge_methods_supported)}`);
    check(md.authorization_response_iss_parameter_supported === true,
      `authorization_response_iss_parameter_supported is not true: ${JSON.stringify(md.authorization_response_iss_parameter_supported)}`);
    for (const ep of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      check(typeof md[ep] === 'string' && md[ep] !== '', `metadata has no ${ep}`);
    }
    check(new URL(md.authorization_endpoint).origin === issuerUrl.origin,
      `authorization_endpoint ${md.authorization_endpoint} is not on the issuer's origin ${issuerUrl.origin}`);
    if (expectPairwise) {
      check(Array.isArray(md.subject_types_supported) && md.subject_types_supported.includes('pairwise'),
        `ENT_EXPECT_PAIRWISE=1 but subject_types_supported does not include pairwise: ${JSON.stringify(md.subject_types_supported)}`);
    }
    info(`issuer ${md.issuer}, id_token algs ${JSON.stringify(md.id_token_signing_alg_values_supported)}, ${kind} client`);
    // Verify the ID token signature (JWS against jwks_uri) on token endpoint responses too.
    client.enableNonRepudiationChecks(cfg);
    return cfg;
  });

  // 2. Authorization URL -----------------------------------------------------
  const newAuthRequest = async (extra = {}) => {
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const codeChallenge = await client.calculatePKCECodeChallenge(pkceCodeVerifier);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      response_type: 'code',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, pkceCodeVerifier, state, nonce };
  };
  const authReq = await step('authorization-url', async () => {
    const req = await newAuthRequest();
    const p = req.url.searchParams;
    check(p.get('code_challenge_method') === 'S256' && p.get('code_challenge') && p.get('state') && p.get('nonce'),
      `authorization URL lacks PKCE/state/nonce: ${req.url.href}`);
    check(req.url.origin === issuerUrl.origin, `authorization URL ${req.url.href} is not on ${issuerUrl.origin}`);
    if (verbose) info(`authorization URL ${req.url.href}`);
    return req;
  });

  // 3. Browser: login (+ consent) -------------------------------------------
  const callbackUrl = await step('login', async () => {
    let res = await browser.navigate(authReq.url, { stopAt: [redirectUri] });
    let loggedIn = false;
    let consented = false;
    for (let pages = 0; pages < 10; pages++) {
      if (res.kind === 'stop') break;
      check(res.status === 200, `provider answered ${describePage(res)}`);
      const forms = parseForms(res.html, res.url);
      const loginForm = findLoginForm(forms);
      const consent = findConsentForm(forms);
      if (loginForm) {
        check(!loggedIn, `the login form came back after submitting the credentials (rejected?): ${describePage(res)}`);
        const hidden = loginForm.fields.filter((f) => f.type === 'hidden' && f.name).map((f) => f.name);
        info(`login form: ${loginForm.method} ${new URL(loginForm.action).pathname}, hidden fields [${hidden.join(', ')}]`);
        check(loginForm.method === 'POST', `login form method is ${loginForm.method}, expected POST`);
        check(hidden.length >= 1, 'login form has no hidden field (no CSRF token / request id?)');
        // Pressing Enter submits with the form's first submit button, if it has a name.
        const first = loginForm.fields.find((f) => isSubmit(f) && !f.disabled);
        const submitter = first?.name ? first : undefined;
        const data = formData(loginForm, { submitter, overrides: { login, password } });
        loggedIn = true;
        res = await browser.submit(loginForm, data, { referer: res.url, stopAt: [redirectUri] });
      } else if (consent) {
        check(!consented, `the consent page came back after allowing: ${describePage(res)}`);
        const hidden = consent.form.fields.filter((f) => f.type === 'hidden' && f.name).map((f) => f.name);
        info(`consent form: ${consent.form.method} ${new URL(consent.form.action).pathname}, hidden fields [${hidden.join(', ')}]`);
        const data = formData(consent.form, { submitter: consent.submitter });
        consented = true;
        res = await browser.submit(consent.form, data, { referer: res.url, stopAt: [redirectUri] });
      } else {
        fail(`unexpected page ${loggedIn ? 'after submitting the credentials' : 'after the authorization request'} (neither login nor consent form): ${describePage(res)}`);
      }
    }
    check(res.kind === 'stop', `did not get back to ${redirectUri} (last: ${res.kind === 'page' ? describePage(res) : res.kind})`);
    check(loggedIn, 'reached the redirect URI without a login form (was a session already open?)');
    const cb = res.location;
    check(!cb.searchParams.has('error'),
      `authorization error at the redirect URI: ${cb.searchParams.get('error')} ${cb.searchParams.get('error_description') ?? ''}`);
    check(cb.searchParams.has('code'), `redirect URI reached without a code: ${cb.href}`);
    info(`consent page ${consented ? 'shown and allowed' : 'not shown'}`);
    return cb;
  });

  // 4. Code exchange -----------------------------------------------------------
  const tokens = await step('code-exchange', async () => {
    let t;
    try {
      t = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: authReq.pkceCodeVerifier,
        expectedState: authReq.state,
        expectedNonce: authReq.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      fail(`authorizationCodeGrant: ${describe(err)}`);
    }
    check(typeof t.access_token === 'string' && t.access_token, 'no access_token');
    check(typeof t.id_token === 'string' && t.id_token, 'no id_token');
    check(typeof t.refresh_token === 'string' && t.refresh_token, `no refresh_token (scope asked: ${scope}; granted: ${t.scope ?? '?'})`);
    check(String(t.token_type).toLowerCase() === 'bearer', `token_type is ${t.token_type}, expected Bearer`);
    const claims = t.claims();
    check(claims && typeof claims.sub === 'string' && claims.sub, 'ID token has no sub');
    info(`id_token claim keys: ${Object.keys(claims).sort().join(', ')}`);
    info(`token response keys: ${Object.keys(t).sort().join(', ')}`);
    return t;
  });
  const idToken = tokens.id_token;
  const sub = tokens.claims().sub;

  if (expectPairwise) {
    await step('pairwise-sub', async () => {
      if (publicSub !== undefined) {
        check(sub !== publicSub, 'sub equals ENT_PUBLIC_SUB: the third-party client got the public subject, not a pairwise one');
      } else {
        info('ENT_PUBLIC_SUB not given: sub not compared');
      }
    });
  }

  // 5. UserInfo ----------------------------------------------------------------
  await step('userinfo', async () => {
    let ui;
    try {
      ui = await client.fetchUserInfo(config, tokens.access_token, sub);
    } catch (err) {
      fail(`fetchUserInfo: ${describe(err)}`);
    }
    check(ui.sub === sub, 'userinfo sub differs from the ID token sub');
    info(`userinfo claim keys: ${Object.keys(ui).sort().join(', ')}`);
  });

  // 6. Refresh with rotation -----------------------------------------------------
  const firstRefresh = tokens.refresh_token;
  const refreshed = await step('refresh-rotation', async () => {
    let t;
    try {
      t = await client.refreshTokenGrant(config, firstRefresh);
    } catch (err) {
      fail(`refreshTokenGrant: ${describe(err)}`);
    }
    check(typeof t.access_token === 'string' && t.access_token, 'no access_token in the refresh response');
    check(t.access_token !== tokens.access_token, 'the refresh returned the same access token');
    check(typeof t.refresh_token === 'string' && t.refresh_token, 'no refresh_token in the refresh response (no rotation)');
    check(t.refresh_token !== firstRefresh, 'the refresh token was not rotated (same value returned)');
    if (t.id_token) check(t.claims()?.sub === sub, 'the refreshed ID token has a different sub');
    return t;
  });
  const newAccess = refreshed.access_token;
  const newRefresh = refreshed.refresh_token;

  // 7. Introspection (confidential clients only) --------------------------------
  if (confidential) {
    await step('introspection', async () => {
      let at;
      let rt;
      try {
        at = await client.tokenIntrospection(config, newAccess);
      } catch (err) {
        fail(`introspecting the access token: ${describe(err)}`);
      }
      check(at.active === true, `access token introspection: active is ${JSON.stringify(at.active)}`);
      check(at.client_id === clientId, `access token introspection: client_id is ${JSON.stringify(at.client_id)}, expected ${clientId}`);
      if (at.sub !== undefined) check(at.sub === sub, 'access token introspection: sub differs from the ID token sub');
      try {
        rt = await client.tokenIntrospection(config, newRefresh);
      } catch (err) {
        fail(`introspecting the refresh token: ${describe(err)}`);
      }
      check(rt.active === true, `refresh token introspection: active is ${JSON.stringify(rt.active)}`);
      info(`introspection keys: ${Object.keys(at).sort().join(', ')}`);
    });
  } else {
    console.log('skip introspection: public client');
  }

  // 8. Revocation --------------------------------------------------------------
  await step('revocation', async () => {
    try {
      await client.tokenRevocation(config, newRefresh);
    } catch (err) {
      fail(`tokenRevocation: ${describe(err)}`);
    }
    await expectOAuthError('invalid_grant', 'refresh with the revoked refresh token', () => client.refreshTokenGrant(config, newRefresh));
    if (confidential) {
      let rt;
      try {
        rt = await client.tokenIntrospection(config, newRefresh);
      } catch (err) {
        fail(`introspecting the revoked refresh token: ${describe(err)}`);
      }
      check(rt.active === false, `revoked refresh token introspection: active is ${JSON.stringify(rt.active)}, expected false`);
    }
  });

  // 9. Reuse of the rotated-out refresh token -------------------------------------
  await step('refresh-reuse', async () => {
    await expectOAuthError('invalid_grant', 'refresh with the first (already rotated) refresh token', () => client.refreshTokenGrant(config, firstRefresh));
  });

  // 10. RP-initiated logout, then prompt=none must say login_required -----------------
  await step('logout', async () => {
    const logoutState = client.randomState();
    const url = client.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: postLogoutRedirectUri,
      state: logoutState,
    });
    let res = await browser.navigate(url, { stopAt: [postLogoutRedirectUri] });
    let confirmed = false;
    for (let pages = 0; pages < 5 && res.kind === 'page'; pages++) {
      check(res.status === 200, `end_session answered ${describePage(res)}`);
      check(!confirmed, `the logout confirmation came back after confirming: ${describePage(res)}`);
      const confirm = findConfirmForm(parseForms(res.html, res.url));
      check(confirm, `end_session page without a usable confirmation form: ${describePage(res)}`);
      info(`logout confirmation form: ${confirm.form.method} ${new URL(confirm.form.action).pathname}`);
      confirmed = true;
      res = await browser.submit(confirm.form, formData(confirm.form, { submitter: confirm.submitter }), { referer: res.url, stopAt: [postLogoutRedirectUri] });
    }
    check(res.kind === 'stop', `did not get back to ${postLogoutRedirectUri}`);
    const back = res.location;
    check(back.searchParams.get('state') === logoutState,
      `post-logout redirect ${back.href} does not carry our state ${logoutState}`);
  });

  await step('prompt-none-after-logout', async () => {
    const req = await newAuthRequest({ prompt: 'none' });
    const res = await browser.navigate(req.url, { stopAt: [redirectUri] });
    check(res.kind === 'stop', `prompt=none did not redirect back to the client: ${res.kind === 'page' ? describePage(res) : ''}`);
    const cb = res.location;
    check(cb.searchParams.get('error') === 'login_required',
      `expected error=login_required after logout, got ${cb.searchParams.has('code') ? 'a code (the session survived the logout)' : cb.search}`);
    // Let openid-client validate the error response too (iss and state, RFC 9207).
    await expectOAuthError('login_required', 'prompt=none error response', () =>
      client.authorizationCodeGrant(config, cb, { pkceCodeVerifier: req.pkceCodeVerifier, expectedState: req.state, expectedNonce: req.nonce, idTokenExpected: true }));
  });

  console.log(`rp-node: all checks passed (${kind} client)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    const reason = describe(err).replace(/\s+/g, ' ');
    console.log(`FAIL ${currentStep}: ${reason}`);
    if (verbose && !(err instanceof StepFailure) && err?.stack) console.error(err.stack);
    process.exit(1);
  },
);
