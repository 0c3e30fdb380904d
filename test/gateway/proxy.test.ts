import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, startUpstream, type TestGateway, type TestUpstream } from '../helpers/gateway.ts';
import { rawRequest, statusOf } from '../helpers/raw.ts';

describe('gateway over real sockets', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  before(async () => {
    up = await startUpstream();
    gw = await startTestGateway({
      upstreamUrl: up.url,
      extraConfig:
        'trustedProxies: [127.0.0.2]\nlimits: { maxHeaders: 20, maxHeaderBytes: 4096, maxBodyBytes: 67108864 }',
      apiExtra: '    cors: { origins: [https://app.example.com, https://*.example.org], credentials: true }',
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });
  const defaultHandler = () => up.handler;
  let original: TestUpstream['handler'];
  before(() => {
    original = defaultHandler();
  });
  beforeEach(() => {
    up.handler = original;
    up.seen.length = 0;
  });

  test('forwards a declared operation under its server base path and adds security headers', async () => {
    const res = await request(`${gw.url}/v1/health`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { method: 'GET', url: '/v1/health' });
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(res.headers.server, undefined, 'upstream Server header removed');
    assert.equal(res.headers['x-powered-by'], undefined, 'upstream X-Powered-By removed');
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  });

  test('an undeclared operation is refused with 404 problem+json and never reaches the upstream', async () => {
    const res = await request(`${gw.url}/v1/debug`);
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    const body = (await res.body.json()) as Record<string, unknown>;
    assert.equal(body.code, 'route.undeclared');
    assert.equal(body.status, 404);
    assert.equal(body.requestId, res.headers['x-request-id']);
    assert.equal(up.seen.length, 0);
    const unprefixed = await request(`${gw.url}/health`);
    assert.equal(unprefixed.statusCode, 404);
    await unprefixed.body.dump();
  });

  test('a declared path with an undeclared method is 405 with Allow', async () => {
    const res = await request(`${gw.url}/v1/users/7`, { method: 'PUT' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'DELETE, GET');
    assert.equal(((await res.body.json()) as { code: string }).code, 'route.method_not_allowed');
    assert.equal(up.seen.length, 0);
  });

  test('no path variant reaches a route other than the one its canonical form names', async () => {
    const cases: [string, number, string | undefined][] = [
      ['/v1/admin/../admin', 200, '/v1/admin'],
      ['/v1/%61dmin', 200, '/v1/admin'],
      ['/v1//admin', 200, '/v1/admin'],
      ['/v1/./admin/', 200, '/v1/admin'],
      ['/v1/health/../admin', 200, '/v1/admin'],
      ['/v1/ADMIN', 404, undefined],
      ['/v1/admin;x=1', 400, undefined],
      ['/v1/admin%2f', 400, undefined],
      ['/v1/admin%2F..%2Fhealth', 400, undefined],
      ['/v1/%2e%2e/v1/admin', 200, '/v1/admin'],
      ['/v1/../../admin', 400, undefined],
      ['/v1/health%00', 400, undefined],
      ['/v1/%252e%252e/admin', 400, undefined],
      ['/v1/admin\\..\\health', 400, undefined],
    ];
    for (const [target, status, upstreamPath] of cases) {
      up.seen.length = 0;
      const reply = await rawRequest(
        gw.url,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(reply), status, `${target} → ${statusOf(reply)}`);
      assert.equal(up.seen[0]?.url, upstreamPath, `${target} reached the upstream as ${up.seen[0]?.url}`);
    }
  });

  test('X-Forwarded-For from an untrusted client is replaced, not appended to', async () => {
    await (
      await request(`${gw.url}/v1/health`, {
        headers: { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6' },
      })
    ).body.dump();
    const seen = up.seen[0]!;
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers.forwarded, `for=127.0.0.1;proto=http;host="${new URL(gw.url).host}"`);
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(
      seen.headers['x-request-id'],
      undefined === seen.headers['x-request-id'] ? 'missing' : seen.headers['x-request-id'],
    );
    assert.match(String(seen.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('a valid incoming X-Request-Id is propagated, an invalid one replaced', async () => {
    const ok = await request(`${gw.url}/v1/health`, { headers: { 'x-request-id': 'abc-123' } });
    await ok.body.dump();
    assert.equal(ok.headers['x-request-id'], 'abc-123');
    assert.equal(up.seen[0]?.headers['x-request-id'], 'abc-123');
    const bad = await request(`${gw.url}/v1/health`, { headers: { 'x-request-id': 'a b<script>' } });
    await bad.body.dump();
    assert.notEqual(bad.headers['x-request-id'], 'a b<script>');
  });

  test('hop-by-hop headers and the headers Connection names are removed in both directions', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'x-internal',
        'x-internal': 'secret',
        'x-kept': '1',
      });
      res.end('ok');
    };
    const reply = await rawRequest(
      gw.url,
      'GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close, x-hop\r\nX-Hop: 1\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-End: 2\r\n\r\n',
    );
    assert.equal(statusOf(reply), 200);
    const seen = up.seen[0]!;
    assert.equal(seen.headers['x-hop'], undefined);
    assert.equal(seen.headers.te, undefined);
    assert.equal(seen.headers['proxy-authorization'], undefined);
    assert.equal(seen.headers['x-end'], '2');
    assert.doesNotMatch(reply.toLowerCase(), /x-internal: secret/);
    assert.match(reply.toLowerCase(), /x-kept: 1/);
  });

  test('streams a large request body and a large response body intact', async () => {
    const payload = randomBytes(24 * 1024 * 1024);
    up.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    };
    const res = await request(`${gw.url}/v1/big`, { method: 'POST', body: payload });
    assert.equal(res.statusCode, 200);
    const echoed = Buffer.from(await res.body.arrayBuffer());
    assert.equal(echoed.length, payload.length);
    assert.equal(
      createHash('sha256').update(echoed).digest('hex'),
      createHash('sha256').update(payload).digest('hex'),
    );
  });

  test('declared-length bodies arrive exact: empty, whole in one chunk, and in pieces', async () => {
    const piece = Buffer.from('x'.repeat(1000));
    up.handler = (req, res) => {
      const url = req.url ?? '';
      if (url.endsWith('?empty')) {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      } else if (url.endsWith('?pieces')) {
        res.writeHead(200, { 'content-length': String(piece.length * 3) });
        res.write(piece);
        setTimeout(() => res.write(piece), 20);
        setTimeout(() => res.end(piece), 40);
      } else {
        res.writeHead(200, { 'content-length': String(piece.length) });
        res.end(piece);
      }
    };
    const empty = await request(`${gw.url}/v1/health?empty`);
    assert.equal(empty.statusCode, 200);
    assert.equal((await empty.body.arrayBuffer()).byteLength, 0);
    const whole = await request(`${gw.url}/v1/health`);
    assert.equal(Buffer.from(await whole.body.arrayBuffer()).toString(), piece.toString());
    const pieces = await request(`${gw.url}/v1/health?pieces`);
    assert.equal(Buffer.from(await pieces.body.arrayBuffer()).toString(), piece.toString().repeat(3));
    // the connection stays usable after each
    const again = await request(`${gw.url}/v1/health`);
    assert.equal((await again.body.arrayBuffer()).byteLength, piece.length);
  });

  test('a body over the route cap is refused with 413: declared length at once, chunked while streaming', async () => {
    const declared = await request(`${gw.url}/v1/upload`, {
      method: 'POST',
      body: Buffer.alloc(2 * 1024 * 1024),
    });
    assert.equal(declared.statusCode, 413);
    assert.equal(((await declared.body.json()) as { code: string }).code, 'request.body.too_large');
    assert.equal(up.seen.length, 0);
    up.handler = (req, res) => {
      req.resume();
      req.on('end', () => res.end('late'));
    };
    async function* chunks() {
      for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024);
    }
    const chunked = await request(`${gw.url}/v1/upload`, { method: 'POST', body: Readable.from(chunks()) });
    assert.equal(chunked.statusCode, 413);
    await chunked.body.dump();
  });

  test('an upstream that does not answer in time gives 504, a closed port 502, both without internals', async () => {
    up.handler = () => {
      /* never answers */
    };
    const slow = await request(`${gw.url}/v1/health`);
    assert.equal(slow.statusCode, 504);
    const body = await slow.body.text();
    assert.match(body, /upstream\.timeout/);
    assert.doesNotMatch(body, /127\.0\.0\.1|UND_ERR|Error/);

    const dead = await startUpstream();
    const deadUrl = dead.url;
    await dead.close();
    const gw2 = await startTestGateway({ upstreamUrl: deadUrl });
    try {
      const res = await request(`${gw2.url}/v1/health`);
      assert.equal(res.statusCode, 502);
      const text = await res.body.text();
      assert.match(text, /upstream\.unavailable/);
      assert.doesNotMatch(text, /ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await gw2.close();
    }
  });

  test('an upstream status past 599 is invalid (RFC 9110 §15): the client gets 502 upstream.error', async () => {
    for (const status of [600, 999]) {
      up.handler = (_req, res) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('internal library error 42');
      };
      const res = await request(`${gw.url}/v1/health`);
      assert.equal(res.statusCode, 502, String(status));
      const text = await res.body.text();
      assert.match(text, /upstream\.error/);
      assert.doesNotMatch(text, /library error/);
    }
    up.handler = (_req, res) => {
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end('edge');
    };
    const edge = await request(`${gw.url}/v1/health`);
    assert.equal(edge.statusCode, 599, 'the last valid status passes');
    await edge.body.dump();
  });

  test('a client that aborts mid-response and an upstream that resets do not break the gateway', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(64 * 1024));
      // keeps the response open; the client goes away
    };
    const ac = new AbortController();
    const res = await request(`${gw.url}/v1/health`, { signal: ac.signal });
    assert.equal(res.statusCode, 200);
    ac.abort();
    await res.body.dump().catch(() => {});

    up.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const reset = await request(`${gw.url}/v1/health`);
    await assert.rejects(reset.body.text());

    up.handler = original;
    const again = await request(`${gw.url}/v1/health`);
    assert.equal(again.statusCode, 200);
    await again.body.dump();
  });

  test('ambiguous framing and parser abuse are refused before anything is forwarded', async () => {
    const cases: [string, number][] = [
      [
        'POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
      ],
      ['POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde', 400],
      ['POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd', 400],
      ['POST /v1/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 400],
      [
        'POST /v1/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n',
        400,
      ],
      ['GET /v1/health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', 400],
      ['GET /v1/health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
      ['GET /v1/health HTTP/1.1\r\n\r\n', 400],
      [`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`, 431],
      [
        `GET /v1/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 30 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}\r\n`,
        431,
      ],
    ];
    for (const [raw, status] of cases) {
      up.seen.length = 0;
      const reply = await rawRequest(gw.url, raw);
      assert.equal(
        statusOf(reply),
        status,
        `expected ${status} for ${JSON.stringify(raw.slice(0, 90))}, got ${reply.slice(0, 60)}`,
      );
      assert.equal(up.seen.length, 0, `forwarded: ${JSON.stringify(raw.slice(0, 60))}`);
    }
  });

  test('CORS: allowlisted origins only, never reflecting an arbitrary one; preflights answered', async () => {
    const allowed = await request(`${gw.url}/v1/health`, { headers: { origin: 'https://app.example.com' } });
    await allowed.body.dump();
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(allowed.headers['access-control-allow-credentials'], 'true');
    const sub = await request(`${gw.url}/v1/health`, { headers: { origin: 'https://a.b.example.org' } });
    await sub.body.dump();
    assert.equal(sub.headers['access-control-allow-origin'], 'https://a.b.example.org');
    for (const evil of [
      'https://evil.com',
      'https://app.example.com.evil.com',
      'https://example.org',
      'null',
      'https://evil.com/.example.org',
    ]) {
      const res = await request(`${gw.url}/v1/health`, { headers: { origin: evil } });
      await res.body.dump();
      assert.equal(res.headers['access-control-allow-origin'], undefined, evil);
    }
    up.seen.length = 0;
    const pre = await request(`${gw.url}/v1/users/1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'DELETE' },
    });
    await pre.body.dump();
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-methods'], 'DELETE, GET');
    const denied = await request(`${gw.url}/v1/users/1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.com', 'access-control-request-method': 'DELETE' },
    });
    await denied.body.dump();
    assert.equal(denied.statusCode, 403);
    assert.equal(up.seen.length, 0);
  });

  test('authenticated routes get Cache-Control: no-store, public ones keep the upstream caching', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public, max-age=60' });
      res.end('{}');
    };
    const authd = await request(`${gw.url}/v1/users/1`);
    await authd.body.dump();
    assert.equal(authd.headers['cache-control'], 'no-store');
    const pub = await request(`${gw.url}/v1/health`);
    await pub.body.dump();
    assert.equal(pub.headers['cache-control'], 'public, max-age=60');
  });

  test('the access log has one redacted line per request with route, status, decision and latency', async () => {
    gw.logs.length = 0;
    await (
      await request(`${gw.url}/v1/users/5`, { headers: { authorization: 'Bearer very-secret-token' } })
    ).body.dump();
    await (await request(`${gw.url}/v1/nope`)).body.dump();
    await new Promise((r) => setTimeout(r, 50));
    const lines = gw.logs.filter((l) => l.msg === 'request');
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.route, 'getUser');
    assert.equal(lines[0]!.decision, 'allow');
    assert.equal(typeof lines[0]!.latencyMs, 'number');
    assert.equal(typeof lines[0]!.upstreamMs, 'number');
    assert.equal(lines[1]!.status, 404);
    assert.equal(lines[1]!.code, 'route.undeclared');
    assert.equal(lines[1]!.decision, 'refuse');
    assert.doesNotMatch(JSON.stringify(gw.logs), /very-secret-token/);
  });

  test('admin listener: health, readiness and Prometheus metrics', async () => {
    const admin = gw.gateway.admin!.url;
    assert.equal((await request(`${admin}/healthz`)).statusCode, 200);
    assert.equal((await request(`${admin}/readyz`)).statusCode, 200);
    const m = await (await request(`${admin}/metrics`)).body.text();
    assert.match(m, /rampart_requests_total\{api="test",route="health",status="200",decision="allow"\} \d+/);
    assert.match(m, /rampart_request_duration_seconds_bucket/);
  });
});
