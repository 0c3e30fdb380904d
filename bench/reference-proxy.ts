/**
 * The reference proxy of the benchmark, row (b): the least a Node reverse proxy does — node:http in
 * front, an undici Pool (keep-alive) behind, bodies streamed both ways, hop-by-hop headers dropped.
 * Rampart's routing-only row is judged against it (target: at least 0.9 x its requests/s).
 *
 * Run alone: `node bench/reference-proxy.ts --upstream http://127.0.0.1:8081 [--port 0]`.
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type Dispatcher, Pool } from 'undici';
import type { StartedServer } from './upstream.ts';

/** Where the reference proxy listens and what it forwards to. */
export interface ReferenceProxyOptions {
  /** Origin of the upstream, e.g. `http://127.0.0.1:8081`. */
  readonly upstream: string;
  readonly host?: string;
  readonly port?: number;
  /** Most keep-alive connections to the upstream. */
  readonly connections?: number;
}

/** Headers that describe one hop (RFC 9110 section 7.6.1), never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const BAD_GATEWAY = '{"error":"bad gateway"}';

function forwardable(headers: Readonly<Record<string, string | string[] | undefined>>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Starts the reference proxy; it closes its pool when closed. */
export function startReferenceProxy(options: ReferenceProxyOptions): Promise<StartedServer> {
  const host = options.host ?? '127.0.0.1';
  const pool = new Pool(options.upstream, { connections: options.connections ?? 128, pipelining: 1 });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const done = (err: Error | null): void => {
      if (err === null) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': BAD_GATEWAY.length });
      res.end(BAD_GATEWAY);
    };
    pool.stream(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: forwardable(req.headers) as Record<string, string | string[]>,
        body: hasBody(req) ? req : null,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, forwardable(headers));
        return res;
      },
      done,
    );
  };

  const server = createServer({ keepAliveTimeout: 60_000 }, handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        url: `http://${host}:${port}`,
        close: async () => {
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeAllConnections();
          await closed;
          await pool.close();
        },
      });
    });
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
    },
  });
  if (values.upstream === undefined) {
    process.stderr.write('usage: node bench/reference-proxy.ts --upstream <origin> [--host h] [--port p]\n');
    process.exit(2);
  }
  const started = await startReferenceProxy({
    upstream: values.upstream,
    host: values.host,
    port: Number(values.port),
  });
  process.stdout.write(`${JSON.stringify({ msg: 'reference proxy listening', url: started.url })}\n`);
  const stop = (): void => {
    void started.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
