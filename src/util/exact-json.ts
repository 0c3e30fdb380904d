/**
 * JSON parsed so that re-serializing it keeps every number as the upstream wrote it. JSON.parse
 * reads 12345678901234567890 as 12345678901234567000 and 1e400 as Infinity (serialized as null):
 * a filter that removes one property would silently change an id elsewhere in the body. Numbers
 * that a double cannot hold exactly are kept as their source text (JSON.rawJSON, Node 22+), which
 * JSON.stringify writes back byte for byte; the walkers treat such a value as a number.
 */

/** A number kept as its JSON source text. */
export interface ExactNumber {
  readonly rawJSON: string;
}

interface JsonWithSource {
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
  rawJSON(text: string): ExactNumber;
  isRawJSON(value: unknown): value is ExactNumber;
}
const J = JSON as unknown as JsonWithSource;
/** Node 22+ has both; without them numbers are read as JSON.parse reads them. */
const SUPPORTED = typeof J.rawJSON === 'function' && typeof J.isRawJSON === 'function';

// a number with 16 or more digits in its mantissa, or a 3-digit exponent, can lose something as a
// double; a body without one (most) is parsed without the reviver, at JSON.parse's own speed.
// Bounded: each start position reads at most 16 characters.
const MAY_LOSE = /\d[\d.]{15}|[eE][+-]?\d{3}/;

/** Whether `value`, read from `source`, is not the number the source says. */
function lossy(value: number, source: string): boolean {
  if (!Number.isFinite(value)) return true;
  if (String(value) === source) return false;
  // significant digits of the mantissa: from the first non-zero digit to the last (one loop:
  // a token may be a megabyte of zeros)
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 101 || c === 69) break; // e, E
    if (c < 48 || c > 57) continue; // sign, point
    if (c !== 48) {
      if (first < 0) first = count;
      last = count;
    }
    count++;
  }
  const significant = first < 0 ? 0 : last - first + 1;
  // underflow to zero, or more significant digits than a double holds exactly
  return (value === 0 && significant > 0) || significant > 15;
}

function keepExact(_key: string, value: unknown, context: { source?: string }): unknown {
  return typeof value === 'number' && context.source !== undefined && lossy(value, context.source)
    ? J.rawJSON(context.source)
    : value;
}

/** Whether JSON.parse might change a number of `text`: false means it reads every one exactly. */
export function mayLoseNumbers(text: string): boolean {
  return SUPPORTED && MAY_LOSE.test(text);
}

/** JSON.parse of `text`, numbers a double cannot hold kept as their text; throws as JSON.parse does. */
export function parseExactJson(text: string): unknown {
  return mayLoseNumbers(text) ? J.parse(text, keepExact) : JSON.parse(text);
}

/** Whether a parsed value is a number kept as its source text. */
export function isExactNumber(value: unknown): value is ExactNumber {
  return SUPPORTED && typeof value === 'object' && value !== null && J.isRawJSON(value);
}

/** Whether an exact number's text is an integer (no fraction, no exponent). */
export function isExactInteger(value: ExactNumber): boolean {
  return /^-?\d+$/.test(value.rawJSON);
}
