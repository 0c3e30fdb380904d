import { stringify } from 'yaml';
import type { Endpoint } from './inventory.ts';
import type { SegmentKind } from './template.ts';

/** Options of the OpenAPI draft. */
export interface DraftOptions {
  readonly title?: string;
  readonly version?: string;
  /** A server URL to declare (e.g. the origin the HAR was recorded against). */
  readonly server?: string;
}

function paramSchema(kind: SegmentKind | 'learned'): Record<string, unknown> {
  switch (kind) {
    case 'id':
      return { type: 'integer', minimum: 0 };
    case 'uuid':
      return { type: 'string', format: 'uuid' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'email':
      return { type: 'string', format: 'email', maxLength: 320 };
    case 'hex':
      return { type: 'string', pattern: '^[0-9a-fA-F]+$', maxLength: 256 };
    default:
      return { type: 'string', maxLength: 256 };
  }
}

function operationId(method: string, path: string, used: Set<string>): string {
  const words = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('{') ? `By${s.slice(1, 2).toUpperCase()}${s.slice(2, -1)}` : s))
    .map((s) => s.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()))
    .map((s) => s.slice(0, 1).toUpperCase() + s.slice(1));
  const base = `${method.toLowerCase()}${words.join('') || 'Root'}`;
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}${i}`;
  used.add(id);
  return id;
}

function statusKey(s: string): string | undefined {
  const n = Number(s);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? s : undefined;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** An OpenAPI 3.1 document (as a plain object) describing what the inventory saw. */
export function draftOpenApi(
  endpoints: readonly Endpoint[],
  options: DraftOptions = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const used = new Set<string>();
  for (const e of endpoints) {
    const item = paths[e.path] ?? {};
    paths[e.path] = item;
    const parameters: Record<string, unknown>[] = [];
    for (const s of e.segments) {
      if ('param' in s)
        parameters.push({ name: s.param, in: 'path', required: true, schema: paramSchema(s.kind) });
    }
    for (const q of e.queryParams) {
      parameters.push({ name: q, in: 'query', required: false, schema: { type: 'string', maxLength: 1024 } });
    }
    const responses: Record<string, unknown> = {};
    for (const s of Object.keys(e.statuses)) {
      const key = statusKey(s);
      if (key === undefined) continue;
      const r: Record<string, unknown> = { description: `seen ${e.statuses[s]} time(s)` };
      if (key !== '204' && key !== '304' && e.responseContentTypes.length > 0) {
        r.content = Object.fromEntries(e.responseContentTypes.map((t) => [t, {}]));
      }
      responses[key] = r;
    }
    if (Object.keys(responses).length === 0) responses.default = { description: 'no status seen' };
    const op: Record<string, unknown> = {
      operationId: operationId(e.method, e.path, used),
      summary: `discovered: ${e.method} ${e.path}`,
      ...(parameters.length === 0 ? {} : { parameters }),
      responses,
      'x-rampart-discovered': {
        calls: e.count,
        firstSeen: new Date(e.firstSeen).toISOString(),
        lastSeen: new Date(e.lastSeen).toISOString(),
        consumers: e.consumers.length,
        ...(e.sensitive.length === 0 ? {} : { sensitiveData: [...e.sensitive] }),
      },
    };
    if (BODY_METHODS.has(e.method) && e.requestContentTypes.length > 0) {
      op.requestBody = {
        required: true,
        content: Object.fromEntries(e.requestContentTypes.map((t) => [t, {}])),
      };
    }
    item[e.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Discovered API',
      version: options.version ?? '0.0.0-draft',
      description: 'A draft written by `rampart discover` from observed traffic: review before use.',
    },
    ...(options.server === undefined ? {} : { servers: [{ url: options.server }] }),
    paths,
  };
}

/** The draft as YAML text. */
export function draftOpenApiYaml(endpoints: readonly Endpoint[], options: DraftOptions = {}): string {
  return stringify(draftOpenApi(endpoints, options), { lineWidth: 0 });
}
