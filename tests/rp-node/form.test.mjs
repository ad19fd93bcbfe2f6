// Offline self-test of the little browser in browser.mjs (no provider needed):
//   node tests/rp-node/form.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  Browser, CookieJar, decodeEntities, findConfirmForm, findConsentForm, findLoginForm, formData, parseAttributes, parseForms,
} from './browser.mjs';

const LOGIN_PAGE = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion &ndash; ENT</title>
<script>document.write('<form action="/evil"><input name="login"><input type="password" name="password"></form>');</script>
</head><body>
<!-- <form action="/commented-out" method="post"><input name="login"><input type=password name=password></form> -->
<form class="lang" action="/lang" method="get"><select name="lang"><option value="en">English</option><option value="fr" selected>Français</option></select></form>
<form
   method='POST'
   class="login"  action='/login?x=1&amp;y=2'>
  <input value="a&amp;b&#39;c&quot;d&#x3C;" type="hidden" name='csrf_token'>
  <input name=request_id type=hidden value=req-123 />
  <label for="login">Identifiant</label>
  <input id="login" name="login" autocomplete="username" type="text" value="">
  <input type="password" name="password" autocomplete="current-password">
  <input type="checkbox" name="remember">
  <input type="hidden" name="ignored" value="x" disabled>
  <button type="submit" class="btn">Se connecter <span>&rarr;</span></button>
</form>
</body></html>`;

test('entities and attributes', () => {
  assert.equal(decodeEntities('a&amp;b &lt;&gt; &quot;&#39;&#x27;&apos; &eacute; &unknown; &#0;'), 'a&b <> "\'\'\' é &unknown; &#0;');
  assert.deepEqual(parseAttributes(` type = "hidden" NAME='x' value=a&amp;b required data-x="1>2"`), {
    type: 'hidden', name: 'x', value: 'a&b', required: '', 'data-x': '1>2',
  });
});

test('login page: finds the right form, any attribute order and quoting, entities decoded', () => {
  const forms = parseForms(LOGIN_PAGE, 'http://localhost:41234/authorize?client_id=c');
  assert.equal(forms.length, 2, 'forms in comments and scripts are ignored');
  const form = findLoginForm(forms);
  assert.ok(form);
  assert.equal(form.method, 'POST');
  assert.equal(form.action, 'http://localhost:41234/login?x=1&y=2');
  const hidden = Object.fromEntries(form.fields.filter((f) => f.type === 'hidden').map((f) => [f.name, f.value]));
  assert.deepEqual(hidden, { csrf_token: 'a&b\'c"d<', request_id: 'req-123', ignored: 'x' });
  const data = formData(form, { overrides: { login: 'eleve.un', password: 'p&ss w=rd' } });
  assert.equal(data.toString(), 'csrf_token=a%26b%27c%22d%3C&request_id=req-123&login=eleve.un&password=p%26ss+w%3Drd');
  const lang = forms.find((f) => f.action.endsWith('/lang'));
  assert.equal(formData(lang).get('lang'), 'fr');
});

test('consent page: the allow button of the right form is the submitter', () => {
  const html = `<main>
    <form method="post" action="/logout"><input type="hidden" name="csrf" value="zz"><button>Changer de compte</button></form>
    <form action="/consent" method="post">
      <input type="hidden" name="csrf" value="t0k&amp;en"><input type=hidden name=request_id value='r1'>
      <input type="checkbox" name="scope" value="email" checked>
      <button name="decision" value="deny" type="submit">Refuser</button>
      <button type="submit" value="allow" name="decision" class="primary">Autoriser</button>
    </form></main>`;
  const consent = findConsentForm(parseForms(html, 'http://localhost:41234/authorize'));
  assert.ok(consent);
  assert.equal(consent.form.action, 'http://localhost:41234/consent');
  assert.equal(formData(consent.form, { submitter: consent.submitter }).toString(), 'csrf=t0k%26en&request_id=r1&scope=email&decision=allow');
  assert.equal(findLoginForm(parseForms(html, 'http://localhost:41234/')), undefined);
});

test('logout confirmation: picks the confirming button', () => {
  const html = `<form method="post" action="">
    <input type="hidden" name="csrf" value="c1"><input type="hidden" name="logout_id" value="L">
    <button type="submit" name="confirm" value="no">Rester connecté</button>
    <button type="submit" name="confirm" value="yes">Se déconnecter</button></form>`;
  const c = findConfirmForm(parseForms(html, 'http://localhost:41234/logout?x=1'));
  assert.equal(c.form.action, 'http://localhost:41234/logout?x=1');
  assert.equal(formData(c.form, { submitter: c.submitter }).toString(), 'csrf=c1&logout_id=L&confirm=yes');
  const single = findConfirmForm(parseForms(`<form method=post action=/end><input type=hidden name=t value=1><button>OK</button></form>`, 'http://h/'));
  assert.equal(formData(single.form, { submitter: single.submitter }).toString(), 't=1');
});

test('cookie jar', () => {
  const jar = new CookieJar();
  const u = new URL('http://localhost:41234/authorize');
  jar.setCookie(u, 'sid=abc; Path=/; HttpOnly; SameSite=Lax');
  jar.setCookie(u, '__Host-csrf=x1; Path=/; Secure; HttpOnly');
  jar.setCookie(u, 'scoped=s; Path=/login');
  jar.setCookie(u, 'other=o; Domain=example.org'); // rejected: foreign domain
  assert.equal(jar.header('http://localhost:41234/'), 'sid=abc; __Host-csrf=x1');
  assert.equal(jar.header('http://localhost:41234/login/step'), 'scoped=s; sid=abc; __Host-csrf=x1');
  assert.equal(jar.header('http://localhost:41234/loginx'), 'sid=abc; __Host-csrf=x1');
  assert.equal(jar.header('http://127.0.0.1:41234/'), undefined, 'host-only');
  jar.setCookie(u, 'sid=; Path=/; Max-Age=0');
  assert.equal(jar.header('http://localhost:41234/'), '__Host-csrf=x1');
  jar.setCookie(u, '__Host-csrf=gone; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  assert.equal(jar.header('http://localhost:41234/'), undefined);
  const secureJar = new CookieJar();
  secureJar.setCookie(new URL('http://ent.example/'), 's=1; Secure');
  assert.equal(secureJar.header('http://ent.example/'), undefined, 'Secure cookies not sent over plain http to a non-loopback host');
});

test('browser: cookies, redirects, Origin on POST, stop at the redirect URI', async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, cookie: req.headers.cookie, origin: req.headers.origin, body });
      if (req.url.startsWith('/authorize')) {
        res.writeHead(302, { location: '/login?rid=1', 'set-cookie': ['sid=s1; Path=/; HttpOnly', 'csrf=c9; Path=/'] });
        return res.end();
      }
      if (req.url === '/login?rid=1' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(LOGIN_PAGE.replace("/login?x=1&amp;y=2", 'login?rid=1'));
      }
      if (req.url === '/login?rid=1' && req.method === 'POST') {
        res.writeHead(303, { location: `http://rp.example/cb?code=abc&state=s&iss=${encodeURIComponent('http://x')}` });
        return res.end();
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    const b = new Browser({ origin });
    const page = await b.navigate(`${origin}/authorize?client_id=c`, { stopAt: ['http://rp.example/cb'] });
    assert.equal(page.kind, 'page');
    assert.equal(page.url, `${origin}/login?rid=1`);
    const form = findLoginForm(parseForms(page.html, page.url));
    const done = await b.submit(form, formData(form, { overrides: { login: 'u', password: 'p' } }), { stopAt: ['http://rp.example/cb'] });
    assert.equal(done.kind, 'stop');
    assert.equal(done.location.searchParams.get('code'), 'abc');
    const post = seen.find((s) => s.method === 'POST');
    assert.equal(post.cookie, 'sid=s1; csrf=c9');
    assert.equal(post.origin, origin);
    assert.match(post.body, /^csrf_token=a%26b%27c%22d%3C&request_id=req-123&login=u&password=p$/);
    await assert.rejects(b.navigate('http://elsewhere.example/'), /refusing to leave/);
  } finally {
    server.close();
  }
});
