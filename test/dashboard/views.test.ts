/// <reference lib="dom" />
// Component tests: each view of the dashboard mounted in real Chromium (a harness page built by Vite,
// served by the admin listener's asset module under the dashboard's CSP) with fixture answers shaped by
// the admin API's OpenAPI document.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { buildDashboard } from '../../scripts/build-dashboard.ts';
import { dashboardAssets } from '../../src/platform/dashboard-assets.ts';
import { ensureChromium, launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import {
  ALERTS,
  BLOCKS,
  CONSUMERS,
  event,
  FINDINGS,
  IMPORT,
  INVENTORY,
  ISSUED,
  KEYS,
  OVERVIEW,
  SESSION,
} from './fixture-data.ts';

const skip = ensureChromium();
let dir: string;
let server: Server;
let base: string;
let browser: TestBrowser;
let page: Page;

interface Call {
  op: string;
  args: { path?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown } | null;
}
type HarnessWindow = {
  harness: { mount(view: string, fixtures: unknown): void; calls: Call[] };
};

async function mount(view: string, fixtures: Record<string, unknown>): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.documentElement.dataset.harness === 'ready');
  await page.evaluate(([v, f]) => (window as unknown as HarnessWindow).harness.mount(v as string, f), [
    view,
    fixtures,
  ] as const);
}

/** The text of an element (textContent: Playwright's innerText trips Biome's DOM rule). */
const text = async (l: Locator): Promise<string> => (await l.textContent()) ?? '';
const calls = (): Promise<Call[]> => page.evaluate(() => (window as unknown as HarnessWindow).harness.calls);
const callsOf = async (op: string) => (await calls()).filter((c) => c.op === op);

/** Every form control has an accessible name (a label, aria-label or aria-labelledby). */
async function unlabelled(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => {
        const e = el as HTMLInputElement;
        return (
          (e.labels?.length ?? 0) === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')
        );
      })
      .map((el) => el.outerHTML),
  );
}

/**
 * Text whose WCAG contrast with its background is under 4.5:1 (3:1 for large text): every element
 * with its own text, against the first opaque background up its ancestors.
 */
async function lowContrast(): Promise<string[]> {
  return page.evaluate(() => {
    const rgb = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const ch = (v: number) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r ?? 0) + 0.7152 * ch(g ?? 0) + 0.0722 * ch(b ?? 0);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e !== null; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const out: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '');
      const style = getComputedStyle(el);
      if (!own || style.visibility === 'hidden' || (el as HTMLElement).offsetParent === null) continue;
      const fg = rgb(style.color);
      const [a, b] = [lum(fg), lum(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        out.push(
          `${el.tagName.toLowerCase()}.${el.className} "${el.textContent?.slice(0, 30)}" ${ratio.toFixed(2)}`,
        );
    }
    return out;
  });
}

before(async () => {
  if (skip !== null) return;
  dir = await mkdtemp(join(tmpdir(), 'rampart-harness-'));
  await buildDashboard({ outDir: dir, harness: true, quiet: true });
  await rename(join(dir, 'harness.html'), join(dir, 'index.html'));
  const assets = dashboardAssets(dir);
  server = createServer((req, res) => assets.handle(req, res, (req.url ?? '/').split('?', 1)[0] ?? '/'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  if (skip !== null) return;
  await browser?.close();
  await new Promise<void>((r) => server?.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('dashboard views in Chromium', { skip: skip ?? false }, () => {
  test('overview: totals, a line and a bar chart, top routes and clients, alerts; the window reloads', async () => {
    await mount('overview', { getOverview: OVERVIEW, listAlerts: ALERTS });
    const totals = page.getByRole('definition');
    await totals.first().waitFor();
    assert.deepEqual(await totals.allTextContents(), ['18,420', '1,337', '7.3%', '3']);
    assert.equal(await page.locator('.chart canvas').count(), 2, 'a line chart and a bar chart');
    assert.ok(
      (await page.getByRole('img', { name: /Refusals by category: injection 611, authz 402/ }).count()) === 1,
    );
    assert.ok(
      (await page.getByRole('img', { name: /Requests and refusals over time, 12 points/ }).count()) === 1,
    );
    const routes = page.getByRole('table', { name: 'Top attacked routes' });
    assert.deepEqual(await routes.locator('tbody code').allTextContents(), [
      'GET /users/{id}',
      'GET /search',
      'POST /login',
    ]);
    const clients = page.getByRole('table', { name: 'Top refused clients' });
    assert.deepEqual(await clients.locator('tbody td.num').allTextContents(), ['420', '133']);
    assert.match(await text(page.locator('.alerts')), /anomaly\.admin_probe/);
    assert.deepEqual(await lowContrast(), []);
    await page.getByLabel('Window').selectOption('168');
    await page.waitForFunction(
      () =>
        (window as unknown as HarnessWindow).harness.calls.filter((c) => c.op === 'getOverview').length === 2,
    );
    assert.deepEqual((await callsOf('getOverview')).at(-1)?.args?.query, { hours: 168 });
    assert.deepEqual(await unlabelled(), []);
  });

  test('overview: the API not available is said plainly', async () => {
    await mount('overview', {
      getOverview: {
        error: { status: 503, code: 'admin.events.unavailable', detail: 'events.enabled is off' },
      },
      listAlerts: ALERTS,
    });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await text(alert), /Not available: events\.enabled is off/);
  });

  test('inventory: status counts, every endpoint with status, sensitive types, policies; filters', async () => {
    await mount('inventory', { getInventory: INVENTORY });
    await page.locator('tbody tr').first().waitFor();
    assert.equal(await page.locator('tbody tr').count(), 4);
    const shadow = page.locator('tbody tr', { hasText: '/internal/debug' });
    assert.match(await text(shadow), /shadow/);
    assert.match(await text(shadow), /private_key/);
    const zombie = page.locator('tbody tr', { hasText: '/v1/orders' });
    assert.match(await text(zombie), /zombie \(deprecated, still called\)/);
    const user = page.locator('tbody tr', { hasText: '/users/{id}' });
    assert.deepEqual(await user.locator('.tag-sensitive').allTextContents(), ['email', 'card']);
    assert.match(await text(user), /authz\.ownership/);
    assert.match(await text(user), /2026-11-23 11:00:00 UTC/);
    assert.deepEqual(await lowContrast(), []);
    await page.getByLabel('Status', { exact: true }).selectOption('shadow');
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByLabel('Status', { exact: true }).selectOption('all');
    await page.getByLabel('Search').fill('orders');
    assert.equal(await page.locator('tbody tr').count(), 1);
    assert.match(await text(page.getByText('Undeclared parameters seen').locator('..')), /debug/);
    assert.deepEqual(await unlabelled(), []);
  });

  test('events: evidence shown as text, filters sent as query, live tail polls with the after cursor', async () => {
    const first = { events: [event(12), event(11), event(10)], next: null };
    const later = {
      events: [event(13, { category: 'authz', code: 'authz.bola', evidence: null })],
      next: 13,
    };
    await mount('events', {
      listEvents: { sequence: [first, first, { events: [], next: null }, later, { events: [], next: null }] },
    });
    await page.locator('tbody tr').first().waitFor();
    assert.equal(await page.locator('tbody tr').count(), 3);
    const evidence = page.locator('td.evidence code').first();
    assert.equal(await text(evidence), "q=' OR 1=1 -- <img src=x onerror=alert(12)>");
    assert.equal(await page.locator('td.evidence img').count(), 0, 'evidence is never markup');
    assert.deepEqual((await callsOf('listEvents'))[0]?.args?.query, { order: 'desc', limit: 100 });

    await page.getByLabel('Category').fill('injection');
    await page.getByLabel('Severity').selectOption('high');
    await page.getByLabel('Since').fill('2026-11-23T10:30');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(
      () =>
        (window as unknown as HarnessWindow).harness.calls.filter((c) => c.op === 'listEvents').length >= 2,
    );
    const since = await page.evaluate(() => new Date('2026-11-23T10:30').toISOString());
    assert.deepEqual((await callsOf('listEvents'))[1]?.args?.query, {
      category: 'injection',
      severity: 'high',
      since,
      order: 'desc',
      limit: 100,
    });

    await page.getByLabel('Live tail').check();
    await page.locator('tbody tr', { hasText: 'authz.bola' }).waitFor();
    const tails = (await callsOf('listEvents')).slice(2);
    assert.ok(tails.length >= 2);
    for (const t of tails) {
      assert.equal(t.args?.query?.order, 'asc');
      assert.equal(t.args?.query?.category, 'injection');
    }
    assert.equal(tails[0]?.args?.query?.after, 12, 'the tail starts after the newest event shown');
    assert.match(await text(page.locator('tbody tr').first()), /authz\.bola/, 'the new event is on top');
    await page.getByLabel('Live tail').uncheck();
    assert.deepEqual(await unlabelled(), []);
  });

  test('consumers & keys: create shows the key once; revoke and rotate ask first; block and unblock', async () => {
    await mount('keys', {
      listKeys: KEYS,
      listConsumers: CONSUMERS,
      listBlocks: BLOCKS,
      createKey: ISSUED,
      rotateKey: { ...ISSUED, id: 'key_rot4', rotatedFrom: 'key_live1' },
      revokeKey: { id: 'key_live1', revoked: true },
      addBlock: { kind: 'consumer', value: 'mallory', until: '2026-11-24T12:00:00.000Z' },
      removeBlock: { kind: 'ip', value: '203.0.113.7', removed: true },
    });
    await page.locator('tr[data-key-id="key_live1"]').waitFor();
    assert.match(await text(page.locator('tr[data-key-id="key_old2"]')), /revoked/);
    assert.equal(
      await page.locator('tr[data-key-id="key_old2"] button').count(),
      0,
      'no actions on a revoked key',
    );

    await page.getByLabel('Consumer', { exact: true }).fill('acme');
    await page.getByLabel('Name').fill('deploy');
    await page.getByLabel('Roles').fill('reader, writer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('API key');
    await secret.waitFor();
    assert.equal(await secret.inputValue(), ISSUED.key);
    assert.deepEqual((await callsOf('createKey'))[0]?.args?.body, {
      consumer: 'acme',
      env: 'live',
      name: 'deploy',
      roles: ['reader', 'writer'],
    });
    assert.deepEqual(await lowContrast(), []);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByLabel('API key').count(), 0, 'the key is gone once dismissed');

    const row = page.locator('tr[data-key-id="key_live1"]');
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(
      await row
        .getByRole('button', { name: 'Revoke', exact: true })
        .evaluate((el) => el === document.activeElement),
      true,
      'Escape cancels and gives the focus back',
    );
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    assert.equal((await callsOf('revokeKey')).length, 0, 'nothing happens before the confirmation');
    const yes = row.getByRole('button', { name: 'Yes, revoke' });
    assert.equal(
      await yes.evaluate((el) => el === document.activeElement),
      true,
      'focus moves to the confirmation',
    );
    await page.keyboard.press('Enter');
    await page.getByText('Revoked key_live1.').waitFor();
    assert.deepEqual((await callsOf('revokeKey'))[0]?.args?.path, { keyId: 'key_live1' });

    await row.getByRole('button', { name: 'Rotate' }).click();
    await row.getByRole('button', { name: 'Yes, rotate' }).click();
    await page.getByText('replaces key_live1').waitFor();
    assert.deepEqual((await callsOf('rotateKey'))[0]?.args?.path, { keyId: 'key_live1' });

    const mallory = page.locator('tr', { hasText: 'mallory' });
    await mallory.getByRole('button', { name: 'Block' }).click();
    await mallory.getByRole('button', { name: 'Yes, block' }).click();
    await page.getByText('Blocked consumer mallory for a day.').waitFor();
    assert.deepEqual((await callsOf('addBlock'))[0]?.args?.body, {
      kind: 'consumer',
      value: 'mallory',
      ttlSeconds: 86_400,
    });

    await page.getByRole('button', { name: 'Unblock 203.0.113.7' }).click();
    await page.getByText('Unblocked ip 203.0.113.7.').waitFor();
    assert.deepEqual((await callsOf('removeBlock'))[0]?.args?.path, { kind: 'ip', value: '203.0.113.7' });

    await page.getByLabel('Value').fill('192.0.2.1');
    await page.getByRole('button', { name: 'Block', exact: true }).last().click();
    await page.waitForFunction(
      () =>
        (window as unknown as HarnessWindow).harness.calls.filter((c) => c.op === 'addBlock').length === 2,
    );
    assert.deepEqual((await callsOf('addBlock'))[1]?.args?.body, {
      kind: 'ip',
      value: '192.0.2.1',
      ttlSeconds: 86_400,
    });
    assert.deepEqual(await unlabelled(), []);
  });

  test('findings: a JSON file is imported through the file input; findings listed by OWASP category', async () => {
    await mount('findings', { listFindings: FINDINGS, importFindings: IMPORT });
    await page.getByRole('heading', { name: /API1: Broken Object Level Authorization/ }).waitFor();
    const headings = await page.locator('section h2[id^="h-cat-"]').allTextContents();
    assert.deepEqual(
      headings.map((h) => h.replace(/\s+/g, ' ').trim()),
      [
        'API1: Broken Object Level Authorization (1)',
        'API3: Broken Object Property Level Authorization (1)',
        'API8: Security Misconfiguration (1)',
      ],
    );
    assert.deepEqual(await lowContrast(), []);
    const reportFile = join(dir, 'scan.json');
    const report = { tool: { name: 'rampart-scan' }, target: 'http://127.0.0.1:8080', findings: [] };
    await writeFile(reportFile, JSON.stringify(report));
    await page.getByLabel('Report file').setInputFiles(reportFile);
    await page.getByText('Imported 3 findings from a scan of http://127.0.0.1:8080.').waitFor();
    assert.deepEqual((await callsOf('importFindings'))[0]?.args?.body, report);
    await page.waitForFunction(
      () =>
        (window as unknown as HarnessWindow).harness.calls.filter((c) => c.op === 'listFindings').length ===
        2,
    );

    await writeFile(join(dir, 'bad.json'), 'not json');
    await page.getByLabel('Report file').setInputFiles(join(dir, 'bad.json'));
    assert.match(await text(page.getByRole('alert')), /bad\.json is not JSON/);
    assert.equal((await callsOf('importFindings')).length, 1);
    assert.deepEqual(await unlabelled(), []);
  });

  test('sign-in: a wrong token is said, the right one signs in', async () => {
    await mount('signin', {
      signIn: { error: { status: 401, code: 'admin.auth', detail: 'no or a wrong token' } },
    });
    await page.getByLabel('Admin token').fill('wrong');
    await page.keyboard.press('Enter');
    assert.match(await text(page.getByRole('alert')), /not one of admin\.tokens/);
    await mount('signin', { signIn: SESSION });
    await page.getByLabel('Admin token').fill('right-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#app[data-signed-in="true"]');
    assert.deepEqual((await callsOf('signIn'))[0]?.args?.body, { token: 'right-token' });
  });

  test('the app: keyboard navigation, skip link, current page marked, focus on the page title', async () => {
    await mount('app', {
      getSession: SESSION,
      getOverview: OVERVIEW,
      listAlerts: ALERTS,
      getInventory: INVENTORY,
    });
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    assert.deepEqual(await lowContrast(), [], 'the navigation bar');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Overview');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Inventory');
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    assert.equal(outline, 'solid', 'the focused link is outlined');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'page-title');
    assert.equal(
      await page.getByRole('link', { name: 'Inventory' }).getAttribute('aria-current'),
      'page',
      'the current page is marked',
    );
    assert.equal(await page.title(), 'Inventory · Rampart');
  });

  test('no console errors and no CSP violation in any view', () => {
    assert.deepEqual(
      browser.errors.filter((e) => !/status of 40[14]|Failed to load resource/.test(e)),
      [],
    );
  });
});
