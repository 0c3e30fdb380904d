/**
 * CPU cost of the anomaly engine's onRecord (every detector on, no responses), per access record:
 * a steady population (2,000 IPs, 500 consumers, object ids on one route, 10% 404s) and a churning
 * one (20,000 IPs cycling through a 10,000-subject LRU: every record evicts). Process CPU time is
 * measured, so the figure holds on a busy machine.
 *
 *   node bench/anomaly-speed.ts [--records 1000000]
 */
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { type AnomalyConfig, RampartConfig } from '../src/config/schema.ts';
import type { AccessRecord } from '../src/gateway/handler.ts';
import { createAnomalyEngine } from '../src/platform/anomaly/engine.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' } } });
const n = Number(values.records);

function config(): AnomalyConfig {
  const ajv = new Ajv({ useDefaults: true, strict: true, allowUnionTypes: true });
  const check = ajv.compile({ type: 'object', properties: { anomaly: RampartConfig.properties.anomaly } });
  const value = { anomaly: { enabled: true } };
  if (!check(value)) throw new Error('invalid anomaly config');
  return value.anomaly as AnomalyConfig;
}

function records(ips: number): AccessRecord[] {
  return Array.from({ length: ips }, (_, i) => ({
    requestId: `r${i}`,
    method: 'GET',
    path: `/v1/orders/${(i * 7919) % 100_000}`,
    api: 'shop',
    route: 'getOrder',
    status: i % 10 === 0 ? 404 : 200,
    decision: 'allow',
    code: undefined,
    evidence: undefined,
    policy: undefined,
    clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    latencyMs: 1,
    upstreamMs: 1,
    monitored: undefined,
    consumer: `c${i % 500}`,
  }));
}

for (const [name, ips] of [
  ['steady: 2,000 IPs, 500 consumers', 2_000],
  ['churn: 20,000 IPs through 10,000 subjects', 20_000],
] as const) {
  const engine = createAnomalyEngine(config(), {
    state: undefined,
    keys: undefined,
    events: undefined,
    logger: { warn() {}, error() {} },
    templates: () => '/v1/orders/{id}',
  });
  const rs = records(ips);
  for (let i = 0; i < 200_000; i++) engine.onRecord(rs[i % rs.length]!);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) engine.onRecord(rs[i % rs.length]!);
  const used = process.cpuUsage(before);
  const ns = ((used.user + used.system) * 1000) / n;
  process.stdout.write(`${name}: ${ns.toFixed(0)} ns CPU per record, ${engine.subjects} subjects\n`);
  await engine.close();
}
