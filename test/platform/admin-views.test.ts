import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditDocument } from '../../src/audit/audit.ts';
import { formatJson } from '../../src/audit/report/json.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { type CliProcess, json, spawnCli } from '../helpers/cli.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';

const TOKEN = 'admin-token-for-view-tests-0123456789abcdef';
const PEPPER = 'pepper-for-view-tests-0123456789-abcdefghij';
const OPENAPI = `openapi: 3.1.0
info: { title: t, version: '1' }
servers: [{ url: /v1 }]
security:
  - key: []
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses: { '200': { description: ok } }
  /old:
    get:
      operationId: old
      deprecated: true
      responses: { '200': { description: ok } }
`;

let dir = '';
let up: TestUpstream;
let gw: CliProcess;
let gateway = '';
let admin = '';
let apiKey = '';
const bearer = { authorization: `Bearer ${TOKEN}` };
const jsonType = { 'content-type': 'application/json' };

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown>; res: Response }> {
  const res = await fetch(`${admin}${path}`, { ...init, headers: { ...bearer, ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), res };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never saw ${what}`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-admin-views-'));
  up = await startUpstream();
  await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
  await writeFile(
    join(dir, 'rampart.yaml'),
    `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, tokens: ["\${ADMIN_TOKEN}"] }
upstreams:
  app: { url: ${up.url} }
apis:
  - { name: t, openapi: ./openapi.yaml, upstream: app }
auth:
  pepper: \${PEPPER}
  store: ./keys.db
  keyCacheTtlMs: 0
  apiKeys:
    key: { header: x-api-key }
events:
  enabled: true
  store: ./events.db
  flushIntervalMs: 20
  discovery: { enabled: true }
`,
  );
  gw = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')], { ADMIN_TOKEN: TOKEN, PEPPER });
  const line = json(await gw.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
  gateway = (line.listeners as string[])[0]!;
  admin = line.admin as string;
  const issued = await call('/api/keys', {
    method: 'POST',
    headers: jsonType,
    body: JSON.stringify({ consumer: 'alice' }),
  });
  assert.equal(issued.status, 201);
  apiKey = issued.body.key as string;
  // traffic: allowed calls, refusals without a key, an undeclared (shadow) path, a deprecated route
  const send = async (path: string, key?: string) =>
    (await fetch(`${gateway}${path}`, { headers: key === undefined ? {} : { 'x-api-key': key } })).status;
  for (const id of [1, 2, 3]) assert.equal(await send(`/v1/things/${id}`, apiKey), 200);
  assert.equal(await send('/v1/old', apiKey), 200);
  for (let i = 0; i < 4; i++) assert.equal(await send('/v1/things/9'), 401);
  assert.equal(await send('/v1/internal/debug', apiKey), 404);
});

after(async () => {
  gw?.child.kill('SIGTERM');
  await gw?.exited;
  await up?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admin API views over real traffic', () => {
  test('overview: requests served, refusals by category and client, a time series', async () => {
    const { status, body } = await until(
      () => call('/api/overview?hours=1'),
      (r) => (r.body.refused as number) >= 5,
      'the refusals in the overview',
    );
    assert.equal(status, 200);
    assert.ok((body.requests as number) >= 9, `requests ${body.requests}`);
    const byCategory = body.byCategory as { key: string; count: number }[];
    assert.ok(
      byCategory.some((c) => c.key === 'auth' && c.count >= 4),
      JSON.stringify(byCategory),
    );
    assert.deepEqual((body.topClients as { key: string }[])[0]?.key, 'ip:127.0.0.1');
    const series = body.series as { t: string; requests: number; refused: number }[];
    assert.ok(series.length >= 4 && series.length <= 100);
    assert.equal(body.bucketSeconds, 60);
    assert.equal(
      series.reduce((s, b) => s + b.refused, 0),
      body.refused,
    );
    assert.equal(
      series.reduce((s, b) => s + b.requests, 0),
      body.requests,
    );
    assert.equal((await call('/api/overview?hours=9999')).status, 400);
  });

  test('events: newest first, filters, and a cursor that pages without gaps', async () => {
    const all = await call('/api/events?category=auth&limit=1000');
    const events = all.body.events as { id: number; category: string; time: string; evidence: unknown }[];
    assert.ok(events.length >= 4);
    assert.ok(events.every((e) => e.category === 'auth'));
    assert.ok(events[0]!.id > events.at(-1)!.id, 'newest first');
    assert.match(events[0]!.time, /^\d{4}-\d\d-\d\dT/);
    const first = await call('/api/events?category=auth&limit=2');
    const next = first.body.next as number;
    assert.equal(next, (first.body.events as { id: number }[])[1]!.id);
    const second = await call(`/api/events?category=auth&limit=2&before=${next}`);
    assert.deepEqual(
      [...(first.body.events as { id: number }[]), ...(second.body.events as { id: number }[])].map(
        (e) => e.id,
      ),
      events.slice(0, 4).map((e) => e.id),
    );
    const asc = await call(`/api/events?order=asc&after=${events.at(-1)!.id - 1}&limit=1`);
    assert.equal((asc.body.events as { id: number }[])[0]!.id, events.at(-1)!.id);
    assert.equal((await call('/api/events?severity=urgent')).status, 400);
    assert.equal((await call('/api/events?since=yesterday')).status, 400);
    assert.equal((await call('/api/alerts')).status, 200);
  });

  test('inventory: documented with calls and policies, zombie (deprecated but called), shadow', async () => {
    const { body } = await call('/api/inventory');
    assert.equal(body.learning, true);
    const rows = body.endpoints as {
      method: string;
      path: string;
      status: string;
      calls: number;
      policies: string[];
      zombieKind?: string;
    }[];
    const thing = rows.find((r) => r.path === '/things/{id}');
    assert.equal(thing?.status, 'documented');
    assert.ok((thing?.calls ?? 0) >= 3);
    assert.ok(thing?.policies.includes('authenticate'), JSON.stringify(thing?.policies));
    const old = rows.find((r) => r.path === '/old');
    assert.equal(old?.status, 'zombie');
    assert.equal(old?.zombieKind, 'deprecated-called');
    const shadow = rows.find((r) => r.path === '/v1/internal/debug');
    assert.equal(shadow?.status, 'shadow');
    assert.deepEqual(body.summary, { documented: 1, shadow: 1, zombie: 1 });
  });

  test('blocks: a blocked IP is refused by the gateway, listed, and free again once removed', async () => {
    const add = await call('/api/blocks', {
      method: 'POST',
      headers: jsonType,
      body: JSON.stringify({ kind: 'ip', value: '127.0.0.1', ttlSeconds: 60 }),
    });
    assert.equal(add.status, 201);
    assert.equal((await fetch(`${gateway}/v1/things/1`, { headers: { 'x-api-key': apiKey } })).status, 403);
    const list = await call('/api/blocks');
    assert.deepEqual(
      (list.body.blocks as { kind: string; value: string }[]).map((b) => `${b.kind}:${b.value}`),
      ['ip:127.0.0.1'],
    );
    assert.equal((await call('/api/blocks/ip/127.0.0.1', { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${gateway}/v1/things/1`, { headers: { 'x-api-key': apiKey } })).status, 200);
    assert.equal((await call('/api/blocks/ip/127.0.0.1', { method: 'DELETE' })).status, 404);
    const bad = await call('/api/blocks', {
      method: 'POST',
      headers: jsonType,
      body: JSON.stringify({ kind: 'ip', value: 'not-an-ip', ttlSeconds: 60 }),
    });
    assert.equal(bad.status, 400);
  });

  test('findings: an audit report imports and lists by OWASP category; a foreign body is refused', async () => {
    const report = auditDocument(await loadOpenApi(join(dir, 'openapi.yaml')));
    assert.ok(report.findings.length > 0);
    const imported = await call('/api/findings', {
      method: 'POST',
      headers: jsonType,
      body: formatJson(report, dir),
    });
    assert.equal(imported.status, 201);
    assert.equal(imported.body.tool, 'audit');
    assert.equal(imported.body.findings, report.findings.length);
    const { body } = await call('/api/findings');
    const findings = body.findings as {
      rule: string;
      category: string | null;
      remediation: string | null;
      severity: string;
    }[];
    assert.equal(findings.length, report.findings.length);
    assert.ok(findings.every((f) => f.category === null || /^API\d+$/.test(f.category)));
    assert.ok(findings.some((f) => f.remediation !== null));
    const foreign = await call('/api/findings', {
      method: 'POST',
      headers: jsonType,
      body: '{"hello":"world"}',
    });
    assert.equal(foreign.status, 400);
    assert.match(String(foreign.body.detail), /not a rampart scan report/);
  });
});

describe('dashboard session', () => {
  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';', 1)[0]!;

  test('a wrong token gets no session; the right one a Secure HttpOnly SameSite=Strict cookie', async () => {
    const wrong = await fetch(`${admin}/api/session`, {
      method: 'POST',
      headers: jsonType,
      body: JSON.stringify({ token: 'nope' }),
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const res = await fetch(`${admin}/api/session`, {
      method: 'POST',
      headers: jsonType,
      body: JSON.stringify({ token: TOKEN }),
    });
    assert.equal(res.status, 201);
    const set = res.headers.get('set-cookie') ?? '';
    for (const flag of ['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/'])
      assert.ok(set.includes(flag), set);
    const { csrf } = (await res.json()) as { csrf: string };
    assert.equal(csrf.length, 43);
  });

  test('the cookie reads; a change needs the CSRF token; sign-out ends the session', async () => {
    const res = await fetch(`${admin}/api/session`, {
      method: 'POST',
      headers: jsonType,
      body: JSON.stringify({ token: TOKEN }),
    });
    const cookie = cookieOf(res);
    const { csrf } = (await res.json()) as { csrf: string };
    const withCookie = (extra: Record<string, string> = {}) => ({ cookie, ...extra });
    assert.equal((await fetch(`${admin}/api/keys`, { headers: withCookie() })).status, 200);
    const session = await fetch(`${admin}/api/session`, { headers: withCookie() });
    assert.equal(((await session.json()) as { csrf: string }).csrf, csrf);
    const body = JSON.stringify({ kind: 'consumer', value: 'mallory', ttlSeconds: 30 });
    const forged = await fetch(`${admin}/api/blocks`, {
      method: 'POST',
      headers: withCookie(jsonType),
      body,
    });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { code: string }).code, 'admin.csrf');
    const wrongCsrf = await fetch(`${admin}/api/blocks`, {
      method: 'POST',
      headers: withCookie({ ...jsonType, 'x-csrf-token': 'x'.repeat(43) }),
      body,
    });
    assert.equal(wrongCsrf.status, 403);
    const ok = await fetch(`${admin}/api/blocks`, {
      method: 'POST',
      headers: withCookie({ ...jsonType, 'x-csrf-token': csrf }),
      body,
    });
    assert.equal(ok.status, 201);
    await ok.text();
    const out = await fetch(`${admin}/api/session`, {
      method: 'DELETE',
      headers: withCookie({ 'x-csrf-token': csrf }),
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await fetch(`${admin}/api/keys`, { headers: withCookie() })).status, 401);
  });
});
