/**
 * Security events written per second through the gateway's own writer (createEventWriter: a ring
 * queue, batches of `--batch` events in one transaction) to SQLite (a temp file) and PostgreSQL (a
 * throwaway schema, dropped after). Bounded: `--count` events or `--seconds`, whichever comes first.
 * Events are pushed as fast as the queue takes them (never past its size, so none is dropped) and the
 * clock stops when close() has written the last one. A third row feeds the gateway's own `onRecord`
 * hook (createEventRecorder: classify, queue, batch write to SQLite) with the access records of
 * monitored refusals, as the gateway does per request. Besides events/s it prints the CPU time of
 * this process per event (user + system, from process.cpuUsage): on a busy machine that figure
 * holds where wall-clock rates do not. PostgreSQL's own CPU is not in it. Prints a markdown table.
 *
 *   node bench/events-speed.ts [--count 100000] [--seconds 30] [--batch 500] [--pg URL | --no-pg]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { refuse } from '../src/errors.ts';
import type { AccessRecord } from '../src/gateway/handler.ts';
import { openEventStore } from '../src/platform/events/open.ts';
import { createEventRecorder } from '../src/platform/events/recorder.ts';
import type { SecurityEvent } from '../src/platform/events/types.ts';
import { createEventWriter } from '../src/platform/events/writer.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '30' },
    batch: { type: 'string', default: '500' },
    pg: {
      type: 'string',
      default: process.env.RAMPART_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    'no-pg': { type: 'boolean', default: false },
  },
});

function whole(name: string, v: string, min: number, max: number): number {
  const n = /^[0-9]{1,9}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) {
    process.stderr.write(`events-speed: --${name} must be a whole number from ${min} to ${max}\n`);
    process.exit(2);
  }
  return n;
}

const COUNT = whole('count', values.count, 1, 10_000_000);
const SECONDS = whole('seconds', values.seconds, 1, 600);
const BATCH = whole('batch', values.batch, 1, 10_000);
// the gateway's default queue; pushes wait for room instead of dropping
const QUEUE = Math.max(10_000, BATCH * 2);
const CHUNK = 100;

const CODES = ['route.undeclared', 'auth.missing', 'ratelimit.exceeded', 'inject.sqli', 'input.invalid'];

/** A realistic event: distinct request ids, a few IPs and routes, short redacted evidence. */
function event(i: number): SecurityEvent {
  const code = CODES[i % CODES.length]!;
  return {
    time: Date.now(),
    requestId: `${i.toString(16).padStart(8, '0')}-bench-${(i * 7919).toString(36)}`,
    consumer: i % 3 === 0 ? `consumer-${i % 50}` : null,
    ip: `203.0.113.${i % 250}`,
    method: i % 4 === 0 ? 'POST' : 'GET',
    route: `bench:op${i % 20}`,
    category: code.split('.')[0]!,
    code,
    severity: code === 'inject.sqli' ? 'high' : 'low',
    action: i % 10 === 0 ? 'monitor' : 'refuse',
    status: code === 'ratelimit.exceeded' ? 429 : 403,
    evidence: code === 'inject.sqli' ? `' OR 1=1 -- (param q, #${i % 1000})` : null,
  };
}

interface Row {
  readonly store: string;
  readonly cells: string;
}

async function measure(label: string, location: string): Promise<Row> {
  const store = await openEventStore(location);
  let errors = 0;
  const writer = createEventWriter(store, {
    queueSize: QUEUE,
    batchSize: BATCH,
    flushIntervalMs: 50,
    maxAgeMs: 0,
    maxEvents: 0,
    pruneIntervalMs: 3_600_000,
    onError: () => {
      errors++;
    },
  });
  const start = performance.now();
  const cpu = process.cpuUsage();
  const deadline = start + SECONDS * 1000;
  let pushed = 0;
  try {
    while (pushed < COUNT && performance.now() < deadline) {
      if (writer.queued + CHUNK > QUEUE) {
        await writer.flush();
        continue;
      }
      const n = Math.min(CHUNK, COUNT - pushed);
      writer.push(Array.from({ length: n }, (_, k) => event(pushed + k)));
      pushed += n;
      // let the writer's flushes run, as the gateway's event loop would between requests
      await new Promise((r) => setImmediate(r));
    }
    await writer.close();
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const stored = await store.count();
    return row(label, writer.written, stored, writer.dropped, errors, seconds, used);
  } finally {
    await store.close();
  }
}

function row(
  label: string,
  written: number,
  stored: number,
  dropped: number,
  errors: number,
  seconds: number,
  used: NodeJS.CpuUsage,
): Row {
  const rate = Math.round(written / seconds).toLocaleString('en-US');
  const cpuPerEvent = written === 0 ? 0 : (used.user + used.system) / written;
  return {
    store: label,
    cells: `${written} | ${stored} | ${dropped} | ${errors} | ${seconds.toFixed(2)} | **${rate}** | ${cpuPerEvent.toFixed(1)}`,
  };
}

/** The access record of a request a monitor-mode rate limit would have refused (what bench rows x/y produce). */
function record(i: number): AccessRecord {
  return {
    requestId: `${i.toString(16).padStart(8, '0')}-bench`,
    method: 'GET',
    path: '/items/42',
    api: 'bench',
    route: 'getItem',
    status: 200,
    decision: 'monitor',
    code: 'ratelimit.exceeded',
    evidence: undefined,
    policy: 'ratelimit',
    clientIp: '127.0.0.1',
    latencyMs: 1.234,
    upstreamMs: 0.8,
    monitored: [{ policy: 'ratelimit', refusal: refuse('ratelimit.exceeded') }],
  };
}

/** The gateway's onRecord hook into SQLite: classify, queue and batch-write one event per record. */
async function measureRecorder(file: string): Promise<Row> {
  let errors = 0;
  const recorder = await createEventRecorder(
    {
      enabled: true,
      store: file,
      queueSize: QUEUE,
      batchSize: BATCH,
      flushIntervalMs: 50,
      retentionDays: 0,
      maxEvents: 0,
    },
    dir,
    undefined,
    () => {
      errors++;
    },
  );
  const start = performance.now();
  const cpu = process.cpuUsage();
  const deadline = start + SECONDS * 1000;
  let fed = 0;
  try {
    while (fed < COUNT && performance.now() < deadline) {
      if (recorder.writer.queued + CHUNK > QUEUE) {
        await recorder.writer.flush();
        continue;
      }
      const end = Math.min(fed + CHUNK, COUNT);
      for (; fed < end; fed++) recorder.onRecord(record(fed));
      await new Promise((r) => setImmediate(r));
    }
    await recorder.writer.close();
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const { written, dropped } = recorder.writer;
    return row(
      'gateway onRecord → SQLite (classify, queue, write)',
      written,
      await recorder.store.count(),
      dropped,
      errors,
      seconds,
      used,
    );
  } finally {
    await recorder.close();
  }
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'rampart-events-speed-'));
try {
  rows.push(await measure('SQLite (node:sqlite, temp file)', join(dir, 'events.db')));
  rows.push(await measureRecorder(join(dir, 'recorder.db')));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (!values['no-pg']) {
  const base = values.pg;
  const schema = `rampart_bench_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 2000 });
  let reachable = true;
  try {
    await client.connect();
  } catch (err) {
    reachable = false;
    rows.push({
      store: 'PostgreSQL',
      cells: `skipped: unreachable (${(err as Error).message.slice(0, 80)}) | | | | | |`,
    });
  }
  if (reachable) {
    try {
      const sep = base.includes('?') ? '&' : '?';
      rows.push(await measure(`PostgreSQL (${new URL(base).host})`, `${base}${sep}schema=${schema}`));
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
process.stdout.write(
  [
    `Events written per second through the writer: up to ${COUNT} events or ${SECONDS} s, batches of ${BATCH}, queue ${QUEUE}.`,
    `Machine: ${availableParallelism()} cores (${cpu}), Node ${process.version}, load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}.`,
    '',
    '| store | written | rows in store | dropped | write errors | seconds | events/s | µs CPU/event |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.store} | ${r.cells} |`),
    '',
  ].join('\n'),
);
