/**
 * How long the SQLite event store's retention by count blocks the event loop: fills a temp file
 * with `--rows` events, then prunes to `--keep` (over the cap), again (at the cap, nothing to
 * delete) and to twice the rows (under the cap). The writer runs this every minute, on the
 * gateway's thread. Bounded by `--rows` (at most 5,000,000); the file is removed after.
 *
 *   node bench/events-prune.ts [--rows 1100000] [--keep 1000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqliteEventStore } from '../src/platform/events/sqlite.ts';
import type { SecurityEvent } from '../src/platform/events/types.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1100000' },
    keep: { type: 'string', default: '1000000' },
  },
});
const rows = Number(values.rows);
const keep = Number(values.keep);
if (!Number.isSafeInteger(rows) || rows < 1 || rows > 5_000_000)
  throw new RangeError('--rows: 1 to 5,000,000');
if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError('--keep: a whole number of events');

const dir = mkdtempSync(join(tmpdir(), 'rampart-prune-'));
try {
  const store = openSqliteEventStore(join(dir, 'events.db'));
  const base: Omit<SecurityEvent, 'time' | 'requestId'> = {
    consumer: null,
    ip: '203.0.113.7',
    method: 'GET',
    route: 'bench:getItem',
    category: 'ratelimit',
    code: 'ratelimit.exceeded',
    severity: 'low',
    action: 'monitor',
    status: 200,
    evidence: null,
  };
  for (let k = 0; k < rows; k += 5000) {
    const n = Math.min(5000, rows - k);
    await store.insert(
      Array.from({ length: n }, (_, i) => ({
        ...base,
        time: 1_700_000_000_000 + k + i,
        requestId: `r${k + i}`,
      })),
    );
  }
  console.log(`| prune of ${rows.toLocaleString('en-US')} rows | deleted | ms |`);
  console.log('| --- | ---: | ---: |');
  for (const [label, cap] of [
    [`to ${keep.toLocaleString('en-US')} (over the cap)`, keep],
    ['again (at the cap)', keep],
    ['to twice the rows (under the cap)', rows * 2],
  ] as const) {
    const t0 = performance.now();
    const gone = await store.prune(0, cap);
    console.log(`| ${label} | ${gone.toLocaleString('en-US')} | ${(performance.now() - t0).toFixed(1)} |`);
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
