/** A caller of the API: an application or a user, with the roles and scopes its keys carry. */
export interface Consumer {
  readonly id: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** An API key as stored: never the key itself, only its peppered HMAC. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly consumerId: string;
  /** HMAC-SHA-256(pepper, key), lower-case hex. */
  readonly hash: string;
  /** The first characters of the key (`rk_live_AbCd`), safe to show in listings. */
  readonly prefix: string;
  readonly name: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  /** The key this one replaced by rotation, if any. */
  readonly rotatedFrom: string | null;
}

/** A key with its consumer, as the hot path needs it. */
export interface ApiKeyWithConsumer {
  readonly key: ApiKeyRecord;
  readonly consumer: Consumer;
}

/**
 * The persistent store of consumers and API keys. Two implementations: SQLite (a file, the default)
 * and PostgreSQL (a `postgres://` URL). Every method is async so both behave the same to callers.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Create or replace a consumer's roles and scopes. */
  upsertConsumer(consumer: Consumer): Promise<void>;
  getConsumer(id: string): Promise<Consumer | undefined>;
  insertKey(key: ApiKeyRecord): Promise<void>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** The key whose hash is `hash`, with its consumer. */
  findKeyByHash(hash: string): Promise<ApiKeyWithConsumer | undefined>;
  /** Keys of one consumer, or all, newest first, at most `limit`. */
  listKeys(options?: { consumerId?: string; limit?: number }): Promise<ApiKeyRecord[]>;
  /** Mark a key revoked at `at`; false when there is no such key or it was already revoked. */
  revokeKey(id: string, at: number): Promise<boolean>;
  /** Set a key's expiry (rotation shortens the old key's life to the overlap window). */
  setKeyExpiry(id: string, expiresAt: number | null): Promise<void>;
  /** Record last-used times in one batch; an entry only moves a time forward. */
  touchKeys(entries: readonly { readonly id: string; readonly at: number }[]): Promise<void>;
  close(): Promise<void>;
}
