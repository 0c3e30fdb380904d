/** LDAP filter injection: input that closes the application's filter and opens another. */
import type { Detection, Inspection } from './types.ts';
import { detection } from './types.ts';

// `)(` then an attribute assertion, or a nested boolean filter: linear, no overlapping quantifiers.
const CLOSE_AND_ASSERT = /\)\s*\(\s*[a-z][\w-]*\s*[~<>]?=/;
const NESTED_FILTER = /\(\s*[|&!]\s*\(/;
const WILDCARD_CLOSE = /\*\s*\)\s*\(|\*\s*\)\s*\)|\)\s*\(\s*[|&!]/;

/** Detect LDAP filter injection in the canonical view of a value. */
export function detectLdapi(input: Inspection): Detection | null {
  const text = input.text;
  if (text.indexOf('(') === -1 && text.indexOf(')') === -1) return null;
  const m = NESTED_FILTER.exec(text) ?? WILDCARD_CLOSE.exec(text) ?? CLOSE_AND_ASSERT.exec(text);
  if (m === null) return null;
  return detection('ldapi', 'ldapi.filter', 0.8, text, m.index, m.index + m[0].length);
}
