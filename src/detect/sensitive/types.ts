/** The kinds of sensitive data the classifiers recognise. */
export type SensitiveType =
  | 'card'
  | 'iban'
  | 'ssn'
  | 'national_id'
  | 'email'
  | 'phone'
  | 'ip'
  | 'jwt'
  | 'api_key'
  | 'private_key'
  | 'password_hash'
  | 'secret_field';

/** Every sensitive type, in a stable order (reports, counters). */
export const SENSITIVE_TYPES: readonly SensitiveType[] = Object.freeze([
  'card',
  'iban',
  'ssn',
  'national_id',
  'email',
  'phone',
  'ip',
  'jwt',
  'api_key',
  'private_key',
  'password_hash',
  'secret_field',
]);

/** One sensitive value found in a string: UTF-16 offsets [start, end). */
export interface SensitiveMatch {
  readonly type: SensitiveType;
  /** 0..1: how sure the classifier is; the default reporting threshold is 0.5. */
  readonly confidence: number;
  readonly start: number;
  readonly end: number;
  /** Sub-kind, e.g. 'visa', 'bcrypt', 'DE'. */
  readonly detail?: string;
}

/** Options of classifyText. */
export interface ClassifyOptions {
  /** Only these types are looked for (fewer scanners run). */
  readonly types?: ReadonlySet<SensitiveType>;
  /** Matches below this confidence are dropped; default 0.5. */
  readonly minConfidence?: number;
  /** Only the first maxLength UTF-16 units are scanned; default 1 MiB. */
  readonly maxLength?: number;
}

/** Options of classifyValue. */
export interface ClassifyValueOptions extends ClassifyOptions {
  /** The property name the value sits under: enables hinted checks (bare hex hashes, bare 9-digit ids). */
  readonly fieldName?: string;
}

/** A scanner appends the matches it finds in text to out; it must run in time linear in text.length. */
export type Scanner = (text: string, out: SensitiveMatch[]) => void;

/** Builds a match, leaving detail out when absent (exactOptionalPropertyTypes). */
export function match(
  type: SensitiveType,
  confidence: number,
  start: number,
  end: number,
  detail?: string,
): SensitiveMatch {
  return detail === undefined ? { type, confidence, start, end } : { type, confidence, start, end, detail };
}
