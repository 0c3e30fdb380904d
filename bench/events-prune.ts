/**
 * How long the SQLite event store's retention blocks the event loop: fills a temp file with
 * `--rows` events, then prunes to `--keep` (over the cap), again (at the cap, nothing to delete)
 * and to twice the rows (under the cap); then by age, the oldest 100,000 and again (nothing older).
 * The writer runs retention every minute, on the gateway's thread. Last, the reads that a time bound
 * drives (the log has no time index: the bound goes through the batches' spans): the newest 1,000
 * events, and the overview's aggregate of the newest 10,000. Bounded by `--rows` (at most
 * 5,000,000); the file is removed after.
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
    action: 'refuse',
    status: 429,
    evidence: null,
    routed: true,
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
  const first = 1_700_000_000_000 + Math.max(0, rows - keep);
  for (const [label, before] of [
    ['by age, the oldest 100,000', first + 100_000],
    ['by age again (nothing older)', first + 100_000],
  ] as const) {
    const t0 = performance.now();
    const gone = await store.prune(before, Number.MAX_SAFE_INTEGER);
    console.log(`| ${label} | ${gone.toLocaleString('en-US')} | ${(performance.now() - t0).toFixed(1)} |`);
  }
  const end = 1_700_000_000_000 + rows;
  for (const [label, read] of [
    [
      'list since the newest 1,000',
      () => store.list({ since: end - 1_000, limit: 1_000 }).then((r) => r.length),
    ],
    ['aggregate since the newest 10,000', () => store.aggregate(end - 10_000, 1_000).then((a) => a.refused)],
  ] as const) {
    const t0 = performance.now();
    const n = await read();
    console.log(`| ${label} | ${n.toLocaleString('en-US')} read | ${(performance.now() - t0).toFixed(1)} |`);
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
