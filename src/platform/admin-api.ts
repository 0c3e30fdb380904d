import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pepperBytes } from '../auth/apikey.ts';
import { KeyService } from '../auth/key-service.ts';
import { type RevocationSet, stateRevocations } from '../auth/revocation.ts';
import type { RampartConfig } from '../config/schema.ts';
import { createState } from '../state/index.ts';
import type { SharedState } from '../state/types.ts';
import { DEFAULT_STORE, openStore } from '../store/open.ts';
import type { ApiKeyRecord, Consumer, Store } from '../store/types.ts';
import type { Logger } from './logger.ts';

/** The authenticated JSON API of the admin listener (consumers and API keys). */
export interface AdminApi {
  /** Serve one request whose path starts with /api/; never throws. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  close(): Promise<void>;
}

/** Where the admin API keeps keys: absent when the config has no `auth.pepper`. */
export interface AdminKeyBackend {
  readonly keys: KeyService;
  readonly store: Store;
}

/** Largest request body the admin API reads. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;
const MAX_AUTH_HEADER = 1024;
const MAX_LIST = 1000;
const MAX_OVERLAP_SECONDS = 30 * 86_400;
const MAX_EXPIRY_SECONDS = 5 * 365 * 86_400;
const CONSUMER_ID = /^[\x21-\x7e]{1,256}$/;
const LIST_ITEM = /^[\x21-\x7e]{1,128}$/;
const NAME = /^[\x20-\x7e]{1,128}$/;
const KEY_ID = /^key_[A-Za-z0-9_-]{1,64}$/;
const MAX_ITEMS = 64;

const HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

type Json = Record<string, unknown>;

class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Failed token attempts a client address may make per window before every request is refused. */
export const ADMIN_MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;
const MAX_TRACKED_CLIENTS = 10_000;

/**
 * Counts failed admin authentications per client address in fixed windows, so the token cannot be
 * guessed at line speed. Bounded: the oldest address is forgotten when the map is full.
 */
export function failureThrottle(
  max: number = ADMIN_MAX_FAILURES,
  windowMs: number = FAILURE_WINDOW_MS,
  now: () => number = Date.now,
): { blockedFor(ip: string): number; fail(ip: string): void } {
  const seen = new Map<string, { start: number; count: number }>();
  return {
    /** Seconds until `ip` may try again, 0 when it may now. */
    blockedFor(ip) {
      const e = seen.get(ip);
      if (e === undefined) return 0;
      const left = e.start + windowMs - now();
      if (left <= 0) {
        seen.delete(ip);
        return 0;
      }
      return e.count >= max ? Math.ceil(left / 1000) : 0;
    },
    fail(ip) {
      const t = now();
      let e = seen.get(ip);
      if (e === undefined || e.start + windowMs <= t) {
        seen.delete(ip);
        if (seen.size >= MAX_TRACKED_CLIENTS) {
          const oldest = seen.keys().next().value;
          if (oldest !== undefined) seen.delete(oldest);
        }
        e = { start: t, count: 0 };
        seen.set(ip, e);
      }
      e.count++;
    },
  };
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * A checker for bearer tokens: only SHA-256 digests of the configured tokens are kept, and a
 * presented token is compared with every one of them in constant time (no early exit).
 */
export function tokenChecker(tokens: readonly string[]): (presented: string) => boolean {
  const digests = tokens.map(sha256);
  return (presented) => {
    const d = sha256(presented);
    let ok = false;
    for (const t of digests) ok = timingSafeEqual(t, d) || ok;
    return ok;
  };
}

function send(res: ServerResponse, status: number, body: Json, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  res.writeHead(status, {
    ...HEADERS,
    ...extra,
    'content-type': type,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function problem(res: ServerResponse, err: ApiError, extra: Record<string, string> = {}): void {
  send(
    res,
    err.status,
    {
      type: `https://rampart.dev/problems/${err.code}`,
      title: TITLES[err.status] ?? 'Error',
      status: err.status,
      code: err.code,
      detail: err.message,
    },
    extra,
  );
}

/** Read a JSON object body of at most MAX_ADMIN_BODY_BYTES; an empty body is `{}`. */
async function readBody(req: IncomingMessage): Promise<Json> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_ADMIN_BODY_BYTES)
    throw new ApiError(413, 'admin.body.size', `the body is over ${MAX_ADMIN_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_ADMIN_BODY_BYTES)
      throw new ApiError(413, 'admin.body.size', `the body is over ${MAX_ADMIN_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError(415, 'admin.body.type', 'the body must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'admin.body.json', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'admin.body.json', 'the body must be a JSON object');
  return value as Json;
}

function only(body: Json, allowed: readonly string[]): void {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k))
      throw new ApiError(400, 'admin.body.invalid', `unknown property "${k.slice(0, 64)}"`);
  }
}

function str(body: Json, name: string, re: RegExp, required: true): string;
function str(body: Json, name: string, re: RegExp, required: false): string | undefined;
function str(body: Json, name: string, re: RegExp, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !re.test(v))
    throw new ApiError(400, 'admin.body.invalid', `"${name}" is missing or malformed`);
  return v;
}

function strings(body: Json, name: string): string[] | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.length > MAX_ITEMS ||
    !v.every((i) => typeof i === 'string' && LIST_ITEM.test(i))
  )
    throw new ApiError(
      400,
      'admin.body.invalid',
      `"${name}" must be an array of at most ${MAX_ITEMS} tokens`,
    );
  return v as string[];
}

function int(body: Json, name: string, max: number): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    throw new ApiError(400, 'admin.body.invalid', `"${name}" must be an integer from 0 to ${max}`);
  return v;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A key as the API shows it: never the hash. */
function keyView(k: ApiKeyRecord): Json {
  return {
    id: k.id,
    consumer: k.consumerId,
    prefix: k.prefix,
    name: k.name,
    createdAt: iso(k.createdAt),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
    rotatedFrom: k.rotatedFrom,
  };
}

function consumerView(c: Consumer): Json {
  return { id: c.id, roles: [...c.roles], scopes: [...c.scopes], createdAt: iso(c.createdAt) };
}

/** Build the admin API over a key backend (or none: key routes then answer 503) and its tokens. */
export function createAdminApi(options: {
  readonly tokens: readonly string[];
  readonly backend: AdminKeyBackend | undefined;
  readonly logger: Logger;
  readonly close?: () => Promise<void>;
}): AdminApi {
  const check = tokenChecker(options.tokens);
  const throttle = failureThrottle();
  const { backend, logger } = options;
  const need = (): AdminKeyBackend => {
    if (backend === undefined)
      throw new ApiError(503, 'admin.store.unavailable', 'no key store: set auth.pepper in the config');
    return backend;
  };

  async function route(req: IncomingMessage, path: string, query: string): Promise<[number, Json]> {
    const method = req.method ?? 'GET';
    const parts = path.split('/'); // ['', 'api', resource, id?, action?]
    if (parts.length > 5) throw new ApiError(404, 'admin.not_found', 'no such route');
    const [, , resource, id, action] = parts;
    if (resource === 'consumers' && id === undefined) {
      if (method === 'GET') {
        const { store } = need();
        const keys = await store.listKeys({ limit: MAX_LIST });
        const ids = [...new Set(keys.map((k) => k.consumerId))];
        const consumers: Json[] = [];
        for (const cid of ids) {
          const c = await store.getConsumer(cid);
          if (c !== undefined) consumers.push(consumerView(c));
        }
        return [200, { consumers }];
      }
      if (method === 'POST') {
        const body = await readBody(req);
        only(body, ['id', 'roles', 'scopes']);
        const cid = str(body, 'id', CONSUMER_ID, true);
        const roles = strings(body, 'roles');
        const scopes = strings(body, 'scopes');
        const { store } = need();
        const existing = await store.getConsumer(cid);
        const consumer: Consumer = {
          id: cid,
          roles: roles ?? existing?.roles ?? [],
          scopes: scopes ?? existing?.scopes ?? [],
          createdAt: existing?.createdAt ?? Date.now(),
        };
        await store.upsertConsumer(consumer);
        logger.info({ msg: 'admin: consumer saved', consumer: cid });
        return [existing === undefined ? 201 : 200, consumerView(consumer)];
      }
      throw new ApiError(405, 'admin.method', 'use GET or POST');
    }
    if (resource === 'keys' && id === undefined) {
      if (method === 'GET') {
        const params = new URLSearchParams(query.slice(0, 1024));
        const consumer = params.get('consumer') ?? undefined;
        if (consumer !== undefined && !CONSUMER_ID.test(consumer))
          throw new ApiError(400, 'admin.query.invalid', '"consumer" is malformed');
        const { store } = need();
        const keys = await store.listKeys({
          limit: MAX_LIST,
          ...(consumer === undefined ? {} : { consumerId: consumer }),
        });
        return [200, { keys: keys.map(keyView) }];
      }
      if (method === 'POST') {
        const body = await readBody(req);
        only(body, ['consumer', 'roles', 'scopes', 'env', 'name', 'expiresInSeconds']);
        const consumerId = str(body, 'consumer', CONSUMER_ID, true);
        const roles = strings(body, 'roles');
        const scopes = strings(body, 'scopes');
        const env = body.env ?? 'live';
        if (env !== 'live' && env !== 'test')
          throw new ApiError(400, 'admin.body.invalid', '"env" must be live or test');
        const name = str(body, 'name', NAME, false);
        const ttl = int(body, 'expiresInSeconds', MAX_EXPIRY_SECONDS);
        const { keys } = need();
        const issued = await keys.create({
          consumerId,
          env,
          ...(roles === undefined ? {} : { roles }),
          ...(scopes === undefined ? {} : { scopes }),
          ...(name === undefined ? {} : { name }),
          expiresAt: ttl === undefined ? null : Date.now() + ttl * 1000,
        });
        logger.info({ msg: 'admin: key created', keyId: issued.record.id, consumer: consumerId });
        return [201, { ...keyView(issued.record), key: issued.key }];
      }
      throw new ApiError(405, 'admin.method', 'use GET or POST');
    }
    if (resource === 'keys' && id !== undefined && (action === 'rotate' || action === 'revoke')) {
      if (method !== 'POST') throw new ApiError(405, 'admin.method', 'use POST');
      if (!KEY_ID.test(id)) throw new ApiError(404, 'admin.key.not_found', 'no such key');
      const body = await readBody(req);
      if (action === 'rotate') {
        only(body, ['overlapSeconds']);
        const overlap = int(body, 'overlapSeconds', MAX_OVERLAP_SECONDS) ?? 86_400;
        const { keys } = need();
        const issued = await keys.rotate(id, overlap * 1000);
        if (issued === undefined) throw new ApiError(404, 'admin.key.not_found', 'no such active key');
        logger.info({ msg: 'admin: key rotated', keyId: issued.record.id, rotatedFrom: id });
        return [201, { ...keyView(issued.record), key: issued.key }];
      }
      only(body, []);
      const { keys } = need();
      if (!(await keys.revoke(id))) throw new ApiError(404, 'admin.key.not_found', 'no such active key');
      logger.info({ msg: 'admin: key revoked', keyId: id });
      return [200, { id, revoked: true }];
    }
    throw new ApiError(404, 'admin.not_found', 'no such route');
  }

  return {
    handle(req, res, path) {
      const ip = req.socket.remoteAddress ?? '';
      const wait = throttle.blockedFor(ip);
      if (wait > 0) {
        req.resume();
        problem(res, new ApiError(429, 'admin.auth.throttled', 'too many failed authentications'), {
          'retry-after': String(wait),
        });
        return;
      }
      const auth = req.headers.authorization;
      const token =
        typeof auth === 'string' && auth.length <= MAX_AUTH_HEADER && auth.startsWith('Bearer ')
          ? auth.slice(7).trim()
          : undefined;
      if (token === undefined || token === '' || !check(token)) {
        throttle.fail(ip);
        req.resume();
        problem(res, new ApiError(401, 'admin.auth', 'a valid admin bearer token is required'), {
          'www-authenticate': 'Bearer realm="rampart-admin"',
        });
        return;
      }
      const q = (req.url ?? '').indexOf('?');
      const query = q < 0 ? '' : (req.url ?? '').slice(q + 1);
      route(req, path, query).then(
        ([status, body]) => send(res, status, body),
        (err: unknown) => {
          req.resume();
          if (err instanceof ApiError) return problem(res, err);
          // the detail (which may name the store) goes to the log, never to the client
          logger.error({ msg: 'admin api error', error: (err as Error).message });
          problem(res, new ApiError(500, 'admin.internal', 'internal error'));
        },
      );
    },
    close: options.close ?? (async () => {}),
  };
}

/**
 * The admin API a config asks for, or undefined when `admin.tokens` is empty (the API then answers
 * 404). It opens its own store and key service, as `rampart keys` does, so that the cluster primary
 * (which compiles no policies) can serve it too; with a Redis state revocations reach every gateway
 * at once, otherwise within `auth.keyCacheTtlMs`.
 */
export async function openAdminApi(
  config: Readonly<RampartConfig>,
  baseDir: string,
  logger: Logger,
  /** The gateway's own shared state, so a revocation reaches its key cache at once (memory state too). */
  shared?: SharedState,
): Promise<AdminApi | undefined> {
  const tokens = config.admin.tokens ?? [];
  if (tokens.length === 0) return undefined;
  const auth = config.auth;
  if (auth?.pepper === undefined) return createAdminApi({ tokens, backend: undefined, logger });
  const store = await openStore(auth.store ?? DEFAULT_STORE, baseDir);
  let state: SharedState | undefined;
  let revocations: RevocationSet | undefined;
  if (shared !== undefined) {
    revocations = stateRevocations(shared);
  } else if (config.state.url !== 'memory') {
    state = await createState(config.state);
    revocations = stateRevocations(state);
  }
  const keys = new KeyService(store, pepperBytes(auth.pepper), revocations, { touchIntervalMs: 0 });
  return createAdminApi({
    tokens,
    backend: { keys, store },
    logger,
    close: async () => {
      await keys.close();
      await revocations?.close();
      await state?.close();
      await store.close();
    },
  });
}
