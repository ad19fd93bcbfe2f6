// The mini-sites in a real Chromium, across the provider, the portal and the portlets. Each person
// has their own browser context and signs in through the provider's login page:
//   1. the teacher opens Mini-sites and starts the class's site;
//   2. the pupil opens it and writes a page in Markdown, with XSS payloads in it: it waits;
//   3. the teacher finds it under "À valider" and publishes it;
//   4. the parent reads the page in the ENT, then opens the site ("Ouvrir le site"): a new tab on
//      the sites' own origin (another host than the portal's: the browser holds no cookie for it),
//      sandboxed by its CSP, showing the page; none of the payloads ran.
// Every document has a CSP that runs no inline script (the portal's, none at all). On every
// portal page: no script, inline style or event attribute, every post form carrying the
// portal's `_csrf`; no accessibility violation of impact "serious" or "critical" (axe-core) on the
// sites' list, the editor (the site's page) and the published page.
//
// Environment: ENT_PORTAL_URL, ENT_PASSWORD, ENT_CHROMIUM (default /usr/bin/chromium),
// ENT_SCREENSHOTS (a folder; optional).
import { env, launch, axeSource as axe, cspCheck, check, text, follow, portalSignIn } from './common.mjs';

const portal = env('ENT_PORTAL_URL').replace(/\/+$/, '');
const password = env('ENT_PASSWORD');
const shots = process.env.ENT_SCREENSHOTS;
const axeSource = axe();

const stamp = Date.now().toString(36);
const SITE = `Journal de la classe (${stamp})`;
const PAGE = `Notre potager (${stamp})`;
const BODY = `Nous avons planté **des radis** (${stamp}).\n\n<img src=x onerror="window.__xss=1">\n\n[clic](javascript:window.__xss=1)\n\n<script>window.__xss=1</script>`;

let step = 'launch';
const problems = [];
const problem = (who, what) => problems.push(`${step} (${who}): ${what}`);

const browser = await launch();

const snap = async (page, name) => {
  if (shots) await page.screenshot({ path: `${shots}/minisites-${name}.png`, fullPage: true });
};

const runAxe = async (who, name, page) => {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
    const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ');
    problem(who, `${name} (${page.url()}): accessibility violation ${v.id} (${v.impact}): ${v.help}: ${where}`);
  }
};

// A portal page as it must be; with `axe`, no serious or critical violation either.
const look = async (person, name, { axe = false } = {}) => {
  const { page } = person;
  await page.waitForLoadState('load');
  check(page.url().startsWith(`${portal}/`), `${name}: expected a portal page, at ${page.url()}`);
  const dom = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      scripts: document.querySelectorAll('script').length,
      handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)),
      styled: all.filter((e) => e.hasAttribute('style')).length,
      posts: [...document.querySelectorAll('form')].filter((f) => (f.getAttribute('method') ?? 'get').toLowerCase() === 'post')
        .map((f) => ({ action: f.getAttribute('action'), csrf: f.querySelector('input[type=hidden][name=_csrf]')?.value ?? null })),
      xss: window.__xss ?? null,
    };
  });
  if (dom.scripts || dom.handlers.length) problem(person.who, `${name}: script in the page: ${dom.scripts} <script>, handlers ${dom.handlers.join(', ')}`);
  if (dom.styled) problem(person.who, `${name}: ${dom.styled} inline styles`);
  if (dom.xss !== null) problem(person.who, `${name}: a payload ran`);
  for (const f of dom.posts) {
    if (f.csrf !== person.csrf) problem(person.who, `${name}: the form posting to ${f.action} carries _csrf=${f.csrf}`);
  }
  if (axe) await runAxe(person.who, name, page);
  await snap(page, `${person.who}-${name.replace(/\W+/g, '-')}`);
};

// Clicks a form's button: the post answers 303 and leads on to a path starting with `expected`.
const submit = async (person, button, expected) => {
  const { page } = person;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${portal}/`)),
    button.click(),
  ]);
  check(response.status() === 303, `the post to ${response.url()} answered ${response.status()}`);
  const location = response.headers().location ?? '';
  check(location.startsWith(expected), `the post to ${response.url()} went on to ${location}, expected ${expected}…`);
  await page.waitForURL(new URL(location, portal).href);
  await page.waitForLoadState('load');
};

const signIn = async (who, login) => {
  step = `${who}-sign-in`;
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const person = { who, login, context, page, csrf: null };
  page.on('pageerror', (e) => problem(who, `page error at ${page.url()}: ${e}`));
  // Every document, the portal's and the site's tab alike: a CSP that runs no inline script.
  const csp = cspCheck(portal, problem);
  context.on('response', (r) => csp(person, r));
  person.csrf = await portalSignIn(page, { portal, login, password });
  return person;
};

const openMinisites = async (person) => {
  await follow(person, person.page.locator('nav.services a:text-is("Mini-sites")'), '/p/minisites/');
};

const openSite = async (person) => {
  await openMinisites(person);
  await follow(person, person.page.locator(`main a:text-is("${SITE}")`), '/p/minisites/s/');
};

const started = Date.now();
try {
  // 1. The teacher starts the class's site.
  const teacher = await signIn('teacher', 'enseignant.demo');
  step = 'teacher-starts';
  await openMinisites(teacher);
  await look(teacher, 'sites', { axe: true });
  await teacher.page.fill('main input[name=title]', SITE);
  await submit(teacher, teacher.page.locator('main button:text-is("Créer")'), '/p/minisites/s/');
  check((await text(teacher.page.locator('main h2').first())) === SITE, 'the new site is not shown');
  console.log('ok teacher-started');

  // 2. The pupil writes a page: it waits for the teacher.
  const pupil = await signIn('pupil', 'eleve.demo');
  step = 'pupil-writes';
  await openSite(pupil);
  await look(pupil, 'editor', { axe: true });
  await pupil.page.fill('#ms-page-title', PAGE);
  await pupil.page.fill('#ms-page-body', BODY);
  await submit(pupil, pupil.page.locator('main button:text-is("Proposer cette version")'), '/p/minisites/p/');
  check((await text(pupil.page.locator('main'))).includes('attend'), 'the pupil is not told the page waits');
  await look(pupil, 'page-waiting');
  console.log('ok pupil-wrote');

  // 3. The teacher publishes it.
  step = 'teacher-approves';
  await openSite(teacher);
  await follow(teacher, teacher.page.locator(`main a[href*="/v/"]:text-is("${PAGE}")`), '/p/minisites/v/');
  await look(teacher, 'version');
  await submit(teacher, teacher.page.locator('main button[value=approve]'), '/p/minisites/p/');
  console.log('ok teacher-approved');

  // 4. The parent reads it in the ENT, then on the sites' origin.
  const parent = await signIn('parent', 'parent.demo');
  step = 'parent-reads';
  await openSite(parent);
  await follow(parent, parent.page.locator(`main a:text-is("${PAGE}")`), '/p/minisites/p/');
  const inEnt = await text(parent.page.locator('main'));
  check(inEnt.includes('des radis'), `the parent does not read the page: ${inEnt}`);
  await look(parent, 'page');
  await follow(parent, parent.page.locator('main a:has-text("Retour au site")').first(), '/p/minisites/s/');
  const open = parent.page.locator('main a.button:text-is("Ouvrir le site")');
  const href = await open.getAttribute('href');
  check(href && !href.startsWith(portal) && new URL(href).host !== new URL(portal).host, `the site opens at ${href}, on the portal's host`);
  const [site] = await Promise.all([parent.context.waitForEvent('page'), open.click()]);
  await site.waitForLoadState('load');
  check(site.url().startsWith(href), `the site's tab is at ${site.url()}`);
  const shown = (await site.content());
  check(shown.includes(PAGE) && shown.includes('<strong>des radis</strong>'), `the published page: ${shown}`);
  // Real tags only: what was typed shows as text (`&lt;img …`).
  check(!/<script/i.test(shown) && !/<[^>]*\son\w+=/i.test(shown) && !/<[^>]*="\s*javascript:/i.test(shown), `markup survived: ${shown}`);
  const cookies = await parent.context.cookies(href);
  if (cookies.length) problem('parent', `the browser holds cookies for the sites' origin: ${cookies.map((c) => c.name).join(', ')}`);
  // The sandbox (no allow-scripts) keeps scripts from running there, the DevTools' evaluation
  // aside: the payloads' flag is unset. axe-core needs timers the sandbox stops, so it checks the
  // same page in a context that ignores the CSP (the markup is the same).
  const ran = await site.evaluate(() => window.__xss ?? null);
  if (ran !== null) problem('parent', 'a payload ran on the site');
  const unsandboxed = await browser.newContext({ locale: 'fr-FR', bypassCSP: true });
  const copy = await unsandboxed.newPage();
  await copy.goto(site.url());
  await copy.waitForLoadState('load');
  await runAxe('parent', 'published page', copy);
  await unsandboxed.close();
  await snap(site, 'published');
  console.log('ok parent-read-the-site');
} catch (e) {
  problems.push(`${step}: ${e.message ?? e}`);
}
await browser.close();
console.log(`the scenario took ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? 'minisites: failed' : 'minisites: all checks passed');
process.exit(problems.length ? 1 : 0);
