// A school morning in a real Chromium, across the provider, the portal and the portlets. Each
// person has their own browser context (their own cookies) and signs in through the provider's
// login page:
//   1. the teacher writes today's lesson for their class in the homework diary, with a task due
//      on the next school day, then a note to the whole class asking for a signature;
//      Then, in the agenda, a weekly event for the class that began last week;
//   2. the parent sees the task and the note to sign on the home page, and the weekly event's
//      next occurrence on the agenda's card (also on a phone-sized screen, home page and agenda:
//      nothing wider than it), opens the note and signs it (once per child);
//   3. the teacher reloads the note and sees the parent's signature;
//   4. the pupil, the director, the staff member, the city agent and the admin get the home page
//      of their profile;
//   5. `?lang=en` turns a page into English.
// On every page of the portal: no console error but the missing favicon, a CSP that allows no
// inline script and no script in the page, every post form carrying the portal's `_csrf`, and
// every link of the page answering 200, and the portlets' HTML using only the classes of
// docs/portlets.md, each with a rule in the portal's stylesheet; on the home pages and the pages
// driven, no accessibility violation of impact "serious" or "critical" (axe-core). Every form
// post must answer 303 back to a view. Problems are gathered rather than thrown where the
// morning can go on, so one run reports them all.
//
// Environment: ENT_PORTAL_URL, ENT_PASSWORD, ENT_LESSON_DAY and ENT_DUE_DAY, ENT_AGENDA_FIRST
// (the weekly event's first day, last week) and ENT_AGENDA_NEXT (its next one) (YYYY-MM-DD),
// ENT_CHROMIUM (default /usr/bin/chromium), ENT_SCREENSHOTS (a folder; optional).
import { env, launch, axeSource as axe, cspCheck, check, text, follow, reportConsoleErrors, portalSignIn } from './common.mjs';

const portal = env('ENT_PORTAL_URL').replace(/\/+$/, '');
const password = env('ENT_PASSWORD');
const lessonDay = env('ENT_LESSON_DAY');
const dueDay = env('ENT_DUE_DAY');
const agendaFirst = env('ENT_AGENDA_FIRST');
const agendaNext = env('ENT_AGENDA_NEXT');
const shots = process.env.ENT_SCREENSHOTS;
const axeSource = axe();

// Texts this run writes, unique to it.
const stamp = Date.now().toString(36);
const TASK = `Lire la page 12 du livre de lecture (${stamp})`;
const DONE = `Lecture : le son « ou ». Écriture des lettres o et u (${stamp}).`;
const NOTE_TITLE = `Sortie à la ferme (${stamp})`;
const EVENT_TITLE = `Bibliothèque municipale (${stamp})`;
const NOTE_BODY = 'La classe ira à la ferme pédagogique jeudi.\nMerci de signer ce mot pour autoriser la sortie.';

let step = 'launch';
const problems = [];
const problem = (who, what) => problems.push(`${step} (${who}): ${what}`);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const browser = await launch();

const checkDocument = cspCheck(portal, problem);

const snap = async (person, name) => {
  if (shots) await person.page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
};

// axe-core, evaluated through the DevTools protocol (the page's CSP stays on).
const accessible = async (person, name) => {
  const { page } = person;
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
    const where = v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} [${(n.failureSummary ?? '').replace(/\s+/g, ' ')}]`).join('; ');
    problem(person.who, `${name} (${page.url()}): accessibility violation ${v.id} (${v.impact}): ${v.help}: ${where}`);
  }
};

// The classes docs/portlets.md lets a portlet use, all defined by the portal's stylesheet.
const CONTRACT_CLASSES = ['card', 'list', 'item', 'meta', 'muted', 'badge', 'badge-ok', 'badge-warn', 'tabs', 'tab',
  'current', 'form', 'field', 'error', 'hint', 'button', 'button-secondary', 'link-button', 'table', 'notice', 'empty',
  'week', 'day', 'pagination'];
const unknownClasses = new Map(); // class → the first page it was seen on
const undefinedClasses = new Map();
const reportClasses = () => {
  const listed = (m) => [...m].map(([c, where]) => `${c} (first on ${where})`).join(', ');
  if (unknownClasses.size) problems.push(`classes outside docs/portlets.md: ${listed(unknownClasses)}`);
  if (undefinedClasses.size) problems.push(`classes of docs/portlets.md that /static/portal.css has no rule for: ${listed(undefinedClasses)}`);
};

// What every portal page must be: no script at all, no inline style or event attribute, every
// post form with the portal's `_csrf`, every link answering. With `axe`, accessible too.
const look = async (person, name, { axe = false } = {}) => {
  const { page } = person;
  await page.waitForLoadState('load');
  const url = page.url();
  check(url.startsWith(`${portal}/`), `${name}: expected a portal page, at ${url}`);
  const dom = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      scripts: document.querySelectorAll('script').length,
      handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName.toLowerCase()}[${a.name}]`)),
      styled: all.filter((e) => e.hasAttribute('style')).map((e) => e.tagName.toLowerCase()),
      styleElements: document.querySelectorAll('style').length,
      jsLinks: [...document.querySelectorAll('[href],[action],[src]')].filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') ?? e.getAttribute('action') ?? e.getAttribute('src'))).length,
      posts: [...document.querySelectorAll('form')].filter((f) => (f.getAttribute('method') ?? 'get').toLowerCase() === 'post')
        .map((f) => ({ action: f.getAttribute('action'), csrf: f.querySelector('input[type=hidden][name=_csrf]')?.value ?? null })),
      links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
      // Classes in the portlets' HTML, and the classes the page's stylesheets have rules for.
      used: [...new Set([...document.querySelectorAll('main .fragment *, main .view *')].flatMap((e) => [...e.classList]))],
      defined: (() => {
        const found = new Set();
        const walk = (rules) => {
          for (const r of rules) {
            for (const m of (r.selectorText ?? '').matchAll(/\.([A-Za-z0-9_-]+)/g)) found.add(m[1]);
            if (r.cssRules) walk(r.cssRules);
          }
        };
        for (const sheet of document.styleSheets) walk(sheet.cssRules);
        return [...found];
      })(),
    };
  });
  if (dom.scripts || dom.handlers.length || dom.jsLinks) {
    problem(person.who, `${name} (${url}): script in the page: ${dom.scripts} <script>, handlers ${dom.handlers.join(', ')}, ${dom.jsLinks} javascript: URLs`);
  }
  if (dom.styled.length || dom.styleElements) {
    problem(person.who, `${name} (${url}): inline style: style attributes on ${dom.styled.join(', ')}, ${dom.styleElements} <style>`);
  }
  for (const f of dom.posts) {
    if (f.csrf !== person.csrf) problem(person.who, `${name} (${url}): the form posting to ${f.action} carries _csrf=${f.csrf}, not the portal's`);
    if (!f.action || !f.action.startsWith('/')) problem(person.who, `${name} (${url}): a form posts to ${f.action}, not through the portal`);
  }
  for (const c of dom.used) {
    const where = `${new URL(url).pathname} (${person.who})`;
    if (!CONTRACT_CLASSES.includes(c)) { if (!unknownClasses.has(c)) unknownClasses.set(c, where); }
    else if (!dom.defined.includes(c) && !undefinedClasses.has(c)) undefinedClasses.set(c, where);
  }
  const here = url.split('#')[0];
  for (const link of dom.links) {
    const target = link.split('#')[0];
    if (target === here || person.linksSeen.has(target)) continue;
    person.linksSeen.add(target);
    if (!target.startsWith(`${portal}/`)) { problem(person.who, `${name}: a link leaves the portal: ${link}`); continue; }
    if (/[?&]lang=/.test(target)) continue; // the language switch sets a cookie: tried in step 5
    const res = await person.context.request.get(target, { maxRedirects: 0 });
    if (res.status() !== 200) problem(person.who, `${name} (${url}): the link ${target} answers ${res.status()}`);
  }
  if (axe) await accessible(person, name);
};

// Posts `form` by clicking `button` and follows the answer: it must be a 303 to `expected`
// (a path prefix), the form must have carried the portal's `_csrf`.
const post = async (person, form, button, expected) => {
  const { page } = person;
  const csrf = await form.locator('input[name=_csrf]').getAttribute('value');
  check(csrf === person.csrf, `the form carries _csrf=${csrf}, not the portal's`);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${portal}/`)),
    button.click(),
  ]);
  const body = (await response.request().postDataBuffer())?.toString('utf8');
  if (body !== undefined && !body.includes(person.csrf)) problem(person.who, `the post to ${response.url()} did not send the portal's _csrf`);
  const location = response.headers().location ?? '';
  check(response.status() === 303, `the post to ${response.url()} answered ${response.status()}: ${await text(page.locator('main')).catch(() => '')}`);
  check(location.startsWith(expected), `the post to ${response.url()} went on to ${location}, expected ${expected}…`);
  console.log(`post ${new URL(response.url()).pathname} ${response.status()} ${location} (_csrf ${body === undefined ? 'checked in the form' : 'sent'})`);
  await page.waitForURL(new URL(location, portal).href);
  await page.waitForLoadState('load');
};

// A new browser context, signed in at the portal through the provider's login page.
const signIn = async (who, login) => {
  step = `${who}-sign-in`;
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const person = { who, login, context, page, csrf: null, name: null, linksSeen: new Set() };
  reportConsoleErrors(page, (what) => problem(who, what));
  page.on('pageerror', (e) => problem(who, `page error at ${page.url()}: ${e}`));
  page.on('response', (r) => checkDocument(person, r));

  person.csrf = await portalSignIn(page, { portal, login, password, welcome: async (p) => check((await p.getAttribute('html', 'lang')) === 'fr', 'the welcome page is not in French') });
  person.name = await text(page.locator('header .who .name'));
  check(person.name, 'no name in the header');
  check((await text(page.locator('main h1'))).includes(person.name), 'the home page does not greet the person by name');
  step = `${who}-home`;
  return person;
};

// The home page's card of a portlet (by its French title), or null.
const card = async (person, title) => {
  const cards = person.page.locator('main section.card.portlet');
  for (let i = 0; i < await cards.count(); i++) {
    if ((await text(cards.nth(i).locator(':scope > h2'))) === title) return cards.nth(i);
  }
  return null;
};

const cardOk = async (person, title) => {
  const c = await card(person, title);
  check(c, `no "${title}" card on the home page`);
  check(await c.locator('.unavailable').count() === 0, `the "${title}" card is a placeholder`);
  check(await c.locator('.outdated').count() === 0, `the "${title}" card is out of date`);
  return c;
};

const home = async (person, shot) => {
  await look(person, `home page`, { axe: true });
  await snap(person, shot);
};

const nav = (person, title, path) => follow(person, person.page.locator(`nav.services a:text-is("${title}")`), path);

try {
  // 1. The teacher: today's lesson and a note to sign.
  const teacher = await signIn('teacher', 'enseignant.demo');
  await cardOk(teacher, 'Cahier de textes');
  await cardOk(teacher, 'Carnet de liaison');
  await home(teacher, 'home-teacher');
  console.log('ok teacher-home');

  step = 'homework';
  await nav(teacher, 'Cahier de textes', '/p/homework/');
  await look(teacher, 'homework diary', { axe: true });
  await follow(teacher, teacher.page.locator('main a.button:text-is("Écrire une séance")'), '/p/homework/entries/new');
  await look(teacher, 'homework form', { axe: true });
  const hwForm = teacher.page.locator('form:has(#hw-done)');
  if (await teacher.page.locator('#hw-class').count()) {
    const options = await teacher.page.locator('#hw-class option').allTextContents();
    const cp = options.find((o) => /\bCP\b/.test(o));
    check(cp, `no CP class among ${options.join(', ')}`);
    await teacher.page.selectOption('#hw-class', { label: cp });
  } else {
    const klass = await text(hwForm.locator('p.meta').first());
    check(/\bCP\b/.test(klass), `the form is not for CP-A: ${klass}`);
  }
  await teacher.page.fill('#hw-day', lessonDay);
  await teacher.page.fill('#hw-done', DONE);
  await teacher.page.fill('#hw-item-text-0', TASK);
  await teacher.page.fill('#hw-item-due-0', dueDay);
  await post(teacher, hwForm, hwForm.locator('button[type=submit]'), '/p/homework/week?');
  const week = await text(teacher.page.locator('main'));
  check(week.includes(TASK) && week.includes(DONE), `the week does not show the lesson just written: ${week}`);
  await look(teacher, 'homework week after saving', { axe: true });
  await snap(teacher, 'homework-week-teacher');
  console.log('ok homework-written');

  step = 'note';
  await nav(teacher, 'Carnet de liaison', '/p/liaison/');
  await look(teacher, 'liaison notebook', { axe: true });
  await follow(teacher, teacher.page.locator('main a.button:text-is("Nouveau mot")'), '/p/liaison/notes/new');
  await look(teacher, 'note form', { axe: true });
  const noteForm = teacher.page.locator('form:has(#note-title-input)');
  const klass = await text(noteForm.locator('p.meta').first());
  check(/\bCP\b/.test(klass), `the note form is not for CP-A: ${klass}`);
  await teacher.page.fill('#note-title-input', NOTE_TITLE);
  await teacher.page.fill('#note-body-input', NOTE_BODY);
  await teacher.page.check('#to-class');
  await teacher.page.check('#note-signature');
  await post(teacher, noteForm, noteForm.locator('button[type=submit]'), '/p/liaison/notes/');
  const notePath = new URL(teacher.page.url()).pathname;
  check((await text(teacher.page.locator('main h2#note-title'))) === NOTE_TITLE, 'the note page does not show the note');
  const expected = await teacher.page.locator('main table.table tbody tr').count();
  check(expected >= 2, `the note expects ${expected} signatures, not the class's parents`);
  check((await text(teacher.page.locator('main section[aria-labelledby=signatures-title]'))).includes(`0/${expected} signés`), 'the note does not say 0 signed');
  await look(teacher, 'note (teacher)', { axe: true });
  console.log('ok note-written');

  step = 'agenda';
  await nav(teacher, 'Agenda', '/p/agenda/');
  await look(teacher, 'agenda', { axe: true });
  await follow(teacher, teacher.page.locator('main a.button:text-is("Ajouter un événement")'), '/p/agenda/events/new');
  await look(teacher, 'event form', { axe: true });
  const scopes = await teacher.page.locator('#ev-scope option').allTextContents();
  const classScope = scopes.find((o) => /\bCP\b/.test(o));
  check(classScope, `no CP class among ${scopes.join(', ')}`);
  await teacher.page.selectOption('#ev-scope', { label: classScope });
  await teacher.page.fill('#ev-title', EVENT_TITLE);
  await teacher.page.fill('#ev-start-date', agendaFirst);
  await teacher.page.fill('#ev-start-time', '14:00');
  await teacher.page.fill('#ev-end-time', '15:00');
  await teacher.page.fill('#ev-place', 'Médiathèque du quartier');
  await teacher.page.selectOption('#ev-repeat', 'weekly');
  const eventForm = teacher.page.locator('form:has(#ev-title)');
  await post(teacher, eventForm, eventForm.locator('button[type=submit]'), '/p/agenda/week?');
  check((await text(teacher.page.locator('main'))).includes(EVENT_TITLE), 'the week does not show the event just written');
  await look(teacher, 'agenda week after saving', { axe: true });
  await snap(teacher, 'agenda-week-teacher');
  console.log('ok agenda-event-written');

  // 2. The parent: the task and the note on the home page; signs.
  const parent = await signIn('parent', 'parent.demo');
  const hw = await cardOk(parent, 'Cahier de textes');
  const perChild = await hw.locator('section', { hasText: TASK }).count();
  check(perChild === 2, `the homework card shows the task for ${perChild} children, expected 2: ${await text(hw)}`);
  const li = await cardOk(parent, 'Carnet de liaison');
  const noteItem = li.locator('li.item', { hasText: NOTE_TITLE });
  check(await noteItem.count() >= 1, `the liaison card does not show the note: ${await text(li)}`);
  check((await text(noteItem.first())).includes('à signer'), `the note is not marked "à signer": ${await text(noteItem.first())}`);
  const ag = await cardOk(parent, 'Agenda');
  const next = ag.locator('li.item', { hasText: EVENT_TITLE });
  check(await next.count() === 1, `the agenda card does not show the weekly event once: ${await text(ag)}`);
  check(await next.locator(`time[datetime^="${agendaNext}T14:00"]`).count() === 1, `the agenda card does not show its next occurrence (${agendaNext}): ${await text(next)}`);
  await home(parent, 'home-parent');
  console.log('ok parent-home');

  // The same home page on a phone: one column, nothing wider than the screen.
  step = 'parent-phone';
  await parent.page.setViewportSize({ width: 390, height: 844 });
  await parent.page.reload();
  const overflow = await parent.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the home page is ${overflow}px wider than a phone's screen`);
  await look(parent, 'home page on a phone', { axe: true });
  await snap(parent, 'home-parent-phone');
  await parent.page.goto(`${portal}/p/agenda/`);
  const agendaOverflow = await parent.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(agendaOverflow <= 1, `the agenda is ${agendaOverflow}px wider than a phone's screen`);
  await look(parent, 'agenda on a phone', { axe: true });
  await snap(parent, 'agenda-parent-phone');
  await parent.page.goto(`${portal}/`);
  await parent.page.setViewportSize({ width: 1280, height: 720 });
  console.log('ok parent-phone');

  step = 'sign';
  await follow(parent, noteItem.first().locator('a'), notePath);
  await look(parent, 'note (parent)', { axe: true });
  const signForms = parent.page.locator('main form:has(button:text-is("Signer"))');
  const toSign = await signForms.count();
  check(toSign === 2, `the parent can sign for ${toSign} children, expected 2`);
  for (let i = 0; i < toSign; i++) {
    const f = signForms.first();
    await post(parent, f, f.locator('button'), notePath);
  }
  check(await signForms.count() === 0, 'a "Signer" button is still there');
  const signed = await text(parent.page.locator('main'));
  const byParent = new RegExp(`signé le .*? par ${escapeRe(parent.name)}`, 'g');
  check((signed.match(byParent) ?? []).length >= 2, `the note does not say it is signed by ${parent.name}: ${signed}`);
  await look(parent, 'note signed (parent)', { axe: true });
  await snap(parent, 'note-signed-parent');
  console.log('ok parent-signed');

  // 3. The teacher sees the signature.
  step = 'teacher-sees-signature';
  await teacher.page.goto(`${portal}${notePath}`);
  const rows = teacher.page.locator('main table.table tbody tr', { hasText: parent.name });
  check(await rows.count() === 2, `the signature table has ${await rows.count()} rows for ${parent.name}`);
  for (let i = 0; i < 2; i++) {
    const status = await text(rows.nth(i).locator('td').last());
    check(status.startsWith('signé le') && status.endsWith(`par ${parent.name}`), `the row says "${status}"`);
  }
  check((await text(teacher.page.locator('main section[aria-labelledby=signatures-title]'))).includes(`2/${expected} signés`), 'the note does not count 2 signatures');
  await look(teacher, 'note signed (teacher)', { axe: true });
  await snap(teacher, 'note-signed-teacher');
  console.log('ok teacher-sees-signature');

  // 4. The other profiles.
  const pupil = await signIn('pupil', 'eleve.demo');
  const pupilHw = await cardOk(pupil, 'Cahier de textes');
  check((await text(pupilHw)).includes(TASK), `the pupil's homework card does not show the task: ${await text(pupilHw)}`);
  const pupilLi = await cardOk(pupil, 'Carnet de liaison');
  check((await text(pupilLi)).includes(NOTE_TITLE), `the pupil's liaison card does not show the note: ${await text(pupilLi)}`);
  await home(pupil, 'home-pupil');
  await follow(pupil, pupilLi.locator('a', { hasText: NOTE_TITLE }).first(), notePath);
  check((await text(pupil.page.locator('main'))).includes('Signé par tes parents : oui'), 'the pupil does not see that the parents signed');
  check(await pupil.page.locator('main form').count() === 0, 'the pupil is offered a form on the note');
  await look(pupil, 'note (pupil)', { axe: true });
  console.log('ok pupil-home');

  const director = await signIn('director', 'directeur.demo');
  await cardOk(director, 'Cahier de textes');
  await cardOk(director, 'Carnet de liaison');
  await home(director, 'home-director');
  console.log('ok director-home');

  for (const [who, login] of [['staff', 'personnel.demo'], ['city-agent', 'agent.demo'], ['admin', 'admin.demo']]) {
    const person = await signIn(who, login);
    for (const title of ['Cahier de textes', 'Carnet de liaison']) {
      check(!(await card(person, title)), `a "${title}" card on the home page`);
    }
    const main = await text(person.page.locator('main'));
    check(!/Cahier de textes|Carnet de liaison|devoirs|liaison/i.test(main), `the home page speaks of homework or liaison: ${main}`);
    check(await person.page.locator('a[href^="/p/homework"], a[href^="/p/liaison"]').count() === 0, 'a link to the homework or liaison portlet');
    for (const path of ['/p/homework/', '/p/liaison/']) {
      const res = await person.context.request.get(`${portal}${path}`, { maxRedirects: 0 });
      check(res.status() === 404, `${path} answers ${res.status()}`);
    }
    await home(person, `home-${who}`);
    console.log(`ok ${who}-home`);
  }

  // 5. English on request: the portal's chrome and the portlets' cards.
  step = 'english';
  await parent.page.goto(`${portal}/?lang=en`);
  check((await parent.page.getAttribute('html', 'lang')) === 'en', 'the page is not in English');
  const navText = await text(parent.page.locator('nav.services'));
  check(navText.includes('Home') && navText.includes('Homework diary') && navText.includes('Liaison notebook'), `navigation: ${navText}`);
  check((await text(parent.page.locator('header'))).includes('Sign out'), 'no "Sign out" in the header');
  const en = await text(parent.page.locator('main'));
  check(en.startsWith(`Hello ${parent.name}`), `greeting: ${en.slice(0, 80)}`);
  check(en.includes('All homework'), `the homework card is not in English: ${en}`);
  check(/Nothing to sign|to sign|Open the liaison notebook/.test(en), `the liaison card is not in English: ${en}`);
  check(en.includes('Open the calendar'), `the agenda card is not in English: ${en}`);
  check(!/Cahier de textes|Carnet de liaison|Tout le travail|Rien à signer|Se déconnecter/.test(en + navText), `French left on the English page: ${en}`);
  await look(parent, 'home page in English', { axe: true });
  await snap(parent, 'home-parent-en');
  console.log('ok english');

  step = 'end';
  reportClasses();
  if (problems.length) throw new Error(`${problems.length} problem(s) found on the way`);
  console.log('morning: all checks passed');
} catch (e) {
  if (step !== 'end') reportClasses();
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`FAIL ${step}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
