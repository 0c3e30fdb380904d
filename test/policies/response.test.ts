import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { parseConfig } from '../../src/config/load.ts';
import type { AccessRecord } from '../../src/gateway/handler.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { eventsFromRecord } from '../../src/platform/events/classify.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices, type PolicyServices } from '../../src/policies/services.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';

const JWT_SECRET = 'response-test-secret-0123456789abcdef';
const PSEUDONYM_KEY = 'response-test-pseudonym-key-0123456789';

const OPENAPI = `openapi: 3.1.0
info: { title: shop, version: '1' }
security:
  - bearer: []
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
  schemas:
    User:
      type: object
      properties:
        id: { type: integer }
        name: { type: string }
        email: { type: string }
        card: { type: string }
        password: { type: string, writeOnly: true }
    Error:
      type: object
      properties:
        error: { type: string }
paths:
  /users/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      operationId: getUser
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/User' } } } }
        '404': { description: no, content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } } }
  /strict/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      operationId: getStrict
      x-rampart: { response: { unknownProperties: refuse } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/User' } } } }
  /users:
    get:
      operationId: listUsers
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/User' } } } }
  /undocumented:
    get:
      operationId: undocumented
      responses: { '200': { description: no schema declared } }
  /big-pass:
    get:
      operationId: bigPass
      x-rampart: { response: { maxBytes: 2048, overflow: pass } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/User' } } } }
  /big-refuse:
    get:
      operationId: bigRefuse
      x-rampart: { response: { maxBytes: 2048 } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/User' } } } }
  /watched:
    get:
      operationId: watched
      x-rampart: { response: { mode: monitor } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/User' } } } }
  /notes:
    get:
      operationId: notes
      x-rampart: { response: { scanText: true } }
      responses:
        '200': { description: ok, content: { text/plain: { schema: { type: string } } } }
`;

const CONFIG = (upstream: string) => `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: ${upstream}, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 }
apis:
  - name: shop
    openapi: ./openapi.yaml
    upstream: app
auth:
  jwt:
    bearer:
      issuers:
        - algorithms: [HS256]
          secret: \${JWT_SECRET}
      requiredClaims: [exp, sub]
      claims: { consumer: sub, roles: role }
response:
  enabled: true
  masking:
    pseudonymKey: \${PSEUDONYM_KEY}
    fields:
      - { field: email, strategy: partial, type: email, exceptRoles: [admin] }
      - { field: card, strategy: pseudonym, type: card }
    types: { password_hash: redact }
log: { level: info, access: false }
`;

function token(sub: string, role: string): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, role, iat: now, exp: now + 600 })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

describe('response policy through the gateway', () => {
  let upstream: TestUpstream;
  let gateway: Gateway;
  let services: PolicyServices;
  let dir: string;
  let base: string;
  const logs: Record<string, unknown>[] = [];
  const records: AccessRecord[] = [];
  const USER = token('1', 'user');
  const ADMIN = token('3', 'admin');
  // what the upstream answers, per path
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const json = (status: number, body: unknown, extra: Record<string, string | string[]> = {}) => {
    return (_req: IncomingMessage, res: ServerResponse) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...extra,
      });
      res.end(text);
    };
  };

  before(async () => {
    upstream = await startUpstream();
    upstream.handler = (req, res) => {
      const h = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (h !== undefined) return h(req, res);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no route');
    };
    dir = await mkdtemp(join(tmpdir(), 'rampart-response-'));
    await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
    const file = join(dir, 'rampart.yaml');
    const text = CONFIG(upstream.url);
    await writeFile(file, text);
    const loaded = await parseConfig(text, file, { JWT_SECRET, PSEUDONYM_KEY });
    services = await createServices(loaded.config, loaded.dir);
    const plan = await compilePlan(loaded, { services });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line));
        cb();
      },
    });
    gateway = await startGateway(plan, {
      logger: createLogger({ level: 'info' }, sink),
      metrics: createMetrics(),
      onRecord: (r) => records.push(r),
    });
    base = gateway.listeners[0]!.url;
  });

  after(async () => {
    await gateway.close(1000);
    await closeServices(services);
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function get(path: string, bearer = USER, method = 'GET'): Promise<Answer> {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: parsed };
  }

  const events = (event: string) => logs.filter((l) => l.msg === 'response filter' && l.event === event);

  test('undeclared properties are stripped, writeOnly removed; Content-Length fits, the stale ETag goes', async () => {
    routes.set(
      '/users/2',
      json(
        200,
        { id: 2, name: 'bob', password_hash: '$2b$12$x', role: 'admin', password: 'hunter2' },
        { etag: '"v1"' },
      ),
    );
    const r = await get('/users/2');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { id: 2, name: 'bob' });
    assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));
    assert.equal(r.headers.get('etag'), null);
    const e = events('filtered').find((l) => (l.removed as string[]).includes('/password_hash'));
    assert.ok(e, 'the removal is logged with the pointers, not the values');
    assert.ok(!JSON.stringify(e).includes('$2b$12$x'));
  });

  test('a route that refuses undeclared properties answers 502 response.schema', async () => {
    routes.set('/strict/2', json(200, { id: 2, name: 'bob', internal_notes: 'vip' }));
    const r = await get('/strict/2');
    assert.equal(r.status, 502);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal((r.json as { code: string }).code, 'response.schema');
    assert.ok(!r.text.includes('vip') && !r.text.includes('internal_notes'));
    routes.set('/strict/3', json(200, { id: 3, name: 'ok' }));
    assert.deepEqual((await get('/strict/3')).json, { id: 3, name: 'ok' });
  });

  test('masking per consumer role: a user gets the partial e-mail, an admin the address; pseudonyms for both', async () => {
    routes.set(
      '/users/1',
      json(200, { id: 1, name: 'alice', email: 'alice@example.com', card: '4242424242424242' }),
    );
    const user = (await get('/users/1', USER)).json as Record<string, string>;
    const admin = (await get('/users/1', ADMIN)).json as Record<string, string>;
    assert.equal(user.email, 'a***@example.com');
    assert.equal(admin.email, 'alice@example.com');
    assert.match(user.card!, /^pii_[0-9a-f]{16}$/);
    assert.equal(admin.card, user.card, 'the keyed pseudonym is stable across callers');
    // masking is a security event: types and counts, never the values
    const masked = records.flatMap((r) => eventsFromRecord(r)).filter((e) => e.code === 'response.masked');
    assert.ok(masked.length >= 2, JSON.stringify(records.map((r) => r.notable)));
    for (const e of masked) {
      assert.equal(e.category, 'response');
      assert.equal(e.action, 'monitor');
      assert.doesNotMatch(e.evidence ?? '', /alice|4242/);
    }
    assert.ok(masked.some((e) => /email:1/.test(e.evidence ?? '')));
  });

  test('a list of 10,000 users: every item filtered and masked, the same card the same pseudonym', async () => {
    const cards = ['4242424242424242', '5555555555554444'];
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      id: i,
      name: `u${i}`,
      card: cards[i % 2],
      ssn: 'x',
    }));
    routes.set('/users', json(200, items));
    const r = await get('/users');
    assert.equal(r.status, 200);
    const out = r.json as { id: number; card: string; ssn?: string }[];
    assert.equal(out.length, 10_000);
    const [even, odd] = [out[0]!.card, out[1]!.card];
    assert.notEqual(even, odd);
    for (const [i, item] of out.entries()) {
      assert.equal(item.card, i % 2 === 0 ? even : odd);
      assert.equal(item.ssn, undefined);
    }
  });

  test('no declared schema: the response passes unchanged and the gap is logged once', async () => {
    routes.set('/undocumented', json(200, { anything: 'goes', nested: { more: 1 } }));
    const a = await get('/undocumented');
    await get('/undocumented');
    assert.deepEqual(a.json, { anything: 'goes', nested: { more: 1 } });
    const gaps = events('inventory-gap').filter((l) => l.route === 'shop:undocumented');
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0]!.status, 200);
  });

  test('an upstream 5xx becomes a generic problem+json with the request id; the original is logged, redacted', async () => {
    routes.set('/users/5', (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html', 'retry-after': '5' });
      res.end('<h1>Error</h1><pre>TypeError at /srv/app/users.js:12:3 for alice@example.com</pre>');
    });
    const r = await get('/users/5');
    assert.equal(r.status, 500);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal(r.headers.get('retry-after'), '5');
    const body = r.json as Record<string, unknown>;
    assert.equal(body.requestId, r.headers.get('x-request-id'));
    assert.equal(body.status, 500);
    assert.ok(!r.text.includes('/srv/app') && !r.text.includes('TypeError'));
    const logged = events('error-replaced').find((l) => l.requestId === body.requestId);
    assert.ok(logged);
    assert.match(String(logged.original), /users\.js:12:3/);
    assert.ok(!String(logged.original).includes('alice@example.com'), 'personal data is redacted in the log');
  });

  test('a 4xx body with a stack trace or SQL text is replaced; a clean one passes', async () => {
    routes.set('/users/6', (_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end("SQLITE_ERROR: near \"Brien\": syntax error in SELECT * FROM users WHERE name = 'O'Brien'");
    });
    const r = await get('/users/6');
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.ok(!r.text.includes('SQLITE') && !r.text.includes('SELECT'));
    routes.set(
      '/users/7',
      json(404, { error: 'User not found', stack: 'Error: x\n    at f (/app/a.js:1:2)' }),
    );
    const stripped = await get('/users/7');
    assert.equal(stripped.status, 404);
    assert.deepEqual(stripped.json, { error: 'User not found' }, 'the declared Error schema drops the stack');
    routes.set('/users/8', json(404, { error: 'Error: x\n    at f (/app/a.js:1:2)' }));
    const scrubbed = await get('/users/8');
    assert.equal(scrubbed.headers.get('content-type'), 'application/problem+json');
    assert.ok(!scrubbed.text.includes('a.js'));
  });

  test('Set-Cookie is forced Secure; HttpOnly; SameSite=Lax', async () => {
    routes.set(
      '/users/9',
      json(200, { id: 9 }, { 'set-cookie': ['sid=abc; Path=/', 'pref=1; SameSite=None'] }),
    );
    const r = await get('/users/9');
    assert.deepEqual(r.headers.getSetCookie(), [
      'sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax',
      'pref=1; Secure; HttpOnly; SameSite=Lax',
    ]);
  });

  test('upstream headers named like Object members are headers like any other, in a held response', async () => {
    routes.set('/users/10', (_req, res) => {
      const text = JSON.stringify({ id: 10 });
      res.setHeader('content-type', 'application/json');
      res.setHeader('__proto__', 'p');
      res.setHeader('constructor', 'c');
      res.setHeader('tostring', 't');
      res.setHeader('hasownproperty', 'h');
      res.end(text);
    });
    const r = await get('/users/10');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { id: 10 });
    assert.equal(r.headers.get('__proto__'), 'p');
    assert.equal(r.headers.get('constructor'), 'c');
    assert.equal(r.headers.get('tostring'), 't');
    assert.equal(r.headers.get('hasownproperty'), 'h');
    assert.equal(r.headers.get('content-type'), 'application/json');
  });

  const big = { id: 1, name: 'n'.repeat(4000), leak: 'password_hash' };

  test('over the cap with overflow pass: the body streams on unfiltered and the pass is logged', async () => {
    routes.set('/big-pass', json(200, big));
    const r = await get('/big-pass');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, big);
    assert.ok(events('over-cap-passed').some((l) => l.route === 'shop:bigPass'));
  });

  test('over the cap with overflow refuse (the default): 502 response.too_large', async () => {
    routes.set('/big-refuse', json(200, big));
    const r = await get('/big-refuse');
    assert.equal(r.status, 502);
    assert.equal((r.json as { code: string }).code, 'response.too_large');
    routes.set('/big-refuse', json(200, { id: 1, leak: 'x' }));
    assert.deepEqual((await get('/big-refuse')).json, { id: 1 }, 'under the cap it is filtered');
  });

  test('monitor mode: the leak passes and the decision is logged', async () => {
    routes.set('/watched', json(200, { id: 1, password_hash: 'h' }));
    const r = await get('/watched');
    assert.deepEqual(r.json, { id: 1, password_hash: 'h' });
    assert.ok(events('monitor:filtered').some((l) => l.route === 'shop:watched'));
  });

  /** An upstream answer of `body` as it is, with these headers: a compressed one is sent compressed. */
  const coded = (body: Buffer, headers: Record<string, string>, seen?: (req: IncomingMessage) => void) => {
    return (req: IncomingMessage, res: ServerResponse) => {
      seen?.(req);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.byteLength,
        ...headers,
      });
      res.end(body);
    };
  };
  const leaky = Buffer.from(JSON.stringify({ id: 1, card: '4111111111111111', secret: 'x' }));
  async function getAccepting(path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${USER}`, 'accept-encoding': 'gzip, deflate, br' },
    });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  test('the upstream is asked for an uncompressed body on a filtered route, whatever the client accepts', async () => {
    const asked: (string | undefined)[] = [];
    routes.set(
      '/users/7',
      coded(leaky, {}, (req) => asked.push(req.headers['accept-encoding'])),
    );
    const r = await getAccepting('/users/7');
    assert.equal(r.status, 200);
    assert.deepEqual(asked, ['identity']);
  });

  test('a compressed body (gzip, deflate, br) is decoded, filtered and masked, and sent decoded', async () => {
    const codings: [string, Buffer][] = [
      ['gzip', gzipSync(leaky)],
      ['x-gzip', gzipSync(leaky)],
      ['deflate', deflateSync(leaky)],
      ['br', brotliCompressSync(leaky)],
    ];
    for (const [coding, body] of codings) {
      routes.set('/users/7', coded(body, { 'content-encoding': coding, etag: '"v1-gz"' }));
      const r = await getAccepting('/users/7');
      assert.equal(r.status, 200, coding);
      assert.equal(r.headers.get('content-encoding'), null, `${coding}: sent as the decoded content`);
      assert.equal(r.headers.get('etag'), null, `${coding}: the coded body's validator no longer applies`);
      assert.equal(r.headers.get('content-length'), String(r.bytes.byteLength));
      const sent = JSON.parse(r.bytes.toString('utf8')) as { id: number; card: string };
      assert.deepEqual(Object.keys(sent), ['id', 'card'], `${coding}: the undeclared secret stripped`);
      assert.match(sent.card, /^pii_[0-9a-f]{16}$/, `${coding}: the card pseudonymized`);
    }
  });

  test('a body in a coding the gateway cannot read, or that does not decode, is refused with 502 response.encoding', async () => {
    const unreadable: [string, Buffer][] = [
      ['compress', leaky],
      ['gzip, br', brotliCompressSync(gzipSync(leaky))],
      ['gzip', Buffer.from('not gzip at all')],
    ];
    for (const [coding, body] of unreadable) {
      routes.set('/users/7', coded(body, { 'content-encoding': coding }));
      const r = await getAccepting('/users/7');
      assert.equal(r.status, 502, coding);
      assert.equal(JSON.parse(r.bytes.toString('utf8')).code, 'response.encoding', coding);
    }
  });

  test('a compressed body that decodes past the cap is refused; it is never decoded whole', async () => {
    // 64 MB of JSON in about 64 KB of gzip: the gateway stops decoding at the 2 MiB default cap
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('{"id":1,"name":"'), Buffer.alloc(64 * 1024 * 1024, 97), Buffer.from('"}')]),
    );
    routes.set('/users/7', coded(bomb, { 'content-encoding': 'gzip' }));
    const r = await getAccepting('/users/7');
    assert.equal(r.status, 502);
    assert.equal(JSON.parse(r.bytes.toString('utf8')).code, 'response.too_large');
  });

  test('where the route lets unseen bodies pass, an unreadable or oversized coded body goes out as the upstream sent it', async () => {
    // small coded, large decoded: held whole, found too large when decoded
    const wide = Buffer.from(JSON.stringify(big));
    routes.set('/big-pass', coded(gzipSync(wide), { 'content-encoding': 'gzip' }));
    let r = await getAccepting('/big-pass');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-encoding'), 'gzip');
    assert.deepEqual(JSON.parse(r.bytes.toString('utf8')), big, 'fetch decoded what the upstream coded');
    // in monitor mode a coding the gateway cannot read passes unread, and is logged
    routes.set('/watched', coded(leaky, { 'content-encoding': 'compress' }));
    r = await getAccepting('/watched');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-encoding'), 'compress');
    assert.deepEqual(r.bytes, leaky);
    assert.ok(
      events('unreadable-passed').some((l) => l.route === 'shop:watched' && l.contentEncoding === 'compress'),
    );
  });

  test('a filtered body keeps every number as the upstream wrote it, however large or precise', async () => {
    const text = '{"id":12345678901234567890,"name":"a","secret":"s","card":1e400}';
    routes.set('/users/7', coded(Buffer.from(text), {}));
    const r = await get('/users/7');
    assert.equal(r.status, 200);
    // the undeclared secret is stripped; JSON.parse alone would have sent 12345678901234567000 and null
    assert.match(r.text, /^\{"id":12345678901234567890,"name":"a","card":"pii_[0-9a-f]{16}"\}$/);
  });

  test('non-JSON bodies are scanned where configured: a card number in text is masked', async () => {
    routes.set('/notes', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('paid with 4111 1111 1111 1111 yesterday');
    });
    const r = await get('/notes');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'paid with [REDACTED:card] yesterday');
    assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));
  });
});
