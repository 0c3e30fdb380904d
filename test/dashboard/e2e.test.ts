/// <reference lib="dom" />
// End to end in headless Chromium: a gateway with the admin API, keys, events and discovery takes real
// traffic; the dashboard built into dashboard/dist is signed in to, shows that traffic, revokes a key
// (and the gateway then refuses it), and each page is screenshotted (into docs/images for the README with `npm run screenshots`).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildDashboard } from '../../scripts/build-dashboard.ts';
import { ensureChromium, launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { type CliProcess, json, spawnCli } from '../helpers/cli.ts';
import { screenshotPath } from '../helpers/screenshots.ts';
import { componentErrors, contractErrors } from './contract.ts';

const TOKEN = 'dashboard-e2e-admin-token-0123456789abcdef';
const PEPPER = 'dashboard-e2e-pepper-0123456789-abcdefghij';
const DIST = fileURLToPath(new URL('../../dashboard/dist/index.html', import.meta.url));

const OPENAPI = `openapi: 3.1.0
info: { title: Shop, version: '1' }
security:
  - key: []
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /health:
    get:
      operationId: health
      security: []
      responses: { '200': { description: ok } }
  /users/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer, minimum: 1 } }
    get:
      operationId: getUser
      responses: { '200': { description: ok } }
  /search:
    get:
      operationId: search
      parameters:
        - { name: q, in: query, required: true, schema: { type: string, maxLength: 200 } }
      responses: { '200': { description: ok } }
  /orders:
    get:
      operationId: listOrders
      responses: { '200': { description: ok } }
  /v1/orders:
    get:
      operationId: listOrdersV1
      deprecated: true
      responses: { '200': { description: ok } }
`;

const skip = ensureChromium();
const upstream = createServer((req, res) => {
  const url = req.url ?? '/';
  const body = url.startsWith('/users/')
    ? { id: Number(url.split('/')[2]), name: 'Ada', email: 'ada@example.com' }
    : url.startsWith('/orders') || url.startsWith('/v1/orders')
      ? { orders: [{ id: 1, total: 12.5 }] }
      : { ok: true };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});

let dir: string;
let gateway: CliProcess;
let gw: string;
let admin: string;
let browser: TestBrowser;
let page: Page;

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${admin}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const call = (path: string, key?: string) =>
  fetch(`${gw}${path}`, { headers: key === undefined ? {} : { 'x-api-key': key } }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

async function shot(name: string, fullPage = false): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(`dashboard-${name}.png`), fullPage });
}

async function open(id: string, title: string): Promise<void> {
  await page.getByRole('link', { name: title, exact: true }).click();
  await page.waitForFunction((t) => document.title.startsWith(t), title);
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
  assert.equal(new URL(page.url()).hash, `#/${id}`);
}

/** Poll until `pred` holds (events are written in batches, the inventory saved on an interval). */
async function until(pred: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  if (skip !== null) return;
  // build now: a dist left from older sources would test the old dashboard
  await buildDashboard({ quiet: true });
  assert.ok(existsSync(DIST));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  dir = await mkdtemp(join(tmpdir(), 'rampart-dashboard-e2e-'));
  await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
  await writeFile(
    join(dir, 'rampart.yaml'),
    `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, tokens: ["\${ADMIN_TOKEN}"] }
upstreams:
  app: { url: http://127.0.0.1:${port}, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, connectTimeoutMs: 1000 }
apis:
  - name: shop
    openapi: ./openapi.yaml
    upstream: app
auth:
  pepper: \${PEPPER}
  store: ./keys.db
  keyCacheTtlMs: 0
  apiKeys:
    key: { header: x-api-key }
validation: { enabled: true }
inspection: { enabled: true }
response: { enabled: true }
events:
  enabled: true
  store: ./events.db
  flushIntervalMs: 20
  discovery: { enabled: true, saveIntervalMs: 100 }
`,
  );
  // the real \`rampart gateway\`: it wires the event and discovery recorders to the admin API
  gateway = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')], { PEPPER, ADMIN_TOKEN: TOKEN });
  const line = json(await gateway.waitFor((l) => json(l)?.msg === 'gateway listening', 30_000))!;
  gw = (line.listeners as string[])[0]!;
  // Chromium keeps a Secure cookie over plain http only on localhost, so the admin URL names it
  const adminPort = new URL(line.admin as string).port;
  admin = `http://localhost:${adminPort}`;
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  if (skip !== null) return;
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await rm(dir, { recursive: true, force: true });
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe('the dashboard end to end', { skip: skip ?? false }, () => {
  let key = '';

  test('traffic through the gateway: a consumer with a key, attacks refused', async () => {
    const issued = await api('/api/keys', {
      method: 'POST',
      body: JSON.stringify({ consumer: 'acme', name: 'storefront', roles: ['reader'] }),
    });
    assert.equal(issued.status, 201);
    assert.deepEqual(componentErrors('IssuedKey', issued.body), []);
    const { key: shownOnce, ...asKey } = issued.body;
    assert.deepEqual(componentErrors('Key', asKey), []);
    assert.notDeepEqual(componentErrors('Key', issued.body), [], 'a listed key never carries the key itself');
    assert.equal(String(shownOnce).length, 46);
    key = String(issued.body.key);
    const statuses: number[] = [];
    for (let i = 1; i <= 30; i++) statuses.push(await call(`/users/${i}`, key));
    for (const q of ['shoes', 'red hat', 'socks'])
      statuses.push(await call(`/search?q=${encodeURIComponent(q)}`, key));
    statuses.push(await call('/orders', key), await call('/v1/orders', key), await call('/health'));
    assert.ok(
      statuses.every((s) => s === 200),
      String(statuses),
    );
    const refused: number[] = [];
    for (const q of ["' OR 1=1 --", "1' UNION SELECT password FROM users --", '<script>alert(1)</script>'])
      refused.push(await call(`/search?q=${encodeURIComponent(q)}`, key));
    for (let i = 0; i < 4; i++) refused.push(await call('/users/1'));
    refused.push(await call('/users/abc', key), await call('/users/0', key));
    refused.push(await call('/search?q=x&debug=1', key));
    refused.push(await call('/internal/debug', key));
    assert.ok(
      refused.every((s) => s >= 400),
      String(refused),
    );
    await until(async () => {
      const o = await api('/api/overview?hours=1');
      return o.status === 200 && Number(o.body.refused) >= 8;
    }, 'the refusals to reach the events store');
  });

  test('the answers the dashboard reads match the admin API document it is typed by', async () => {
    for (const [path, template] of [
      ['/api/overview?hours=1', '/api/overview'],
      ['/api/events?order=asc&after=0&limit=5', '/api/events'],
      ['/api/events', '/api/events'],
      ['/api/alerts', '/api/alerts'],
      ['/api/inventory', '/api/inventory'],
      ['/api/blocks', '/api/blocks'],
      ['/api/findings', '/api/findings'],
      ['/api/consumers', '/api/consumers'],
      ['/api/keys', '/api/keys'],
    ] as const) {
      const r = await api(path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(contractErrors('GET', template, 200, r.body), [], path);
    }
    const blocked = await api('/api/blocks', {
      method: 'POST',
      body: JSON.stringify({ kind: 'ip', value: '192.0.2.1', ttlSeconds: 60 }),
    });
    assert.deepEqual(contractErrors('POST', '/api/blocks', 201, blocked.body), []);
    const removed = await api('/api/blocks/ip/192.0.2.1', { method: 'DELETE' });
    assert.deepEqual(contractErrors('DELETE', '/api/blocks/{kind}/{value}', 200, removed.body), []);
  });

  test('a wrong token is refused; the admin token signs in (Secure HttpOnly SameSite=Strict cookie)', async () => {
    await page.goto(`${admin}/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await shot('signin');
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const cookies = await browser.context.cookies(admin);
    const session = cookies.find((c) => c.name === 'rampart_session');
    assert.ok(session !== undefined, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'the cookie is not readable from script');
    await page.reload();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    // a change with the cookie but without the session's CSRF token is refused
    const forged = await page.evaluate(() =>
      fetch('/api/blocks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'ip', value: '192.0.2.9', ttlSeconds: 60 }),
      }).then(async (r) => ({ status: r.status, code: ((await r.json()) as { code?: string }).code })),
    );
    assert.deepEqual(forged, { status: 403, code: 'admin.csrf' });
  });

  test('overview: populated from the traffic', async () => {
    await page.getByLabel('Window').selectOption('1');
    const totals = page.locator('.stats dd');
    await totals.first().waitFor();
    const [requests, refused] = (await totals.allTextContents()).map((t) => Number(t.replace(/,/g, '')));
    assert.ok((requests ?? 0) >= 45, `requests ${requests}`);
    assert.ok((refused ?? 0) >= 8, `refused ${refused}`);
    assert.equal(await page.locator('.chart canvas').count(), 2);
    const routes = await page
      .getByRole('table', { name: 'Top attacked routes' })
      .locator('tbody')
      .textContent();
    assert.match(routes ?? '', /search/);
    const clients = await page
      .getByRole('table', { name: 'Top refused clients' })
      .locator('tbody')
      .textContent();
    assert.match(clients ?? '', /127\.0\.0\.1|acme/);
    await page.waitForTimeout(300); // let the charts settle before the picture
    await shot('overview');
  });

  test('inventory: the documented, shadow and zombie endpoints with what was seen', async () => {
    await open('inventory', 'Inventory');
    await until(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      const t = await page.locator('tbody').first().textContent();
      return /\/users\/\{id\}/.test(t ?? '') && /zombie/.test(t ?? '');
    }, 'the inventory');
    const users = await page.locator('tbody tr', { hasText: '/users/{id}' }).first().textContent();
    assert.match(users ?? '', /documented/);
    const legacy = await page.locator('tbody tr', { hasText: '/v1/orders' }).first().textContent();
    assert.match(legacy ?? '', /zombie/);
    await shot('inventory');
  });

  test('events: the refusals, evidence redacted, filter by category', async () => {
    await open('events', 'Events');
    await page.locator('tbody tr').first().waitFor();
    const all = (await page.locator('tbody').textContent()) ?? '';
    assert.match(all, /inject/);
    assert.ok(!all.includes(key), 'no API key in the events');
    await page.getByLabel('Live tail').check();
    await call(`/search?q=${encodeURIComponent("' OR 'a'='a")}`, key);
    await until(async () => (await page.locator('tbody tr').count()) >= 12, 'the tail to show the new event');
    await page.getByLabel('Live tail').uncheck();
    await shot('events');
  });

  test('consumers & keys: create (shown once), revoke, and the gateway refuses the revoked key', async () => {
    await open('keys', 'Consumers & keys');
    await page.getByLabel('Consumer', { exact: true }).fill('mobile-app');
    await page.getByLabel('Name').fill('ios');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('API key');
    await shown.waitFor();
    const mobileKey = await shown.inputValue();
    assert.match(mobileKey, /^rk_live_/);
    assert.equal(await call('/users/7', mobileKey), 200, 'the new key works');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByLabel('API key').count(), 0, 'never shown again');
    assert.ok(!(await page.content()).includes(mobileKey), 'the key is nowhere on the page');

    const row = page.locator('tbody tr', { hasText: 'ios' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByText(/^Revoked key_/).waitFor();
    await row.getByText('revoked').waitFor();
    assert.equal(await call('/users/7', mobileKey), 401, 'the next request with the revoked key is refused');
    assert.equal(await call('/users/7', key), 200, 'the other key still works');

    await page.getByLabel('Value').fill('192.0.2.66');
    await page.getByRole('button', { name: 'Block', exact: true }).last().click();
    await page.getByRole('button', { name: 'Unblock 192.0.2.66' }).waitFor();
    await shot('keys', true);
    await page.getByRole('button', { name: 'Unblock 192.0.2.66' }).click();
    await page.getByText('Unblocked ip 192.0.2.66.').waitFor();
    const blocks = await api('/api/blocks');
    assert.deepEqual(blocks.body.blocks, []);
  });

  test('findings: an audit report imported from its JSON output, listed by OWASP category', async () => {
    const cli = spawnCli(['audit', join(dir, 'openapi.yaml'), '--format', 'json']);
    await cli.exited;
    const reportFile = join(dir, 'audit.json');
    await writeFile(reportFile, cli.stdout.join('\n'));
    await open('findings', 'Findings');
    await page.getByLabel('Report file').setInputFiles(reportFile);
    await page.getByText(/^Imported \d+ findings from an audit/).waitFor();
    await page.locator('section[id^="cat-API"]').first().waitFor();
    assert.ok((await page.locator('section[id^="cat-"] tbody tr').count()) >= 1);
    await shot('findings', true);
  });

  test('sign out: back to the sign-in page, the API refuses the old cookie', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    const res = await page.evaluate(() => fetch('/api/overview').then((r) => r.status));
    assert.equal(res, 401);
  });

  test('no console errors and no CSP violation', () => {
    assert.deepEqual(
      browser.errors.filter((e) => !/status of 401|Failed to load resource/.test(e)),
      [],
    );
  });
});
