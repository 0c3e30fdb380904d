import { createHash, randomUUID } from 'node:crypto';
import type { Duplex, Writable } from 'node:stream';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { guardDataListener, MalformedReplyError } from '../util/guard-parser.ts';
import { MemoryState } from './memory.ts';
import { parseRedisUrl, type RedisTarget } from './redis-url.ts';
import type { QuotaResult, RateResult, SetName, SharedState, StateOptions } from './types.ts';
import { StateUnavailableError } from './types.ts';

// Time comes from the Redis server (TIME), so gateways with skewed clocks still share one limit.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * Takes (GCRA, the same steps as gcra.ts) and quota checks (a counter whose TTL is set when its
 * window's counter is created), one or several per script run: KEYS[i] is the i-th item's key; ARGV
 * holds per item an op (1 take, 2 quota) and four numbers (take: limit, periodMs, burst, cost;
 * quota: limit, ttlMs, cost, 0). Items run in order inside one atomic script, so a batch allows
 * exactly what the same calls one by one would. Returns four numbers per item.
 * A key taken from several times in one batch (one client's burst) is read once and written once:
 * its TAT is carried in \`tats\` between items, and the last one is stored with its TTL at the end,
 * the state the item-by-item SETs would have left. A quota item on such a key first writes it back.
 */
const BATCH = `${NOW}local floor, ceil, max, tonum = math.floor, math.ceil, math.max, tonumber
local out = {}
local n = 0
local eps = 1e-6
local tats = {}
local dirty = {}
local function flushKey(key)
  if dirty[key] then
    local t = tats[key]
    redis.call('SET', key, string.format('%.17g', t), 'PX', max(1, ceil(t - now)))
    dirty[key] = nil
  end
  tats[key] = nil
end
-- the items of one rule repeat its limit, period and burst: their quotients are kept from the last item
local lastLimit, lastPeriod, lastBurst, t0, tau
for i = 1, #KEYS do
  local a = (i - 1) * 5
  local op = ARGV[a + 1]
  local key = KEYS[i]
  if op == '1' then
    local limit, period, burst = ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
    if limit ~= lastLimit or period ~= lastPeriod or burst ~= lastBurst then
      lastLimit, lastPeriod, lastBurst = limit, period, burst
      t0 = tonum(period) / tonum(limit)
      tau = t0 * tonum(burst)
    end
    local stored = tats[key]
    if stored == nil then
      stored = tonum(redis.call('GET', key) or '0')
      tats[key] = stored
    end
    local tat = now
    if stored > now then tat = stored end
    local nxt = tat + t0 * tonum(ARGV[a + 5])
    local allowAt = nxt - tau
    if allowAt - now > eps then
      out[n + 1] = 0
      out[n + 2] = max(0, floor((now + tau - tat) / t0 + eps))
      out[n + 3] = ceil(tat - now - eps)
      out[n + 4] = ceil(allowAt - now - eps)
    else
      tats[key] = nxt
      dirty[key] = true
      out[n + 1] = 1
      out[n + 2] = max(0, floor((now + tau - nxt) / t0 + eps))
      out[n + 3] = ceil(nxt - now - eps)
      out[n + 4] = 0
    end
  else
    flushKey(key)
    local used = tonum(redis.call('GET', key) or '0')
    local cost = tonum(ARGV[a + 4])
    if used + cost > tonum(ARGV[a + 2]) then
      out[n + 1] = 0
      out[n + 2] = used
    else
      local v = redis.call('INCRBY', key, cost)
      if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[a + 3]) end
      out[n + 1] = 1
      out[n + 2] = v
    end
    out[n + 3] = 0
    out[n + 4] = 0
  end
  n = n + 4
end
for key in pairs(dirty) do flushKey(key) end
return out
`;

/** KEYS[1] = counter; ARGV = ttlMs, by. */
const INCR = `local v = redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v
`;

/** KEYS[1] = sorted set of leases scored by expiry; ARGV = limit, ttlMs, lease id. */
const ACQUIRE = `${NOW}redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS[1] = hash member → until; ARGV = member, ttlMs, channel, set name. Stores and broadcasts at once. */
const SET_MEMBER = `${NOW}local ttl = tonumber(ARGV[2])
local untilMs = 0
if ttl > 0 then
  untilMs = math.floor(now + ttl)
  redis.call('HSET', KEYS[1], ARGV[1], untilMs)
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', ARGV[3], ARGV[4] .. '|' .. string.format('%d', untilMs) .. '|' .. ARGV[1])
return untilMs
`;

interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  incr: script(INCR),
  acquire: script(ACQUIRE),
  batch: script(BATCH),
};
/** Most items one batch carries; a full batch goes at once and the next one starts. */
const MAX_BATCH = 64;

/** Takes and quota checks waiting for this turn's batch script. */
interface Batch {
  readonly keys: string[];
  readonly args: number[];
  readonly waiters: { resolve(r: number[]): void; reject(err: unknown): void }[];
}
const SET_SCRIPT = script(SET_MEMBER);
const SETS: readonly SetName[] = ['block', 'revoked', 'issued'];

/**
 * Shared state on Redis (cluster mode). Every check is one round trip: a Lua script, loaded once
 * with SCRIPT LOAD and run with EVALSHA. Commands fail fast while disconnected (no offline queue)
 * and time out after `timeoutMs`, raising StateUnavailableError, so a Redis fault never hangs a
 * request; the client reconnects by itself. Blocklist and revocations are mirrored in memory and
 * kept current by pub/sub, so checking them costs no round trip.
 */
export class RedisState implements SharedState {
  readonly kind = 'redis' as const;
  readonly #client: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #mirror = new MemoryState();
  readonly #setChannel: string;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  #closed = false;
  #corked = false;
  /** Coalesce takes and quota checks into one script per turn; not on a cluster, whose keys live on many nodes. */
  readonly #batching: boolean;
  #batch: Batch | undefined = undefined;
  #subscribed: Promise<void> = Promise.resolve();
  /** The last connection error, for diagnostics (never includes the URL or password). */
  lastError: string | undefined;

  constructor(options: StateOptions) {
    this.#prefix = options.prefix;
    this.#setChannel = `${options.prefix}sets`;
    const redisOptions: RedisOptions = {
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1_000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      // reconnect forever, backing off to 1 s: the gateway recovers by itself when Redis returns
      retryStrategy: (times) => Math.min(50 * times, 1_000),
    };
    // parsed first: a malformed URL is a start-up error, not a client that retries forever
    const target = parseRedisUrl(options.url);
    // No auto-pipelining: measured with 50 concurrent takes on this machine, it cost the client ~2.5 µs
    // more CPU per EVALSHA than it saved in syscalls, and Redis spent the same ~9 µs on the script;
    // #cork batches the writes for less.
    this.#client = connectRedis(target, redisOptions);
    this.#batching = target.kind !== 'cluster';
    // autoResubscribe off: ioredis's own re-SUBSCRIBE on reconnect leaves its promise unhandled, and
    // without an offline queue it rejects whenever the socket flaps again (a Sentinel failover),
    // an unhandled rejection that ends the process. The 'ready' handler below resubscribes instead.
    this.#sub = connectRedis(target, { ...redisOptions, commandTimeout: undefined, autoResubscribe: false });
    const onError = (err: Error) => {
      this.lastError = (err as NodeJS.ErrnoException).code ?? err.name;
    };
    this.#client.on('error', onError);
    this.#sub.on('error', onError);
    this.#client.on('ready', () => void this.#onReady());
    // without an offline queue a SUBSCRIBE before 'ready' is refused: (re)subscribe on every ready
    this.#sub.on('ready', () => {
      this.#subscribed = this.#sub.subscribe(this.#setChannel, ...this.#handlers.keys()).then(
        () => {},
        () => {},
      );
    });
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
  }

  /** Connect both connections, waiting at most `waitMs` (the state works, degraded, until Redis answers). */
  async connect(waitMs: number): Promise<boolean> {
    const ready = (c: Redis) =>
      new Promise<void>((resolve) => {
        if (c.status === 'ready') return resolve();
        c.once('ready', () => resolve());
      });
    this.#client.connect().catch(() => {});
    this.#sub.connect().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.all([ready(this.#client), ready(this.#sub)]).then(async () => {
        await this.#subscribed;
        return true;
      }),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), waitMs);
      }),
    ]);
    clearTimeout(timer);
    return waited;
  }

  async take(key: string, limit: number, periodMs: number, burst: number, cost = 1): Promise<RateResult> {
    const r = await this.#check(key, 1, limit, periodMs, burst, cost);
    return { allowed: r[0] === 1, remaining: r[1] ?? 0, resetMs: r[2] ?? 0, retryAfterMs: r[3] ?? 0 };
  }

  async quota(key: string, limit: number, ttlMs: number, cost = 1): Promise<QuotaResult> {
    const r = await this.#check(key, 2, limit, Math.ceil(ttlMs), cost, 0);
    const used = r[1] ?? 0;
    return { allowed: r[0] === 1, used, remaining: Math.max(0, limit - used) };
  }

  /** One take or quota check: in this turn's batch, or alone on a cluster (one key, one node). */
  async #check(key: string, op: 1 | 2, a: number, b: number, c: number, d: number): Promise<number[]> {
    if (this.#batching) return this.#enqueue(key, op, a, b, c, d);
    return (await this.#run(SCRIPTS.batch, key, [op, a, b, c, d])) as number[];
  }

  /**
   * Join this turn's batch: the takes and quota checks of the requests that arrived together go to
   * Redis as one EVALSHA, so the client encodes, writes and parses one command instead of one per
   * request. Each caller gets its own four numbers; a failure of the batch is every caller's failure.
   */
  #enqueue(key: string, op: 1 | 2, a: number, b: number, c: number, d: number): Promise<number[]> {
    let batch = this.#batch;
    if (batch === undefined) {
      batch = { keys: [], args: [], waiters: [] };
      this.#batch = batch;
      setImmediate(() => this.#flush(batch!));
    }
    batch.keys.push(this.#prefix + key);
    batch.args.push(op, a, b, c, d);
    const result = new Promise<number[]>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.keys.length >= MAX_BATCH) this.#flush(batch);
    return result;
  }

  #flush(batch: Batch): void {
    if (this.#batch !== batch) return;
    this.#batch = undefined;
    const { keys, args, waiters } = batch;
    const fail = (err: unknown) => {
      for (const w of waiters) w.reject(err);
    };
    const settle = (r: unknown) => {
      // a reply of another shape fails every caller: a throw here would leave them waiting for ever
      if (!Array.isArray(r) || r.length < waiters.length * 4)
        return fail(unavailable(new Error('malformed reply to a batch')));
      for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(r.slice(i * 4, i * 4 + 4) as number[]);
    };
    this.#client.evalsha(SCRIPTS.batch.sha, keys.length, ...keys, ...args).then(settle, (err: unknown) => {
      if (!isNoScript(err)) return fail(unavailable(err));
      this.#client
        .eval(SCRIPTS.batch.source, keys.length, ...keys, ...args)
        .then(settle, (e: unknown) => fail(unavailable(e)));
    });
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    return (await this.#run(SCRIPTS.incr, key, [Math.ceil(ttlMs), by])) as number;
  }

  async get(key: string): Promise<number> {
    const v = await this.#call(() => this.#client.get(this.#prefix + key));
    return v === null ? 0 : Number(v);
  }

  async del(key: string): Promise<void> {
    await this.#call(() => this.#client.del(this.#prefix + key));
  }

  async acquire(key: string, limit: number, ttlMs: number): Promise<string | null> {
    const lease = randomUUID();
    const ok = await this.#run(SCRIPTS.acquire, key, [limit, Math.ceil(ttlMs), lease]);
    return ok === 1 ? lease : null;
  }

  async release(key: string, lease: string): Promise<void> {
    // a slot that cannot be given back now expires with its lease TTL
    await this.#client.zrem(this.#prefix + key, lease).catch(() => {});
  }

  async setMember(set: SetName, member: string, ttlMs: number): Promise<void> {
    // applied locally first: this process enforces it even while Redis is away
    this.#mirror.applySet(set, member, ttlMs <= 0 ? 0 : Date.now() + ttlMs);
    const until = (await this.#call(() =>
      this.#client.evalsha(
        SET_SCRIPT.sha,
        1,
        `${this.#prefix}set:${set}`,
        member,
        Math.ceil(ttlMs),
        this.#setChannel,
        set,
      ),
    ).catch(async (err: unknown) => {
      if (!isNoScript(err)) throw err;
      return this.#call(() =>
        this.#client.eval(
          SET_SCRIPT.source,
          1,
          `${this.#prefix}set:${set}`,
          member,
          Math.ceil(ttlMs),
          this.#setChannel,
          set,
        ),
      );
    })) as number;
    this.#mirror.applySet(set, member, until);
  }

  members(set: SetName): [member: string, until: number][] {
    return this.#mirror.members(set);
  }

  memberUntil(set: SetName, member: string): number {
    return this.#mirror.memberUntil(set, member);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#call(() => this.#client.publish(`${this.#prefix}ch:${channel}`, message));
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    const full = `${this.#prefix}ch:${channel}`;
    let handlers = this.#handlers.get(full);
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(full, handlers);
      if (this.#sub.status === 'ready') void this.#sub.subscribe(full).catch(() => {});
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) {
        this.#handlers.delete(full);
        void this.#sub.unsubscribe(full).catch(() => {});
      }
    };
  }

  healthy(): boolean {
    return this.#client.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    await Promise.all([quit(this.#client), quit(this.#sub)]);
  }

  /** Run a script by SHA; if the server lost its script cache (restart, SCRIPT FLUSH), send it whole once. */
  async #run(s: Script, key: string, args: (string | number)[]): Promise<unknown> {
    const full = this.#prefix + key;
    this.#cork();
    try {
      return await this.#client.evalsha(s.sha, 1, full, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw unavailable(err);
      return this.#call(() => this.#client.eval(s.source, 1, full, ...args));
    }
  }

  /**
   * Hold this turn's commands in the socket and send them in one write when the event loop has run
   * every callback of the turn (the requests that arrived together). Each command keeps its own
   * reply, error and timeout; only the syscall is shared: measured with 50 concurrent takes, the
   * client spends ~7.5 instead of ~9.5 µs of CPU per EVALSHA (ioredis's auto-pipelining cost more
   * than it saved). One server only: a cluster client writes to a socket per node.
   */
  #cork(): void {
    if (this.#corked) return;
    const stream = (this.#client as unknown as { stream?: Writable }).stream;
    if (stream === undefined || !stream.writable) return;
    this.#corked = true;
    stream.cork();
    setImmediate(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isNoScript(err)) throw err;
      throw unavailable(err);
    }
  }

  async #onReady(): Promise<void> {
    try {
      for (const s of [...Object.values(SCRIPTS), SET_SCRIPT]) await this.#client.script('LOAD', s.source);
      await this.#loadMirror();
    } catch (err) {
      this.lastError = errorName(err);
    }
  }

  /** Reload the blocklist and revocations: changes broadcast while we were disconnected were missed. */
  async #loadMirror(): Promise<void> {
    const now = Date.now();
    for (const set of SETS) {
      const key = `${this.#prefix}set:${set}`;
      const all = await this.#client.hgetall(key);
      this.#mirror.clearSet(set);
      const expired: string[] = [];
      for (const [member, until] of Object.entries(all)) {
        const u = Number(until);
        if (u > now) this.#mirror.applySet(set, member, u);
        else expired.push(member);
      }
      if (expired.length > 0) await this.#client.hdel(key, ...expired.slice(0, 10_000));
    }
  }

  #onMessage(channel: string, message: string): void {
    if (channel === this.#setChannel) {
      // "set|until|member": the member goes last so it may itself contain "|"
      const a = message.indexOf('|');
      const b = message.indexOf('|', a + 1);
      if (a < 0 || b < 0) return;
      const set = message.slice(0, a);
      const until = Number(message.slice(a + 1, b));
      if ((set === 'block' || set === 'revoked' || set === 'issued') && Number.isFinite(until)) {
        this.#mirror.applySet(set, message.slice(b + 1), until);
      }
      return;
    }
    const handlers = this.#handlers.get(channel);
    if (handlers === undefined) return;
    for (const h of handlers) {
      try {
        h(message);
      } catch {
        // a subscriber's bug must not break the broadcast
      }
    }
  }
}

// ioredis's (url, options) overload does not type-check under exactOptionalPropertyTypes
const RedisCtor = Redis as unknown as new (url: string, options: RedisOptions) => Redis;
const RedisOptionsCtor = Redis as unknown as new (options: RedisOptions) => Redis;

/**
 * A client for one server, a cluster or a sentinel group. A Cluster is returned under the Redis
 * type: this module uses only commands both answer the same way (EVALSHA/EVAL on one key, GET, DEL,
 * ZREM, HGETALL, HDEL, PUBLISH, SUBSCRIBE, SCRIPT LOAD, QUIT), and NOSCRIPT falls back to EVAL on
 * nodes whose script cache lacks a script.
 */
function connectRedis(target: RedisTarget, options: RedisOptions): Redis {
  if (target.kind === 'single') return guardReplies(new RedisCtor(target.url, options));
  const auth: RedisOptions = {};
  if (target.username !== undefined) auth.username = target.username;
  if (target.password !== undefined) auth.password = target.password;
  if (target.tls) auth.tls = {};
  if (target.kind === 'sentinel') {
    const sentinel: RedisOptions = {
      ...options,
      ...auth,
      sentinels: target.sentinels.map((n) => ({ host: n.host, port: n.port })),
      name: target.name,
      db: target.db,
      enableTLSForSentinelMode: target.tls,
      sentinelRetryStrategy: (times: number) => Math.min(50 * times, 1_000),
    };
    return guardReplies(new RedisOptionsCtor(sentinel));
  }
  // the per-node options take no retry strategy or offline queue: the cluster client owns those
  const nodeOptions: RedisOptions = { ...auth, maxRetriesPerRequest: 0 };
  if (options.commandTimeout !== undefined) nodeOptions.commandTimeout = options.commandTimeout;
  if (options.connectTimeout !== undefined) nodeOptions.connectTimeout = options.connectTimeout;
  // ioredis's ClusterOptions does not type-check under exactOptionalPropertyTypes
  const clusterOptions = {
    enableOfflineQueue: false,
    lazyConnect: true,
    clusterRetryStrategy: (times: number) => Math.min(50 * times, 1_000),
    redisOptions: nodeOptions,
  } as unknown as ConstructorParameters<typeof Cluster>[1];
  const cluster = new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
  cluster.on('+node', (node: Redis) => guardReplies(node));
  return cluster as unknown as Redis;
}

/** The code a connection error carries when Redis sent a reply ioredis could not read. */
const MALFORMED_REPLY = 'ERR_STATE_MALFORMED_REPLY';

/**
 * Keep ioredis's reply parser from ending the process (guard-parser.ts): on every connect, guard
 * its 'data' listener, so that a reply it cannot read drops the connection, which ioredis reports
 * as an error and reconnects, failing what was waiting.
 */
function guardReplies(redis: Redis): Redis {
  // called once per client: at creation, or on the cluster's '+node', emitted when a node's client is made
  // 'connect' is emitted on the next tick after ioredis prepended its parser's listener, and before
  // the socket can deliver a reply
  redis.on('connect', () => {
    const stream = redis.stream as Duplex | undefined;
    const parse = stream?.listeners('data')[0] as ((chunk: Buffer) => void) | undefined;
    if (stream === undefined || parse === undefined) return;
    guardDataListener(stream, parse, (err) => new MalformedReplyError('state server', MALFORMED_REPLY, err));
  });
  return redis;
}

function unavailable(err: unknown): StateUnavailableError {
  return new StateUnavailableError(`shared state unavailable (${errorName(err)})`);
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

function errorName(err: unknown): string {
  if (!(err instanceof Error)) return 'error';
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined) return code;
  // ioredis messages carry no secret; keep them short
  return err.message.slice(0, 80);
}

async function quit(c: Redis): Promise<void> {
  if (c.status === 'end') return;
  try {
    if (c.status === 'ready') await c.quit();
    else c.disconnect();
  } catch {
    c.disconnect();
  }
}
