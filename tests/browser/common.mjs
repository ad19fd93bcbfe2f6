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
