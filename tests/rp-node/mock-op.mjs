// A minimal, in-memory OpenID provider used ONLY to self-test flow.mjs offline
// (mock.test.mjs). It imitates the ENT provider's surface: discovery, JWKS,
// login form with CSRF token + request id, consent, token endpoint with PKCE and
// refresh rotation, userinfo, introspection, revocation, RP-initiated logout.
// `faults` switch individual misbehaviours on, to prove flow.mjs catches them.
import http from 'node:http';
import crypto from 'node:crypto';

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const rand = () => b64u(crypto.randomBytes(24));
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export async function startMockOp({ clients, users, faults = {} }) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = rand().slice(0, 8);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const pending = new Map(); // rid -> authorization request
  const sessions = new Map(); // sid -> login
  const codes = new Map();
  const accessTokens = new Map();
  const refreshTokens = new Map(); // token -> {family, login, clientId, scope, used, revoked}
  const families = new Map(); // family -> {revoked}
  const logoutReqs = new Map();
  let issuer;

  const sign = (claims) => {
    const input = `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64u(JSON.stringify(claims))}`;
    let sig = crypto.sign('sha256', Buffer.from(input), privateKey);
    if (faults.badSignature) sig = Buffer.from(sig.map((x, i) => (i === 0 ? x ^ 1 : x)));
    return `${input}.${b64u(sig)}`;
  };
  const subFor = (login, client) => (client.pairwise ? b64u(crypto.createHash('sha256').update(`${client.sector}|${login}`).digest()) : users[login].sub);
  const cookies = (req) => Object.fromEntries((req.headers.cookie ?? '').split(/;\s*/).filter(Boolean).map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]));
  const redirect = (res, loc, extraHeaders = {}) => {
    res.writeHead(303, { location: loc, ...extraHeaders });
    res.end();
  };
  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const html = (res, body, headers = {}) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(`<!doctype html><html><head><title>ENT mock</title></head><body>${body}</body></html>`);
  };
  const authClient = (req, form) => {
    const h = req.headers.authorization;
    if (h?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(h.slice(6), 'base64').toString().split(':').map(decodeURIComponent);
      const c = clients[id];
      return c && c.secret && c.secret === secret ? { id, ...c } : undefined;
    }
    const id = form.get('client_id');
    const c = clients[id];
    return c && !c.secret ? { id, ...c } : undefined;
  };
  const finishAuthorization = (res, ar, login) => {
    const code = rand();
    codes.set(code, { ...ar, login, authTime: Math.floor(Date.now() / 1000) });
    const u = new URL(ar.redirect_uri);
    u.searchParams.set('code', code);
    if (ar.state) u.searchParams.set('state', ar.state);
    u.searchParams.set('iss', issuer);
    redirect(res, u.href);
  };
  const issueTokens = (res, client, login, scope, nonce, family) => {
    const now = Math.floor(Date.now() / 1000);
    const at = rand();
    accessTokens.set(at, { login, clientId: client.id, scope, exp: now + 300 });
    const body = { access_token: at, token_type: 'Bearer', expires_in: 300, scope };
    if (scope.split(' ').includes('offline_access')) {
      const rt = rand();
      const fam = family ?? rand();
      if (!families.has(fam)) families.set(fam, { revoked: false });
      refreshTokens.set(rt, { family: fam, login, clientId: client.id, scope, used: false, revoked: false });
      body.refresh_token = rt;
    }
    const claims = { iss: issuer, sub: subFor(login, client), aud: client.id, exp: now + 300, iat: now, auth_time: now, azp: client.id };
    if (nonce) claims.nonce = nonce;
    body.id_token = sign(claims);
    json(res, 200, body);
  };

  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const url = new URL(req.url, issuer);
    const form = new URLSearchParams(raw);
    const p = url.pathname;
    try {
      if (p === '/.well-known/openid-configuration') {
        const md = {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          end_session_endpoint: `${issuer}/logout`,
          revocation_endpoint: `${issuer}/revoke`,
          introspection_endpoint: `${issuer}/introspect`,
          response_types_supported: ['code'],
          subject_types_supported: ['public', 'pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
          scopes_supported: ['openid', 'profile', 'email', 'ent', 'offline_access'],
        };
        return json(res, 200, md);
      }
      if (p === '/jwks') return json(res, 200, { keys: [jwk] });
      if (p === '/authorize') {
        const q = url.searchParams;
        const client = clients[q.get('client_id')];
        if (!client || !client.redirect_uris.includes(q.get('redirect_uri'))) return json(res, 400, { error: 'invalid_request' });
        const ar = Object.fromEntries(q);
        const sid = cookies(req).mock_sid;
        if (sessions.has(sid)) return finishAuthorization(res, ar, sessions.get(sid));
        if (ar.prompt === 'none') {
          const u = new URL(ar.redirect_uri);
          u.searchParams.set('error', 'login_required');
          if (ar.state) u.searchParams.set('state', ar.state);
          u.searchParams.set('iss', issuer);
          return redirect(res, u.href);
        }
        const rid = rand();
        pending.set(rid, ar);
        return redirect(res, `/login?rid=${rid}`);
      }
      if (p === '/login' && req.method === 'GET') {
        const rid = url.searchParams.get('rid');
        if (!pending.has(rid)) return json(res, 400, { error: 'unknown request' });
        const csrf = `${rand()}&"'<`;
        return html(res, `<form class=login action='/login' method="post">
          <input type="hidden" name="csrf_token" value="${esc(csrf)}"><input value='${esc(rid)}' name='request_id' type='hidden'>
          <input name="login" type="text"><input type=password name=password><button type=submit>Se connecter</button></form>`,
        { 'set-cookie': `mock_csrf=${encodeURIComponent(csrf)}; Path=/; HttpOnly; SameSite=Lax` });
      }
      if (p === '/login' && req.method === 'POST') {
        if (req.headers.origin !== new URL(issuer).origin) return json(res, 403, { error: 'bad origin' });
        if (decodeURIComponent(cookies(req).mock_csrf ?? '') !== form.get('csrf_token')) return json(res, 403, { error: 'bad csrf' });
        const rid = form.get('request_id');
        const ar = pending.get(rid);
        const user = users[form.get('login')];
        if (!ar || !user || user.password !== form.get('password')) return html(res, '<p>Identifiant ou mot de passe incorrect</p>');
        const sid = rand();
        sessions.set(sid, form.get('login'));
        const client = clients[ar.client_id];
        const next = client.consent ? `/consent?rid=${rid}` : `/resume?rid=${rid}`;
        return redirect(res, next, { 'set-cookie': `mock_sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
      }
      if (p === '/resume') {
        const rid = url.searchParams.get('rid');
        const ar = pending.get(rid);
        pending.delete(rid);
        return finishAuthorization(res, ar, sessions.get(cookies(req).mock_sid));
      }
      if (p === '/consent' && req.method === 'GET') {
        const rid = url.searchParams.get('rid');
        return html(res, `<form method="post" action="/consent"><input type="hidden" name="request_id" value="${esc(rid)}">
          <input type="hidden" name="csrf" value="${esc(cookies(req).mock_csrf)}">
          <button name="decision" value="deny">Refuser</button><button name="decision" value="allow">Autoriser</button></form>`);
      }
      if (p === '/consent' && req.method === 'POST') {
        if (req.headers.origin !== new URL(issuer).origin) return json(res, 403, { error: 'bad origin' });
        if (form.get('decision') !== 'allow') return json(res, 400, { error: 'denied' });
        const rid = form.get('request_id');
        const ar = pending.get(rid);
        pending.delete(rid);
        return finishAuthorization(res, ar, sessions.get(cookies(req).mock_sid));
      }
      if (p === '/token') {
        const client = authClient(req, form);
        if (!client) return json(res, 401, { error: 'invalid_client' });
        if (form.get('grant_type') === 'authorization_code') {
          const c = codes.get(form.get('code'));
          codes.delete(form.get('code'));
          if (!c || c.client_id !== client.id || c.redirect_uri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
          const challenge = b64u(crypto.createHash('sha256').update(form.get('code_verifier') ?? '').digest());
          if (challenge !== c.code_challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
          return issueTokens(res, client, c.login, c.scope, c.nonce);
        }
        if (form.get('grant_type') === 'refresh_token') {
          const rt = refreshTokens.get(form.get('refresh_token'));
          if (!rt || rt.clientId !== client.id || rt.revoked || families.get(rt.family).revoked) return json(res, 400, { error: 'invalid_grant' });
          if (rt.used && !faults.noRotation) {
            families.get(rt.family).revoked = true; // reuse detected
            return json(res, 400, { error: 'invalid_grant' });
          }
          if (faults.noRotation) {
            const at = rand();
            accessTokens.set(at, { login: rt.login, clientId: client.id, scope: rt.scope });
            return json(res, 200, { access_token: at, token_type: 'Bearer', refresh_token: form.get('refresh_token') });
          }
          rt.used = true;
          return issueTokens(res, client, rt.login, rt.scope, undefined, rt.family);
        }
        return json(res, 400, { error: 'unsupported_grant_type' });
      }
      if (p === '/userinfo') {
        const at = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!at) return json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
        const client = clients[at.clientId];
        return json(res, 200, { sub: faults.userinfoSub ?? subFor(at.login, client), name: users[at.login].name, email: `${at.login}@ecole.example` });
      }
      if (p === '/introspect') {
        const client = authClient(req, form);
        if (!client || !client.secret) return json(res, 401, { error: 'invalid_client' });
        const tok = form.get('token');
        const at = accessTokens.get(tok);
        if (at) return json(res, 200, { active: true, client_id: at.clientId, sub: subFor(at.login, clients[at.clientId]), scope: at.scope, token_type: 'Bearer' });
        const rt = refreshTokens.get(tok);
        if (rt && !rt.revoked && !rt.used && !families.get(rt.family).revoked) return json(res, 200, { active: true, client_id: rt.clientId, token_type: 'refresh_token' });
        return json(res, 200, { active: false });
      }
      if (p === '/revoke') {
        const client = authClient(req, form);
        if (!client) return json(res, 401, { error: 'invalid_client' });
        const rt = refreshTokens.get(form.get('token'));
        if (rt && rt.clientId === client.id && !faults.revokeNoop) families.get(rt.family).revoked = true;
        res.writeHead(200);
        return res.end();
      }
      if (p === '/logout' && req.method === 'GET') {
        const lid = rand();
        logoutReqs.set(lid, Object.fromEntries(url.searchParams));
        return html(res, `<form method="post" action="/logout"><input type="hidden" name="logout_id" value="${lid}">
          <button type="submit" name="confirm" value="no">Rester connecté</button>
          <button type="submit" name="confirm" value="yes">Se déconnecter</button></form>`);
      }
      if (p === '/logout' && req.method === 'POST') {
        const lr = logoutReqs.get(form.get('logout_id'));
        if (!lr || form.get('confirm') !== 'yes') return json(res, 400, { error: 'bad logout' });
        if (!faults.keepSession) sessions.delete(cookies(req).mock_sid);
        const u = new URL(lr.post_logout_redirect_uri);
        if (lr.state) u.searchParams.set('state', lr.state);
        return redirect(res, u.href, faults.keepSession ? {} : { 'set-cookie': 'mock_sid=; Path=/; Max-Age=0' });
      }
      res.writeHead(404);
      res.end();
    } catch (err) {
      json(res, 500, { error: 'server_error', error_description: String(err) });
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, close: () => new Promise((r) => server.close(r)) };
}
