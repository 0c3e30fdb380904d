/** The SSRF canary: a listener on 127.0.0.1 that records which unguessable tokens the target fetched. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A hit on the canary: the token in the path, and who asked. */
export interface CanaryHit {
  readonly token: string;
  readonly method: string;
  readonly remoteAddress: string;
  readonly userAgent: string;
}

/** A running canary. */
export interface Canary {
  readonly port: number;
  /** A fresh URL path token and the canary URL carrying it. */
  mint(): { token: string; url: string };
  /** Wait up to `ms` for a hit with this token. */
  waitFor(token: string, ms: number): Promise<CanaryHit | undefined>;
  close(): Promise<void>;
}

const MAX_HITS = 1000;

/** Start the canary on 127.0.0.1, port 0; it answers every request with a small fixed body. */
export async function startCanary(): Promise<Canary> {
  const hits = new Map<string, CanaryHit>();
  const waiters = new Map<string, (hit: CanaryHit) => void>();
  const server = createServer((req, res) => {
    const token = (req.url ?? '').slice(1, 65).replace(/[^a-f0-9]/g, '');
    if (token.length === 32 && hits.size < MAX_HITS) {
      const hit: CanaryHit = {
        token,
        method: req.method ?? '',
        remoteAddress: req.socket.remoteAddress ?? '',
        userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200),
      };
      hits.set(token, hit);
      waiters.get(token)?.(hit);
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('rampart-canary\n');
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    mint() {
      const token = randomBytes(16).toString('hex');
      return { token, url: `http://127.0.0.1:${port}/${token}` };
    },
    waitFor(token, ms) {
      const seen = hits.get(token);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(token);
          resolve(undefined);
        }, ms);
        waiters.set(token, (hit) => {
          clearTimeout(timer);
          waiters.delete(token);
          resolve(hit);
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
