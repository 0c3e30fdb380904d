import { scanApiKeys } from './api-key.ts';
import { scanCards } from './card.ts';
import { isDigit, luhnValid } from './chars.ts';
import { scanEmails } from './email.ts';
import { classifyFieldName, fieldSuggestsHash } from './field-name.ts';
import { scanIbans } from './iban.ts';
import { scanIps } from './ip.ts';
import { scanJwts } from './jwt.ts';
import { bsnValid, scanNationalIds, sinValid } from './national-id.ts';
import { bareHexDigest, scanPasswordHashes } from './password-hash.ts';
import { scanPhones } from './phone.ts';
import { scanPrivateKeys } from './private-key.ts';
import { scanSecretAssignments } from './secret-assignment.ts';
import { scanSsns, ssnDigitsValid } from './ssn.ts';
import {
  type ClassifyOptions,
  type ClassifyValueOptions,
  match,
  type Scanner,
  type SensitiveMatch,
  type SensitiveType,
} from './types.ts';

const DEFAULT_MIN_CONFIDENCE = 0.5;
const DEFAULT_MAX_LENGTH = 1 << 20;

/** What a scanner needs present in the text before it is worth running. */
export interface Features {
  readonly length: number;
  readonly digits: number;
  /**
   * The most digits in one run of digits joined by single spaces or dashes: how a card number is
   * printed ('4111 1111 1111 1111'). At most `digits`; a date or a time has short runs.
   */
  readonly run: number;
  readonly upper: number;
  readonly at: boolean;
  readonly dollar: boolean;
  readonly colon: boolean;
  readonly dot: boolean;
  readonly assign: boolean;
}

/** The features of a text, as the scanners' gates read them. */
export function textFeatures(text: string): Features {
  let digits = 0;
  let run = 0;
  // digits of the current run, and whether the last character was a separator right after a digit
  let current = 0;
  let joined = false;
  let upper = 0;
  let at = false;
  let dollar = false;
  let colon = false;
  let dot = false;
  let assign = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      digits++;
      if (++current > run) run = current;
      joined = false;
      continue;
    }
    if ((c === 32 || c === 45) && current > 0 && !joined) joined = true;
    else {
      current = 0;
      joined = false;
    }
    if (c >= 65 && c <= 90) upper++;
    else if (c === 64) at = true;
    else if (c === 36) dollar = true;
    else if (c === 58) colon = assign = true;
    else if (c === 46) dot = true;
    else if (c === 61) assign = true;
  }
  return { length: text.length, digits, run, upper, at, dollar, colon, dot, assign };
}

/** Features all zero and false, to fill in place (the response fast path keeps one per scan). */
export function blankFeatures(): { -readonly [K in keyof Features]: Features[K] } {
  return {
    length: 0,
    digits: 0,
    run: 0,
    upper: 0,
    at: false,
    dollar: false,
    colon: false,
    dot: false,
    assign: false,
  };
}

/**
 * What a text must show before a scanner is worth running, as features at their least: all of one
 * alternative's conditions (minimum counts, characters present). Data rather than code, so one
 * compiled test decides for any set of scanners, with no call per scanner.
 */
type Need = Features;

const NOTHING: Need = Object.freeze(blankFeatures());

function need(n: Partial<Need>): Need {
  return Object.freeze({ ...NOTHING, ...n });
}

function meets(n: Need, f: Features): boolean {
  return (
    f.length >= n.length &&
    f.digits >= n.digits &&
    f.run >= n.run &&
    f.upper >= n.upper &&
    (f.at || !n.at) &&
    (f.dollar || !n.dollar) &&
    (f.colon || !n.colon) &&
    (f.dot || !n.dot) &&
    (f.assign || !n.assign)
  );
}

function meetsAny(needs: readonly Need[], f: Features): boolean {
  for (let k = 0; k < needs.length; k++) if (meets(needs[k]!, f)) return true;
  return false;
}

// Each scanner with the cheapest evidence it needs (any one of the alternatives); skipping is a
// speed-up, never a change of result.
const SCANNERS: readonly (readonly [SensitiveType, Scanner, readonly Need[]])[] = [
  // '-----BEGIN ' and a label with 'PRIVATE KEY': 15 capitals at least, whatever the length
  ['private_key', scanPrivateKeys, [need({ upper: 15 })]],
  ['jwt', scanJwts, [need({ dot: true, length: 10 })]],
  // the shortest format is Slack's: 'xoxb-' and 10 characters
  ['api_key', scanApiKeys, [need({ length: 15 })]],
  ['password_hash', scanPasswordHashes, [need({ dollar: true })]],
  ['email', scanEmails, [need({ at: true })]],
  // 13 digits in one run of groups (scanCards looks no further): not a date, a time or a UUID
  ['card', scanCards, [need({ run: 13 })]],
  ['iban', scanIbans, [need({ digits: 2, upper: 2, length: 15 })]],
  ['ssn', scanSsns, [need({ digits: 9 })]],
  ['national_id', scanNationalIds, [need({ digits: 6 })]],
  ['phone', scanPhones, [need({ digits: 8 })]],
  ['ip', scanIps, [need({ dot: true, digits: 4 }), need({ colon: true })]],
  ['secret_field', scanSecretAssignments, [need({ assign: true }), need({ upper: 1 })]],
];

/**
 * The gate of a set of scanners as data: each one-condition alternative folded into a threshold
 * (Infinity: none) or a flag, and the alternatives of several conditions kept whole. A text passes
 * when it meets any of them. Data, so that other engines (the response template's regular
 * expression) can compile the same gate.
 */
export interface Gate extends Features {
  readonly compound: readonly Features[];
}

/** The gate of the scanners of `types` (all when undefined), as data. */
export function gateOf(types: ReadonlySet<SensitiveType> | undefined): Gate {
  const needs = SCANNERS.filter(([type]) => types === undefined || types.has(type)).flatMap(([, , n]) => n);
  let length = Number.POSITIVE_INFINITY;
  let digits = Number.POSITIVE_INFINITY;
  let run = Number.POSITIVE_INFINITY;
  let upper = Number.POSITIVE_INFINITY;
  let at = false;
  let dollar = false;
  let colon = false;
  let dot = false;
  let assign = false;
  const compound: Need[] = [];
  for (const n of needs) {
    const conditions = [
      n.length > 0,
      n.digits > 0,
      n.run > 0,
      n.upper > 0,
      n.at,
      n.dollar,
      n.colon,
      n.dot,
      n.assign,
    ].filter(Boolean).length;
    if (conditions > 1) compound.push(n);
    else if (conditions === 0) length = 0;
    else if (n.length > 0) length = Math.min(length, n.length);
    else if (n.digits > 0) digits = Math.min(digits, n.digits);
    else if (n.run > 0) run = Math.min(run, n.run);
    else if (n.upper > 0) upper = Math.min(upper, n.upper);
    else {
      at ||= n.at;
      dollar ||= n.dollar;
      colon ||= n.colon;
      dot ||= n.dot;
      assign ||= n.assign;
    }
  }
  return Object.freeze({
    length,
    digits,
    run,
    upper,
    at,
    dollar,
    colon,
    dot,
    assign,
    compound: Object.freeze(compound),
  });
}

/**
 * The gate of the scanners of `types` (all when undefined): false for a text's features means no
 * classifier can match the text, whole or in part, so callers that compute the features themselves
 * (the response fast path, over bytes) may skip it. The gates are monotone, so the features of a
 * longer text that contains the trimmed one are a safe over-estimate.
 */
export function scannerGate(types: ReadonlySet<SensitiveType> | undefined): (f: Features) => boolean {
  // the response fast path asks this for every string of a body: an alternative with one condition
  // is a threshold or a flag, so the usual sets (a card, a hash, a key) cost a few comparisons;
  // only alternatives of several conditions are walked
  const { length, digits, run, upper, at, dollar, colon, dot, assign, compound } = gateOf(types);
  return (f) =>
    f.length >= length ||
    f.digits >= digits ||
    f.run >= run ||
    f.upper >= upper ||
    (at && f.at) ||
    (dollar && f.dollar) ||
    (colon && f.colon) ||
    (dot && f.dot) ||
    (assign && f.assign) ||
    (compound.length > 0 && meetsAny(compound, f));
}

function better(a: SensitiveMatch, b: SensitiveMatch): boolean {
  if (a.confidence !== b.confidence) return a.confidence > b.confidence;
  return a.end - a.start > b.end - b.start;
}

// Overlapping matches keep the most confident (then the longest): a card inside an IBAN is the IBAN.
function resolveOverlaps(found: SensitiveMatch[]): SensitiveMatch[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: SensitiveMatch[] = [];
  for (const m of found) {
    const last = kept[kept.length - 1];
    if (last === undefined || m.start >= last.end) kept.push(m);
    else if (better(m, last)) kept[kept.length - 1] = m;
  }
  return kept;
}

function scanAll(text: string, types: ReadonlySet<SensitiveType> | undefined): SensitiveMatch[] {
  const found: SensitiveMatch[] = [];
  const f = textFeatures(text);
  for (const [type, scan, needs] of SCANNERS) {
    if ((types === undefined || types.has(type)) && meetsAny(needs, f)) scan(text, found);
  }
  return found;
}

/** Every sensitive value inside a string; only the first maxLength (default 1 MiB) UTF-16 units are scanned. */
export function classifyText(text: string, options?: ClassifyOptions): SensitiveMatch[] {
  const max = options?.maxLength ?? DEFAULT_MAX_LENGTH;
  const scanned = text.length > max ? text.slice(0, max) : text;
  const min = options?.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const found = scanAll(scanned, options?.types).filter((m) => m.confidence >= min);
  return resolveOverlaps(found);
}

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) if (!isDigit(s.charCodeAt(k))) return false;
  return true;
}

// Checks that need the property name: bare numbers and digests are too ambiguous on their own.
function hinted(value: string, fieldName: string): SensitiveMatch | null {
  const end = value.length;
  if (allDigits(value)) {
    const hint = classifyFieldName(fieldName);
    if (hint === 'ssn' && ssnDigitsValid(value)) return match('ssn', 0.8, 0, end, 'US');
    if (hint === 'national_id' && end === 9) {
      if (bsnValid(value)) return match('national_id', 0.75, 0, end, 'NL');
      if (sinValid(value)) return match('national_id', 0.75, 0, end, 'CA');
    }
    if (hint === 'card' && end >= 12 && end <= 19 && luhnValid(value)) return match('card', 0.75, 0, end);
    if (hint === 'phone' && end >= 7 && end <= 15) return match('phone', 0.7, 0, end);
  }
  const digest = bareHexDigest(value);
  if (digest !== null && fieldSuggestsHash(fieldName)) return match('password_hash', 0.85, 0, end, digest);
  return null;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Whether a single value (a JSON leaf) is wholly one sensitive type; offsets refer to value. */
export function classifyValue(value: string, options?: ClassifyValueOptions): SensitiveMatch | null {
  const max = options?.maxLength ?? DEFAULT_MAX_LENGTH;
  if (value.length < 3 || value.length > max) return null;
  let s = 0;
  let e = value.length;
  while (s < e && isSpace(value.charCodeAt(s))) s++;
  while (e > s && isSpace(value.charCodeAt(e - 1))) e--;
  const core = s === 0 && e === value.length ? value : value.slice(s, e);
  const types = options?.types;
  const min = options?.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const fieldName = options?.fieldName;
  let best: SensitiveMatch | null = null;
  for (const m of scanAll(core, types)) {
    if (m.start !== 0 || m.end !== core.length) continue;
    if (best === null || m.confidence > best.confidence) best = m;
  }
  if (best !== null && fieldName !== undefined && classifyFieldName(fieldName) === best.type) {
    // The property name agreeing with the value raises confidence.
    best = { ...best, confidence: Math.min(1, best.confidence + 0.1) };
  }
  if (best === null && fieldName !== undefined) {
    const h = hinted(core, fieldName);
    if (h !== null && (types === undefined || types.has(h.type))) best = h;
  }
  if (best === null || best.confidence < min) return null;
  return s === 0 ? best : { ...best, start: best.start + s, end: best.end + s };
}
