import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type AdminServer, startAdminServer } from '../../src/platform/admin.ts';
import type { AdminApi } from '../../src/platform/admin-api.ts';
import { DASHBOARD_CSP, dashboardAssets } from '../../src/platform/dashboard-assets.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-AbCd1234.js"></script></head></html>';
const JS = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/** An API stub: the dashboard is served only when the admin API is on. */
const api: AdminApi = {
  handle: (_req, res) => {
    res.writeHead(204).end();
  },
  close: async () => {},
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request (fetch would normalise the path and decode gzip itself). */
function get(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
let outside: string;
let admin: AdminServer;
let missing: AdminServer;
let noApi: AdminServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-dash-'));
  outside = await mkdtemp(join(tmpdir(), 'rampart-dash-outside-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-AbCd1234.js'), JS);
  await writeFile(join(dir, 'assets', 'index-EfGh5678.css'), 'body{color:#000}');
  await writeFile(join(dir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dir, 'notes.md'), '# not served');
  await writeFile(join(dir, '.secret.js'), 'hidden');
  await writeFile(join(outside, 'secret.js'), 'outside');
  await symlink(join(outside, 'secret.js'), join(dir, 'assets', 'link-AbCd1234.js'));
  const source = { metrics: async () => ({ contentType: 'text/plain', body: '' }), ready: () => true, api };
  admin = await startAdminServer('127.0.0.1', 0, { ...source, dashboard: dashboardAssets(dir) });
  missing = await startAdminServer('127.0.0.1', 0, {
    ...source,
    dashboard: dashboardAssets(join(dir, 'nope')),
  });
  noApi = await startAdminServer('127.0.0.1', 0, {
    metrics: source.metrics,
    ready: source.ready,
    dashboard: dashboardAssets(dir),
  });
});

after(async () => {
  await Promise.all([admin.close(), missing.close(), noApi.close()]);
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('dashboard assets on the admin listener', () => {
  test('/ serves index.html with the strict CSP and revalidation', async () => {
    const r = await get(admin.url, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.body.toString(), INDEX);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['content-security-policy'], DASHBOARD_CSP);
    for (const d of [
      "default-src 'self'",
      "script-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ])
      assert.ok(DASHBOARD_CSP.includes(d), d);
    assert.ok(!DASHBOARD_CSP.includes('unsafe-inline') && !DASHBOARD_CSP.includes('unsafe-eval'));
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal((await get(admin.url, '/index.html')).body.toString(), INDEX);
  });

  test('hashed assets: right content type, cached a year and immutable; gzip when asked; 304 on the etag', async () => {
    const js = await get(admin.url, '/assets/index-AbCd1234.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body.toString(), JS);
    const css = await get(admin.url, '/assets/index-EfGh5678.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await get(admin.url, '/assets/logo.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'no-cache', 'an unhashed name is revalidated');
    const gz = await get(admin.url, '/assets/index-AbCd1234.js', 'GET', { 'accept-encoding': 'br, gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), JS);
    const no = await get(admin.url, '/assets/index-AbCd1234.js', 'GET', { 'accept-encoding': 'gzip;q=0' });
    assert.equal(no.headers['content-encoding'], undefined);
    const etag = String(js.headers.etag);
    const again = await get(admin.url, '/assets/index-AbCd1234.js', 'GET', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('HEAD answers the headers without a body; other methods 405', async () => {
    const h = await get(admin.url, '/', 'HEAD');
    assert.equal(h.status, 200);
    assert.equal(Number(h.headers['content-length']), Buffer.byteLength(INDEX));
    assert.equal(h.body.length, 0);
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS'])
      assert.equal((await get(admin.url, '/', m)).status, 405, m);
  });

  test('no path reaches outside dist or a file that is not served', async () => {
    for (const p of [
      '/../package.json',
      '/assets/../../package.json',
      '/%2e%2e/package.json',
      '/assets/%2e%2e%2findex.html',
      '/assets//index-AbCd1234.js',
      '/assets\\index-AbCd1234.js',
      '/notes.md',
      '/.secret.js',
      '/assets/link-AbCd1234.js',
      '/ASSETS/index-AbCd1234.js',
      '/index.html/',
      '//etc/passwd',
      '/etc/passwd',
    ]) {
      const r = await get(admin.url, p);
      assert.equal(r.status, 404, p);
      assert.ok(!r.body.toString().includes('outside'), p);
    }
  });

  test('the API, /healthz, /readyz and /metrics keep their routes', async () => {
    assert.equal((await get(admin.url, '/api/anything')).status, 204);
    assert.equal((await get(admin.url, '/healthz')).status, 200);
    assert.equal((await get(admin.url, '/readyz')).status, 200);
    assert.equal((await get(admin.url, '/metrics')).status, 200);
  });

  test('dist missing: a clear 503 page for the dashboard, the rest still served', async () => {
    const r = await get(missing.url, '/');
    assert.equal(r.status, 503);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body.toString(), /dashboard is not built/);
    assert.match(r.body.toString(), /npm run dashboard:build/);
    assert.equal((await get(missing.url, '/assets/index-AbCd1234.js')).status, 503);
    assert.equal((await get(missing.url, '/other')).status, 404);
    assert.equal((await get(missing.url, '/healthz')).status, 200);
  });

  test('without admin.tokens (no API) the dashboard is not served', async () => {
    assert.equal((await get(noApi.url, '/')).status, 404);
    assert.equal((await get(noApi.url, '/healthz')).status, 200);
  });
});
