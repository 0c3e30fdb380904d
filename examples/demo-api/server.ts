// A DELIBERATELY VULNERABLE API for demonstrating Rampart. Never deploy it anywhere reachable.
// Every flaw below is on purpose and listed in README.md with its OWASP API Top 10 (2023) category.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDemoDatabase } from './db.ts';
import { readBody } from './lib/body.ts';
import { signJwt, type TokenClaims, verifyJwt } from './lib/jwt.ts';
import { verifyPassword } from './lib/password.ts';
import { createRouter, type RouteDef } from './lib/router.ts';

/** A running demo API. */
export interface DemoApi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Options for startDemoApi. */
export interface DemoApiOptions {
  host?: string;
  port?: number;
  dbFile?: string;
  quiet?: boolean;
}

/** The weak HS256 secret the demo signs its tokens with (API2: crackable from any token). */
export const DEMO_JWT_SECRET = 'secret123';

const TOKEN_TTL_SECONDS = 3600;
// Even the vulnerable demo bounds what it buffers: its flaws are the listed ones, not a crash.
const MAX_BODY_BYTES = 1024 * 1024;
const PREVIEW_BYTES = 4096;
const PREVIEW_TIMEOUT_MS = 3000;
const ID_PATTERN = /^[0-9]{1,15}$/;
// API3: every column but the key may be written through PATCH, `role` and `password_hash` included.
const WRITABLE_USER_COLUMNS = new Set(['username', 'email', 'display_name', 'role', 'password_hash']);

class HttpError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.extra = extra;
  }
}

interface Ctx {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly db: DatabaseSync;
  user: TokenClaims | null;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (ctx: Ctx) => Promise<Reply> | Reply;

interface Route {
  readonly auth: boolean;
  readonly run: Handler;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // API8: version banners on every response.
  res.writeHead(status, {
    Server: 'DemoAPI/0.1',
    'X-Powered-By': 'Express',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  const value: unknown = JSON.parse(raw);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function idParam(ctx: Ctx): number {
  const id = ctx.params.id ?? '';
  if (!ID_PATTERN.test(id)) throw new HttpError(404, `No such id: ${id}`);
  return Number(id);
}

function requireString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new HttpError(400, `Missing string property '${name}'`);
  return value;
}

async function login(ctx: Ctx): Promise<Reply> {
  // API2: no attempt limit, and distinct messages let anyone enumerate usernames.
  const body = await jsonBody(ctx.req);
  const username = requireString(body, 'username');
  const password = requireString(body, 'password');
  const row = ctx.db
    .prepare('SELECT id, username, role, password_hash FROM users WHERE username = ?')
    .get(username) as { id: number; username: string; role: string; password_hash: string } | undefined;
  if (row === undefined) throw new HttpError(401, `Unknown user '${username}'`);
  if (!(await verifyPassword(password, row.password_hash))) {
    throw new HttpError(401, `Wrong password for user '${username}'`);
  }
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    sub: String(row.id),
    username: row.username,
    role: row.role,
    iat,
    exp: iat + TOKEN_TTL_SECONDS,
  };
  return { status: 200, body: { token: signJwt(claims, DEMO_JWT_SECRET) } };
}

function getUser(ctx: Ctx): Reply {
  // API1: no ownership check. API3: the whole row, password_hash included.
  const row = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(idParam(ctx));
  if (row === undefined) throw new HttpError(404, 'User not found');
  return { status: 200, body: row };
}

async function updateUser(ctx: Ctx): Promise<Reply> {
  // API1 + API3: anyone may update anyone, and every column is writable (mass assignment).
  const id = idParam(ctx);
  const body = await jsonBody(ctx.req);
  const columns: string[] = [];
  const values: SQLInputValue[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (!WRITABLE_USER_COLUMNS.has(key)) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && value !== null) continue;
    // The column name comes from the fixed set above, never from the request text itself.
    columns.push(`"${key}" = ?`);
    values.push(value);
  }
  if (columns.length > 0) {
    ctx.db.prepare(`UPDATE users SET ${columns.join(', ')} WHERE id = ?`).run(...values, id);
  }
  const row = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(id);
  if (row === undefined) throw new HttpError(404, 'User not found');
  return { status: 200, body: row };
}

function getOrder(ctx: Ctx): Reply {
  // API1: any logged-in user reads any order. API3: full card number in the response.
  const row = ctx.db.prepare('SELECT * FROM orders WHERE id = ?').get(idParam(ctx));
  if (row === undefined) throw new HttpError(404, 'Order not found');
  return { status: 200, body: row };
}

function listOrders(ctx: Ctx): Reply {
  // API4: `limit` has no upper bound (the OpenAPI document says maximum 100; nothing enforces it).
  const raw = ctx.url.searchParams.get('limit') ?? '10';
  if (!ID_PATTERN.test(raw)) throw new HttpError(400, `Invalid limit: ${raw}`);
  const limit = Number(raw);
  const items = ctx.db
    .prepare('SELECT * FROM orders WHERE user_id = ? ORDER BY id LIMIT ?')
    .all(Number(ctx.user?.sub), limit);
  return { status: 200, body: { limit, count: items.length, items } };
}

function searchProducts(ctx: Ctx): Reply {
  // API8/injection: the query text is pasted into the SQL; SQL errors go back verbatim.
  const q = ctx.url.searchParams.get('q') ?? '';
  const sql = `SELECT id, name, description, price_cents FROM products WHERE hidden = 0 AND name LIKE '%${q}%' ORDER BY id`;
  try {
    const items = ctx.db.prepare(sql).all();
    return { status: 200, body: { count: items.length, items } };
  } catch (err) {
    const e = err as Error;
    const wrapped = new HttpError(500, `SQLITE_ERROR: ${e.message}`, { sql });
    if (e.stack !== undefined) wrapped.stack = e.stack;
    throw wrapped;
  }
}

async function fetchPreview(ctx: Ctx): Promise<Reply> {
  // API7: any URL, any scheme fetch supports, any host (loopback, metadata, private ranges), redirects followed.
  const body = await jsonBody(ctx.req);
  const url = requireString(body, 'url');
  const response = await fetch(url, { signal: AbortSignal.timeout(PREVIEW_TIMEOUT_MS), redirect: 'follow' });
  const text = await readPrefix(response, PREVIEW_BYTES);
  return {
    status: 200,
    body: { url, status: response.status, content_type: response.headers.get('content-type'), body: text },
  };
}

async function readPrefix(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

function deleteUser(ctx: Ctx): Reply {
  // API5: an admin function that only checks that the caller is logged in, not that they are an admin.
  const id = idParam(ctx);
  ctx.db.prepare('DELETE FROM orders WHERE user_id = ?').run(id);
  const result = ctx.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  if (Number(result.changes) === 0) throw new HttpError(404, 'User not found');
  return { status: 200, body: { deleted: id } };
}

function health(): Reply {
  return { status: 200, body: { status: 'ok', version: '0.1.0' } };
}

const ROUTES: readonly RouteDef<Route>[] = [
  { method: 'POST', path: '/api/v1/auth/login', handler: { auth: false, run: login } },
  { method: 'GET', path: '/api/v1/users/{id}', handler: { auth: true, run: getUser } },
  { method: 'PATCH', path: '/api/v1/users/{id}', handler: { auth: true, run: updateUser } },
  { method: 'GET', path: '/api/v1/orders', handler: { auth: true, run: listOrders } },
  { method: 'GET', path: '/api/v1/orders/{id}', handler: { auth: true, run: getOrder } },
  { method: 'GET', path: '/api/v1/products/search', handler: { auth: true, run: searchProducts } },
  { method: 'POST', path: '/api/v1/fetch-preview', handler: { auth: true, run: fetchPreview } },
  { method: 'DELETE', path: '/api/v1/admin/users/{id}', handler: { auth: true, run: deleteUser } },
  { method: 'GET', path: '/api/v1/health', handler: { auth: false, run: health } },
];

const match = createRouter(ROUTES);

function authenticate(req: IncomingMessage): TokenClaims {
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const claims = token === '' ? null : verifyJwt(token, DEMO_JWT_SECRET);
  if (claims === null) throw new HttpError(401, 'Missing or invalid bearer token');
  return claims;
}

async function handle(
  db: DatabaseSync,
  req: IncomingMessage,
  res: ServerResponse,
  quiet: boolean,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const found = match(req.method ?? 'GET', url.pathname);
    if (found.kind !== 'found') throw new HttpError(404, `Cannot ${req.method} ${url.pathname}`);
    const ctx: Ctx = { req, url, params: found.params, db, user: null };
    if (found.handler.auth) ctx.user = authenticate(req);
    const reply = await found.handler.run(ctx);
    send(res, reply.status, reply.body);
  } catch (err) {
    // API8: the message and the stack trace of every error go to the client.
    const e = err instanceof Error ? err : new Error(String(err));
    const status = e instanceof HttpError ? e.status : e.name === 'SyntaxError' ? 400 : 500;
    const extra = e instanceof HttpError ? e.extra : {};
    if (!quiet && status >= 500) console.error(e);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e.name === 'BodyTooLargeError') res.setHeader('Connection', 'close');
    send(res, e.name === 'BodyTooLargeError' ? 413 : status, { error: e.message, ...extra, stack: e.stack });
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

// IPv6 hosts go in brackets in a URL.
function originOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Start the vulnerable demo API; port 0 picks a free port. */
export async function startDemoApi(options: DemoApiOptions = {}): Promise<DemoApi> {
  const host = options.host ?? '127.0.0.1';
  const quiet = options.quiet ?? false;
  const db = await openDemoDatabase(options.dbFile ?? ':memory:');
  const server = createServer((req, res) => {
    void handle(db, req, res, quiet);
  });
  let address: AddressInfo;
  try {
    address = await listen(server, options.port ?? 0, host);
  } catch (err) {
    db.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url: originOf('http', host, address.port),
    port: address.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          db.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string', default: ':memory:' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${values.port}`);
  const api = await startDemoApi({ host: values.host, port, dbFile: values.db });
  console.log(`Demo API (deliberately vulnerable) listening on ${api.url}`);
  const stop = (): void => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
