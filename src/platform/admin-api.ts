import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pepperBytes } from '../auth/apikey.ts';
import { KeyService } from '../auth/key-service.ts';
import { type RevocationSet, stateRevocations } from '../auth/revocation.ts';
import type { RampartConfig } from '../config/schema.ts';
import { createState } from '../state/index.ts';
import type { SharedState } from '../state/types.ts';
import { DEFAULT_STORE, openStore } from '../store/open.ts';
import { loadStoreKeys } from '../store/store-keys.ts';
import type { ApiKeyRecord, Consumer, Store } from '../store/types.ts';
import {
  ApiError,
  HEADERS,
  int,
  iso,
  type Json,
  only,
  problem,
  readBody,
  send,
  str,
  strings,
} from './admin-http.ts';
import {
  clearedSessionCookie,
  csrfMatches,
  SessionStore,
  sessionCookie,
  sessionIdFrom,
} from './admin-session.ts';
import { type AdminSources, viewRoute } from './admin-views.ts';
import { openEventStore } from './events/open.ts';
import { openFindingsStore } from './findings/store.ts';
import type { Logger } from './logger.ts';

/** The authenticated JSON API of the admin listener: session, views, blocks, findings, consumers and keys. */
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

const MAX_AUTH_HEADER = 1024;
const MAX_LIST = 1000;
const MAX_OVERLAP_SECONDS = 30 * 86_400;
const MAX_EXPIRY_SECONDS = 5 * 365 * 86_400;
const CONSUMER_ID = /^[\x21-\x7e]{1,256}$/;
const NAME = /^[\x20-\x7e]{1,128}$/;
const KEY_ID = /^key_[A-Za-z0-9_-]{1,64}$/;

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
  readonly sources?: AdminSources;
  readonly close?: () => Promise<void>;
}): AdminApi {
  const check = tokenChecker(options.tokens);
  const sessions = new SessionStore();
  const sources: AdminSources = options.sources ?? {};
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
    const view = await viewRoute(sources, req, parts, query);
    if (view !== undefined) return view;
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

  /** POST /api/session: trade an admin token for a session cookie. */
  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    only(body, ['token']);
    const token = body.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024 || !check(token)) {
      throttle.fail(req.socket.remoteAddress ?? '');
      throw new ApiError(401, 'admin.auth', 'a valid admin token is required');
    }
    const { id, session } = sessions.create();
    logger.info({ msg: 'admin: dashboard session started' });
    send(
      res,
      201,
      { csrf: session.csrf, expiresAt: iso(session.expiresAt) },
      { 'set-cookie': sessionCookie(id) },
    );
  }

  return {
    handle(req, res, path) {
      const ip = req.socket.remoteAddress ?? '';
      const method = req.method ?? 'GET';
      const fail = (err: unknown) => {
        req.resume();
        if (err instanceof ApiError) return problem(res, err);
        // the detail (which may name the store) goes to the log, never to the client
        logger.error({ msg: 'admin api error', error: (err as Error).message });
        problem(res, new ApiError(500, 'admin.internal', 'internal error'));
      };
      const wait = throttle.blockedFor(ip);
      if (wait > 0) {
        req.resume();
        problem(res, new ApiError(429, 'admin.auth.throttled', 'too many failed authentications'), {
          'retry-after': String(wait),
        });
        return;
      }
      const unauthorized = () => {
        throttle.fail(ip);
        req.resume();
        problem(res, new ApiError(401, 'admin.auth', 'a valid admin bearer token or session is required'), {
          'www-authenticate': 'Bearer realm="rampart-admin"',
        });
      };
      if (path === '/api/session' && method === 'POST') {
        signIn(req, res).catch(fail);
        return;
      }
      const auth = req.headers.authorization;
      const token =
        typeof auth === 'string' && auth.length <= MAX_AUTH_HEADER && auth.startsWith('Bearer ')
          ? auth.slice(7).trim()
          : undefined;
      const sessionId = token === undefined ? sessionIdFrom(req.headers.cookie) : undefined;
      const session = sessionId === undefined ? undefined : sessions.get(sessionId);
      if (token !== undefined ? token === '' || !check(token) : session === undefined) return unauthorized();
      if (path === '/api/session') {
        if (session === undefined || sessionId === undefined) return unauthorized();
        if (method === 'GET' || method === 'HEAD') {
          req.resume();
          return send(res, 200, { csrf: session.csrf, expiresAt: iso(session.expiresAt) });
        }
        if (method !== 'DELETE') return fail(new ApiError(405, 'admin.method', 'use GET, POST or DELETE'));
      }
      // a change made with the cookie must prove it comes from the dashboard's own page
      if (
        session !== undefined &&
        method !== 'GET' &&
        method !== 'HEAD' &&
        !csrfMatches(session, req.headers['x-csrf-token'])
      ) {
        return fail(
          new ApiError(403, 'admin.csrf', 'a change with the session cookie needs its X-CSRF-Token'),
        );
      }
      if (path === '/api/session' && sessionId !== undefined) {
        sessions.delete(sessionId);
        req.resume();
        res.writeHead(204, { ...HEADERS, 'set-cookie': clearedSessionCookie() });
        res.end();
        return;
      }
      const q = (req.url ?? '').indexOf('?');
      const query = q < 0 ? '' : (req.url ?? '').slice(q + 1);
      route(req, path, query).then(([status, body]) => send(res, status, body), fail);
    },
    close: options.close ?? (async () => {}),
  };
}

/** What the running gateway lends the admin API beyond its config. */
export interface AdminExtras {
  /** The gateway's own shared state, so a revocation or block reaches it at once (memory state too). */
  readonly shared?: SharedState | undefined;
  readonly traffic?: AdminSources['traffic'];
  readonly plan?: AdminSources['plan'];
  readonly inventory?: AdminSources['inventory'];
  /** Where the data-at-rest keys are read (RAMPART_STORE_KEYS): the gateway's own environment. */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/**
 * The admin API a config asks for, or undefined when `admin.tokens` is empty (the API then answers
 * 404). It opens its own key store and event store, as `rampart keys` does, so that the cluster
 * primary (which compiles no policies) can serve it too; with a Redis state revocations and blocks
 * reach every gateway at once, otherwise revocations within `auth.keyCacheTtlMs`.
 */
export async function openAdminApi(
  config: Readonly<RampartConfig>,
  baseDir: string,
  logger: Logger,
  extras: AdminExtras = {},
): Promise<AdminApi | undefined> {
  const tokens = config.admin.tokens ?? [];
  if (tokens.length === 0) return undefined;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    let state = extras.shared;
    if (state === undefined && config.state.url !== 'memory') {
      const own = await createState(config.state);
      closers.push(() => own.close());
      state = own;
    }
    let backend: AdminKeyBackend | undefined;
    const auth = config.auth;
    if (auth?.pepper !== undefined) {
      const store = await openStore(auth.store ?? DEFAULT_STORE, baseDir);
      closers.push(() => store.close());
      const revocations: RevocationSet | undefined =
        state === undefined ? undefined : stateRevocations(state);
      if (revocations !== undefined) closers.push(() => revocations.close());
      const keys = new KeyService(store, pepperBytes(auth.pepper), revocations, { touchIntervalMs: 0 });
      closers.push(() => keys.close());
      backend = { keys, store };
    }
    let events: AdminSources['events'];
    let findings: AdminSources['findings'];
    if (config.events.enabled) {
      // the same data-at-rest keys as the gateway's writers, so evidence and findings read back
      const { cipher } = loadStoreKeys({
        env: extras.env ?? process.env,
        keyFile: config.events.keyFile,
        baseDir,
        production: config.production,
      });
      const ev = await openEventStore(config.events.store, baseDir, { cipher });
      closers.push(() => ev.close());
      events = ev;
      const fs = await openFindingsStore(config.events.store, baseDir, { cipher });
      closers.push(() => fs.close());
      findings = fs;
    }
    return createAdminApi({
      tokens,
      backend,
      logger,
      sources: {
        events,
        findings,
        state,
        traffic: extras.traffic,
        plan: extras.plan,
        inventory: extras.inventory,
      },
      close: closeAll,
    });
  } catch (err) {
    await closeAll();
    throw err;
  }
}
