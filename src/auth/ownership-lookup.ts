import { Pool } from 'undici';
import { claimAt } from './claims.ts';

/** What an ownership lookup found: the owner, no such object, or no answer (fail closed). */
export type LookupResult =
  | { readonly kind: 'owner'; readonly owner: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'error' };

/** A compiled lookup: resolves the route's path parameters to the object's owner. */
export type OwnerLookup = (params: Readonly<Record<string, string>>) => Promise<LookupResult>;

/** The settings of one lookup, validated at load. */
export interface OwnerLookupOptions {
  /** Sends the lookup request (the upstream's pool). */
  readonly dispatcher: Pick<Pool, 'request'>;
  /** Path template, e.g. /internal/orders/{id}/owner; every {name} is a path parameter of the route. */
  readonly path: string;
  /** Dotted field of the JSON answer that holds the owner. */
  readonly field: string;
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** Largest lookup answer read; an owner record is small. */
export const MAX_LOOKUP_BYTES = 16 * 1024;
const MAX_PARAM_LENGTH = 256;

type Part = { readonly literal: string } | { readonly param: string };

/** Split `/a/{id}/b` into literals and parameter names; throws on an unbalanced brace. */
export function parseLookupTemplate(path: string): readonly Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < path.length) {
    const open = path.indexOf('{', i);
    if (open < 0) {
      parts.push({ literal: path.slice(i) });
      break;
    }
    const close = path.indexOf('}', open);
    if (close < 0) throw new RangeError('unbalanced { in lookup path');
    if (open > i) parts.push({ literal: path.slice(i, open) });
    parts.push({ param: path.slice(open + 1, close) });
    i = close + 1;
  }
  for (const p of parts) {
    if ('literal' in p && (p.literal.includes('}') || p.literal.includes('?') || p.literal.includes('#')))
      throw new RangeError('lookup path has a stray } or a query');
  }
  return parts;
}

function decode(raw: string): string | undefined {
  if (raw.length > MAX_PARAM_LENGTH) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * An owner lookup over the upstream: GET the resolved path, read `field` from the JSON answer.
 * Answers are cached per resolved path for ttlMs (at most maxEntries, oldest dropped first), a 404 is
 * remembered as "no such object", concurrent lookups of one path share one request, and every other
 * outcome (timeout, 5xx, not JSON, no owner field) is an error the caller must fail closed on.
 */
export function createOwnerLookup(options: OwnerLookupOptions): OwnerLookup {
  const parts = parseLookupTemplate(options.path);
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly until: number; readonly result: LookupResult }>();
  const inflight = new Map<string, Promise<LookupResult>>();

  async function fetchOwner(path: string): Promise<LookupResult> {
    try {
      const res = await options.dispatcher.request({
        method: 'GET',
        path,
        headers: { accept: 'application/json', 'x-rampart-lookup': 'ownership' },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      if (res.statusCode === 404) {
        await res.body.dump();
        return { kind: 'none' };
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        return { kind: 'error' };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > MAX_LOOKUP_BYTES) {
          res.body.destroy();
          return { kind: 'error' };
        }
        chunks.push(chunk);
      }
      const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const owner = claimAt(value, options.field);
      if (typeof owner === 'string' && owner !== '' && owner.length <= MAX_PARAM_LENGTH)
        return { kind: 'owner', owner };
      if (typeof owner === 'number' && Number.isFinite(owner)) return { kind: 'owner', owner: String(owner) };
      return { kind: 'error' };
    } catch {
      return { kind: 'error' };
    }
  }

  return async function lookupOwner(params) {
    let path = '';
    for (const p of parts) {
      if ('literal' in p) path += p.literal;
      else {
        const raw = params[p.param];
        const v = raw === undefined ? undefined : decode(raw);
        if (v === undefined || v === '') return { kind: 'none' };
        path += encodeURIComponent(v);
      }
    }
    const t = now();
    const hit = cache.get(path);
    if (hit !== undefined) {
      if (hit.until > t) return hit.result;
      cache.delete(path);
    }
    let pending = inflight.get(path);
    if (pending === undefined) {
      pending = fetchOwner(path).then((result) => {
        inflight.delete(path);
        // errors are not cached: the next request asks again
        if (result.kind !== 'error' && options.ttlMs > 0) {
          if (cache.size >= options.maxEntries) {
            const oldest = cache.keys().next().value;
            if (oldest !== undefined) cache.delete(oldest);
          }
          cache.set(path, { until: now() + options.ttlMs, result });
        }
        return result;
      });
      inflight.set(path, pending);
    }
    return pending;
  };
}

const pools = new WeakMap<object, Map<string, Pool>>();

/**
 * One lookup pool per upstream origin per services object (so per process), closed with the services:
 * lookups share keep-alive connections instead of opening one per request.
 */
export function lookupPool(
  owner: { readonly closers: (() => Promise<void>)[] },
  origin: string,
  settings: {
    readonly connections: number;
    readonly connectTimeoutMs: number;
    readonly ca?: Buffer;
    readonly rejectUnauthorized: boolean;
  },
): Pool {
  let byOrigin = pools.get(owner);
  if (byOrigin === undefined) {
    const created = new Map<string, Pool>();
    byOrigin = created;
    pools.set(owner, created);
    owner.closers.push(async () => {
      await Promise.allSettled([...created.values()].map((p) => p.close()));
      created.clear();
    });
  }
  let pool = byOrigin.get(origin);
  if (pool === undefined) {
    pool = new Pool(origin, {
      connections: settings.connections,
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: 4_000,
      connect: {
        rejectUnauthorized: settings.rejectUnauthorized,
        ...(settings.ca === undefined ? {} : { ca: settings.ca }),
      },
    });
    pool.on('connectionError', () => {});
    byOrigin.set(origin, pool);
  }
  return pool;
}
