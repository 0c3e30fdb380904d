import type { Operation } from '../../openapi/operations.ts';
import {
  bodySchemas,
  inputSchemas,
  isObject,
  operationLabel,
  operationRef,
  type SchemaVisit,
  schemaTypes,
  walkSchema,
} from '../context.ts';
import type { AuditContext, Rule, RuleHit } from '../types.ts';

type Judge = (v: SchemaVisit, op: Operation, parameter: string | undefined) => string | undefined;

/**
 * Walk the request schemas (parameters and bodies, or bodies only) of every operation once each,
 * reporting a hit where `judge` returns a message. A shared component is judged once, at its definition.
 */
export function requestSchemaHits(ctx: AuditContext, bodiesOnly: boolean, judge: Judge): RuleHit[] {
  const hits: RuleHit[] = [];
  const seen = new Set<object>();
  for (const op of ctx.operations) {
    const inputs = bodiesOnly ? bodySchemas(op) : inputSchemas(op);
    for (const input of inputs) {
      walkSchema(input.schema, input.pointer, seen, (v) => {
        const message = judge(v, op, input.parameter);
        if (message) {
          hits.push({ ...ctx.placeOf(v.schema, v.pointer), message, operation: operationRef(op) });
        }
      });
    }
  }
  return hits;
}

/** How a message names the value: `property 'name'`, `parameter 'q'` or `a request value`. */
export function subject(v: SchemaVisit, parameter: string | undefined): string {
  if (v.property !== undefined) return `property '${v.property}'`;
  if (parameter !== undefined) return `parameter '${parameter}'`;
  return 'request body';
}

const has = (schema: Readonly<Record<string, unknown>>, key: string) => schema[key] !== undefined;
const isEnumerated = (schema: Readonly<Record<string, unknown>>) =>
  has(schema, 'enum') || has(schema, 'const');

export const unboundedString: Rule = {
  id: 'schema.string-unbounded',
  title: 'Request string without maxLength, pattern or format',
  category: 'API4',
  severity: 'medium',
  description:
    'A string the client sends with no length, pattern or format lets megabytes through to parsers, databases and logs, and gives injection payloads room.',
  fix: 'Give every request string a maxLength, and a pattern, format or enum where the value has a shape.',
  check: (ctx) =>
    requestSchemaHits(ctx, false, (v, op, parameter) => {
      const s = v.schema;
      if (!schemaTypes(s).has('string') || isEnumerated(s)) return undefined;
      if (has(s, 'maxLength') || has(s, 'pattern') || has(s, 'format')) return undefined;
      return `${subject(v, parameter)} of ${operationLabel(op)} is a string without maxLength, pattern or format`;
    }),
};

export const unboundedNumber: Rule = {
  id: 'schema.number-unbounded',
  title: 'Request number without bounds',
  category: 'API4',
  severity: 'low',
  description:
    'A number with no minimum or maximum accepts negative quantities, huge page sizes and overflowing values.',
  fix: 'Set minimum and maximum (or exclusiveMinimum / exclusiveMaximum) on every request number.',
  check: (ctx) =>
    requestSchemaHits(ctx, false, (v, op, parameter) => {
      const s = v.schema;
      const types = schemaTypes(s);
      if ((!types.has('integer') && !types.has('number')) || isEnumerated(s)) return undefined;
      const missing: string[] = [];
      if (!has(s, 'minimum') && typeof s.exclusiveMinimum !== 'number' && s.exclusiveMinimum !== true) {
        missing.push('minimum');
      }
      if (!has(s, 'maximum') && typeof s.exclusiveMaximum !== 'number' && s.exclusiveMaximum !== true) {
        missing.push('maximum');
      }
      if (missing.length === 0) return undefined;
      return `${subject(v, parameter)} of ${operationLabel(op)} is a number without ${missing.join(' or ')}`;
    }),
};

export const unboundedArray: Rule = {
  id: 'schema.array-unbounded',
  title: 'Request array without maxItems',
  category: 'API4',
  severity: 'medium',
  description:
    'An array with no maxItems lets one request carry millions of items, each processed by the server.',
  fix: 'Set maxItems on every request array.',
  check: (ctx) =>
    requestSchemaHits(ctx, false, (v, op, parameter) =>
      schemaTypes(v.schema).has('array') && !has(v.schema, 'maxItems')
        ? `${subject(v, parameter)} of ${operationLabel(op)} is an array without maxItems`
        : undefined,
    ),
};

function isOpen(schema: Readonly<Record<string, unknown>>): boolean {
  const additional = schema.additionalProperties;
  if (additional === false || isObject(additional)) return false;
  return schema.unevaluatedProperties !== false && !isObject(schema.unevaluatedProperties);
}

export const openRequestObject: Rule = {
  id: 'schema.additional-properties',
  title: 'Request object allows additional properties',
  category: 'API3',
  severity: 'medium',
  description:
    'A request object that accepts undeclared properties lets a client set fields the API never meant to expose (mass assignment: role, isAdmin, owner_id).',
  fix: 'Set `additionalProperties: false` on request objects (`unevaluatedProperties: false` on allOf compositions in 3.1).',
  check: (ctx) =>
    requestSchemaHits(ctx, true, (v, op, parameter) => {
      const s = v.schema;
      if (v.inComposition || !isOpen(s)) return undefined;
      const composed = ['allOf', 'anyOf', 'oneOf'].some((k) => Array.isArray(s[k]));
      if (!schemaTypes(s).has('object') && !composed) return undefined;
      if (composed && !schemaTypes(s).has('object')) {
        const members = ['allOf', 'anyOf', 'oneOf'].flatMap((k) =>
          Array.isArray(s[k]) ? (s[k] as unknown[]) : [],
        );
        if (!members.some((m) => isObject(m) && schemaTypes(m).has('object'))) return undefined;
      }
      return `${subject(v, parameter)} of ${operationLabel(op)} is an object that allows additional properties`;
    }),
};

export const readOnlyInRequest: Rule = {
  id: 'schema.readonly-in-request',
  title: 'readOnly property in a request schema',
  category: 'API3',
  severity: 'low',
  description:
    'A readOnly property in a request body schema is server-owned (id, created_at, balance); if the server does not drop it, a client can overwrite it.',
  fix: 'Use a separate request schema without server-owned properties, or make sure they are stripped and refused.',
  check: (ctx) =>
    requestSchemaHits(ctx, true, (v, op) =>
      v.schema.readOnly === true && v.property !== undefined
        ? `readOnly property '${v.property}' is part of the request body of ${operationLabel(op)}`
        : undefined,
    ),
};
