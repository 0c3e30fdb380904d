import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
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
});
