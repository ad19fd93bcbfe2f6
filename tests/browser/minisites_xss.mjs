// The kit's XSS corpus (portlets/kit/tests/xss/payloads.txt) in a real Chromium, written as
// pages of a mini-site and read both in the ENT and on the sites' origin, with the pages'
// Content-Security-Policy switched off (bypassCSP): what is checked is that the sanitising alone
// keeps every payload from running, as if the sandbox and the portal's CSP had failed. Each
// payload would set window.__xss; after each page has loaded (and its pictures tried), the flag
// must be unset.
//
// Environment: ENT_PORTAL_URL, ENT_PASSWORD, ENT_CHROMIUM (default /usr/bin/chromium).
import { readFileSync } from 'node:fs';
import { env, launch } from './common.mjs';

const portal = env('ENT_PORTAL_URL').replace(/\/+$/, '');
const password = env('ENT_PASSWORD');
const payloads = readFileSync(new URL('../../portlets/kit/tests/xss/payloads.txt', import.meta.url), 'utf8')
  .split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replaceAll('\\n', '\n'));
const stamp = Date.now().toString(36);
const SITE = `XSS (${stamp})`;

const problems = [];
const check = (ok, why) => { if (!ok) throw new Error(why); };
const browser = await launch();
const context = await browser.newContext({ locale: 'fr-FR', bypassCSP: true });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const ran = async (where) => {
  await page.waitForTimeout(30);
  const flag = await page.evaluate(() => window.__xss ?? null);
  if (flag !== null) problems.push(`a payload ran: ${where}`);
};

try {
  await page.goto(`${portal}/`);
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(`${portal}/`)), page.click('main a[href="/login"]')]);
  await page.fill('input[name=login]', 'enseignant.demo');
  await page.fill('input[name=password]', password);
  const home = (u) => u.href === `${portal}/`;
  await page.click('form:has(input[name=password]) button[type=submit]');
  await Promise.race([page.waitForURL(home), page.waitForSelector('button[value=allow]')]);
  if (!home(new URL(page.url()))) await Promise.all([page.waitForURL(home), page.click('button[value=allow]')]);
  await page.goto(`${portal}/p/minisites/`);
  await page.fill('main input[name=title]', SITE);
  await Promise.all([page.waitForURL(/\/p\/minisites\/s\//), page.click('main button:text-is("Créer")')]);
  const siteUrl = page.url().split('?')[0];
  for (const [i, payload] of payloads.entries()) {
    await page.goto(siteUrl);
    await page.fill('#ms-page-title', `Page ${i}`);
    await page.fill('#ms-page-body', `Avant ${i}\n\n${payload}\n\nAprès ${i}`);
    await Promise.all([page.waitForURL(/\/p\/minisites\/p\//), page.click('form:has(#ms-page-body) button[type=submit]')]);
    await ran(`in the ENT, payload ${i}: ${payload}`);
  }
  console.log(`${payloads.length} payloads`);
  console.log('ok ent');
  await page.goto(siteUrl);
  const open = await page.getAttribute('main a.button:text-is("Ouvrir le site")', 'href');
  check(open, 'no link to the site');
  await page.goto(open);
  const pages = await page.locator('nav a').evaluateAll((links) => links.map((a) => a.href));
  check(pages.length === payloads.length, `the site's menu has ${pages.length} pages`);
  for (const [i, url] of pages.entries()) {
    await page.goto(url);
    await ran(`on the site, page ${i}: ${payloads[i]}`);
  }
  console.log('ok site');
} catch (e) {
  problems.push(`${e.message ?? e}`);
}
await browser.close();
for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? 'minisites-xss: failed' : 'minisites-xss: no payload ran');
process.exit(problems.length ? 1 : 0);
