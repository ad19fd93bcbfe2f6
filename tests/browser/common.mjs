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
