import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { request } from 'undici';
import { refuse } from '../../../src/errors.ts';
import {
  CONTINUE,
  type PhaseEntry,
  type RequestContext,
  type Verdict,
} from '../../../src/gateway/pipeline.ts';
import { createInstrumentation } from '../../../src/platform/telemetry/instrument.ts';
import type { PolicyCompileContext, PolicyFactory } from '../../../src/policies/registry.ts';

// Policies of every shape the pipeline sees: synchronous, asynchronous, throwing, rejecting.
const FACTORIES: PolicyFactory[] = [
  fake('clientGate', 'sync-ok', () => CONTINUE),
  fake('authenticate', 'async-ok', async () => CONTINUE),
  fake(
    'rateLimit',
    'async-monitor',
    async () => ({ kind: 'refuse', refusal: refuse('ratelimit.exceeded') }),
    'monitor',
  ),
  fake('validate', 'async-refuse', async () => ({
    kind: 'refuse',
    refusal: refuse('request.body.too_large'),
  })),
];
const THROWS = fake('inspect', 'throws', () => {
  throw Object.assign(new Error('boom'), { code: 'E_BOOM' });
});

function fake(
  phase: PolicyFactory['phase'],
  name: string,
  run: () => Verdict | Promise<Verdict>,
  mode: 'enforce' | 'monitor' = 'enforce',
): PolicyFactory {
  return { name, phase, compile: () => ({ name, mode, run }) };
}

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const inst = createInstrumentation(provider.getTracer('test'), { trustIncoming: false });
const compileCtx = { template: '/things/{id}', mode: 'enforce' } as unknown as PolicyCompileContext;
const entries = inst.factories([...FACTORIES, THROWS]).map((f) => f.compile(compileCtx)!) as PhaseEntry[];

let server: Server;
let url = '';
before(async () => {
  // a stand-in for the gateway's handler: run the traced entries in order, as runPhases does
  server = createServer(
    inst.handler(async (req, res) => {
      const ctx = { req } as unknown as RequestContext;
      const only = new URL(req.url ?? '/', 'http://x').searchParams.get('throw') === '1';
      try {
        for (const e of only ? [entries[0]!, entries.at(-1)!] : entries.slice(0, -1)) {
          const v = await e.run(ctx);
          if (v.kind === 'refuse' && e.mode === 'enforce') {
            res.writeHead(413).end();
            return;
          }
        }
        res.writeHead(200).end();
      } catch {
        res.writeHead(500).end();
      }
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await provider.shutdown();
});

test('spans of sync and async entries, monitor and enforced refusals, under the server span', async () => {
  exporter.reset();
  const res = await request(`${url}/things/7?token=abc`);
  assert.equal(res.statusCode, 413);
  await res.body.text();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  assert.equal(server.name, 'GET /things/{id}', 'the route entry named the server span');
  assert.equal(server.attributes['url.path'], '/things/7');
  assert.equal(server.attributes['rampart.refusal.code'], 'request.body.too_large');
  assert.equal(server.attributes['rampart.policy'], 'async-refuse');
  const names = spans.filter((s) => s !== server).map((s) => s.name);
  assert.deepEqual(names, [
    'clientGate sync-ok',
    'authenticate async-ok',
    'rateLimit async-monitor',
    'validate async-refuse',
  ]);
  for (const s of spans) {
    if (s !== server) assert.equal(s.parentSpanContext?.spanId, server.spanContext().spanId);
  }
  const monitor = spans.find((s) => s.name === 'rateLimit async-monitor')!;
  assert.equal(monitor.attributes['rampart.verdict'], 'monitor');
  assert.equal(monitor.status.code, SpanStatusCode.UNSET, 'a monitored refusal is not an error');
  const refused = spans.find((s) => s.name === 'validate async-refuse')!;
  assert.equal(refused.status.code, SpanStatusCode.ERROR);
  assert.equal(refused.status.message, 'request.body.too_large');
});

test('a throwing entry ends its span as an error and the exception goes on', async () => {
  exporter.reset();
  const res = await request(`${url}/x?throw=1`);
  assert.equal(res.statusCode, 500);
  await res.body.text();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const thrown = spans.find((s) => s.name === 'inspect throws')!;
  assert.equal(thrown.status.code, SpanStatusCode.ERROR);
  assert.equal(thrown.status.message, 'E_BOOM');
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  assert.equal(server.status.code, SpanStatusCode.ERROR, 'a 5xx server span is an error');
});

test('outside a traced request an entry runs untraced', () => {
  exporter.reset();
  const v = entries[1]!.run({} as RequestContext);
  assert.equal(v, CONTINUE);
  assert.equal(exporter.getFinishedSpans().length, 0);
});
