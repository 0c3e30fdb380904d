import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig } from '../../src/scanner/config.ts';
import { runScan, ScanSetupError } from '../../src/scanner/engine.ts';

const spec = new URL('../../examples/demo-api/openapi.yaml', import.meta.url).pathname;
const cfgFile = new URL('../../examples/scan-demo.yaml', import.meta.url).pathname;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** An HTTP/1.1 answer with a length that matches `body` unless `length` says otherwise. */
function answer(head: string, body: string | Buffer = '', length = Buffer.byteLength(body)): Buffer {
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${head}\r\ncontent-length: ${length}\r\n\r\n`, 'latin1'),
    Buffer.from(body),
  ]);
}

/**
 * What a broken or hostile target may send mid-scan: JSON nested past any parser's stack, a
 * decompression bomb, bodies shorter than announced, broken chunking, non-HTTP bytes, resets, an
 * unknown status, invalid UTF-8, a huge header, a very large JSON body. (Silence is http.test.ts's:
 * the engine waits out a delay-based check's long timeout on it, seconds per answer.)
 */
const HOSTILE: readonly ((socket: Socket) => void)[] = [
  (s) =>
    s.end(answer('200 OK\r\ncontent-type: application/json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
  (s) =>
    s.end(
      answer('200 OK\r\ncontent-type: application/json', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
    ),
  (s) => s.end(answer('200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip', BOMB)),
  (s) => s.end(answer('200 OK\r\ncontent-type: application/json', '{"id":', 100)),
  (s) =>
    s.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\nzz\r\n'),
  (s) => s.end('garbage\u0000\r\n\r\n'),
  (s) => s.destroy(),
  (s) => s.end(answer('999 Weird\r\ncontent-type: application/json', '{}')),
  (s) =>
    s.end(answer('200 OK\r\ncontent-type: application/json', Buffer.from([0xff, 0xfe, 0x22, 0x61, 0x22]))),
  (s) => s.end(answer(`200 OK\r\nset-cookie: ${'a'.repeat(60_000)}\r\ncontent-type: application/json`, '{}')),
  (s) => s.end(answer('200 OK\r\ncontent-type: application/json', BIG_JSON)),
  (s) => s.end(answer('200 OK\r\ncontent-type: application/json', 'null')),
  // an unsigned token where a login's would be, built here so that no literal reads as a secret
  (s) => s.end(answer('200 OK\r\ncontent-type: application/json', JSON.stringify({ token: UNSIGNED_TOKEN }))),
  (s) => s.end(answer('302 Found\r\nlocation: http://10.0.0.1/')),
];
const UNSIGNED_TOKEN = `${Buffer.from('{"alg":"none"}').toString('base64url')}.`;
const BOMB = gzipSync(Buffer.alloc(16 * 1024 * 1024));
const BIG_JSON = JSON.stringify({
  token: 'x'.repeat(100_000),
  id: {},
  users: Array.from({ length: 5000 }, (_, i) => ({ id: i, password: 'p', email: `u${i}@example.com` })),
});

async function scan(target: string) {
  const document = await loadOpenApi(spec);
  const config = { ...(await loadScanConfig(cfgFile)), rate: 1000, timeoutMs: 2000 };
  return runScan({ document, target, config });
}

describe('scan of a bad target', () => {
  it('a closed port is a clear ScanSetupError naming the target', async () => {
    const s = createServer();
    const port = await listen(s);
    await new Promise<void>((r) => s.close(() => r()));
    await assert.rejects(scan(`http://127.0.0.1:${port}`), (err: unknown) => {
      assert.ok(err instanceof ScanSetupError);
      assert.match(
        err.message,
        new RegExp(`cannot reach the target http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
      );
      return true;
    });
  });

  it('a server answering garbage is a clear ScanSetupError', async () => {
    const s = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('garbage\u0000\r\n\r\n');
    });
    const port = await listen(s);
    try {
      await assert.rejects(scan(`http://127.0.0.1:${port}`), (err: unknown) => {
        assert.ok(err instanceof ScanSetupError);
        assert.match(err.message, /cannot reach the target/);
        return true;
      });
    } finally {
      s.close();
    }
  });

  it('an HTTP server where the login fails is a clear ScanSetupError naming the identity', async () => {
    const s = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', () =>
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
      );
    });
    const port = await listen(s);
    try {
      await assert.rejects(scan(`http://127.0.0.1:${port}`), /identity 'alice': login answered 404/);
    } finally {
      s.close();
    }
  });

  it('a target that turns hostile mid-scan still gets a whole report, with no check failing on its answers', async () => {
    let n = 0;
    const sockets = new Set<Socket>();
    const s = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.once('data', () => {
        n++;
        // the reachability probe gets a plain answer; then the answers cycle through HOSTILE
        if (n === 1) socket.end(answer('200 OK\r\ncontent-type: application/json', '{}'));
        else HOSTILE[(n - 2) % HOSTILE.length]!(socket);
      });
    });
    const port = await listen(s);
    try {
      const document = await loadOpenApi(spec);
      const base = await loadScanConfig(cfgFile);
      const config = {
        ...base,
        identities: base.identities.map((i) => ({
          name: i.name,
          role: i.role,
          bearer: `token-of-${i.name}`,
        })),
        rate: 1000,
        timeoutMs: 300,
        maxRequests: 300,
        delaySeconds: 1,
      };
      const result = await runScan({ document, target: `http://127.0.0.1:${port}`, config });
      assert.deepEqual(result.errors, [], 'a check threw on a hostile answer');
      assert.ok(result.requests >= 2 * HOSTILE.length, `only ${result.requests} requests were sent`);
      assert.ok((result.statuses.error ?? 0) > 0, 'no answer counted as a transport error');
      assert.ok((result.statuses['200'] ?? 0) > 0, 'no answer counted as a 200');
      assert.ok(result.checks.length > 0);
    } finally {
      for (const socket of sockets) socket.destroy();
      s.close();
    }
  });
});
