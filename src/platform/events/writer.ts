import type { EventStore, SecurityEvent } from './types.ts';

/** Settings of the batch writer. */
export interface EventWriterOptions {
  /** The most events held in memory; past it new events are dropped and counted. */
  readonly queueSize: number;
  /** The most events written in one transaction. */
  readonly batchSize: number;
  /** How often the queue is written out. */
  readonly flushIntervalMs: number;
  /** Retention: events older than this many ms are deleted (0: keep forever). */
  readonly maxAgeMs: number;
  /** Retention: at most this many events are kept (0: no limit). */
  readonly maxEvents: number;
  /** How often retention runs. */
  readonly pruneIntervalMs: number;
  /** Told when a batch cannot be written (the batch is counted as dropped). */
  readonly onError?: (err: unknown) => void;
  /** Told of each event dropped because the queue was full or a write failed. */
  readonly onDrop?: (count: number) => void;
}

/** Takes events on the request path in O(1) and writes them to the store in batches, off it. */
export interface EventWriter {
  /** Queue events; never blocks, never throws: a full queue drops and counts. */
  push(events: readonly SecurityEvent[]): void;
  /** Events waiting to be written. */
  readonly queued: number;
  /** Events dropped since start (full queue or failed writes). */
  readonly dropped: number;
  /** Events written since start. */
  readonly written: number;
  /** Write everything queued now. */
  flush(): Promise<void>;
  /** Run retention now; returns how many events were deleted. */
  prune(): Promise<number>;
  /** Stop the timers and write everything queued (the SIGTERM path); does not close the store. */
  close(): Promise<void>;
}

/** Create a batch writer over `store`. */
export function createEventWriter(store: EventStore, options: EventWriterOptions): EventWriter {
  // a ring buffer: push and shift are O(1) and the memory is allocated once
  const ring: (SecurityEvent | undefined)[] = new Array(options.queueSize);
  let head = 0;
  let size = 0;
  let dropped = 0;
  let written = 0;
  let flushing: Promise<void> | undefined;
  let closed = false;

  const drop = (n: number) => {
    dropped += n;
    options.onDrop?.(n);
  };

  const take = (n: number): SecurityEvent[] => {
    // sized once: a batch of hundreds grown by push is copied over again and again
    const out: SecurityEvent[] = new Array(Math.min(n, size));
    for (let i = 0; i < out.length; i++) {
      out[i] = ring[head] as SecurityEvent;
      ring[head] = undefined;
      head = head + 1 === ring.length ? 0 : head + 1;
    }
    size -= out.length;
    return out;
  };

  const drain = async (): Promise<void> => {
    while (size > 0) {
      const batch = take(options.batchSize);
      try {
        await store.insert(batch);
        written += batch.length;
      } catch (err) {
        drop(batch.length);
        options.onError?.(err);
      }
    }
  };

  const flush = (): Promise<void> => {
    // one drain at a time; a flush during a drain waits for it and then drains what came since
    const run = (flushing ?? Promise.resolve()).then(drain);
    const mine = run.finally(() => {
      if (flushing === mine) flushing = undefined;
    });
    flushing = mine;
    return mine;
  };

  const prune = async (): Promise<number> => {
    if (options.maxAgeMs <= 0 && options.maxEvents <= 0) return 0;
    const before = options.maxAgeMs > 0 ? Date.now() - options.maxAgeMs : 0;
    const keep = options.maxEvents > 0 ? options.maxEvents : Number.MAX_SAFE_INTEGER;
    try {
      return await store.prune(before, keep);
    } catch (err) {
      options.onError?.(err);
      return 0;
    }
  };

  const flushTimer = setInterval(() => void flush(), options.flushIntervalMs);
  flushTimer.unref();
  const pruneTimer = setInterval(() => void flush().then(prune), options.pruneIntervalMs);
  pruneTimer.unref();

  return {
    push(events) {
      for (let i = 0; i < events.length; i++) {
        if (closed || size >= ring.length) {
          drop(1);
          continue;
        }
        const at = head + size;
        ring[at < ring.length ? at : at - ring.length] = events[i];
        size++;
      }
      if (size >= options.batchSize && flushing === undefined) void flush();
    },
    get queued() {
      return size;
    },
    get dropped() {
      return dropped;
    },
    get written() {
      return written;
    },
    flush,
    prune,
    async close() {
      closed = true;
      clearInterval(flushTimer);
      clearInterval(pruneTimer);
      await flush();
    },
  };
}
