/**
 * OpenAPI schemas → JSON Schema 2020-12 for ajv, for request validation. The 3.0 dialect is
 * translated (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`); object cycles of the
 * resolved document become `$ref`s; `readOnly` properties are refused; and object schemas that
 * declare properties are closed with `unevaluatedProperties: false` (mass assignment), which,
 * unlike `additionalProperties: false`, still lets `allOf` branches add properties.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { escapePointer } from './json-scan.ts';

/** The custom keyword a read-only property becomes: it always fails. */
export const READ_ONLY_KEYWORD = 'rampartReadOnly';

/** Largest translated schema (nodes), so that a document with much sharing cannot blow up memory. */
export const MAX_SCHEMA_NODES = 200_000;

/** Thrown when a schema cannot be translated; the caller adds where it came from. */
export class SchemaTranslationError extends Error {
  override readonly name = 'SchemaTranslationError';
}

export interface TranslateOptions {
  readonly dialect: '3.0' | '3.1';
  /** Close object schemas that declare properties (unknown properties become errors). */
  readonly closeObjects: boolean;
}

// Subschema keywords, by shape. Everything else is copied as data.
const ONE = new Set([
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'additionalItems',
  'contentSchema',
]);
const MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
// Where a schema describes a value of its own (not a branch of a composition): closed there.
const VALUE_ONE = new Set(['items', 'additionalProperties', 'unevaluatedItems']);
const VALUE_MAP = new Set(['properties', 'patternProperties']);
// Annotations and references that ajv must not see (ids would collide across operations).
const DROPPED = new Set([
  '$id',
  '$schema',
  '$anchor',
  '$dynamicAnchor',
  '$comment',
  'discriminator',
  'xml',
  'externalDocs',
  'example',
]);

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function declaresProperties(node: Json): boolean {
  return (
    isObj(node.properties) ||
    isObj(node.patternProperties) ||
    Array.isArray(node.allOf) ||
    Array.isArray(node.anyOf) ||
    Array.isArray(node.oneOf)
  );
}

/**
 * Translate one schema of a resolved OpenAPI document into a self-contained 2020-12 schema for a
 * request. The input is never mutated. Throws SchemaTranslationError when it is too large.
 */
export function toRequestSchema(schema: unknown, options: TranslateOptions): Json | boolean {
  let nodes = 0;
  const ancestors = new Map<object, string>();

  const walk = (node: unknown, pointer: string, valuePosition: boolean): unknown => {
    if (typeof node === 'boolean') return node;
    if (!isObj(node)) return {};
    if (++nodes > MAX_SCHEMA_NODES) throw new SchemaTranslationError('schema too large once expanded');
    const seen = ancestors.get(node);
    // a cycle of the resolved document: refer back to where the ancestor sits in the output
    if (seen !== undefined) return { $ref: `#${seen.split('/').map(encodeURIComponent).join('/')}` };
    ancestors.set(node, pointer);
    const out: Json = {};
    for (const key of Object.keys(node)) {
      if (DROPPED.has(key) || key.startsWith('x-')) continue;
      const value = node[key];
      const at = `${pointer}/${escapePointer(key)}`;
      if (ONE.has(key) && (isObj(value) || typeof value === 'boolean')) {
        out[key] = walk(value, at, VALUE_ONE.has(key));
      } else if (MAP.has(key) && isObj(value)) {
        const m: Json = {};
        for (const name of Object.keys(value)) {
          const sub = value[name];
          m[name] =
            key === 'properties' && isObj(sub) && sub.readOnly === true
              ? { [READ_ONLY_KEYWORD]: true }
              : walk(sub, `${at}/${escapePointer(name)}`, VALUE_MAP.has(key));
        }
        out[key] = m;
      } else if (LIST.has(key) && Array.isArray(value)) {
        out[key] = value.map((sub, i) => walk(sub, `${at}/${i}`, key === 'prefixItems'));
      } else {
        out[key] = value;
      }
    }
    if (options.dialect === '3.0') translate30(out);
    // OpenAPI: a read-only property that is `required` is required in responses only
    if (Array.isArray(out.required) && isObj(out.properties)) {
      const props = out.properties;
      out.required = (out.required as unknown[]).filter(
        (k) => !(typeof k === 'string' && isObj(props[k]) && props[k][READ_ONLY_KEYWORD] === true),
      );
    }
    if (
      options.closeObjects &&
      valuePosition &&
      out.additionalProperties === undefined &&
      out.unevaluatedProperties === undefined &&
      declaresProperties(out)
    ) {
      out.unevaluatedProperties = false;
    }
    ancestors.delete(node);
    return out;
  };

  const root = walk(schema, '', true);
  return root as Json | boolean;
}

/** OpenAPI 3.0 keywords that 2020-12 spells differently. */
function translate30(out: Json): void {
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  delete out.nullable;
  if (typeof out.exclusiveMinimum === 'boolean') {
    if (out.exclusiveMinimum && typeof out.minimum === 'number') {
      out.exclusiveMinimum = out.minimum;
      delete out.minimum;
    } else delete out.exclusiveMinimum;
  }
  if (typeof out.exclusiveMaximum === 'boolean') {
    if (out.exclusiveMaximum && typeof out.maximum === 'number') {
      out.exclusiveMaximum = out.maximum;
      delete out.maximum;
    } else delete out.exclusiveMaximum;
  }
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * A fresh ajv for request schemas: 2020-12, every error reported (inputs are bounded before they
 * reach it), unknown keywords and formats ignored (OpenAPI annotations), the read-only keyword.
 */
export function createRequestAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    verbose: true,
    logger: false,
    allowUnionTypes: true,
    validateFormats: true,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: READ_ONLY_KEYWORD, schemaType: 'boolean', errors: false, validate: () => false });
  return ajv;
}

export type { ErrorObject, ValidateFunction };
