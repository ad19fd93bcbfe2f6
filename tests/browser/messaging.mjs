// Messaging in a real Chromium, across the provider, the portal and the portlets. Each person has
// their own browser context and signs in through the provider's login page:
//   1. the parent opens Messagerie (the empty inbox), writes a new message: finds their child's
//      teacher with the picker's search (action=find keeps the draft), ticks them, sends;
//   2. the teacher sees the conversation in the inbox, unread, opens it and answers;
//   3. the parent's home page shows the answer on the messaging card: one unread message, the
//      subject and the teacher's name among the last three;
//   4. the pupil opens the form: the picker offers no parent, neither a group of parents nor a
//      person; a send forged with a parent's address (a checkbox added to the page's own form
//      through the DevTools protocol, then the page's send button) is refused with the
//      refusal shown in the form (422), and the parent receives nothing.
// On every page: no console error but the missing favicon, a CSP that allows no inline script
// (the portal's: no script at all), no script, inline style or event attribute in the page,
// every post form carrying the portal's `_csrf`, and no accessibility violation of impact
// "serious" or "critical" (axe-core) on the inbox, the compose form (empty, with the search's
// results, refused) and the conversation (the author's and the recipient's). Problems are
// gathered rather than thrown where the scenario can go on, so one run reports them all.
//
// Environment: ENT_PORTAL_URL, ENT_PASSWORD, ENT_TEACHER_NAME and ENT_PARENT_NAME (as the
// directory gives them), ENT_PARENT_SUB (the parent's subject, as portlets see it), ENT_CHROMIUM
// (default /usr/bin/chromium), ENT_SCREENSHOTS (a folder; optional).
import { env, launch, axeSource as axe, cspCheck, check, text, follow, reportConsoleErrors, portalSignIn } from './common.mjs';

const portal = env('ENT_PORTAL_URL').replace(/\/+$/, '');
const password = env('ENT_PASSWORD');
const teacherName = env('ENT_TEACHER_NAME');
const parentName = env('ENT_PARENT_NAME');
const parentSub = env('ENT_PARENT_SUB');
const shots = process.env.ENT_SCREENSHOTS;
const axeSource = axe();

// Texts this run writes, unique to it.
const stamp = Date.now().toString(36);
const SUBJECT = `Sortie de jeudi (${stamp})`;
const BODY = 'Bonjour,\nFaut-il prévoir un pique-nique pour la sortie de jeudi ?\nMerci.';
const ANSWER = `Bonjour, oui : un pique-nique et une gourde (${stamp}).`;
const FORGED = `Pour tes parents (${stamp})`;

let step = 'launch';
const problems = [];
const problem = (who, what) => problems.push(`${step} (${who}): ${what}`);

const browser = await launch();

const checkDocument = cspCheck(portal, problem);

const snap = async (person, name) => {
  if (shots) await person.page.screenshot({ path: `${shots}/messaging-${name}.png`, fullPage: true });
};

// A portal page as it must be: no script, no inline style, every post form with the portal's
// `_csrf` posting through the portal; with `axe`, no serious or critical violation either.
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
      styled: all.filter((e) => e.hasAttribute('style')).length + document.querySelectorAll('style').length,
      posts: [...document.querySelectorAll('form')].filter((f) => (f.getAttribute('method') ?? 'get').toLowerCase() === 'post')
        .map((f) => ({ action: f.getAttribute('action'), csrf: f.querySelector('input[type=hidden][name=_csrf]')?.value ?? null })),
    };
  });
  if (dom.scripts || dom.handlers.length) problem(person.who, `${name} (${url}): script in the page: ${dom.scripts} <script>, handlers ${dom.handlers.join(', ')}`);
  if (dom.styled) problem(person.who, `${name} (${url}): ${dom.styled} inline styles`);
  for (const f of dom.posts) {
    if (f.csrf !== person.csrf) problem(person.who, `${name} (${url}): the form posting to ${f.action} carries _csrf=${f.csrf}, not the portal's`);
    if (!f.action || !f.action.startsWith('/')) problem(person.who, `${name} (${url}): a form posts to ${f.action}, not through the portal`);
  }
  if (axe) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
      const where = v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} [${(n.failureSummary ?? '').replace(/\s+/g, ' ')}]`).join('; ');
      problem(person.who, `${name} (${url}): accessibility violation ${v.id} (${v.impact}): ${v.help}: ${where}`);
    }
    person.axed.add(name);
  }
  await snap(person, `${person.who}-${name.replace(/\W+/g, '-')}`);
};

// Clicks `button` (a form's submit button): the post must carry the portal's `_csrf` and answer
// `status`; a 303 must lead on to `expected` (a path prefix), which is then loaded.
const submit = async (person, button, expected, status = 303) => {
  const { page } = person;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${portal}/`)),
    button.click(),
  ]);
  const body = (await response.request().postDataBuffer())?.toString('utf8') ?? '';
  check(body.includes(person.csrf), `the post to ${response.url()} did not send the portal's _csrf`);
  if (response.status() !== status) {
    await page.waitForLoadState('load');
    throw new Error(`the post to ${response.url()} answered ${response.status()}, expected ${status}: ${await text(page.locator('main')).catch(() => '')}`);
  }
  if (status === 303) {
    const location = response.headers().location ?? '';
    check(location.startsWith(expected), `the post to ${response.url()} went on to ${location}, expected ${expected}…`);
    await page.waitForURL(new URL(location, portal).href);
  }
  await page.waitForLoadState('load');
  return response;
};

// A new browser context, signed in at the portal through the provider's login page.
const signIn = async (who, login) => {
  step = `${who}-sign-in`;
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const person = { who, login, context, page, csrf: null, axed: new Set() };
  // The refused send answers 422 on purpose; Chromium logs every 4xx document.
  reportConsoleErrors(page, (what) => problem(who, what), (m) => /status of 422/.test(m.text()) && step === 'pupil-forged');
  page.on('pageerror', (e) => problem(who, `page error at ${page.url()}: ${e}`));
  page.on('response', (r) => checkDocument(person, r));
  person.csrf = await portalSignIn(page, { portal, login, password });
  return person;
};

// The home page's messaging card.
const messagingCard = async (person) => {
  const cards = person.page.locator('main section.card.portlet');
  for (let i = 0; i < await cards.count(); i++) {
    if ((await text(cards.nth(i).locator(':scope > h2'))) === 'Messagerie') return cards.nth(i);
  }
  throw new Error('no "Messagerie" card on the home page');
};

const openMessaging = async (person) => {
  await follow(person, person.page.locator('nav.services a:text-is("Messagerie")'), '/p/messaging/');
};

// The picker's checkboxes: [{value, label}].
const picks = (page, list) => page.locator(`main form.form.card fieldset ${list}`).evaluateAll((inputs) =>
  inputs.map((i) => ({ value: i.value, checked: i.checked, label: (i.closest('label')?.textContent ?? '').replace(/\s+/g, ' ').trim() })));

const started = Date.now();
try {
  // 1. The parent writes to the child's teacher.
  const parent = await signIn('parent', 'parent.demo');
  step = 'parent-writes';
  const card0 = await messagingCard(parent);
  check((await text(card0)).includes('Aucun nouveau message'), `the messaging card of a new parent: ${await text(card0)}`);
  await openMessaging(parent);
  check((await text(parent.page.locator('main'))).includes('Aucun message.'), 'the empty inbox does not say so');
  await look(parent, 'inbox (empty)', { axe: true });
  await follow(parent, parent.page.locator('main a.button:text-is("Nouveau message")'), '/p/messaging/new');
  await look(parent, 'compose', { axe: true });
  const offered = await picks(parent.page, 'input[name=to]');
  check(offered.length > 0, 'the picker offers the parent nobody');
  for (const p of offered) {
    if (/— (parent|élève)\b/.test(p.label) || /^(Parents|Élèves) de/.test(p.label)) problem('parent', `the picker offers ${p.label}`);
  }
  await parent.page.fill('#compose-subject', SUBJECT);
  await parent.page.fill('#compose-body', BODY);
  const family = teacherName.split(' ').slice(-1)[0];
  await parent.page.fill('#compose-q', family);
  await submit(parent, parent.page.locator('button[name=action][value=find]'), '/p/messaging/drafts/');
  check(new URL(parent.page.url()).searchParams.get('q') === family, `the search did not keep the query: ${parent.page.url()}`);
  check(await parent.page.inputValue('#compose-subject') === SUBJECT, 'the search lost the subject');
  check(await parent.page.inputValue('#compose-body') === BODY, 'the search lost the text');
  const found = (await picks(parent.page, 'input[name=to]')).filter((p) => p.label.startsWith(teacherName));
  check(found.length === 1, `the search for "${family}" does not offer ${teacherName} once: ${JSON.stringify(await picks(parent.page, 'input[name=to]'))}`);
  check(/enseignant/.test(found[0].label), `the teacher is not said to be a teacher: ${found[0].label}`);
  await look(parent, 'compose (search results)', { axe: true });
  await parent.page.check(`input[name=to][value="${found[0].value}"]`);
  await submit(parent, parent.page.locator('button[name=action][value=send]'), '/p/messaging/c/');
  const conversation = new URL(parent.page.url()).pathname;
  const sentPage = await text(parent.page.locator('main'));
  check(sentPage.includes('Message envoyé.'), `no "Message envoyé." after sending: ${sentPage}`);
  check(sentPage.includes(SUBJECT) && sentPage.includes('pique-nique'), 'the conversation does not show the message');
  check(sentPage.includes(`à ${teacherName}`), `the message is not shown as sent to ${teacherName}: ${sentPage}`);
  check(sentPage.includes('Lu par 0 sur 1.'), `the author does not see it unread: ${sentPage}`);
  await look(parent, 'conversation (author)', { axe: true });
  console.log('ok parent-sent');

  // 2. The teacher: unread in the inbox; reads and answers.
  const teacher = await signIn('teacher', 'enseignant.demo');
  step = 'teacher-answers';
  await openMessaging(teacher);
  const inboxTab = await text(teacher.page.locator('main nav.tabs a.tab').first());
  check(inboxTab === 'Boîte de réception (1)', `the inbox tab says "${inboxTab}"`);
  const item = teacher.page.locator('main ul.list li.item', { hasText: SUBJECT });
  check(await item.count() === 1, `the teacher's inbox does not list the conversation once: ${await text(teacher.page.locator('main'))}`);
  const itemText = await text(item);
  check(itemText.includes('1 non lu'), `the conversation is not marked unread: ${itemText}`);
  check(itemText.includes(parentName), `the inbox does not say who wrote: ${itemText}`);
  await look(teacher, 'inbox', { axe: true });
  await follow(teacher, item.locator('a'), conversation);
  const read = await text(teacher.page.locator('main'));
  check(read.includes('pique-nique') && read.includes(parentName), `the conversation does not show the parent's message: ${read}`);
  check(!(await text(teacher.page.locator('main nav.tabs a.tab').first())).includes('('), 'the message is still counted unread once opened');
  await look(teacher, 'conversation (recipient)', { axe: true });
  await teacher.page.fill('#reply-body', ANSWER);
  const replyForm = teacher.page.locator('main form:has(#reply-body)');
  await submit(teacher, replyForm.locator('button[type=submit]'), conversation);
  const answered = await text(teacher.page.locator('main'));
  check(answered.includes('Message envoyé.') && answered.includes(ANSWER), `the answer is not shown: ${answered}`);
  console.log('ok teacher-answered');

  // 3. The parent's home page: the unread answer on the messaging card.
  step = 'parent-home';
  await parent.page.goto(`${portal}/`);
  const card = await messagingCard(parent);
  const cardText = await text(card);
  check(cardText.includes('1 message non lu'), `the card does not count one unread message: ${cardText}`);
  const last = card.locator('li.item', { hasText: SUBJECT });
  check(await last.count() === 1, `the card does not list the answer among the last three: ${cardText}`);
  const lastText = await text(last);
  check(lastText.includes(teacherName) && lastText.includes('nouveau'), `the card's item: ${lastText}`);
  check(await card.locator('li.item').count() <= 3, 'the card lists more than three messages');
  await look(parent, 'home', { axe: true });
  await follow(parent, last.locator('a'), conversation);
  check((await text(parent.page.locator('main'))).includes(ANSWER), 'the card\'s link does not open the answer');
  console.log('ok parent-home');

  // 4. The pupil: no parent offered; a forged address refused.
  const pupil = await signIn('pupil', 'eleve.demo');
  step = 'pupil-picker';
  await openMessaging(pupil);
  await follow(pupil, pupil.page.locator('main a.button:text-is("Nouveau message")'), '/p/messaging/new');
  const pupilOffered = await picks(pupil.page, 'input[name=to]');
  check(pupilOffered.some((p) => p.label.startsWith(teacherName)), `the pupil is not offered their teacher: ${JSON.stringify(pupilOffered)}`);
  const parents = pupilOffered.filter((p) => /— parent\b/.test(p.label) || /^Parents de/.test(p.label) || p.value.includes('parents'));
  check(parents.length === 0, `the pupil is offered parents: ${JSON.stringify(parents)}`);
  check(!pupilOffered.some((p) => p.value === `p:${parentSub}`), 'the pupil is offered their parent');
  console.log('ok pupil-no-parent');

  step = 'pupil-forged';
  await pupil.page.fill('#compose-subject', FORGED);
  await pupil.page.fill('#compose-body', 'Bonjour !');
  // The page runs no script (its CSP): the DevTools protocol adds the checkbox the picker
  // did not offer, inside the page's own form.
  await pupil.page.evaluate((value) => {
    const fieldset = document.querySelector('main form.form.card fieldset');
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox'; box.name = 'to'; box.value = value; box.checked = true;
    label.append(box, ' ?');
    fieldset.append(label);
  }, `p:${parentSub}`);
  await submit(pupil, pupil.page.locator('button[name=action][value=send]'), '', 422);
  const error = await text(pupil.page.locator('main #compose-error'));
  check(error === `Vous ne pouvez pas écrire à ${parentName}.`, `the refusal says "${error}"`);
  check(await pupil.page.inputValue('#compose-subject') === FORGED, 'the refused message lost its subject');
  await look(pupil, 'compose (refused)', { axe: true });
  const drafts = await pupil.context.request.get(`${portal}/p/messaging/drafts`);
  check((await drafts.text()).includes(FORGED), 'the refused message is not kept as a draft');
  const sent = await pupil.context.request.get(`${portal}/p/messaging/sent`);
  check(!(await sent.text()).includes(FORGED), 'the refused message is in the pupil\'s sent folder');
  const parentInbox = await parent.context.request.get(`${portal}/p/messaging/inbox`);
  check(!(await parentInbox.text()).includes(FORGED), 'the parent received the forged message');
  console.log('ok pupil-forged-refused');

  step = 'end';
  for (const [person, pages] of [[parent, ['inbox (empty)', 'compose', 'conversation (author)']], [teacher, ['inbox', 'conversation (recipient)']]]) {
    for (const p of pages) check(person.axed.has(p), `axe did not run on ${p}`);
  }
  if (problems.length) throw new Error(`${problems.length} problem(s) found on the way`);
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('messaging: all checks passed');
} catch (e) {
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`FAIL ${step}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
