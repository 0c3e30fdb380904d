import type { ResealResult, UnreadableReason } from '../../store/field-cipher.ts';

/** How bad a security event is, lowest first. */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** One security event: a refusal or a notable decision of the gateway, with redacted evidence. */
export interface SecurityEvent {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly requestId: string;
  readonly consumer: string | null;
  readonly ip: string;
  readonly method: string;
  /** The route id (`api:operationId`), or the path when no route matched. */
  readonly route: string;
  /**
   * True when `route` is a declared route's id, from a closed set that a store may keep once per
   * kind of event; absent when it is the client's path (an open set). Not read back from a store.
   */
  readonly routed?: boolean;
  /** The family of the rule: `auth`, `ratelimit`, `input`, `inject`, `route`, … */
  readonly category: string;
  /** The stable refusal code or rule that fired (`inject.sqli`). */
  readonly code: string;
  readonly severity: Severity;
  /** `refuse` when enforced, `monitor` when only logged. */
  readonly action: 'refuse' | 'monitor' | 'error';
  readonly status: number;
  /** What matched, truncated and redacted; never a credential. */
  readonly evidence: string | null;
}

/** A stored event with its row id (for cursors). */
export interface StoredEvent extends SecurityEvent {
  readonly id: number;
  /** Set when the stored evidence could not be decrypted (then `evidence` is null). */
  readonly evidenceUnreadable?: UnreadableReason;
}

/** Filters for reading events back. */
export interface EventQuery {
  readonly since?: number;
  readonly category?: string;
  /** Any of these categories (ignored when `category` is set). */
  readonly categories?: readonly string[];
  readonly consumer?: string;
  readonly severity?: Severity;
  readonly ip?: string;
  readonly route?: string;
  /** Only events with an id greater than this (cursor for `asc`). */
  readonly after?: number;
  /** Only events with an id smaller than this (cursor for `desc`). */
  readonly before?: number;
  /** `asc` (oldest first, the default) or `desc` (newest first). */
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
}

/** Refusals since a time, counted by category, route, client and time bucket (for the overview). */
export interface EventAggregate {
  readonly refused: number;
  readonly byCategory: readonly (readonly [string, number])[];
  readonly topRoutes: readonly (readonly [string, number])[];
  /** Keys `ip:ADDRESS` (refused requests by client address). */
  readonly topClients: readonly (readonly [string, number])[];
  /** [bucket start (ms), refusals] for buckets that have any. */
  readonly series: readonly (readonly [number, number])[];
}

/** How many entries each top list of an aggregate holds at most. */
export const AGGREGATE_TOP = 10;

/** Where events are kept: SQLite (a file) or PostgreSQL, like the consumer and key store. */
export interface EventStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Insert a batch in one transaction. */
  insert(events: readonly SecurityEvent[]): Promise<void>;
  /** Events oldest first, at most `limit` (bounded). */
  list(query?: EventQuery): Promise<StoredEvent[]>;
  count(): Promise<number>;
  /** Refusals (action `refuse`) since `since`, with `bucketMs`-wide time buckets. */
  aggregate(since: number, bucketMs: number): Promise<EventAggregate>;
  /** Delete events older than `before` and all but the newest `keep`; returns how many went. */
  prune(before: number, keep: number): Promise<number>;
  /**
   * Re-encrypt every row's evidence under the active key (`rampart store rotate-key`), in
   * transactions of at most `batchSize` rows; plain rows get encrypted, unreadable ones are kept.
   */
  reseal(batchSize: number, onBatch?: (progress: ResealResult) => void): Promise<ResealResult>;
  close(): Promise<void>;
}

/** The most events one read returns. */
export const MAX_EVENT_LIST = 1000;
