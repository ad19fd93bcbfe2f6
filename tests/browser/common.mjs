// What every browser script shares: required environment variables, Debian's Chromium started
// the way this machine needs it (no background networking: the network is closed), and axe-core
// to inject for accessibility checks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

// A required environment variable; a script started without it stops with exit code 2.
export const env = (name) => {
  const v = process.env[name];
  if (!v) { console.log(`FAIL env: missing ${name}`); process.exit(2); }
  return v;
};

// Chromium, headless (ENT_CHROMIUM, or Debian's).
export const launch = () => chromium.launch({
  executablePath: process.env.ENT_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// axe-core's source, evaluated in pages through the DevTools protocol (the pages' CSP stays on).
export const axeSource = () => readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The directives of a CSP header, as {name: [sources]}.
export const directives = (csp) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0])
  .map(([name, ...sources]) => [name.toLowerCase(), sources]));

// A check of every document the browser receives, for page.on('response'): a CSP that allows no
// inline script, and on the portal's origin no script at all; what is wrong goes to
// problem(who, what).
export const cspCheck = (portal, problem) => (person, response) => {
  const request = response.request();
  if (request.resourceType() !== 'document' || (response.status() >= 300 && response.status() < 400)) return;
  const url = response.url();
  const csp = response.headers()['content-security-policy'];
  if (!csp) { problem(person.who, `no Content-Security-Policy on ${url}`); return; }
  const d = directives(csp);
  const scripts = d['script-src'] ?? d['default-src'] ?? ['*'];
  if (scripts.some((s) => ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:'].includes(s))) {
    problem(person.who, `the CSP of ${url} lets inline scripts run: ${csp}`);
  }
  if (url.startsWith(`${portal}/`) && !(d['script-src'] === undefined && (d['default-src'] ?? []).join(' ') === "'none'")) {
    problem(person.who, `the portal's CSP allows scripts on ${url}: ${csp}`);
  }
};

// Throws `why` unless `ok`: a step that failed.
export const check = (ok, why) => { if (!ok) throw new Error(why); };

// A locator's text, its white space folded.
export const text = async (locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

// Clicks a link of `person.page`: the page it opens must answer 200 at a path starting with `path`.
export const follow = async (person, link, path) => {
  const { page } = person;
  const href = await link.getAttribute('href');
  const [response] = await Promise.all([page.waitForNavigation(), link.click()]);
  await page.waitForLoadState('load');
  check(response?.status() === 200, `the link ${href} answered ${response?.status()}`);
  const at = new URL(page.url()).pathname;
  check(at.startsWith(path), `the link ${href} led to ${at}, expected ${path}…`);
};

// Reports the page's console errors (not the favicon's, nor what `ignore(message)` excuses).
export const reportConsoleErrors = (page, report, ignore = () => false) => {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/\/favicon\.ico(\?|$)/.test(m.location()?.url ?? '') || /favicon/i.test(m.text())) return;
    if (ignore(m)) return;
    report(`console error at ${page.url()}: ${m.text()}`);
  });
};

// Signs `page` in at the portal as a person does: the welcome page (`welcome(page)` may check
// it), "Se connecter", the provider's login form, a consent if the provider asks (the portal is
// first party: none is expected, but one asked is obeyed), back on the home page. Returns the
// portal's CSRF token, read from its logout form.
export const portalSignIn = async (page, { portal, login, password, welcome = async () => {} }) => {
  await page.goto(`${portal}/`);
  await welcome(page);
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(`${portal}/`)), page.click('main a[href="/login"]')]);
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  const home = (u) => u.href === `${portal}/`;
  await page.click('form:has(input[name=password]) button[type=submit]');
  await Promise.race([page.waitForURL(home), page.waitForSelector('button[value=allow]')]);
  if (!home(new URL(page.url()))) await Promise.all([page.waitForURL(home), page.click('button[value=allow]')]);
  await page.waitForLoadState('load');
  const csrf = await page.getAttribute('form.logout input[name=_csrf]', 'value');
  check(csrf, 'no _csrf in the portal\'s logout form');
  return csrf;
};
