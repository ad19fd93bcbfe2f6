// The forum in a real Chromium, across the provider, the portal and the portlets, with the kit's
// XSS corpus (portlets/kit/tests/xss/payloads.txt: every payload would set window.__xss if it
// ran):
//   1. the teacher opens Forum, the class's forum (made by this first visit), starts a thread
//      and writes every payload of the corpus as a reply through the page's own form;
//   2. the teacher and the pupil read every page of the thread: window.__xss stays unset, the
//      pages hold no script, event attribute or inline style, every link of a post is http(s)
//      and marked rel="… ugc";
//   3. the same pages' markup is loaded again in a blank page WITHOUT the portal's CSP, every
//      element given the events a payload would wait for (mouseover, focus, load, error,
//      animation, toggle, input): window.__xss still unset — what the portlet
//      writes is harmless even where no CSP stands behind it.
// axe-core finds no serious or critical violation on the forum, the new-thread form and the
// thread. Problems are gathered rather than thrown where the scenario can go on.
//
// Environment: ENT_PORTAL_URL, ENT_PASSWORD, ENT_PAYLOADS (the corpus file), ENT_CHROMIUM
// (default /usr/bin/chromium), ENT_SCREENSHOTS (a folder; optional).
import { readFileSync } from 'node:fs';
import { env, launch, axeSource as axe, check, text, follow, reportConsoleErrors, portalSignIn } from './common.mjs';

const portal = env('ENT_PORTAL_URL').replace(/\/+$/, '');
const password = env('ENT_PASSWORD');
const payloads = readFileSync(env('ENT_PAYLOADS'), 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.replaceAll('\\n', '\n'));
const shots = process.env.ENT_SCREENSHOTS;
const axeSource = axe();
const stamp = Date.now().toString(36);
const TITLE = `Le corpus (${stamp})`;

let step = 'launch';
const problems = [];
const problem = (who, what) => problems.push(`${step} (${who}): ${what}`);

const browser = await launch();

const snap = async (person, name) => {
  if (shots) await person.page.screenshot({ path: `${shots}/forum-${name}.png`, fullPage: true });
};

// A portal page: no script ran, none is there; no handler, no inline style; posts' links are
// http(s) with the user-content rel; with `axe`, no serious or critical violation.
const look = async (person, name, { axe = false } = {}) => {
  const { page } = person;
  await page.waitForLoadState('load');
  const dom = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      xss: window.__xss ?? null,
      scripts: document.querySelectorAll('script').length,
      handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName.toLowerCase()}[${a.name}]`)),
      styled: all.filter((e) => e.hasAttribute('style')).length + document.querySelectorAll('style').length,
      frames: document.querySelectorAll('main :is(iframe, frame, object, embed, svg, math, img, video, audio, base, meta, link, style, form form)').length,
      links: [...document.querySelectorAll('main article > div a[href], main article blockquote a[href]')].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel') })),
    };
  });
  if (dom.xss !== null) problem(person.who, `${name}: window.__xss = ${dom.xss}`);
  if (dom.scripts || dom.handlers.length) problem(person.who, `${name}: script in the page: ${dom.scripts} <script>, handlers ${dom.handlers.join(', ')}`);
  if (dom.styled) problem(person.who, `${name}: ${dom.styled} inline styles`);
  if (dom.frames) problem(person.who, `${name}: ${dom.frames} frames, objects, pictures or SVG in the page`);
  for (const l of dom.links) {
    if (!/^https?:\/\//.test(l.href) || l.rel !== 'noopener noreferrer nofollow ugc') problem(person.who, `${name}: a post's link ${l.href} (rel ${l.rel})`);
  }
  if (axe) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
      const where = v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} [${(n.failureSummary ?? '').replace(/\s+/g, ' ')}]`).join('; ');
      problem(person.who, `${name}: accessibility violation ${v.id} (${v.impact}): ${v.help}: ${where}`);
    }
  }
  await snap(person, `${person.who}-${name.replace(/\W+/g, '-')}`);
  return page.evaluate(() => document.querySelector('main')?.innerHTML ?? '');
};

// The markup again, in a blank page with no CSP, every element given the events payloads wait
// for: window.__xss must stay unset.
const bare = await browser.newContext();
const replay = async (who, name, html) => {
  const page = await bare.newPage();
  await page.route('**/*', (route) => route.abort());
  await page.setContent(`<!doctype html><html><body>${html}</body></html>`, { waitUntil: 'load' });
  const fired = await page.evaluate(async () => {
    for (const el of document.querySelectorAll('body *')) {
      for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'load', 'error', 'animationstart', 'toggle', 'input', 'change']) {
        el.dispatchEvent(new Event(type, { bubbles: true }));
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    return window.__xss ?? null;
  });
  if (fired !== null) problem(who, `${name}, without the CSP: window.__xss = ${fired}`);
  await page.close();
};

const signIn = async (who, login) => {
  step = `${who}-sign-in`;
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const person = { who, login, context, page, csrf: null };
  // What the CSP refuses would be logged here: a payload that got through as markup.
  reportConsoleErrors(page, (what) => problem(who, what));
  page.on('pageerror', (e) => problem(who, `page error at ${page.url()}: ${e}`));
  person.csrf = await portalSignIn(page, { portal, login, password });
  return person;
};

// Clicks a form's button: the post must carry the portal's `_csrf`, answer 303 and lead to a
// page of the forum, which is then loaded.
const submit = async (person, button) => {
  const { page } = person;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${portal}/`)),
    button.click(),
  ]);
  const body = (await response.request().postDataBuffer())?.toString('utf8') ?? '';
  check(body.includes(person.csrf), `the post to ${response.url()} did not send the portal's _csrf`);
  check(response.status() === 303, `the post to ${response.url()} answered ${response.status()}`);
  const location = response.headers().location ?? '';
  check(location.startsWith('/p/forum/'), `the post went on to ${location}`);
  await page.waitForURL(new URL(location, portal).href);
  await page.waitForLoadState('load');
};

// Every page of the thread, as this person reads it.
const readAll = async (person, thread) => {
  let n = 1;
  for (;;) {
    await person.page.goto(`${portal}${thread}?page=${n}`);
    const html = await look(person, `thread page ${n}`, { axe: n === 1 });
    await replay(person.who, `thread page ${n}`, html);
    const next = person.page.locator('main nav.pagination a', { hasText: 'Suivants' });
    if (await next.count() === 0) return n;
    n += 1;
  }
};

const started = Date.now();
try {
  check(payloads.length >= 100, `the corpus holds ${payloads.length} payloads`);
  const teacher = await signIn('teacher', 'enseignant.demo');
  step = 'teacher-writes';
  await follow(teacher, teacher.page.locator('nav.services a:text-is("Forum")'), '/p/forum');
  const forum = teacher.page.locator('main ul.list li.item a', { hasText: 'Forum de la classe' }).first();
  check(await forum.count() === 1, `no class forum listed: ${await text(teacher.page.locator('main'))}`);
  await follow(teacher, forum, '/p/forum/f/');
  await look(teacher, 'forum', { axe: true });
  await follow(teacher, teacher.page.locator('main a.button', { hasText: 'Nouvelle discussion' }), '/p/forum/f/');
  await look(teacher, 'new thread', { axe: true });
  await teacher.page.fill('#title', TITLE);
  await teacher.page.fill('#body', 'Chaque réponse ci-dessous est un message piégé : **aucun** ne doit agir.');
  await submit(teacher, teacher.page.locator('main form button[type=submit]'));
  const thread = new URL(teacher.page.url()).pathname;
  check(thread.startsWith('/p/forum/t/'), `the new thread is at ${thread}`);
  for (const payload of payloads) {
    await teacher.page.fill('#reply-body', payload);
    await submit(teacher, teacher.page.locator('main form#reply button[type=submit]'));
    const flag = await teacher.page.evaluate(() => window.__xss ?? null);
    if (flag !== null) problem('teacher', `window.__xss = ${flag} after ${JSON.stringify(payload)}`);
  }
  console.log(`ok teacher-wrote ${payloads.length}`);

  step = 'teacher-reads';
  const pages = await readAll(teacher, thread);
  check(pages >= Math.ceil((payloads.length + 1) / 20), `the thread has ${pages} pages`);
  console.log('ok teacher-read');

  const pupil = await signIn('pupil', 'eleve.demo');
  step = 'pupil-reads';
  await readAll(pupil, thread);
  await pupil.page.goto(`${portal}/`);
  await look(pupil, 'home');
  check((await text(pupil.page.locator('main'))).includes(TITLE), 'the pupil\'s home page does not show the thread on the forum card');
  console.log('ok pupil-read');

  step = 'end';
  if (problems.length) throw new Error(`${problems.length} problem(s) found on the way`);
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('forum: all checks passed');
} catch (e) {
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`FAIL ${step}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
