// Passkeys in a real Chromium with a virtual authenticator (DevTools WebAuthn domain: CTAP2,
// internal transport, resident keys, user verification): a parent signs in with a password,
// passes the invitation, registers a passkey from the provider's account page, signs out, then
// signs in with the passkey alone (no login typed) and prints the URL the browser was sent back
// to (the client's redirect URI with the code).
//
// Environment: ENT_ISSUER, ENT_AUTHORIZE_URL, ENT_AUTHORIZE_URL_2 (a second request, for the
// passkey login), ENT_REDIRECT_URI, ENT_LOGIN, ENT_PASSWORD, ENT_CHROMIUM, ENT_SCREENSHOTS.
import { env, launch } from './common.mjs';

const issuer = env('ENT_ISSUER');
const first = env('ENT_AUTHORIZE_URL');
const second = env('ENT_AUTHORIZE_URL_2');
const redirectUri = env('ENT_REDIRECT_URI');
const login = env('ENT_LOGIN');
const password = env('ENT_PASSWORD');
const shots = process.env.ENT_SCREENSHOTS;

let step = 'launch';
const fail = (why) => { console.log(`FAIL ${step}: ${why}`); process.exitCode = 1; };

const browser = await launch();
try {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/favicon|status of 40[134]|ERR_CONNECTION_REFUSED/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  let callback = null;
  page.on('request', (r) => { if (r.url().startsWith(redirectUri)) callback = r.url(); });
  const backToClient = () => page.waitForEvent('request', { predicate: (r) => r.url().startsWith(redirectUri), timeout: 15000 });
  const snap = async (name) => { if (shots) await page.screenshot({ path: `${shots}/passkeys-${name}.png`, fullPage: true }); };
  // Consent once if asked; either way, the browser goes back to the client.
  const untilClient = async () => {
    await Promise.race([page.waitForSelector('button[value=allow]', { timeout: 15000 }), backToClient()]).catch(() => {});
    if (!callback) await Promise.all([backToClient(), page.click('button[value=allow]')]);
  };

  // The client's redirect URI is not served: its failed navigation may still be under way.
  const go = async (url) => {
    for (let i = 0; ; i++) {
      try { await page.goto(url); return; } catch (e) {
        if (!/interrupted/.test(String(e)) || i === 3) throw e;
        await page.waitForTimeout(300);
        if (page.url() === url) { await page.waitForLoadState(); return; }
      }
    }
  };

  step = 'authenticator';
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  console.log('ok authenticator');

  step = 'password-login';
  await page.goto(first);
  await page.waitForSelector('#passkey-login', { state: 'visible' });
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  // The page's script has told the provider that this device can make a passkey.
  await page.waitForFunction(() => document.querySelector('input[name=passkey_capable]').value === '1');
  await Promise.all([page.waitForNavigation(), page.click('form.passkey-capable button[type=submit]')]);
  if (!page.url().includes('/login/invitation')) throw new Error(`no invitation: at ${page.url()}`);
  await snap('1-invitation');
  callback = null;
  const toClient = untilClient();
  await page.click('#passkey-later');
  await toClient;
  if (!callback) throw new Error('not sent back to the client after "Plus tard"');
  console.log('ok password-login');

  step = 'register';
  await go(`${issuer}/account`);
  await page.waitForSelector('#passkey-create', { state: 'visible' });
  if (!(await page.textContent('h1')).includes("Mes clés d'accès")) throw new Error('not the account page');
  await page.fill('#name', 'Portable de la maison');
  await Promise.all([page.waitForNavigation(), page.click('#passkey-create')]);
  await page.waitForSelector('.passkey-name');
  const names = await page.$$eval('.passkey-name', (els) => els.map((e) => e.textContent));
  if (!names.includes('Portable de la maison')) throw new Error(`passkeys listed: ${names}`);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  if (credentials.length !== 1 || !credentials[0].isResidentCredential) throw new Error('no discoverable credential on the authenticator');
  await snap('2-account');
  console.log('ok register');

  step = 'logout';
  await go(`${issuer}/logout`);
  await Promise.all([page.waitForNavigation(), page.click('button[value=yes]')]);
  console.log('ok logout');

  step = 'passkey-login';
  callback = null;
  await go(second);
  await page.waitForSelector('#passkey-login', { state: 'visible' });
  await snap('3-login');
  const back = untilClient();
  await page.click('#passkey-login');
  await back;
  if (!callback) throw new Error(`the browser did not come back to ${redirectUri} (at ${page.url()})`);
  if (problems.length) throw new Error(`console errors: ${problems.join(' | ')}`);
  console.log('ok passkey-login');
  console.log(`callback ${callback}`);
  console.log('passkeys: all checks passed');
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
}
