import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { parseConfig } from '../../../src/config/load.ts';
import { compilePlan } from '../../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../../src/gateway/server.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { createMetrics } from '../../../src/platform/metrics.ts';
import { createTracing, type Tracing } from '../../../src/platform/telemetry/tracing.ts';
import { POLICY_FACTORIES } from '../../../src/policies/registry.ts';
import { closeServices, createServices, type PolicyServices } from '../../../src/policies/services.ts';
import { json, spawnCli } from '../../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../../helpers/gateway.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../helpers/otlp.ts';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';
const CLIENT_PARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;

/** A config with one rate limit of 1 request per minute per IP: the second request is refused. */
function configText(upstream: string, endpoint: string, telemetry: string): string {
  return `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: ${upstream} }
apis:
  - name: t
    openapi: ./openapi.yaml
    upstream: app
state: { url: memory }
rateLimit:
  default:
    - { limit: 1, windowSeconds: 60, by: [ip] }
log: { level: warn, access: false }
telemetry:
  endpoint: ${endpoint}
  serviceName: rampart-test
  headers: { authorization: "\${OTLP_TOKEN}" }
${telemetry}
`;
}

/** A gateway in this process, started the way `rampart gateway` starts it (tracing wired at compile time). */
async function startTraced(
  dir: string,
  text: string,
): Promise<{ gateway: Gateway; tracing: Tracing; services: PolicyServices }> {
  const file = join(dir, 'rampart.yaml');
  await writeFile(file, text);
  const loaded = await parseConfig(text, file, { OTLP_TOKEN: 'Bearer collector-secret' });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const logger = createLogger({ level: 'warn' }, sink);
  const tracing = createTracing(loaded.config.telemetry, logger);
  const services = await createServices(loaded.config, dir);
  const plan = await compilePlan(loaded, { services, factories: tracing.factories(POLICY_FACTORIES) });
  const gateway = await startGateway(plan, {
    logger,
    metrics: createMetrics(),
    services,
    instrument: tracing,
  });
  return { gateway, tracing, services };
}

function byTrace(spans: readonly ReceivedSpan[], traceId: string): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === traceId);
}

let dir = '';
let up: TestUpstream;
let otlp: OtlpReceiver;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-tracing-'));
  await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
  up = await startUpstream();
  otlp = await startOtlpReceiver();
});
after(async () => {
  await up.close();
  await otlp.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tracing on', () => {
  test('a server span per request, a span per policy stage and one for the upstream call, traceparent upstream', async () => {
    const before = otlp.spans.length;
    up.seen.length = 0;
    const { gateway, tracing, services } = await startTraced(
      dir,
      configText(up.url, otlp.url, '  enabled: true'),
    );
    const url = gateway.listeners[0]!.url;
    try {
      // a client's traceparent is not trusted by default: a new trace, and the client's header is not forwarded
      const ok = await request(`${url}/v1/health?key=secret-in-query`, {
        headers: { traceparent: CLIENT_PARENT, tracestate: 'vendor=x' },
      });
      assert.equal(ok.statusCode, 200);
      await ok.body.text();
      const refused = await request(`${url}/v1/health`);
      assert.equal(refused.statusCode, 429);
      await refused.body.text();
      await tracing.forceFlush();
    } finally {
      await gateway.close(1000);
      await tracing.shutdown();
      await closeServices(services);
    }
    const spans = otlp.spans.slice(before);
    const servers = spans.filter((s) => s.kind === SERVER);
    assert.equal(servers.length, 2, 'one server span per request');
    const first = servers.find((s) => s.attributes['http.response.status_code'] === 200)!;
    const second = servers.find((s) => s.attributes['http.response.status_code'] === 429)!;
    assert.ok(first && second);

    // the allowed request
    assert.equal(first.service, 'rampart-test');
    assert.notEqual(first.traceId, CLIENT_TRACE, 'an untrusted traceparent starts a new trace');
    assert.equal(first.parentSpanId, '');
    assert.equal(first.name, 'GET /v1/health');
    assert.equal(first.attributes['http.route'], '/v1/health');
    assert.equal(first.attributes['url.path'], '/v1/health', 'the query (maybe credentials) is not recorded');
    assert.equal(first.attributes['http.response.status_code'], 200);
    assert.equal(first.status.code, 0);
    const trace1 = byTrace(spans, first.traceId);
    const stages = trace1.filter((s) => s.attributes['rampart.phase'] !== undefined);
    assert.ok(stages.length >= 1, 'a span per policy stage');
    const rateLimit = stages.find((s) => s.attributes['rampart.phase'] === 'rateLimit');
    assert.ok(rateLimit, `a rateLimit stage span among ${stages.map((s) => s.name).join(', ')}`);
    assert.equal(rateLimit.name, `rateLimit ${rateLimit.attributes['rampart.policy']}`);
    for (const s of stages)
      assert.equal(s.parentSpanId, first.spanId, `${s.name} is a child of the server span`);
    const upstream = trace1.find((s) => s.kind === CLIENT);
    assert.ok(upstream, 'a span for the upstream call');
    assert.equal(upstream.name, 'upstream app');
    assert.equal(upstream.parentSpanId, first.spanId);
    assert.equal(upstream.attributes['http.response.status_code'], 200);
    assert.equal(upstream.attributes['server.address'], '127.0.0.1');

    // the upstream saw exactly one traceparent: the upstream span's, in the gateway's trace
    assert.equal(up.seen.length, 1);
    const raw = up.seen[0]!.rawHeaders;
    const parents = raw.filter((_, i) => i % 2 === 0 && raw[i]!.toLowerCase() === 'traceparent');
    assert.equal(parents.length, 1, 'one traceparent upstream');
    assert.equal(up.seen[0]!.headers.traceparent, `00-${first.traceId}-${upstream.spanId}-01`);
    assert.equal(up.seen[0]!.headers.tracestate, undefined, "the client's tracestate is not forwarded");

    // the refused request: the refusing stage is an error, the server span names the refusal
    assert.equal(second.attributes['http.response.status_code'], 429);
    assert.equal(second.attributes['rampart.refusal.code'], 'ratelimit.exceeded');
    assert.equal(second.status.code, 0, 'a 4xx server span keeps an unset status (HTTP conventions)');
    const trace2 = byTrace(spans, second.traceId);
    const refusing = trace2.find((s) => s.attributes['rampart.phase'] === 'rateLimit');
    assert.ok(refusing);
    assert.equal(refusing.parentSpanId, second.spanId);
    assert.equal(refusing.status.code, ERROR);
    assert.equal(refusing.status.message, 'ratelimit.exceeded');
    assert.equal(refusing.attributes['rampart.verdict'], 'refuse');
    assert.equal(
      trace2.find((s) => s.kind === CLIENT),
      undefined,
      'a refused request has no upstream span',
    );
    const later = trace2.filter((s) =>
      ['validate', 'inspect'].includes(String(s.attributes['rampart.phase'])),
    );
    assert.deepEqual(later, [], 'no stage after the refusal ran');

    // the collector headers came from ${OTLP_TOKEN}
    const last = otlp.requests.at(-1)!;
    assert.equal(last.path, '/v1/traces');
    assert.equal(last.headers.authorization, 'Bearer collector-secret');
  });

  test('trustIncoming continues the caller trace', async () => {
    const before = otlp.spans.length;
    up.seen.length = 0;
    const { gateway, tracing, services } = await startTraced(
      dir,
      configText(up.url, otlp.url, '  enabled: true\n  trustIncoming: true'),
    );
    try {
      const res = await request(`${gateway.listeners[0]!.url}/v1/health`, {
        headers: { traceparent: CLIENT_PARENT },
      });
      assert.equal(res.statusCode, 200);
      await res.body.text();
      await tracing.forceFlush();
    } finally {
      await gateway.close(1000);
      await tracing.shutdown();
      await closeServices(services);
    }
    const spans = otlp.spans.slice(before);
    const server = spans.find((s) => s.kind === SERVER);
    assert.ok(server);
    assert.equal(server.traceId, CLIENT_TRACE);
    assert.equal(server.parentSpanId, CLIENT_SPAN);
    const upstream = spans.find((s) => s.kind === CLIENT)!;
    assert.equal(up.seen[0]!.headers.traceparent, `00-${CLIENT_TRACE}-${upstream.spanId}-01`);
  });

  test('a reload keeps tracing: the new plan and the new upstream pools are traced', async () => {
    const before = otlp.spans.length;
    up.seen.length = 0;
    const text = configText(up.url, otlp.url, '  enabled: true');
    const { gateway, tracing, services } = await startTraced(dir, text);
    try {
      const loaded = await parseConfig(text, join(dir, 'rampart.yaml'), { OTLP_TOKEN: 'Bearer t' });
      await gateway.reload(
        await compilePlan(loaded, { services, factories: tracing.factories(POLICY_FACTORIES) }),
      );
      const res = await request(`${gateway.listeners[0]!.url}/v1/health`);
      assert.equal(res.statusCode, 200);
      await res.body.text();
      await tracing.forceFlush();
    } finally {
      await gateway.close(1000);
      await tracing.shutdown();
      await closeServices(services);
    }
    const spans = otlp.spans.slice(before);
    const server = spans.find((s) => s.kind === SERVER)!;
    assert.equal(server.attributes['http.route'], '/v1/health');
    const upstream = spans.find((s) => s.kind === CLIENT)!;
    assert.equal(upstream.parentSpanId, server.spanId);
    assert.equal(up.seen[0]!.headers.traceparent, `00-${server.traceId}-${upstream.spanId}-01`);
  });

  test('sampleRatio 0: nothing is exported, the upstream still gets a traceparent (not sampled)', async () => {
    const before = otlp.requests.length;
    up.seen.length = 0;
    const { gateway, tracing, services } = await startTraced(
      dir,
      configText(up.url, otlp.url, '  enabled: true\n  sampleRatio: 0'),
    );
    try {
      const res = await request(`${gateway.listeners[0]!.url}/v1/health`);
      assert.equal(res.statusCode, 200);
      await res.body.text();
      await tracing.forceFlush();
    } finally {
      await gateway.close(1000);
      await tracing.shutdown();
      await closeServices(services);
    }
    assert.equal(otlp.requests.length, before);
    assert.match(String(up.seen[0]!.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });
});

describe('rampart gateway (process)', () => {
  for (const enabled of [true, false]) {
    test(`telemetry ${enabled ? 'on: spans are flushed on SIGTERM' : 'off (the default): nothing is sent'}`, async () => {
      const sub = await mkdtemp(join(dir, 'cli-'));
      await writeFile(join(sub, 'openapi.yaml'), TEST_OPENAPI);
      // off: the section is present with an endpoint, but not enabled
      const text = configText(up.url, otlp.url, enabled ? '  enabled: true' : '').replace(
        'level: warn',
        'level: info',
      );
      await writeFile(join(sub, 'rampart.yaml'), text);
      const beforeRequests = otlp.requests.length;
      const beforeSpans = otlp.spans.length;
      up.seen.length = 0;
      const p = spawnCli(['gateway', '--config', join(sub, 'rampart.yaml')], {
        OTLP_TOKEN: 'Bearer t',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      });
      try {
        const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening', 60_000))!;
        const url = (line.listeners as string[])[0]!;
        for (let i = 0; i < 3; i++) {
          const res = await request(`${url}/v1/health`);
          await res.body.text();
          assert.equal(res.statusCode, i === 0 ? 200 : 429);
        }
        p.child.kill('SIGTERM');
        assert.equal(await p.exited, 0);
      } finally {
        p.child.kill('SIGKILL');
      }
      if (enabled) {
        // the batch delay (1 s) may not have passed: the spans left because shutdown flushed them
        const spans = otlp.spans.slice(beforeSpans);
        assert.equal(spans.filter((s) => s.kind === SERVER).length, 3);
        assert.equal(spans.filter((s) => s.kind === CLIENT).length, 1);
        assert.match(String(up.seen[0]!.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      } else {
        assert.equal(otlp.requests.length, beforeRequests, 'no export request');
        assert.equal(up.seen[0]!.headers.traceparent, undefined, 'no traceparent upstream');
      }
    });
  }
});
