import { Counter, Gauge, type Registry } from 'prom-client';
import type { AccessRecord } from '../../gateway/handler.ts';
import type { AtRest } from '../../store/field-cipher.ts';
import { eventsFromRecord } from './classify.ts';
import { openEventStore } from './open.ts';
import type { EventStore } from './types.ts';
import { createEventWriter, type EventWriter } from './writer.ts';

/** The `events:` section of the config. */
export interface EventsConfig {
  readonly enabled: boolean;
  readonly store: string;
  readonly queueSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly retentionDays: number;
  readonly maxEvents: number;
}

/** The gateway's event pipeline: access records in, security events out to the store. */
export interface EventRecorder {
  /** The `onRecord` hook of the gateway: cheap, synchronous, never throws. */
  readonly onRecord: (record: AccessRecord) => void;
  readonly writer: EventWriter;
  readonly store: EventStore;
  /** Flush what is queued, then close the store. */
  close(): Promise<void>;
}

/** Open the event store and the writer, and register the event metrics in `registry`. */
export async function createEventRecorder(
  config: EventsConfig,
  baseDir: string,
  registry: Registry | undefined,
  onError?: (err: unknown) => void,
  atRest?: AtRest,
): Promise<EventRecorder> {
  const store = await openEventStore(config.store, baseDir, atRest);
  const registers = registry === undefined ? [] : [registry];
  const droppedTotal = new Counter({
    name: 'rampart_events_dropped_total',
    help: 'Security events dropped because the queue was full or the store failed',
    registers,
  });
  const writtenTotal = new Counter({
    name: 'rampart_events_written_total',
    help: 'Security events written to the store',
    registers,
  });
  let writer: EventWriter | undefined;
  new Gauge({
    name: 'rampart_events_queued',
    help: 'Security events waiting to be written',
    registers,
    collect() {
      this.set(writer?.queued ?? 0);
    },
  });
  let lastWritten = 0;
  writer = createEventWriter(store, {
    queueSize: config.queueSize,
    batchSize: config.batchSize,
    flushIntervalMs: config.flushIntervalMs,
    maxAgeMs: config.retentionDays * 86_400_000,
    maxEvents: config.maxEvents,
    pruneIntervalMs: 60_000,
    onDrop: (n) => droppedTotal.inc(n),
    ...(onError === undefined ? {} : { onError }),
  });
  const w = writer;
  const syncWritten = () => {
    // most records arrive between two writes: nothing to add, and the counter's inc is not free
    if (w.written === lastWritten) return;
    writtenTotal.inc(w.written - lastWritten);
    lastWritten = w.written;
  };
  return {
    writer: w,
    store,
    onRecord(record) {
      if (record.decision === 'allow' && record.monitored === undefined && record.notable === undefined)
        return;
      try {
        const events = eventsFromRecord(record);
        if (events.length > 0) w.push(events);
      } catch (err) {
        onError?.(err);
      }
      syncWritten();
    },
    async close() {
      await w.close();
      syncWritten();
      await store.close();
    },
  };
}
