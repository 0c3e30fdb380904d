import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';

/** Tuning of a remote key set. */
export interface JwksOptions {
  /** After this age the set is refreshed in the background; the old keys serve meanwhile. */
  readonly maxAgeMs?: number;
  /** Least time between two fetches caused by unknown `kid`s: a flood of forged kids cannot hammer the IdP. */
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  /** How long the last good set keeps serving while the endpoint fails (stale-while-error). */
  readonly maxStaleMs?: number;
  readonly maxBytes?: number;
  readonly now?: () => number;
}

/** The key set could not be fetched and no usable copy is cached: the caller answers 503, never 200. */
export class JwksUnavailableError extends Error {
  readonly code = 'RAMPART_JWKS_UNAVAILABLE';
}

const MAX_KEYS = 100;
type Resolver = ReturnType<typeof createLocalJWKSet>;

/**
 * A cached remote JWKS: fetched once, refreshed when old (in the background), refetched on an unknown
 * `kid` at most once per cooldown, and kept through endpoint failures up to `maxStaleMs`. Symmetric
 * (`oct`) and private keys in the set are dropped: a JWKS only ever carries public keys.
 */
export class JwksCache {
  readonly url: string;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  readonly #timeoutMs: number;
  readonly #maxStaleMs: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #resolver: Resolver | undefined;
  #fetchedAt = 0;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  /** Fetches made, for tests and metrics. */
  fetches = 0;

  constructor(url: string, options: JwksOptions = {}) {
    this.url = url;
    this.#maxAgeMs = options.maxAgeMs ?? 600_000;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxStaleMs = options.maxStaleMs ?? 86_400_000;
    this.#maxBytes = options.maxBytes ?? 256 * 1024;
    this.#now = options.now ?? Date.now;
  }

  /** The key for a token header (jose's key-resolver shape). */
  getKey = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const now = this.#now();
    if (this.#resolver === undefined || now - this.#fetchedAt > this.#maxStaleMs) {
      await this.#refresh();
    } else if (now - this.#fetchedAt > this.#maxAgeMs) {
      void this.#refresh().catch(() => {});
    }
    const resolver = this.#resolver;
    if (resolver === undefined || now - this.#fetchedAt > this.#maxStaleMs) {
      throw new JwksUnavailableError('no usable key set');
    }
    try {
      return await resolver(header);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || now - this.#lastAttempt < this.#cooldownMs) throw err;
      // an unknown kid may be a rotated-in key: refetch once, within the cooldown budget
      await this.#refresh().catch(() => {});
      if (this.#resolver === resolver) throw err;
      return this.#resolver!(header);
    }
  };

  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    this.#lastAttempt = this.#now();
    this.fetches++;
    let set: JSONWebKeySet;
    try {
      set = await this.#download();
    } catch (err) {
      if (this.#resolver === undefined)
        throw new JwksUnavailableError('key set fetch failed', { cause: err });
      return; // stale-while-error: the keys we have keep serving
    }
    this.#resolver = createLocalJWKSet(set);
    this.#fetchedAt = this.#now();
  }

  async #download(): Promise<JSONWebKeySet> {
    const res = await fetch(this.url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (res.status !== 200 || res.body === null) {
      await res.body?.cancel();
      throw new Error(`JWKS endpoint answered ${res.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > this.#maxBytes) throw new Error('JWKS document too large');
      chunks.push(chunk);
    }
    const doc: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const keys = (doc as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) throw new Error('JWKS document has no keys array');
    const usable = keys
      .slice(0, MAX_KEYS)
      .filter(
        (k): k is JWK =>
          k !== null && typeof k === 'object' && (k as JWK).kty !== 'oct' && (k as JWK).d === undefined,
      );
    return { keys: usable };
  }
}
