import { createSecretKey, type KeyObject } from 'node:crypto';
import type { ApiKeyRecord, Consumer, Store } from '../store/types.ts';
import {
  digestsEqual,
  displayPrefix,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  type KeyEnv,
  newKeyId,
} from './apikey.ts';
import type { RevocationSet } from './revocation.ts';

/** Why a presented key was refused. */
export type KeyFailure = 'invalid' | 'revoked' | 'expired';

/** The outcome of checking a presented key. */
export type KeyCheck =
  | { readonly ok: true; readonly key: ApiKeyRecord; readonly consumer: Consumer }
  | { readonly ok: false; readonly reason: KeyFailure; readonly keyId?: string };

/** Tuning of the key cache and the last-used batching. */
export interface KeyServiceOptions {
  /** How long a key found in the store is trusted without asking again (revocations by other processes show after this). */
  readonly cacheTtlMs?: number;
  /** How long an unknown hash is remembered as unknown (spares the store from guessing attacks). */
  readonly negativeTtlMs?: number;
  readonly maxCacheEntries?: number;
  /** How often last-used times are written, in one batch. */
  readonly touchIntervalMs?: number;
  readonly now?: () => number;
}

interface CacheEntry {
  readonly until: number;
  readonly found: { readonly key: ApiKeyRecord; readonly consumer: Consumer } | undefined;
  /** The acceptance of this entry, made once its digest compared equal (its hash never changes). */
  accepted?: KeyCheck;
}

/** A key as `create`/`rotate` return it: the plaintext is shown once and never stored. */
export interface IssuedKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/**
 * API keys over the store: issue, rotate, revoke, and the hot-path check with an in-memory cache.
 * Only HMAC-SHA-256(pepper, key) ever reaches the store.
 */
export class KeyService {
  readonly store: Store;
  readonly #pepper: KeyObject;
  readonly #revocations: RevocationSet | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, number>();
  readonly #cacheTtlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: (() => void) | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: Store, pepper: Buffer, revocations?: RevocationSet, options: KeyServiceOptions = {}) {
    this.store = store;
    this.#pepper = createSecretKey(pepper);
    this.#revocations = revocations;
    this.#cacheTtlMs = options.cacheTtlMs ?? 5_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 1_000;
    this.#maxEntries = options.maxCacheEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    const interval = options.touchIntervalMs ?? 10_000;
    if (interval > 0) {
      this.#timer = setInterval(() => void this.flushLastUsed(), interval);
      this.#timer.unref();
    }
    // a revocation learnt from elsewhere drops the cached key at once
    this.#unsubscribe = revocations?.subscribe((kind, id) => {
      if (kind === 'key') this.#forgetKeyId(id);
    });
  }

  /**
   * Check a presented key: shape and checksum first (no I/O), then the cache, then the store. A
   * cached key is answered at once (no promise): the common request costs one HMAC and a map lookup.
   */
  verify(presented: string): KeyCheck | Promise<KeyCheck> {
    const hash = this.digest(presented);
    if (hash === undefined) return { ok: false, reason: 'invalid' };
    return this.verifyDigest(hash);
  }

  /** The stored form of a presented key (HMAC-SHA-256 with the pepper), or undefined when its shape or checksum is wrong. */
  digest(presented: string): string | undefined {
    return isWellFormedApiKey(presented) ? hashApiKey(presented, this.#pepper) : undefined;
  }

  /** verify() for a key whose digest is already known: the cache, then the store. */
  verifyDigest(hash: string): KeyCheck | Promise<KeyCheck> {
    const now = this.#now();
    const entry = this.#cache.get(hash);
    if (entry === undefined || entry.until <= now) return this.#lookup(hash, now);
    return this.#judge(entry, hash, now);
  }

  async #lookup(hash: string, now: number): Promise<KeyCheck> {
    const found = await this.store.findKeyByHash(hash);
    const entry = { until: now + (found === undefined ? this.#negativeTtlMs : this.#cacheTtlMs), found };
    this.#remember(hash, entry);
    return this.#judge(entry, hash, now);
  }

  /**
   * The verdict on a cached entry. An accepted key returns the same check object for the entry's
   * lifetime, so callers can tell "nothing changed" by identity; revocation and expiry are still
   * decided on every call.
   */
  #judge(entry: CacheEntry, hash: string, now: number): KeyCheck {
    const found = entry.found;
    if (found === undefined) return { ok: false, reason: 'invalid' };
    // the lookup was by hash; compare again in constant time so no code path depends on a partial
    // match. Once per entry: the entry sits under this one hash for all its life
    if (entry.accepted === undefined && !digestsEqual(found.key.hash, hash))
      return { ok: false, reason: 'invalid' };
    const { key, consumer } = found;
    if (key.revokedAt !== null || this.#revocations?.has('key', key.id) === true) {
      return { ok: false, reason: 'revoked', keyId: key.id };
    }
    if (key.expiresAt !== null && key.expiresAt <= now)
      return { ok: false, reason: 'expired', keyId: key.id };
    this.#pending.set(key.id, now);
    entry.accepted ??= { ok: true, key, consumer };
    return entry.accepted;
  }

  /** Issue a key for a consumer (created or updated with the given roles and scopes). */
  async create(options: {
    readonly consumerId: string;
    readonly roles?: readonly string[];
    readonly scopes?: readonly string[];
    readonly env?: KeyEnv;
    readonly name?: string;
    readonly expiresAt?: number | null;
  }): Promise<IssuedKey> {
    const now = this.#now();
    const existing = await this.store.getConsumer(options.consumerId);
    if (existing === undefined || options.roles !== undefined || options.scopes !== undefined) {
      await this.store.upsertConsumer({
        id: options.consumerId,
        roles: options.roles ?? existing?.roles ?? [],
        scopes: options.scopes ?? existing?.scopes ?? [],
        createdAt: existing?.createdAt ?? now,
      });
    }
    return this.#issue(
      options.consumerId,
      options.env ?? 'live',
      options.name ?? null,
      options.expiresAt ?? null,
      null,
    );
  }

  /**
   * Rotate a key: issue a new one for the same consumer and let the old one work for `overlapMs` more
   * (never longer than it would have anyway), so clients can switch without an outage.
   */
  async rotate(keyId: string, overlapMs: number): Promise<IssuedKey | undefined> {
    const old = await this.store.getKey(keyId);
    if (old === undefined || old.revokedAt !== null) return undefined;
    const now = this.#now();
    const env: KeyEnv = old.prefix.startsWith('rk_test_') ? 'test' : 'live';
    const issued = await this.#issue(old.consumerId, env, old.name, old.expiresAt, old.id);
    const end = now + Math.max(0, overlapMs);
    if (old.expiresAt === null || old.expiresAt > end) await this.store.setKeyExpiry(old.id, end);
    this.#forgetKeyId(old.id);
    return issued;
  }

  /** Revoke a key: in the store, and at once in this process (and in every process sharing the revocation set). */
  async revoke(keyId: string): Promise<boolean> {
    const done = await this.store.revokeKey(keyId, this.#now());
    this.#forgetKeyId(keyId);
    // a key has no natural expiry to bound the entry; a day covers every cache TTL by far
    await this.#revocations?.revoke('key', keyId, this.#now() + 86_400_000);
    return done;
  }

  /** Write the batched last-used times now (also runs on a timer, and on close). */
  flushLastUsed(): Promise<void> {
    if (this.#pending.size === 0) return this.#flushing;
    const batch = [...this.#pending].map(([id, at]) => ({ id, at }));
    this.#pending.clear();
    this.#flushing = this.#flushing
      .then(() => this.store.touchKeys(batch))
      .catch(() => {
        // last-used is advisory: a failed write is dropped rather than retried forever
      });
    return this.#flushing;
  }

  /** Stop the timer and write what is pending. The store is closed by its owner. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.flushLastUsed();
  }

  async #issue(
    consumerId: string,
    env: KeyEnv,
    name: string | null,
    expiresAt: number | null,
    rotatedFrom: string | null,
  ): Promise<IssuedKey> {
    const key = generateApiKey(env);
    const record: ApiKeyRecord = {
      id: newKeyId(),
      consumerId,
      hash: hashApiKey(key, this.#pepper),
      prefix: displayPrefix(key),
      name,
      createdAt: this.#now(),
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      rotatedFrom,
    };
    await this.store.insertKey(record);
    return { key, record };
  }

  #remember(hash: string, entry: CacheEntry): void {
    this.#cache.delete(hash);
    if (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(hash, entry);
  }

  #forgetKeyId(id: string): void {
    for (const [hash, entry] of this.#cache) {
      if (entry.found?.key.id === id) this.#cache.delete(hash);
    }
  }
}
