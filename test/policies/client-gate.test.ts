import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RampartConfig, RoutePolicy } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import type { PhaseEntry, RequestContext } from '../../src/gateway/pipeline.ts';
import { blockClient, clientGatePolicy, consumerGatePolicy } from '../../src/policies/client-gate.ts';
import { setIdentity } from '../../src/policies/identity.ts';
import type { PolicyCompileContext } from '../../src/policies/registry.ts';
import { emptyServices, sharedState } from '../../src/policies/services.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from '../state/gateway.ts';

function context(ip: string): RequestContext {
  return {
    req: {} as IncomingMessage,
    requestId: 'r1',
    path: '/x',
    query: '',
    params: {},
    clientIp: ip,
    secure: false,
    facts: Object.create(null) as Record<string, unknown>,
    responseHeaders: [],
    upstreamHeaders: [],
  };
}

function compile(
  gate: Partial<RampartConfig['clientGate']>,
  policy: RoutePolicy = {},
  services = emptyServices(),
  factory = clientGatePolicy,
): PhaseEntry {
  const config = { clientGate: { allow: [], deny: [], block: [], ...gate } } as unknown as RampartConfig;
  const entry = factory.compile({
    config,
    policy,
    services,
    mode: 'enforce',
    authenticated: true,
    api: { name: 'a', upstream: 'u' },
    method: 'GET',
    template: '/x',
  } as unknown as PolicyCompileContext);
  assert.ok(entry !== null);
  return entry;
}

function code(entry: PhaseEntry, ctx: RequestContext): string {
  const v = entry.run(ctx);
  assert.ok(!(v instanceof Promise));
  return v.kind === 'refuse' ? v.refusal.code : v.kind;
}

describe('client gate', () => {
  test('deny list, IPv4 and IPv6 CIDRs', () => {
    const e = compile({ deny: ['203.0.113.0/24', '2001:db8::/32'] });
    assert.equal(code(e, context('203.0.113.77')), 'client.blocked');
    assert.equal(code(e, context('2001:db8::1')), 'client.blocked');
    assert.equal(code(e, context('198.51.100.1')), 'continue');
  });

  test('allow list: everyone else is refused; a route allow list narrows it', () => {
    const e = compile({ allow: ['10.0.0.0/8'] }, { clientGate: { allow: ['10.1.0.0/16'] } });
    assert.equal(code(e, context('10.1.2.3')), 'continue');
    assert.equal(code(e, context('10.2.2.3')), 'client.blocked');
    assert.equal(code(e, context('192.0.2.1')), 'client.blocked');
  });

  test('configured blocks hold until their time', () => {
    const e = compile({
      block: [
        { ip: '192.0.2.5', until: '2999-01-01T00:00:00Z' },
        { ip: '192.0.2.6', until: '2000-01-01T00:00:00Z' },
      ],
    });
    assert.equal(code(e, context('192.0.2.5')), 'client.blocked');
    assert.equal(code(e, context('192.0.2.6')), 'continue');
  });

  test('bad entries fail at load', () => {
    assert.throws(() => compile({ deny: ['10.0.0.0/33'] }), ConfigError);
    assert.throws(() => compile({ deny: ['not-an-ip'] }), ConfigError);
    assert.throws(() => compile({ block: [{ ip: '192.0.2.1', until: 'soon' }] }), ConfigError);
    assert.throws(() => compile({ block: [{ until: '2999-01-01T00:00:00Z' }] }), ConfigError);
  });

  test('shared blocks of IPs and consumers, with Retry-After', async () => {
    const services = emptyServices();
    const ipGate = compile({}, {}, services);
    const consumerGate = compile({}, {}, services, consumerGatePolicy);
    const state = sharedState(services);
    await blockClient(state, 'ip', '198.51.100.9', 60_000);
    await blockClient(state, 'consumer', 'mallory', 60_000);
    const v = ipGate.run(context('198.51.100.9'));
    assert.ok(!(v instanceof Promise) && v.kind === 'refuse');
    assert.equal(v.refusal.headers?.['retry-after'], '60');
    assert.equal(code(ipGate, context('198.51.100.10')), 'continue');
    const ctx = context('198.51.100.10');
    setIdentity(ctx, { consumer: 'mallory', kind: 'apikey', roles: [], scopes: [] });
    assert.equal(code(consumerGate, ctx), 'client.blocked');
    await blockClient(state, 'consumer', 'mallory', 0);
    assert.equal(code(consumerGate, ctx), 'continue');
  });
});

describe('client gate through the gateway', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    up = await startUpstream();
    gw = await startServicedGateway({ upstreamUrl: up.url });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('a blocked IP gets 403 client.blocked before anything else; unblocking lets it through', async () => {
    assert.equal((await fetch(`${gw.url}/v1/health`)).status, 200);
    await blockClient(gw.services.state!, 'ip', '127.0.0.1', 60_000);
    const res = await fetch(`${gw.url}/v1/health`);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'client.blocked');
    assert.equal(up.seen.length, 1);
    await blockClient(gw.services.state!, 'ip', '127.0.0.1', 0);
    assert.equal((await fetch(`${gw.url}/v1/health`)).status, 200);
  });
});
