import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { auditDocument } from '../../src/audit/audit.ts';
import { formatJson as auditJson } from '../../src/audit/report/json.ts';
import { EXIT } from '../../src/cli/command.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { openEventStore } from '../../src/platform/events/open.ts';
import type { SecurityEvent } from '../../src/platform/events/types.ts';
import { screenshotPath } from '../helpers/screenshots.ts';
import { DEMO_OPENAPI, demoVariant, runReport, swap } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const DAY = 86_400_000;

/** A week of plausible events on the demo: BOLA and injection refusals, monitored hits, auth failures. */
function weekOfEvents(now: number): SecurityEvent[] {
  const out: SecurityEvent[] = [];
  const kinds: [string, string, string, 'refuse' | 'monitor', number][] = [
    ['authz', 'authz.bola', 'demo:getOrder', 'refuse', 403],
    ['inject', 'inject.sqli', 'demo:searchProducts', 'refuse', 403],
    ['inject', 'inject.ssrf', 'demo:fetchPreview', 'refuse', 403],
    ['auth', 'auth.jwt.invalid', 'demo:getUser', 'refuse', 401],
    ['input', 'input.schema', 'demo:updateUser', 'refuse', 400],
    ['ratelimit', 'ratelimit.exceeded', 'demo:login', 'refuse', 429],
    ['input', 'input.unknown-property', 'demo:updateUser', 'monitor', 200],
  ];
  for (let d = 6; d >= 0; d--) {
    kinds.forEach(([category, code, route, action, status], i) => {
      const n = ((d * 7 + i * 3) % 9) + 1;
      for (let k = 0; k < n; k++) {
        out.push({
          time: now - d * DAY - (k + 1) * 60_000,
          requestId: `r-${d}-${i}-${k}`,
          consumer: null,
          ip: '192.0.2.10',
          method: 'GET',
          route,
          category,
          code,
          severity: 'high',
          action,
          status,
          evidence: null,
        });
      }
    });
  }
  return out;
}

describe('the HTML report', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let dir: string;
  let html: string;
  let htmlFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-report-html-'));
    const config = await demoVariant(dir, 'demo.yaml', (t) => t);
    const earlier = await demoVariant(dir, 'earlier.yaml', (t) =>
      swap(t, 'inspection:\n  enabled: true', 'inspection:\n  enabled: true\n  mode: monitor'),
    );
    await writeFile(join(dir, 'audit.json'), auditJson(auditDocument(await loadOpenApi(DEMO_OPENAPI)), dir));
    const store = await openEventStore('events.db', dir);
    try {
      await store.insert(weekOfEvents(Date.now()));
    } finally {
      await store.close();
    }
    const base = await runReport(['--config', earlier, '--format', 'json', '--out', 'baseline.json'], dir);
    assert.equal(base.code, EXIT.ok, base.err);
    const r = await runReport(
      [
        '--config',
        config,
        '--audit',
        'audit.json',
        '--events',
        'events.db',
        '--days',
        '7',
        '--baseline',
        'baseline.json',
        '--format',
        'html',
        '--out',
        'report.html',
      ],
      dir,
    );
    assert.equal(r.code, EXIT.ok, r.err);
    htmlFile = join(dir, 'report.html');
    html = await readFile(htmlFile, 'utf8');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('is self-contained: no script, no external resource', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<link|<img|<iframe|\ssrc=|url\(/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
  });

  test('is structured for assistive technology', () => {
    assert.match(html, /<html lang="en">/);
    const svgs = html.match(/<svg [^>]*>/g) ?? [];
    assert.ok(svgs.length >= 5, `${svgs.length} charts`);
    for (const svg of svgs) assert.match(svg, /role="img" aria-labelledby="[\w-]+-t [\w-]+-d"/);
    const tables = html.match(/<table>/g)?.length ?? 0;
    assert.equal(html.match(/<caption>/g)?.length, tables);
    assert.doesNotMatch(html, /<th>/); // every header cell has a scope
  });

  test('carries the routes, the frameworks, the findings, the traffic and the diff', () => {
    for (const s of [
      'id="summary"',
      'id="diff"',
      'id="frameworks"',
      'id="routes"',
      'id="findings"',
      'id="traffic"',
    ])
      assert.ok(html.includes(s), s);
    assert.match(html, /GET \/api\/v1\/users\/\{id\}/);
    assert.match(html, /OWASP API Security Top 10 \(2023\)/);
    assert.match(html, /HIPAA/);
    assert.match(html, /Improved: \d+/);
    assert.match(html, /<code>listeners\.0\.tls<\/code>/);
  });

  test('opens in headless Chromium with no console errors; screenshot for the README', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(htmlFile).href;
      await page.goto(url, { waitUntil: 'load' });
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [url]);
      assert.equal(await page.title(), `API security posture — ${'demo.yaml'}`);
      // the charts render with a size (inline SVG, no script)
      const box = await page.locator('#chart-frameworks-t').evaluate((t) => {
        const r = (t.parentNode as SVGSVGElement).getBoundingClientRect();
        return { w: r.width, h: r.height };
      });
      assert.ok(box.w > 200 && box.h > 50, JSON.stringify(box));
      // every verdict badge is text, not colour alone
      const badges = await page.locator('#frameworks .b').allTextContents();
      assert.ok(badges.length > 20 && badges.every((b) => ['pass', 'partial', 'fail', 'n/a'].includes(b)));
      const shot = screenshotPath('report.png');
      await page.screenshot({ path: shot, fullPage: false });
      assert.ok(statSync(shot).size > 10_000, 'a screenshot was written');
    } finally {
      await browser.close();
    }
  });
});
