import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BudgetExceededError, createScanClient, TargetGoneError } from '../../src/scanner/http.ts';

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const client = (port: number, extra: Partial<Parameters<typeof createScanClient>[0]> = {}) =>
  createScanClient({
    target: new URL(`http://127.0.0.1:${port}`),
    rate: 1000,
    maxRequests: 100,
    timeoutMs: 2000,
    maxResponseBytes: 64 * 1024,
    ...extra,
  });

describe('scan HTTP client', () => {
  let port: number;
  let hits = 0;
  const http = createHttpServer((req, res) => {
    hits++;
    if (req.url === '/huge') {
      // 10 MiB, streamed: the client must stop reading at its limit.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = (): void => {
        while (sent < 160) {
          sent++;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === '/slow') return; // never answers
    res.writeHead(200, { 'x-a': '1' });
    res.end('ok');
  });
  before(async () => {
    port = await listen(http);
  });
  after(() => {
    http.closeAllConnections();
    http.close();
  });

  it('reads at most maxResponseBytes and marks the body truncated', async () => {
    const c = client(port);
    const ex = await c.send({ method: 'GET', path: '/huge' });
    assert.equal(ex.response?.status, 200);
    assert.equal(ex.response?.bytes, 64 * 1024);
    assert.equal(ex.response?.truncated, true);
    await c.close();
  });

  it('refuses a path that would leave the target origin, without sending it', async () => {
    const c = client(port);
    const before = hits;
    const ex = await c.send({ method: 'GET', path: '@evil.example/' });
    assert.equal(ex.response, null);
    assert.match(ex.error ?? '', /outside the target origin/);
    assert.equal(c.sent(), 0);
    assert.equal(hits, before);
    await c.close();
  });

  it('stops at the request budget', async () => {
    const c = client(port, { maxRequests: 2 });
    await c.send({ method: 'GET', path: '/' });
    await c.send({ method: 'GET', path: '/' });
    await assert.rejects(c.send({ method: 'GET', path: '/' }), BudgetExceededError);
    assert.equal(c.sent(), 2);
    await c.close();
  });

  it('turns a timeout into an error string, not an exception', async () => {
    const c = client(port, { timeoutMs: 300 });
    const ex = await c.send({ method: 'GET', path: '/slow' });
    assert.equal(ex.response, null);
    assert.ok(ex.error !== undefined && ex.error.length > 0);
    await c.close();
  });

  it('declares the target gone after many transport errors in a row', async () => {
    const closed = createServer();
    const p = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const c = client(p, { maxConsecutiveErrors: 3 });
    const first = await c.send({ method: 'GET', path: '/' });
    assert.match(first.error ?? '', /ECONNREFUSED/);
    await c.send({ method: 'GET', path: '/' });
    await assert.rejects(c.send({ method: 'GET', path: '/' }), TargetGoneError);
    await c.close();
  });

  it('reports garbage that is not HTTP as an error', async () => {
    const garbage = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('\u0000\u0001 not http at all \r\n\r\n');
    });
    const p = await listen(garbage);
    const c = client(p);
    const ex = await c.send({ method: 'GET', path: '/' });
    assert.equal(ex.response, null);
    assert.ok((ex.error ?? '').length > 0);
    await c.close();
    garbage.close();
  });
});
