import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { request } from 'undici';
import { startTestGateway, startUpstream, type TestGateway, type TestUpstream } from '../helpers/gateway.ts';
import { rawRequest, statusOf } from '../helpers/raw.ts';

describe('gateway robustness', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  before(async () => {
    up = await startUpstream();
    gw = await startTestGateway({
      upstreamUrl: up.url,
      extraConfig: 'limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 }',
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('a client that sends its headers too slowly is cut off with 408', async () => {
    const { hostname, port } = new URL(gw.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), hostname);
      let data = '';
      socket.on('data', (c) => {
        data += c.toString('latin1');
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
      socket.write('GET /v1/health HTTP/1.1\r\nHost: x\r\n');
      // …and never the blank line that ends the headers
      setTimeout(() => socket.destroy(), 6000);
    });
    assert.equal(statusOf(reply), 408);
    assert.equal(up.seen.length, 0);
  });

  test('a client that stalls its body is cut off by the request timeout', async () => {
    up.handler = (req, res) => {
      req.resume();
      req.on('end', () => res.end('complete'));
    };
    const { hostname, port } = new URL(gw.url);
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.write('POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
      setTimeout(() => socket.destroy(), 8000);
    });
    assert.ok(
      Date.now() - started < 7500,
      'the gateway closed the stalled request before the client gave up',
    );
  });

  test('property: random request lines and headers never crash the gateway or reach the upstream unrouted', async () => {
    const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
    const junk = fc.string({ maxLength: 40, unit: 'binary-ascii' });
    const target = fc.oneof(
      fc.constantFrom('/v1/health', '/v1/users/1', '/v1/admin', '*', '//', '/v1/%', '/v1/%zz', '/v1/..%2f'),
      junk.map((j) => `/v1/${j}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'FOO'),
        target,
        fc.array(fc.tuple(fc.oneof(token, junk), junk), { maxLength: 6 }),
        async (method, path, headers) => {
          const head = headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
          const reply = await rawRequest(
            gw.url,
            `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}Connection: close\r\n\r\n`,
            2000,
          );
          const status = statusOf(reply);
          assert.ok(status === 0 || (status >= 200 && status < 600), `status ${status}`);
        },
      ),
      { numRuns: 150 },
    );
    const res = await request(`${gw.url}/v1/health`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    for (const seen of up.seen) assert.match(seen.url, /^\/v1\/(health|users\/[^/]+|admin|upload|big)(\?|$)/);
  });
});
