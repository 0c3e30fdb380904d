import type { AccessRecord } from '../../gateway/handler.ts';
import { type Endpoint, Inventory } from './inventory.ts';
import { type InventoryAtRest, type InventoryStore, openInventoryStore } from './store.ts';

/** The `events.discovery` settings. */
export interface DiscoveryConfig {
  readonly enabled: boolean;
  /** Share of access records observed (0..1). */
  readonly sampleRate: number;
  /** How often the inventory is saved to the store. */
  readonly saveIntervalMs: number;
}

/** Learns the inventory from the gateway's access records and keeps it in the store. */
export interface DiscoveryRecorder {
  readonly onRecord: (record: AccessRecord) => void;
  readonly inventory: Inventory;
  /** Save the inventory now. */
  save(): Promise<void>;
  /** Save and close the store. */
  close(): Promise<void>;
}

/** An observation from an access record: the gateway sees no bodies here, only the call. */
export function observationFromRecord(record: AccessRecord, time: number = Date.now()) {
  return {
    time,
    method: record.method,
    path: record.path,
    status: record.status,
    consumer: record.consumer ?? null,
    code: record.code ?? null,
    ...(record.notable === undefined ? {} : { sensitive: maskedTypes(record.notable) }),
  };
}

/** The data types a `response.masked` decision names ("card:2 email:1" → card, email). */
function maskedTypes(notable: NonNullable<AccessRecord['notable']>): string[] {
  const out: string[] = [];
  for (const n of notable) {
    if (n.code !== 'response.masked') continue;
    for (const part of n.evidence.split(' ', 32)) {
      const colon = part.indexOf(':');
      if (colon > 0) out.push(part.slice(0, colon));
    }
  }
  return out;
}

/** Open the inventory store at `location`, load what it knows, and start learning. */
export async function createDiscoveryRecorder(
  config: DiscoveryConfig,
  location: string,
  baseDir: string,
  onError?: (err: unknown) => void,
  atRest?: InventoryAtRest,
): Promise<DiscoveryRecorder> {
  const store: InventoryStore = await openInventoryStore(location, baseDir, atRest);
  const inventory = new Inventory();
  inventory.restore(await store.load());
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const endpoints: Endpoint[] = inventory.endpoints();
    saving = saving.then(() => store.save(endpoints)).catch((err: unknown) => onError?.(err));
    return saving;
  };
  const timer = setInterval(() => void save(), config.saveIntervalMs);
  timer.unref();
  return {
    inventory,
    onRecord(record) {
      if (record.path === '' || (config.sampleRate < 1 && Math.random() >= config.sampleRate)) return;
      try {
        inventory.observe(observationFromRecord(record));
      } catch (err) {
        onError?.(err);
      }
    },
    save,
    async close() {
      clearInterval(timer);
      await save();
      await store.close();
    },
  };
}
