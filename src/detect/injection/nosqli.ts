/**
 * NoSQL (MongoDB-style) operator injection: query operators smuggled into a value or a key, and
 * JavaScript injected into `$where`-style server-side evaluation.
 */
import type { Detection, Inspection } from './types.ts';
import { detection, isWordChar } from './types.ts';

/** MongoDB query and aggregation operators that change what a query matches or runs. */
export const NOSQL_OPERATORS: ReadonlySet<string> = new Set([
  'where',
  'ne',
  'eq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'nin',
  'regex',
  'or',
  'and',
  'nor',
  'not',
  'exists',
  'expr',
  'elemmatch',
  'function',
  'accumulator',
  'type',
  'mod',
  'all',
  'size',
  'comment',
  'text',
  'jsonschema',
  'lookup',
  'merge',
  'out',
]);

function operatorAt(text: string, dollar: number): { name: string; end: number } | null {
  let j = dollar + 1;
  while (j < text.length && j - dollar <= 16 && isWordChar(text.charCodeAt(j))) j += 1;
  const name = text.slice(dollar + 1, j);
  return NOSQL_OPERATORS.has(name) ? { name, end: j } : null;
}

// Before an operator key: start, or JSON/qs punctuation, quotes or spaces.
const KEY_BEFORE = new Set(['{', ',', '[', '"', "'", ' ', '(', '\t', '\n']);

function findOperatorKey(text: string): Detection | null {
  let from = 0;
  for (let guard = 0; guard < 4096; guard++) {
    const dollar = text.indexOf('$', from);
    if (dollar === -1) return null;
    from = dollar + 1;
    const before = dollar === 0 ? ' ' : text[dollar - 1]!;
    if (!KEY_BEFORE.has(before)) continue;
    const op = operatorAt(text, dollar);
    if (op === null) continue;
    let k = op.end;
    if (text[k] === '"' || text[k] === "'") k += 1;
    while (text[k] === ' ' || text[k] === '\t') k += 1;
    const after = text[k];
    if (after === ':' || after === ']' || op.name === 'where') {
      return detection('nosqli', 'nosqli.operator', op.name === 'where' ? 0.95 : 0.9, text, dollar, k + 1);
    }
  }
  return null;
}

// Each pattern has a single path through it: linear.
const THIS_FIELD = /\bthis\.[a-z_$][\w$]*(?:\.match\(|\s*[=!]==?|\s*[<>])/;
const DB_CALL = /\bdb\.[\w$]+\.[\w$]+\(/;
const JS_TAUTOLOGY = /(?:\|\||&&)\s*([\w'"]+)\s*===?\s*([\w'"]+)/;

/** Detect NoSQL operator or server-side JavaScript injection in the canonical view of a value. */
export function detectNoSqli(input: Inspection): Detection | null {
  const text = input.text;
  if (text.indexOf('$') !== -1) {
    const found = findOperatorKey(text);
    if (found !== null) return found;
  }
  if (text.indexOf('.') !== -1) {
    const m = THIS_FIELD.exec(text) ?? DB_CALL.exec(text);
    if (m !== null)
      return detection('nosqli', 'nosqli.javascript', 0.85, text, m.index, m.index + m[0].length);
  }
  if (text.indexOf('==') !== -1) {
    const m = JS_TAUTOLOGY.exec(text);
    if (m !== null && m[1] === m[2]) {
      return detection('nosqli', 'nosqli.javascript', 0.85, text, m.index, m.index + m[0].length);
    }
  }
  const date = text.indexOf('new date()');
  if (date !== -1 && text.indexOf('while(', date) !== -1) {
    return detection('nosqli', 'nosqli.javascript', 0.85, text, date, date + 32);
  }
  return null;
}

/** Detect a NoSQL operator in a key: a parsed JSON key `$ne` or a qs-style key `a[$ne]`. */
export function detectNoSqlKey(key: string): Detection | null {
  const k = key.length > 256 ? key.slice(0, 256).toLowerCase() : key.toLowerCase();
  if (k.startsWith('$')) {
    const op = operatorAt(k, 0);
    if (op !== null && op.end === k.length)
      return detection('nosqli', 'nosqli.operator-key', 0.95, k, 0, k.length);
  }
  let from = 0;
  for (let guard = 0; guard < 64; guard++) {
    const open = k.indexOf('[$', from);
    if (open === -1) return null;
    from = open + 2;
    const op = operatorAt(k, open + 1);
    if (op !== null && k[op.end] === ']')
      return detection('nosqli', 'nosqli.operator-key', 0.95, k, open, op.end + 1);
  }
  return null;
}
