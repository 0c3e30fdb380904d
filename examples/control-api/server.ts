// The clean twin of examples/demo-api: the same routes, done right. Used as the negative control
// for the scanner and the audit (it should yield no findings) and as a reference for the fixes.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readBody } from '../demo-api/lib/body.ts';
import { signJwt, type TokenClaims, verifyJwt } from '../demo-api/lib/jwt.ts';
import { hashPassword, verifyPassword } from '../demo-api/lib/password.ts';
import { createRouter, type RouteDef } from '../demo-api/lib/router.ts';
import { openControlDatabase } from './db.ts';
import { createFixedWindow, type FixedWindow, type LimitState } from './limiter.ts';

/** A running control API. */
export interface ControlApi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Options for startControlApi; every field has a safe default. */
export interface ControlApiOptions {
  host?: string;
  port?: number;
  dbFile?: string;
  quiet?: boolean;
  /** HS256 secret of at least 32 bytes; default: CONTROL_API_JWT_SECRET from the environment, else random. */
  jwtSecret?: string;
  /** Exact origins (e.g. `https://example.com`) that fetch-preview may fetch; default none. */
  fetchAllowlist?: readonly string[];
  /** Requests per window per client address; default 120 per 60 s. */
  rateLimit?: { limit: number; windowMs: number };
  /** Failed logins per window per username and per client address; default 5 per 15 min. */
  loginLimit?: { maxFailures: number; windowMs: number };
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const TOKEN_TTL_SECONDS = 900;
const MAX_BODY_BYTES = 16 * 1024;
const PREVIEW_BYTES = 4096;
const PREVIEW_TIMEOUT_MS = 3000;
const MIN_SECRET_BYTES = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USERNAME = /^[a-z0-9_.-]{1,32}$/;
const DISPLAY_NAME = /^[\p{L}\p{N} ._'-]{1,64}$/u;
const LIMIT = /^[0-9]{1,3}$/;
const MAX_PASSWORD_LENGTH = 128;
const MAX_QUERY_LENGTH = 64;
const MAX_URL_LENGTH = 2048;
const SEARCH_RESULTS = 50;

// The one closed set of refusals; the client sees the code and a fixed title, never internals.
const PROBLEMS = {
  'request.invalid': [400, 'Bad Request'],
  'auth.required': [401, 'Unauthorized'],
  'auth.failed': [401, 'Unauthorized'],
  'authz.forbidden': [403, 'Forbidden'],
  'route.not_found': [404, 'Not Found'],
  'resource.not_found': [404, 'Not Found'],
  'route.method': [405, 'Method Not Allowed'],
  'body.too_large': [413, 'Content Too Large'],
  'media.unsupported': [415, 'Unsupported Media Type'],
  'ratelimit.exceeded': [429, 'Too Many Requests'],
  'upstream.refused': [502, 'Bad Gateway'],
  internal: [500, 'Internal Server Error'],
} as const;

type ProblemCode = keyof typeof PROBLEMS;

class Refusal extends Error {
  readonly code: ProblemCode;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: ProblemCode, headers: Readonly<Record<string, string>> = {}) {
    super(code);
    this.name = 'Refusal';
    this.code = code;
    this.headers = headers;
  }
}

interface User {
  readonly id: string;
  readonly username: string;
  readonly display_name: string;
  readonly role: string;
}

interface State {
  readonly db: DatabaseSync;
  readonly secret: Buffer;
  readonly allowlist: ReadonlySet<string>;
  readonly loginByUser: FixedWindow;
  readonly loginByClient: FixedWindow;
  readonly dummyHash: string;
}

interface Ctx {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly state: State;
  readonly user: User | null;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

type Handler = (ctx: Ctx) => Promise<Reply> | Reply;

interface Route {
  readonly auth: boolean;
  readonly run: Handler;
}

function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

async function jsonBody(req: IncomingMessage, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (type.split(';')[0]?.trim().toLowerCase() !== 'application/json') throw new Refusal('media.unsupported');
  const raw = await readBody(req, MAX_BODY_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Refusal('request.invalid');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Refusal('request.invalid');
  // Unknown properties are refused, not ignored: that is what stops mass assignment.
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new Refusal('request.invalid');
  }
  return value as Record<string, unknown>;
}

function boundedString(value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new Refusal('request.invalid');
  return value;
}

function uuidParam(ctx: Ctx): string {
  const id = ctx.params.id ?? '';
  if (!UUID.test(id)) throw new Refusal('request.invalid');
  return id;
}

function publicUser(row: User): Record<string, unknown> {
  return { id: row.id, username: row.username, display_name: row.display_name };
}

function canAccess(user: User | null, ownerId: string): boolean {
  return user !== null && (user.id === ownerId || user.role === 'admin');
}

async function login(ctx: Ctx): Promise<Reply> {
  const { state, req } = ctx;
  const body = await jsonBody(req, ['username', 'password']);
  const username = boundedString(body.username, 64).toLowerCase();
  const password = boundedString(body.password, MAX_PASSWORD_LENGTH);
  const userKey = `u:${username}`;
  const client = `c:${clientKey(req)}`;
  const byUser = state.loginByUser.peek(userKey);
  const byClient = state.loginByClient.peek(client);
  if (!byUser.allowed || !byClient.allowed) {
    const retry = String(
      Math.max(byUser.allowed ? 0 : byUser.resetSeconds, byClient.allowed ? 0 : byClient.resetSeconds),
    );
    throw new Refusal('ratelimit.exceeded', { 'Retry-After': retry });
  }
  const row = USERNAME.test(username)
    ? (state.db.prepare('SELECT id, role, password_hash FROM users WHERE username = ?').get(username) as
        | { id: string; role: string; password_hash: string }
        | undefined)
    : undefined;
  // Unknown users cost the same scrypt work as known ones, and get the same answer.
  const ok = await verifyPassword(password, row?.password_hash ?? state.dummyHash);
  if (row === undefined || !ok) {
    state.loginByUser.hit(userKey);
    state.loginByClient.hit(client);
    throw new Refusal('auth.failed');
  }
  state.loginByUser.reset(userKey);
  const iat = Math.floor(Date.now() / 1000);
  const token = signJwt(
    { sub: row.id, username, role: row.role, iat, exp: iat + TOKEN_TTL_SECONDS },
    state.secret,
  );
  return { status: 200, body: { token, expires_in: TOKEN_TTL_SECONDS } };
}

function findUser(db: DatabaseSync, id: string): User | undefined {
  return db.prepare('SELECT id, username, display_name, role FROM users WHERE id = ?').get(id) as
    | User
    | undefined;
}

function getUser(ctx: Ctx): Reply {
  const id = uuidParam(ctx);
  // Not yours: the same 404 as absent, so ids cannot be probed for existence.
  if (!canAccess(ctx.user, id)) throw new Refusal('resource.not_found');
  const row = findUser(ctx.state.db, id);
  if (row === undefined) throw new Refusal('resource.not_found');
  return { status: 200, body: publicUser(row) };
}

async function updateUser(ctx: Ctx): Promise<Reply> {
  const id = uuidParam(ctx);
  if (!canAccess(ctx.user, id)) throw new Refusal('resource.not_found');
  const body = await jsonBody(ctx.req, ['display_name']);
  const displayName = boundedString(body.display_name, 64);
  if (!DISPLAY_NAME.test(displayName)) throw new Refusal('request.invalid');
  const result = ctx.state.db.prepare('UPDATE users SET display_name = ? WHERE id = ?').run(displayName, id);
  if (Number(result.changes) === 0) throw new Refusal('resource.not_found');
  return { status: 200, body: publicUser(findUser(ctx.state.db, id) as User) };
}

const ORDER_COLUMNS = 'id, user_id, product_id, quantity, total_cents, status, card_last4';

interface OrderRow {
  readonly id: string;
  readonly user_id: string;
  readonly product_id: number;
  readonly quantity: number;
  readonly total_cents: number;
  readonly status: string;
  readonly card_last4: string;
}

function publicOrder(row: OrderRow): Record<string, unknown> {
  return {
    id: row.id,
    product_id: row.product_id,
    quantity: row.quantity,
    total_cents: row.total_cents,
    status: row.status,
    payment_last4: row.card_last4,
  };
}

function getOrder(ctx: Ctx): Reply {
  const id = uuidParam(ctx);
  const row = ctx.state.db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ?`).get(id) as
    | OrderRow
    | undefined;
  if (row === undefined || !canAccess(ctx.user, row.user_id)) throw new Refusal('resource.not_found');
  return { status: 200, body: publicOrder(row) };
}

function listOrders(ctx: Ctx): Reply {
  const raw = ctx.url.searchParams.get('limit') ?? '20';
  const limit = LIMIT.test(raw) ? Number(raw) : 0;
  if (limit < 1 || limit > 100) throw new Refusal('request.invalid');
  const rows = ctx.state.db
    .prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? ORDER BY rowid LIMIT ?`)
    .all((ctx.user as User).id, limit) as unknown as OrderRow[];
  return { status: 200, body: { limit, items: rows.map(publicOrder) } };
}

function searchProducts(ctx: Ctx): Reply {
  const q = ctx.url.searchParams.get('q') ?? '';
  if (q.length > MAX_QUERY_LENGTH) throw new Refusal('request.invalid');
  // Parameterized, with LIKE wildcards escaped so that the text is matched literally.
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const items = ctx.state.db
    .prepare(
      `SELECT id, name, description, price_cents FROM products
       WHERE hidden = 0 AND name LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?`,
    )
    .all(pattern, SEARCH_RESULTS);
  return { status: 200, body: { items } };
}

async function fetchPreview(ctx: Ctx): Promise<Reply> {
  const body = await jsonBody(ctx.req, ['url']);
  const raw = boundedString(body.url, MAX_URL_LENGTH);
  let target: URL;
  try {
    target = new URL(raw);
  } catch {
    throw new Refusal('request.invalid');
  }
  // Exact-origin allowlist; credentials in the URL and redirects (which could leave the list) refused.
  if (!ctx.state.allowlist.has(target.origin) || target.username !== '' || target.password !== '') {
    throw new Refusal('authz.forbidden');
  }
  let response: Response;
  try {
    response = await fetch(target, { signal: AbortSignal.timeout(PREVIEW_TIMEOUT_MS), redirect: 'manual' });
  } catch {
    throw new Refusal('upstream.refused');
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw new Refusal('upstream.refused');
  }
  const text = await readPrefix(response, PREVIEW_BYTES);
  return {
    status: 200,
    body: {
      url: target.href,
      status: response.status,
      content_type: response.headers.get('content-type') ?? '',
      body: text,
    },
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
  } catch {
    throw new Refusal('upstream.refused');
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

function deleteUser(ctx: Ctx): Reply {
  if (ctx.user?.role !== 'admin') throw new Refusal('authz.forbidden');
  const id = uuidParam(ctx);
  const result = ctx.state.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  if (Number(result.changes) === 0) throw new Refusal('resource.not_found');
  return { status: 204 };
}

function health(): Reply {
  return { status: 200, body: { status: 'ok' } };
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

function authenticate(req: IncomingMessage, state: State): User {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) throw new Refusal('auth.required', { 'WWW-Authenticate': 'Bearer' });
  const claims: TokenClaims | null = verifyJwt(header.slice(7), state.secret);
  // The role comes from the database, not the token: a demoted or deleted user loses access at once.
  const user = claims === null ? undefined : findUser(state.db, claims.sub);
  if (user === undefined) {
    throw new Refusal('auth.failed', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  return user;
}

function baseHeaders(res: ServerResponse, requestId: string, tls: boolean, limit: LimitState): void {
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('RateLimit-Limit', String(limit.limit));
  res.setHeader('RateLimit-Remaining', String(limit.remaining));
  res.setHeader('RateLimit-Reset', String(limit.resetSeconds));
  if (tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

function sendJson(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendProblem(res: ServerResponse, code: ProblemCode, requestId: string): void {
  const [status, title] = PROBLEMS[code];
  if (status === 413) res.setHeader('Connection', 'close');
  sendJson(
    res,
    status,
    { type: 'about:blank', title, status, code, request_id: requestId },
    'application/problem+json',
  );
}

interface Runtime {
  readonly state: State;
  readonly requests: FixedWindow;
  readonly tls: boolean;
  readonly quiet: boolean;
}

function parseTarget(target: string): URL {
  try {
    return new URL(target, 'http://control.invalid');
  } catch {
    throw new Refusal('request.invalid');
  }
}

async function handle(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const limit = rt.requests.hit(clientKey(req));
  baseHeaders(res, requestId, rt.tls, limit);
  try {
    if (!limit.allowed)
      throw new Refusal('ratelimit.exceeded', { 'Retry-After': String(limit.resetSeconds) });
    const url = parseTarget(req.url ?? '/');
    const found = match(req.method ?? 'GET', url.pathname);
    if (found.kind === 'none') throw new Refusal('route.not_found');
    if (found.kind === 'method') throw new Refusal('route.method', { Allow: found.allow.join(', ') });
    const user = found.handler.auth ? authenticate(req, rt.state) : null;
    const reply = await found.handler.run({ req, url, params: found.params, state: rt.state, user });
    sendJson(res, reply.status, reply.body);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let code: ProblemCode = 'internal';
    if (err instanceof Refusal) {
      code = err.code;
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
    } else if (err instanceof Error && err.name === 'BodyTooLargeError') {
      code = 'body.too_large';
    } else if (!rt.quiet) {
      // The detail goes to the operator's log only, tied to the request id the client sees.
      console.error(`request ${requestId} failed:`, err);
    }
    sendProblem(res, code, requestId);
  }
}

function resolveSecret(given: string | undefined): Buffer {
  const text = given ?? process.env.CONTROL_API_JWT_SECRET;
  if (text === undefined || text === '') return randomBytes(MIN_SECRET_BYTES);
  const secret = Buffer.from(text, 'utf8');
  if (secret.length < MIN_SECRET_BYTES)
    throw new Error(`the JWT secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return secret;
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

/** Start the control API (the demo's routes done right); port 0 picks a free port. */
export async function startControlApi(options: ControlApiOptions = {}): Promise<ControlApi> {
  const host = options.host ?? '127.0.0.1';
  const secret = resolveSecret(options.jwtSecret);
  const allowlist = new Set<string>();
  for (const entry of options.fetchAllowlist ?? []) {
    const origin = new URL(entry).origin;
    if (origin === 'null') throw new Error(`fetchAllowlist entry has no origin: ${entry}`);
    allowlist.add(origin);
  }
  const rate = options.rateLimit ?? { limit: 120, windowMs: 60_000 };
  const logins = options.loginLimit ?? { maxFailures: 5, windowMs: 15 * 60_000 };
  const [db, dummyHash] = await Promise.all([
    openControlDatabase(options.dbFile ?? ':memory:'),
    hashPassword(randomBytes(16).toString('hex')),
  ]);
  const rt: Runtime = {
    state: {
      db,
      secret,
      allowlist,
      loginByUser: createFixedWindow(logins.maxFailures, logins.windowMs),
      loginByClient: createFixedWindow(logins.maxFailures * 4, logins.windowMs),
      dummyHash,
    },
    requests: createFixedWindow(rate.limit, rate.windowMs),
    tls: options.tls !== undefined,
    quiet: options.quiet ?? false,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(rt, req, res);
  };
  const server: Server =
    options.tls === undefined
      ? createHttpServer(onRequest)
      : createHttpsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, onRequest);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  let address: AddressInfo;
  try {
    address = await listen(server, options.port ?? 0, host);
  } catch (err) {
    db.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
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
      port: { type: 'string', default: '8081' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string', default: ':memory:' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${values.port}`);
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new Error('--tls-cert and --tls-key go together');
  const options: ControlApiOptions = { host: values.host, port, dbFile: values.db };
  if (certFile !== undefined && keyFile !== undefined) {
    options.tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  }
  const api = await startControlApi(options);
  console.log(`Control API listening on ${api.url}`);
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
