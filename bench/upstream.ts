/**
 * The benchmark upstream: a minimal node:http server with fixed JSON answers for the routes of
 * bench/configs/openapi.yaml, and POST /graphql of bench/configs/graphql-openapi.yaml (one fixed
 * answer, whatever the query: GraphQL is never executed here). Kept as cheap as possible so that it is never what a row measures.
 *
 * Run alone: `node bench/upstream.ts [--host 127.0.0.1] [--port 0]` (prints one JSON line with its url).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { itemBody, REPORT_BODY } from './lib/bodies.ts';
import { GRAPHQL_RESPONSE_BODY } from './lib/graphql-body.ts';

/** A listening server of the benchmark and how to stop it. */
export interface StartedServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Largest request body the upstream reads; beyond it answers 413. */
const MAX_BODY = 64 * 1024;
const MAX_ID_LENGTH = 12;
const JSON_TYPE = 'application/json';
const NOT_FOUND = Buffer.from('{"error":"not found"}');
const TOO_LARGE = Buffer.from('{"error":"body too large"}');

/** Ids are decimal digits only, bounded, so that they can be embedded in JSON as a number. */
function isId(s: string): boolean {
  if (s.length === 0 || s.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function send(res: ServerResponse, status: number, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads the POST body counting bytes; hashes it only when a test asks for an echo (`x-bench-echo: 1`). */
function createItem(req: IncomingMessage, res: ServerResponse): void {
  const echo = req.headers['x-bench-echo'] === '1';
  const hash = echo ? createHash('sha256') : null;
  let bytes = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    bytes += chunk.length;
    if (bytes > MAX_BODY) {
      refused = true;
      res.setHeader('connection', 'close');
      send(res, 413, TOO_LARGE);
      return;
    }
    hash?.update(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    if (hash !== null) {
      res.setHeader('x-echo-sha256', hash.digest('hex'));
      res.setHeader('x-echo-bytes', String(bytes));
      res.setHeader('x-echo-content-type', req.headers['content-type'] ?? '');
    }
    send(res, 201, `{"id":1001,"bytes":${bytes}}`);
  });
  req.on('error', () => res.destroy());
}

/** Reads the query (bounded) and answers the fixed result of bench/lib/graphql-body.ts. */
function graphql(req: IncomingMessage, res: ServerResponse): void {
  let bytes = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_BODY && !refused) {
      refused = true;
      res.setHeader('connection', 'close');
      send(res, 413, TOO_LARGE);
    }
  });
  req.on('end', () => {
    if (!refused) send(res, 200, GRAPHQL_RESPONSE_BODY);
  });
  req.on('error', () => res.destroy());
}

/** The status and body answering a bodiless request: 404 for anything but the GET routes. */
function answer(method: string | undefined, path: string): [number, string | Buffer] {
  if (method !== 'GET' || !path.startsWith('/items/')) return [404, NOT_FOUND];
  const rest = path.slice('/items/'.length);
  const slash = rest.indexOf('/');
  const id = slash < 0 ? rest : rest.slice(0, slash);
  const tail = slash < 0 ? '' : rest.slice(slash);
  if (!isId(id)) return [404, NOT_FOUND];
  if (tail === '') return [200, itemBody(id)];
  if (tail === '/report') return [200, REPORT_BODY];
  return [404, NOT_FOUND];
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  if (req.headers['x-bench-echo'] === '1') {
    res.setHeader('x-echo-method', req.method ?? '');
    res.setHeader('x-echo-url', raw);
  }
  if (path === '/items' && req.method === 'POST') {
    createItem(req, res);
    return;
  }
  if (path === '/graphql' && req.method === 'POST') {
    graphql(req, res);
    return;
  }
  const [status, body] = answer(req.method, path);
  send(res, status, body);
}

/** Starts the upstream on `host:port` (port 0 picks a free one). */
export function startUpstream(host = '127.0.0.1', port = 0): Promise<StartedServer> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        port: bound,
        url: `http://${host}:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
  });
  const started = await startUpstream(values.host, Number(values.port));
  process.stdout.write(`${JSON.stringify({ msg: 'bench upstream listening', url: started.url })}\n`);
  const stop = (): void => {
    void started.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
