/**
 * Violations as a client sees them: a JSON pointer into the request (`/query/limit`,
 * `/body/role`), a message, and at most a short excerpt of the bad value — never the value of a
 * field whose name says it is a secret, never the value of a property that should not be there.
 */
import { classifyFieldName } from '../detect/sensitive/field-name.ts';
import type { ProblemError } from '../errors.ts';
import { escapePointer } from './json-scan.ts';
import { type ErrorObject, READ_ONLY_KEYWORD } from './schema.ts';

/** Longest excerpt of a bad value shown to the client. */
export const EXCERPT_MAX = 32;

/** Most violations listed in one refusal; the rest are counted. */
export const MAX_VIOLATIONS = 10;

const SECRET_TYPES: ReadonlySet<string> = new Set([
  'password_hash',
  'secret_field',
  'api_key',
  'card',
  'ssn',
]);

/** A short, safe excerpt of a scalar value, or undefined (objects, secrets, empty). */
export function excerpt(value: unknown, field?: string): string | undefined {
  if (field !== undefined && field !== '') {
    const type = classifyFieldName(field);
    if (type !== null && SECRET_TYPES.has(type)) return undefined;
    if (/pass|secret|token|key/i.test(field)) return undefined;
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else return undefined;
  if (text.length <= EXCERPT_MAX) return text;
  return `${text.slice(0, EXCERPT_MAX - 1)}…`;
}

function lastSegment(pointer: string): string {
  const i = pointer.lastIndexOf('/');
  return (i < 0 ? pointer : pointer.slice(i + 1)).replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Longest pointer shown: key names come from the client. */
export const POINTER_MAX = 128;

/** Build one violation. */
export function violation(rawPointer: string, message: string, value?: unknown): ProblemError {
  const pointer = rawPointer.length <= POINTER_MAX ? rawPointer : `${rawPointer.slice(0, POINTER_MAX - 1)}…`;
  const shown = value === undefined ? undefined : excerpt(value, lastSegment(rawPointer));
  return shown === undefined ? { pointer, message } : { pointer, message, value: shown };
}

function messageOf(e: ErrorObject): { pointer: string; message: string; withValue: boolean } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'unevaluatedProperties':
      return {
        pointer: `${e.instancePath}/${escapePointer(String(p.unevaluatedProperty))}`,
        message: 'is not a declared property',
        withValue: false,
      };
    case 'additionalProperties':
      return {
        pointer: `${e.instancePath}/${escapePointer(String(p.additionalProperty))}`,
        message: 'is not a declared property',
        withValue: false,
      };
    case 'required':
      return {
        pointer: `${e.instancePath}/${escapePointer(String(p.missingProperty))}`,
        message: 'is required',
        withValue: false,
      };
    case READ_ONLY_KEYWORD:
      return { pointer: e.instancePath, message: 'is read-only', withValue: false };
    case 'false schema':
      return { pointer: e.instancePath, message: 'is not allowed', withValue: false };
    default:
      return { pointer: e.instancePath, message: e.message ?? 'is invalid', withValue: true };
  }
}

/**
 * ajv errors → violations under `prefix` (e.g. `/body`), deduplicated, at most MAX_VIOLATIONS
 * (plus a count of the rest). Composition noise (`anyOf`/`oneOf` summaries) is kept last.
 */
export function violationsFromAjv(errors: readonly ErrorObject[], prefix: string): ProblemError[] {
  const out: ProblemError[] = [];
  const seen = new Set<string>();
  let more = 0;
  const sorted = [...errors].sort(
    (a, b) =>
      Number(a.keyword === 'anyOf' || a.keyword === 'oneOf') -
      Number(b.keyword === 'anyOf' || b.keyword === 'oneOf'),
  );
  for (const e of sorted) {
    const m = messageOf(e);
    const pointer = `${prefix}${m.pointer}`;
    const key = `${pointer}\u0000${m.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (out.length >= MAX_VIOLATIONS) {
      more++;
      continue;
    }
    out.push(violation(pointer, m.message, m.withValue ? e.data : undefined));
  }
  if (more > 0) out.push({ pointer: prefix, message: `and ${more} more violations` });
  return out;
}

/** A one-line summary of violations for the problem's `detail`. */
export function summarize(violations: readonly ProblemError[]): string {
  const first = violations[0];
  if (first === undefined) return 'the request does not match the API schema';
  const rest = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return `${first.pointer} ${first.message}${rest}`;
}
