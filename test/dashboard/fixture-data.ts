// Admin API answers for the component tests, typed by the generated types of the OpenAPI document so
// they stay shaped exactly like the contract.
import type {
  Block,
  Consumer,
  Event,
  Finding,
  FindingImport,
  Inventory,
  IssuedKey,
  Key,
  Overview,
  Session,
} from '../../dashboard/src/api-types.ts';

export const SESSION: Session = { csrf: 'c'.repeat(43), expiresAt: '2026-11-23T20:00:00.000Z' };

const hour = (h: number) => new Date(Date.UTC(2026, 10, 23, h)).toISOString();

export const OVERVIEW: Overview = {
  since: hour(0),
  until: hour(12),
  bucketSeconds: 3600,
  requests: 18_420,
  refused: 1_337,
  blocked: 3,
  series: Array.from({ length: 12 }, (_v, i) => ({
    t: hour(i),
    requests: 1000 + 80 * i,
    refused: 40 + ((i * 37) % 90),
  })),
  byCategory: [
    { key: 'injection', count: 611 },
    { key: 'authz', count: 402 },
    { key: 'ratelimit', count: 201 },
    { key: 'validation', count: 123 },
  ],
  topRoutes: [
    { key: 'GET /users/{id}', count: 512 },
    { key: 'GET /search', count: 301 },
    { key: 'POST /login', count: 188 },
  ],
  topClients: [
    { key: 'ip:203.0.113.7', count: 420 },
    { key: 'consumer:mallory', count: 133 },
  ],
};

export const ALERTS: { alerts: Event[] } = {
  alerts: [
    {
      id: 90,
      time: hour(11),
      requestId: 'req-90',
      consumer: 'mallory',
      ip: '203.0.113.7',
      method: 'GET',
      route: '/admin',
      category: 'anomaly',
      code: 'anomaly.admin_probe',
      severity: 'high',
      action: 'monitor',
      status: 403,
      evidence: null,
    },
  ],
};

/** An event; `evidence` carries markup to prove it is shown as text. */
export function event(id: number, over: Partial<Event> = {}): Event {
  return {
    id,
    time: new Date(Date.UTC(2026, 10, 23, 11, 0, id % 60)).toISOString(),
    requestId: `req-${id}`,
    consumer: id % 2 === 0 ? 'acme' : null,
    ip: '198.51.100.4',
    method: 'GET',
    route: '/search',
    category: 'injection',
    code: 'inject.sql',
    severity: 'high',
    action: 'refuse',
    status: 403,
    evidence: `q=' OR 1=1 -- <img src=x onerror=alert(${id})>`,
    ...over,
  };
}

export const INVENTORY: Inventory = {
  learning: true,
  summary: { documented: 2, shadow: 1, zombie: 1 },
  endpoints: [
    {
      api: 'demo',
      method: 'GET',
      path: '/users/{id}',
      status: 'documented',
      operationId: 'getUser',
      deprecated: false,
      calls: 1200,
      refused: 31,
      statuses: { '200': 1169, '403': 31 },
      consumers: 14,
      sensitive: ['email', 'card'],
      firstSeen: hour(1),
      lastSeen: hour(11),
      policies: ['auth', 'authz.ownership', 'validation'],
    },
    {
      api: 'demo',
      method: 'GET',
      path: '/health',
      status: 'documented',
      operationId: 'health',
      deprecated: false,
      calls: 50,
      refused: 0,
      statuses: { '200': 50 },
      consumers: 0,
      sensitive: [],
      firstSeen: hour(0),
      lastSeen: hour(11),
      policies: [],
    },
    {
      api: 'demo',
      method: 'GET',
      path: '/internal/debug',
      status: 'shadow',
      operationId: null,
      deprecated: false,
      calls: 7,
      refused: 7,
      statuses: { '404': 7 },
      consumers: 1,
      sensitive: ['private_key'],
      firstSeen: hour(3),
      lastSeen: hour(9),
      policies: [],
    },
    {
      api: 'demo',
      method: 'GET',
      path: '/v1/orders',
      status: 'zombie',
      zombieKind: 'deprecated-called',
      operationId: 'listOrdersV1',
      deprecated: true,
      calls: 3,
      refused: 0,
      statuses: { '200': 3 },
      consumers: 1,
      sensitive: [],
      firstSeen: hour(2),
      lastSeen: hour(8),
      policies: ['auth'],
    },
  ],
  undeclaredParameters: [{ method: 'GET', path: '/users/{id}', in: 'query', name: 'debug' }],
};

export const KEYS: { keys: Key[] } = {
  keys: [
    {
      id: 'key_live1',
      consumer: 'acme',
      prefix: 'rk_live_AbCd',
      name: 'CI',
      createdAt: hour(1),
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: hour(10),
      rotatedFrom: null,
    },
    {
      id: 'key_old2',
      consumer: 'acme',
      prefix: 'rk_live_ZzYy',
      name: null,
      createdAt: hour(0),
      expiresAt: null,
      revokedAt: hour(2),
      lastUsedAt: null,
      rotatedFrom: null,
    },
  ],
};

export const CONSUMERS: { consumers: Consumer[] } = {
  consumers: [
    { id: 'acme', roles: ['reader'], scopes: ['read:users'], createdAt: hour(0) },
    { id: 'mallory', roles: [], scopes: [], createdAt: hour(1) },
  ],
};

export const BLOCKS: { blocks: Block[] } = {
  blocks: [{ kind: 'ip', value: '203.0.113.7', until: hour(23) }],
};

export const ISSUED: IssuedKey = {
  ...KEYS.keys[0]!,
  id: 'key_new3',
  prefix: 'rk_live_NeWk',
  name: 'deploy',
  key: `rk_live_${'N'.repeat(38)}`,
};

export const IMPORT: FindingImport = {
  id: 'imp_1',
  tool: 'scan',
  source: 'http://127.0.0.1:8080',
  importedAt: hour(11),
  findings: 3,
};

export const FINDINGS: { imports: FindingImport[]; findings: Finding[] } = {
  imports: [IMPORT],
  findings: [
    {
      importId: 'imp_1',
      tool: 'scan',
      rule: 'bola.read',
      title: 'Another user’s object is readable',
      severity: 'critical',
      category: 'API1',
      location: 'GET /users/{id}',
      message: 'User 2’s profile came back with user 1’s token.',
      remediation: 'Check ownership on every object read.',
    },
    {
      importId: 'imp_1',
      tool: 'scan',
      rule: 'headers.hsts',
      title: 'No Strict-Transport-Security',
      severity: 'low',
      category: 'API8',
      location: 'GET /',
      message: 'The answer has no HSTS header.',
      remediation: null,
    },
    {
      importId: 'imp_1',
      tool: 'audit',
      rule: 'schema.additional-properties',
      title: 'Open object schema',
      severity: 'medium',
      category: 'API3',
      location: 'openapi.yaml:42',
      message: 'The body schema allows any property.',
      remediation: 'Set additionalProperties: false.',
    },
  ],
};
