// Signs in through the provider's pages in a real Chromium, as a parent would on a school
// laptop, and prints the URL the browser was sent back to (the client's redirect URI with the
// code). Checks on the way: the French page by default, the wrong-password message, no
// accessibility violation of impact "serious" or "critical" (axe-core), the consent screen, and
// no console error other than the missing favicon.
//
// Environment: ENT_AUTHORIZE_URL, ENT_REDIRECT_URI, ENT_LOGIN, ENT_PASSWORD,
// ENT_CHROMIUM (default /usr/bin/chromium), ENT_SCREENSHOTS (a folder; optional).
import { env, launch, axeSource as axe } from './common.mjs';

const authorizeUrl = env('ENT_AUTHORIZE_URL');
const redirectUri = env('ENT_REDIRECT_URI');
const login = env('ENT_LOGIN');
const password = env('ENT_PASSWORD');
const shots = process.env.ENT_SCREENSHOTS;
const axeSource = axe();

let step = 'launch';
const fail = (why) => { console.log(`FAIL ${step}: ${why}`); process.exitCode = 1; };

const browser = await launch();
try {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/favicon|status of 40[134]|ERR_CONNECTION_REFUSED/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  // The client's redirect URI is not served here: note the request the browser makes to it
  // (a hop of the provider's 303), and let that navigation fail.
  let callback = null;
  page.on('request', (r) => { if (r.url().startsWith(redirectUri)) callback = r.url(); });
  const backToClient = () => page.waitForEvent('request', { predicate: (r) => r.url().startsWith(redirectUri), timeout: 15000 });

  const accessible = async (name) => {
    // Evaluated through the DevTools protocol: the page's CSP (no scripts at all) stays on.
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (bad.length) throw new Error(`${name}: accessibility violations: ${bad.map((v) => v.id).join(', ')}`);
  };
  const snap = async (name) => { if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }); };

  step = 'login-page';
  await page.goto(authorizeUrl);
  await page.waitForSelector('input[name=login]');
  const lang = await page.getAttribute('html', 'lang');
  if (lang !== 'fr') throw new Error(`page language is ${lang}, expected fr`);
  if (!(await page.textContent('h1')).includes('Connexion')) throw new Error('no "Connexion" heading');
  await accessible('login page');
  await snap('1-login');
  console.log('ok login-page');

  step = 'wrong-password';
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', `${password}-wrong`);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const alert = await page.textContent('[role=alert]');
  if (!alert || !alert.includes('Identifiant ou mot de passe incorrect')) throw new Error(`unexpected message: ${alert}`);
  if ((await page.inputValue('input[name=login]')) !== login) throw new Error('the login was not kept in the form');
  await snap('2-wrong-password');
  console.log('ok wrong-password');

  step = 'sign-in';
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await Promise.race([page.waitForSelector('button[value=allow]'), backToClient()]);
  if (!callback) {
    step = 'consent';
    await page.waitForSelector('button[value=allow]');
    await accessible('consent page');
    await snap('3-consent');
    await Promise.all([backToClient(), page.click('button[value=allow]')]);
    console.log('ok consent');
  }
  step = 'callback';
  if (!callback) throw new Error(`the browser did not come back to ${redirectUri} (at ${page.url()})`);
  if (problems.length) throw new Error(`console errors: ${problems.join(' | ')}`);
  console.log(`callback ${callback}`);
  console.log('browser: all checks passed');
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
}
