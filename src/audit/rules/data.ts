import { classifyFieldName, fieldWords } from '../../detect/sensitive/field-name.ts';
import type { SensitiveType } from '../../detect/sensitive/types.ts';
import type { Operation } from '../../openapi/operations.ts';
import {
  isObject,
  isPublic,
  operationLabel,
  operationRef,
  responseSchemas,
  schemaTypes,
  walkSchema,
} from '../context.ts';
import type { Rule, RuleHit } from '../types.ts';
import { requestSchemaHits, subject } from './schemas.ts';

// What must not leave the server in a response body, nor travel in a URL.
const SECRET_TYPES: ReadonlySet<SensitiveType> = new Set([
  'card',
  'ssn',
  'national_id',
  'api_key',
  'private_key',
  'password_hash',
  'secret_field',
  'jwt',
]);

const TOKEN_WORDS = new Set(['token', 'jwt']);
// Path words of operations whose job is to hand out a token.
const ISSUER_WORDS = new Set([
  'login',
  'signin',
  'token',
  'tokens',
  'oauth',
  'session',
  'sessions',
  'auth',
  'refresh',
]);

function issuesCredentials(op: Operation): boolean {
  return isPublic(op) || fieldWords(op.path).some((w) => ISSUER_WORDS.has(w));
}

export const sensitiveInResponse: Rule = {
  id: 'data.sensitive-in-response',
  title: 'Sensitive property in a response',
  category: 'API3',
  severity: 'high',
  description:
    'A response schema with a password, secret, token, card number or national id property exposes it to every caller of the operation (excessive data exposure).',
  fix: 'Remove the property from the response schema (use a separate output schema), or mark it writeOnly if clients only send it.',
  check(ctx) {
    const hits: RuleHit[] = [];
    const seen = new Set<object>();
    for (const op of ctx.operations) {
      for (const response of responseSchemas(op)) {
        walkSchema(response.schema, response.pointer, seen, (v) => {
          if (v.property === undefined || v.inComposition || v.schema.writeOnly === true) return;
          const type = classifyFieldName(v.property);
          if (type === null || !SECRET_TYPES.has(type)) return;
          // A login or token endpoint returning the token it issues is its purpose, not a leak.
          const words = fieldWords(v.property);
          if (TOKEN_WORDS.has(words.at(-1) ?? '') && issuesCredentials(op)) return;
          hits.push({
            ...ctx.placeOf(v.schema, v.pointer),
            message: `response ${response.status} of ${operationLabel(op)} exposes '${v.property}' (${type.replace('_', ' ')})`,
            operation: operationRef(op),
          });
        });
      }
    }
    return hits;
  },
};

export const sensitiveInQuery: Rule = {
  id: 'data.sensitive-in-query',
  title: 'Sensitive value in a query parameter',
  category: 'API2',
  severity: 'high',
  description:
    'A password, token, key or card number in the query string is written to access logs, proxies, browser history and Referer headers.',
  fix: 'Send it in a header or the request body instead.',
  check(ctx) {
    const hits: RuleHit[] = [];
    const seen = new Set<object>();
    for (const op of ctx.operations) {
      for (const param of op.parameters) {
        if (param.in !== 'query' || seen.has(param.raw)) continue;
        seen.add(param.raw);
        const type = classifyFieldName(param.name);
        if (type === null || !SECRET_TYPES.has(type)) continue;
        hits.push({
          ...ctx.placeOf(param.raw, param.pointer),
          message: `query parameter '${param.name}' of ${operationLabel(op)} carries a ${type.replace('_', ' ')}`,
          operation: operationRef(op),
        });
      }
    }
    return hits;
  },
};

const DIGITS_PATTERNS = new Set(['^\\d+$', '^[0-9]+$', '\\d+', '[0-9]+', '^\\d*$', '^[0-9]*$']);

function looksSequential(schema: Readonly<Record<string, unknown>> | undefined): boolean {
  if (!schema) return false;
  const types = schemaTypes(schema);
  if (types.has('integer') || types.has('number')) return true;
  return types.has('string') && typeof schema.pattern === 'string' && DIGITS_PATTERNS.has(schema.pattern);
}

export const sequentialId: Rule = {
  id: 'authz.sequential-id',
  title: 'Sequential object id in the path',
  category: 'API1',
  severity: 'medium',
  description:
    "An object-level operation addressed by a numeric id invites enumeration: a caller changes 41 to 42 and reads someone else's object unless every request checks ownership (BOLA).",
  fix: 'Use random identifiers (UUIDs) in paths, and enforce object ownership on every object-level operation.',
  check(ctx) {
    const hits: RuleHit[] = [];
    const seen = new Set<object>();
    for (const op of ctx.operations) {
      for (const param of op.parameters) {
        if (param.in !== 'path' || seen.has(param.raw)) continue;
        const words = fieldWords(param.name);
        if (words.at(-1) !== 'id' && words.at(-1) !== 'number' && words.at(-1) !== 'no') continue;
        if (!looksSequential(param.schema)) continue;
        seen.add(param.raw);
        hits.push({
          ...ctx.placeOf(param.raw, param.pointer),
          message: `path parameter '${param.name}' of ${operationLabel(op)} is a sequential-looking number`,
          operation: operationRef(op),
        });
      }
    }
    return hits;
  },
};

// Query parameter names that set a page size.
const PAGE_SIZE_NAMES = new Set([
  'limit',
  'size',
  'pagesize',
  'perpage',
  'top',
  'first',
  'last',
  'count',
  'max',
  'maxresults',
  'take',
  'pagelimit',
]);
const isPageSize = (name: string) => PAGE_SIZE_NAMES.has(fieldWords(name).join(''));

export const unboundedPageSize: Rule = {
  id: 'pagination.limit-unbounded',
  title: 'Page size without a maximum',
  category: 'API4',
  severity: 'medium',
  description: 'A limit / page-size parameter with no maximum lets one request ask for the whole table.',
  fix: 'Give the page-size parameter an integer schema with a maximum (e.g. 100) and a default.',
  check(ctx) {
    const hits: RuleHit[] = [];
    const seen = new Set<object>();
    for (const op of ctx.operations) {
      for (const param of op.parameters) {
        if (param.in !== 'query' || !isPageSize(param.name) || seen.has(param.raw)) continue;
        seen.add(param.raw);
        const schema = param.schema;
        const bounded =
          schema !== undefined &&
          (schema.maximum !== undefined ||
            typeof schema.exclusiveMaximum === 'number' ||
            schema.enum !== undefined);
        if (bounded) continue;
        hits.push({
          ...ctx.placeOf(param.raw, param.pointer),
          message: `page-size parameter '${param.name}' of ${operationLabel(op)} has no maximum`,
          operation: operationRef(op),
        });
      }
    }
    return hits;
  },
};

// An array whose size the contract bounds (maxItems) is a bounded list, not an unpaginated one.
const unboundedList = (s: unknown): boolean =>
  isObject(s) && schemaTypes(s).has('array') && s.maxItems === undefined;

// Property names under which a page object carries its rows ({ items: [...], next: ... }).
const LIST_PROPERTIES = new Set([
  'items',
  'data',
  'results',
  'records',
  'rows',
  'entries',
  'list',
  'values',
  'elements',
  'content',
]);

function returnsList(schema: Readonly<Record<string, unknown>>): boolean {
  if (unboundedList(schema)) return true;
  if (!isObject(schema.properties)) return false;
  return Object.entries(schema.properties).some(([name, p]) => LIST_PROPERTIES.has(name) && unboundedList(p));
}

export const missingPagination: Rule = {
  id: 'pagination.missing',
  title: 'List operation without pagination',
  category: 'API4',
  severity: 'low',
  description:
    'A GET that returns a list with no page-size parameter returns however many rows exist, which grows without bound.',
  fix: 'Add a bounded limit (page size) parameter and a cursor or page parameter.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const op of ctx.operations) {
      if (op.method !== 'get' || op.parameters.some((p) => p.in === 'query' && isPageSize(p.name))) continue;
      const list = responseSchemas(op).find((r) => r.status.startsWith('2') && returnsList(r.schema));
      if (!list) continue;
      hits.push({
        ...ctx.placeAt(op.pointer),
        message: `${operationLabel(op)} returns a list but takes no page-size parameter`,
        operation: operationRef(op),
      });
    }
    return hits;
  },
};

// Last words of input names that carry a URL the server may fetch.
const URL_WORDS = new Set([
  'url',
  'uri',
  'urls',
  'uris',
  'link',
  'href',
  'callback',
  'webhook',
  'redirect',
  'endpoint',
  'host',
  'hostname',
]);

export const urlInput: Rule = {
  id: 'ssrf.url-input',
  title: 'Request input that looks like a URL to fetch',
  category: 'API7',
  severity: 'low',
  description:
    'An input that names a URL, host or callback the server may fetch is the entry point of server-side request forgery (cloud metadata, internal services).',
  fix: 'Restrict it with a pattern or enum of allowed origins, and have the server resolve and check the address before fetching.',
  check: (ctx) =>
    requestSchemaHits(ctx, false, (v, op, parameter) => {
      const name = v.property ?? parameter;
      if (name === undefined || !schemaTypes(v.schema).has('string')) return undefined;
      if (!URL_WORDS.has(fieldWords(name).at(-1) ?? '')) return undefined;
      if (v.schema.pattern !== undefined || v.schema.enum !== undefined || v.schema.const !== undefined)
        return undefined;
      return `${subject(v, parameter)} of ${operationLabel(op)} takes a URL or host with no allowlist pattern`;
    }),
};
