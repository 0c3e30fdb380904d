import { Ajv } from 'ajv';
import { type AnomalyConfig, RampartConfig } from '../../../src/config/schema.ts';
import type { AccessRecord } from '../../../src/gateway/handler.ts';
import type { AnomalyLogger } from '../../../src/platform/anomaly/responses.ts';

const ajv = new Ajv({ useDefaults: true, strict: true, allowUnionTypes: true });
// wrapped in an object: ajv fills defaults of properties, not of the schema root
const check = ajv.compile({
  type: 'object',
  properties: { anomaly: RampartConfig.properties.anomaly },
  required: ['anomaly'],
  additionalProperties: false,
});

/** The `anomaly:` section as the loader would give it: `partial` with every default filled in. */
export function anomalyConfig(partial: Record<string, unknown> = {}): AnomalyConfig {
  const value = { anomaly: structuredClone({ enabled: true, ...partial }) };
  if (!check(value)) throw new Error(`invalid anomaly config: ${ajv.errorsText(check.errors)}`);
  return value.anomaly as AnomalyConfig;
}

let seq = 0;
/** An access record with test defaults. */
export function rec(over: Partial<AccessRecord> = {}): AccessRecord {
  seq++;
  return {
    requestId: `r${seq}`,
    method: 'GET',
    path: '/v1/health',
    api: 't',
    route: 'health',
    status: 200,
    decision: 'allow',
    code: undefined,
    evidence: undefined,
    policy: undefined,
    clientIp: '192.0.2.1',
    latencyMs: 1,
    upstreamMs: 1,
    monitored: undefined,
    ...over,
  };
}

/** A logger that keeps its lines. */
export function memoryLogger(): AnomalyLogger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    warn: (o) => lines.push({ level: 'warn', ...o }),
    error: (o) => lines.push({ level: 'error', ...o }),
  };
}

/** Anomaly config with only `detector` enabled (and its settings merged in). */
export function only(
  detector: string,
  settings: Record<string, unknown> = {},
  rest: Record<string, unknown> = {},
) {
  const all = ['enumeration', 'credentialStuffing', 'authFailures', 'trafficSpike', 'adminRoutes'];
  const cfg: Record<string, unknown> = { ...rest };
  for (const d of all) cfg[d] = d === detector ? { respond: [], ...settings } : { enabled: false };
  return anomalyConfig(cfg);
}

/** A settable clock. */
export function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}
