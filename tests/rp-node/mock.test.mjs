// Offline end-to-end self-test of flow.mjs against the in-memory mock provider
// (mock-op.mjs): the happy paths must pass, and each injected provider fault must
// make flow.mjs fail at the right step. Run: node tests/rp-node/mock.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMockOp } from './mock-op.mjs';

const FLOW = fileURLToPath(new URL('./flow.mjs', import.meta.url));
const RP = 'http://rp.example.test';
const clients = {
  'ent-portal': { redirect_uris: [`${RP}/cb`], consent: false, pairwise: false },
  'third-party': { secret: 's3cr&t:é', redirect_uris: [`${RP}/cb`], consent: true, pairwise: true, sector: 'rp.example.test' },
  'ent-public-sub': { secret: 'x', redirect_uris: [`${RP}/cb`], consent: false, pairwise: false },
};
const users = { 'eleve.un': { password: 'motdepasse', sub: 'public-sub-1', name: 'Élève Un' } };

function runFlow(env) {
  return new Promise((resolve) => {
    execFile(process.execPath, [FLOW], { env: { PATH: process.env.PATH, ...env }, timeout: 60000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

async function withOp(faults, fn) {
  const op = await startMockOp({ clients, users, faults });
  try {
    return await fn(op);
  } finally {
    await op.close();
  }
}

const baseEnv = (op, clientId) => ({
  ENT_ISSUER: op.issuer,
  ENT_CLIENT_ID: clientId,
  ENT_REDIRECT_URI: `${RP}/cb`,
  ENT_POST_LOGOUT_REDIRECT_URI: `${RP}/bye`,
  ENT_LOGIN: 'eleve.un',
  ENT_PASSWORD: 'motdepasse',
  ...(clients[clientId].secret ? { ENT_CLIENT_SECRET: clients[clientId].secret } : {}),
});

function lastLine(out) {
  return out.trim().split('\n').at(-1);
}

test('public client: all checks pass', () => withOp({}, async (op) => {
  const r = await runFlow(baseEnv(op, 'ent-portal'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(lastLine(r.stdout), 'rp-node: all checks passed (public client)');
  assert.match(r.stdout, /^skip introspection: public client$/m);
  console.log(r.stdout.replace(/^/gm, '    '));
}));

test('confidential pairwise client with consent: all checks pass', () => withOp({}, async (op) => {
  const r = await runFlow({ ...baseEnv(op, 'third-party'), ENT_EXPECT_PAIRWISE: '1', ENT_PUBLIC_SUB: 'public-sub-1' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(lastLine(r.stdout), 'rp-node: all checks passed (confidential client)');
  for (const s of ['discovery', 'authorization-url', 'login', 'code-exchange', 'pairwise-sub', 'userinfo', 'refresh-rotation', 'introspection', 'revocation', 'refresh-reuse', 'logout', 'prompt-none-after-logout']) {
    assert.match(r.stdout, new RegExp(`^ok ${s}$`, 'm'));
  }
  assert.match(r.stdout, /^info consent page shown and allowed$/m);
  console.log(r.stdout.replace(/^/gm, '    '));
}));

const failures = [
  ['wrong password', {}, 'ent-portal', { ENT_PASSWORD: 'nope' }, 'login'],
  ['missing env', {}, 'ent-portal', { ENT_LOGIN: '' }, 'env'],
  ['tampered ID token signature', { badSignature: true }, 'ent-portal', {}, 'code-exchange'],
  ['public sub given to a third party', {}, 'ent-public-sub', { ENT_EXPECT_PAIRWISE: '1', ENT_PUBLIC_SUB: 'public-sub-1' }, 'pairwise-sub'],
  ['userinfo sub mismatch', { userinfoSub: 'someone-else' }, 'ent-portal', {}, 'userinfo'],
  ['no refresh rotation', { noRotation: true }, 'third-party', {}, 'refresh-rotation'],
  ['revocation does nothing', { revokeNoop: true }, 'third-party', {}, 'revocation'],
  ['session survives logout', { keepSession: true }, 'ent-portal', {}, 'prompt-none-after-logout'],
];
for (const [name, faults, clientId, env, step] of failures) {
  test(`fault "${name}" fails at ${step}`, () => withOp(faults, async (op) => {
    const r = await runFlow({ ...baseEnv(op, clientId), ...env });
    assert.notEqual(r.code, 0, r.stdout);
    const last = lastLine(r.stdout);
    assert.ok(last.startsWith(`FAIL ${step}: `), `expected FAIL ${step}, got: ${last}`);
    console.log(`    ${last}`);
  }));
}
