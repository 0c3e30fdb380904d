import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { InspectionEvent } from '../../src/policies/inspect.ts';
import { startTestGateway, startUpstream, type TestGateway, type TestUpstream } from '../helpers/gateway.ts';

const OPENAPI = `openapi: 3.0.3
info: { title: inspect, version: '1' }
paths:
  /search:
    get:
      operationId: search
      security: []
      parameters:
        - { name: q, in: query, schema: { type: string } }
      responses: { '200': { description: ok } }
  /items/{name}:
    get:
      operationId: item
      security: []
      parameters:
        - { name: name, in: path, required: true, schema: { type: string } }
      responses: { '200': { description: ok } }
  /tickets:
    post:
      operationId: ticket
      security: []
      x-rampart:
        inspect:
          exclude: [ 'body:/snippet', { parameter: 'body:/notes/*', kinds: [xss] } ]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                title: { type: string }
                body: { type: string }
                snippet: { type: string }
                url: { type: string }
                notes: { type: array, items: { type: string } }
                filter: { type: object, additionalProperties: true }
          application/x-www-form-urlencoded:
            schema: { type: object, additionalProperties: true }
      responses: { '200': { description: ok } }
  /monitored:
    get:
      operationId: monitored
      security: []
      x-rampart: { inspect: { mode: monitor } }
      parameters:
        - { name: q, in: query, schema: { type: string } }
      responses: { '200': { description: ok } }
`;

describe('inspect policy through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let plain: TestGateway;

  before(async () => {
    up = await startUpstream();
    gw = await startTestGateway({
      upstreamUrl: up.url,
      openapi: OPENAPI,
      extraConfig:
        'validation: { enabled: true, unknownQueryParameters: allow }\ninspection: { enabled: true }',
    });
    // inspection alone: the body is decoded by the inspect phase itself
    plain = await startTestGateway({
      upstreamUrl: up.url,
      openapi: OPENAPI,
      extraConfig: 'inspection: { enabled: true }',
    });
  });
  after(async () => {
    await gw.close();
    await plain.close();
    await up.close();
  });

  async function send(
    base: string,
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ) {
    const res = await request(`${base}${path}`, { method: method as 'GET', body: body ?? null, headers });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      text,
      json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    };
  }
  const json = { 'content-type': 'application/json' };

  it('refuses SQL injection in a query value: 403 inject.sqli naming the parameter, not echoing it', async () => {
    const r = await send(gw.url, 'GET', `/search?q=${encodeURIComponent("' OR 1=1--")}`);
    assert.equal(r.status, 403);
    assert.equal(r.json?.code, 'inject.sqli');
    assert.equal(r.json?.detail, 'query parameter "q" was refused by the sqli detector');
    assert.ok(!r.text.includes('1=1'));
  });
  it('lets benign risky-looking text through', async () => {
    for (const q of ["O'Brien", 'SELECT your plan', '1 OR 2 tickets', 'rock & roll; 50% off', 'a < b > c']) {
      const r = await send(gw.url, 'GET', `/search?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, q);
    }
    const ticket = {
      title: "O'Brien can't log in",
      body: 'I tried SELECT your plan, then 1 OR 2 tickets. Code: if (a < b && c > d) { return x; }',
      url: 'https://example.com/docs?page=2',
    };
    assert.equal((await send(gw.url, 'POST', '/tickets', JSON.stringify(ticket), json)).status, 200);
  });
  it('refuses SSRF in a JSON string leaf, naming its pointer', async () => {
    const r = await send(
      gw.url,
      'POST',
      '/tickets',
      '{"url":"http://169.254.169.254/latest/meta-data/"}',
      json,
    );
    assert.equal(r.status, 403);
    assert.equal(r.json?.code, 'inject.ssrf');
    assert.equal(r.json?.detail, 'body field /url was refused by the ssrf detector');
  });
  it('refuses NoSQL operators in JSON keys and in qs-style query keys', async () => {
    const r = await send(gw.url, 'POST', '/tickets', '{"filter":{"owner":{"$ne":null}}}', json);
    assert.equal(r.json?.code, 'inject.nosqli');
    assert.equal(r.json?.detail, 'body field /filter/owner/$ne was refused by the nosqli detector');
    const q = await send(gw.url, 'GET', '/search?q[$ne]=x');
    assert.equal(q.json?.code, 'inject.nosqli');
  });
  it('inspects path parameters, configured headers and cookies', async () => {
    const p = await send(gw.url, 'GET', `/items/${encodeURIComponent('<svg onload=alert(1)>')}`);
    assert.equal(p.json?.code, 'inject.xss');
    assert.equal(p.json?.detail, 'path parameter "name" was refused by the xss detector');
    const h = await send(gw.url, 'GET', '/search', undefined, {
      'user-agent': "x' UNION SELECT password FROM users--",
    });
    assert.equal(h.json?.code, 'inject.sqli');
    const c = await send(gw.url, 'GET', '/search', undefined, {
      cookie: `theme=${encodeURIComponent('<script>alert(1)</script>')}`,
    });
    assert.equal(c.json?.detail, 'cookie "theme" was refused by the xss detector');
  });
  it('does not treat a local Referer as SSRF', async () => {
    const r = await send(gw.url, 'GET', '/search?q=shoes', undefined, {
      referer: 'http://localhost:5173/shop',
    });
    assert.equal(r.status, 200);
  });
  it('honours per-route exclusions, whole or per kind', async () => {
    const ok = await send(
      gw.url,
      'POST',
      '/tickets',
      JSON.stringify({ snippet: '<script>alert(1)</script>' }),
      json,
    );
    assert.equal(ok.status, 200);
    const xssNote = await send(
      gw.url,
      'POST',
      '/tickets',
      JSON.stringify({ notes: ['<script>alert(1)</script>'] }),
      json,
    );
    assert.equal(xssNote.status, 200);
    const sqliNote = await send(gw.url, 'POST', '/tickets', JSON.stringify({ notes: ["' OR 1=1--"] }), json);
    assert.equal(sqliNote.json?.code, 'inject.sqli');
  });
  it('finds a payload hidden behind 64 KiB of padding in one value', async () => {
    const body = JSON.stringify({ body: `${'a '.repeat(40_000)}' UNION SELECT password FROM users--` });
    const r = await send(gw.url, 'POST', '/tickets', body, json);
    assert.equal(r.json?.code, 'inject.sqli');
    const clean = await send(gw.url, 'POST', '/tickets', JSON.stringify({ body: 'a '.repeat(40_000) }), json);
    assert.equal(clean.status, 200);
  });
  it('decodes bodies itself when validation is off (form fields)', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const r = await send(
      plain.url,
      'POST',
      '/tickets',
      `title=${encodeURIComponent('; cat /etc/passwd')}`,
      form,
    );
    assert.equal(r.status, 403);
    assert.match(String(r.json?.code), /^inject\./);
    assert.equal((await send(plain.url, 'POST', '/tickets', 'title=O%27Brien', form)).status, 200);
  });
  it('publishes the matched fragment (truncated) and logs it in monitor mode, never in the response', async () => {
    const events: InspectionEvent[] = [];
    const onEvent = (m: unknown) => events.push(m as InspectionEvent);
    subscribe('rampart:inspect:detection', onEvent);
    try {
      const payload = `zzz' UNION SELECT id, username, password_hash, 0 FROM users--${'x'.repeat(200)}`;
      const r = await send(gw.url, 'GET', `/monitored?q=${encodeURIComponent(payload)}`);
      assert.equal(r.status, 200);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.parameter, 'query:q');
      assert.equal(events[0]?.kind, 'sqli');
      assert.equal(events[0]?.mode, 'monitor');
      assert.ok(events[0]!.fragment.length > 0 && events[0]!.fragment.length <= 64);
      const line = gw.logs.find((l) => l.msg === 'request' && l.route === 'monitored');
      assert.equal(line?.decision, 'monitor');
      const monitored = line?.monitored as { refusal: { code: string; evidence: string } }[];
      assert.equal(monitored[0]?.refusal.code, 'inject.sqli');
      assert.match(monitored[0]!.refusal.evidence, /^query:q sqli\.union-select: union select/);
    } finally {
      unsubscribe('rampart:inspect:detection', onEvent);
    }
  });
});
