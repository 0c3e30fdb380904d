import type { LoadedDocument } from '../openapi/load.ts';
import { listOperations, type Operation } from '../openapi/operations.ts';
import { joinPointer } from '../openapi/pointer.ts';
import type { AuditContext, Place } from './types.ts';

/** A plain object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Build the context every rule reads; operations are listed once here. */
export function createContext(doc: LoadedDocument, ruleIds: ReadonlySet<string>): AuditContext {
  const components = doc.root.components;
  const schemes: Record<string, Record<string, unknown>> = {};
  if (isObject(components) && isObject(components.securitySchemes)) {
    for (const [name, scheme] of Object.entries(components.securitySchemes)) {
      if (isObject(scheme)) schemes[name] = scheme;
    }
  }
  const placeAt = (pointer: string): Place => {
    const location = doc.locate(pointer);
    return { file: location?.file ?? doc.file, pointer, location };
  };
  return {
    doc,
    ruleIds,
    operations: listOperations(doc),
    securitySchemes: schemes,
    placeAt,
    placeOf(value: object, fallbackPointer: string): Place {
      const origin = doc.originOf(value);
      if (!origin) return placeAt(fallbackPointer);
      return {
        file: origin.file,
        pointer: origin.pointer,
        location: doc.locateIn(origin.file, origin.pointer),
      };
    },
  };
}

/** The short reference to an operation that findings carry. */
export function operationRef(op: Operation) {
  return { method: op.method, path: op.path, pointer: op.pointer };
}

/** `GET /users/{id}`: how messages name an operation. */
export function operationLabel(op: Operation): string {
  return `${op.method.toUpperCase()} ${op.path}`;
}

/** Whether the operation may be called without credentials: `security: []` or a `{}` alternative. */
export function isPublic(op: Operation): boolean {
  const security = op.security;
  if (security === undefined) return true;
  return security.length === 0 || security.some((req) => Object.keys(req).length === 0);
}

/** Whether the operation declares its own `security` (rather than inheriting the root's). */
export function declaresOwnSecurity(op: Operation): boolean {
  return Array.isArray(op.raw.security);
}

/** The set of JSON Schema types a schema admits (`type` as string or list, else inferred from keywords). */
export function schemaTypes(schema: Readonly<Record<string, unknown>>): Set<string> {
  const declared = schema.type;
  if (typeof declared === 'string') return new Set([declared]);
  if (Array.isArray(declared)) return new Set(declared.filter((t): t is string => typeof t === 'string'));
  const inferred = new Set<string>();
  if (isObject(schema.properties) || schema.additionalProperties !== undefined) inferred.add('object');
  if (schema.items !== undefined || schema.prefixItems !== undefined) inferred.add('array');
  if (schema.maxLength !== undefined || schema.pattern !== undefined) inferred.add('string');
  return inferred;
}

/** One schema met while walking, with how it was reached. */
export interface SchemaVisit {
  readonly schema: Readonly<Record<string, unknown>>;
  /** Pointer by which it was reached from the root (used when the schema has no recorded origin). */
  readonly pointer: string;
  /** The property name when reached as `properties/<name>` (kept through allOf/anyOf/oneOf). */
  readonly property: string | undefined;
  /** Reached as a member of allOf/anyOf/oneOf. */
  readonly inComposition: boolean;
}

const MAX_SCHEMA_DEPTH = 64;

/**
 * Visit a schema and every subschema once (by identity, across calls sharing `seen`), so a component
 * used by many operations is judged once and recursive schemas terminate.
 */
export function walkSchema(
  schema: unknown,
  pointer: string,
  seen: Set<object>,
  visit: (v: SchemaVisit) => void,
  property?: string,
): void {
  const go = (
    node: unknown,
    at: string,
    prop: string | undefined,
    composed: boolean,
    depth: number,
  ): void => {
    if (!isObject(node) || seen.has(node) || depth > MAX_SCHEMA_DEPTH) return;
    seen.add(node);
    visit({ schema: node, pointer: at, property: prop, inComposition: composed });
    if (isObject(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) {
        go(sub, joinPointer(at, 'properties', name), name, false, depth + 1);
      }
    }
    if (isObject(node.patternProperties)) {
      for (const [name, sub] of Object.entries(node.patternProperties)) {
        go(sub, joinPointer(at, 'patternProperties', name), undefined, false, depth + 1);
      }
    }
    if (isObject(node.additionalProperties)) {
      go(node.additionalProperties, `${at}/additionalProperties`, undefined, false, depth + 1);
    }
    if (isObject(node.items)) go(node.items, `${at}/items`, prop, false, depth + 1);
    for (const key of ['prefixItems', 'allOf', 'anyOf', 'oneOf'] as const) {
      const list = node[key];
      if (!Array.isArray(list)) continue;
      const composed = key !== 'prefixItems';
      list.forEach((sub, i) => {
        go(sub, `${at}/${key}/${i}`, composed ? prop : undefined, composed, depth + 1);
      });
    }
  };
  go(schema, pointer, property, false, 0);
}

/** A schema a client sends: a parameter's or a request body's. */
export interface InputSchema {
  readonly schema: Readonly<Record<string, unknown>>;
  readonly pointer: string;
  /** Parameter name, when it is a parameter's schema. */
  readonly parameter: string | undefined;
}

/** The schemas of an operation's parameters and request body. */
export function inputSchemas(op: Operation): InputSchema[] {
  const out: InputSchema[] = [];
  for (const param of op.parameters) {
    if (!param.schema) continue;
    const at = isObject(param.raw.schema) ? `${param.pointer}/schema` : `${param.pointer}/content`;
    out.push({ schema: param.schema, pointer: at, parameter: param.name });
  }
  out.push(...bodySchemas(op));
  return out;
}

/** The schemas of an operation's request body, per media type. */
export function bodySchemas(op: Operation): InputSchema[] {
  const out: InputSchema[] = [];
  if (!op.requestBody) return out;
  for (const [type, media] of Object.entries(op.requestBody.content)) {
    if (media.schema) {
      out.push({
        schema: media.schema,
        pointer: joinPointer(op.pointer, 'requestBody', 'content', type, 'schema'),
        parameter: undefined,
      });
    }
  }
  return out;
}

/** The schemas of an operation's responses, per status and media type. */
export function responseSchemas(op: Operation): {
  readonly status: string;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly pointer: string;
}[] {
  const out: { status: string; schema: Readonly<Record<string, unknown>>; pointer: string }[] = [];
  for (const [status, response] of Object.entries(op.responses)) {
    if (!isObject(response) || !isObject(response.content)) continue;
    for (const [type, media] of Object.entries(response.content)) {
      if (isObject(media) && isObject(media.schema)) {
        out.push({
          status,
          schema: media.schema,
          pointer: joinPointer(op.pointer, 'responses', status, 'content', type, 'schema'),
        });
      }
    }
  }
  return out;
}

/** Whether the operation documents a response status: exact code, its class (`4XX`), optionally `default`. */
export function hasResponse(op: Operation, status: string, acceptDefault = false): boolean {
  const statuses = Object.keys(op.responses);
  const cls = `${status[0]}XX`;
  return statuses.some((s) => s === status || s.toUpperCase() === cls || (acceptDefault && s === 'default'));
}
