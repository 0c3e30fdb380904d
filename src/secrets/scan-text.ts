import { fingerprint, redact } from './redact.ts';
import { RULES } from './rules/index.ts';
import type { Confidence, RuleHit, SecretRule } from './types.ts';

/** The inline marker that silences findings on its line. */
export const IGNORE_MARKER = 'rampart:ignore-secret';

/** A finding located in one text; the caller adds where the text came from. No raw secret inside. */
export interface TextFinding {
  readonly rule: SecretRule;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly confidence: Confidence;
  readonly note?: string;
  readonly fingerprint: string;
  readonly redacted: string;
  readonly length: number;
}

interface Ranked {
  readonly rank: number;
  readonly hit: RuleHit;
}

/** Offsets of the base64 payloads of `data:…;base64,` URIs: images are not secrets, whatever they spell. */
function dataUriRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let at = text.indexOf(';base64,');
  while (at >= 0) {
    const from = at + 8;
    let to = from;
    while (to < text.length && isBase64Char(text.charCodeAt(to))) to++;
    ranges.push([from, to]);
    at = text.indexOf(';base64,', to);
  }
  return ranges;
}

function isBase64Char(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61
  );
}

function insideAny(ranges: ReadonlyArray<[number, number]>, start: number, end: number): boolean {
  return ranges.some(([a, b]) => start >= a && end <= b);
}

/** Keeps non-overlapping hits, preferring the more specific rule (lower rank), in start order. */
function dedupe(ranked: Ranked[]): Ranked[] {
  ranked.sort((a, b) => a.rank - b.rank || a.hit.start - b.hit.start);
  const kept: Ranked[] = [];
  for (const r of ranked) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((kept[mid] as Ranked).hit.start < r.hit.start) lo = mid + 1;
      else hi = mid;
    }
    const before = kept[lo - 1];
    const after = kept[lo];
    if (before && before.hit.end > r.hit.start) continue;
    if (after && after.hit.start < r.hit.end) continue;
    kept.splice(lo, 0, r);
  }
  return kept;
}

/** Start offsets of every line, for offset → line:column lookups. */
function lineStarts(text: string): number[] {
  const starts = [0];
  let at = text.indexOf('\n');
  while (at >= 0) {
    starts.push(at + 1);
    at = text.indexOf('\n', at + 1);
  }
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Lines (0-based) carrying the inline ignore marker. */
function ignoredLines(text: string, starts: readonly number[]): Set<number> {
  const lines = new Set<number>();
  let at = text.indexOf(IGNORE_MARKER);
  while (at >= 0) {
    lines.add(lineOf(starts, at));
    at = text.indexOf(IGNORE_MARKER, at + IGNORE_MARKER.length);
  }
  return lines;
}

/**
 * Scans one text with every rule whose keywords occur in it. Hits inside data-URI payloads, overlapped by
 * a more specific rule's hit, or on a line marked `rampart:ignore-secret` are dropped. Each rule runs in
 * linear time, so long minified lines cost no more than many short ones.
 */
export function scanText(text: string, rules: readonly SecretRule[] = RULES): TextFinding[] {
  const ranked: Ranked[] = [];
  rules.forEach((rule, rank) => {
    if (rule.keywords.length > 0 && !rule.keywords.some((k) => text.includes(k))) return;
    for (const hit of rule.find(text)) ranked.push({ rank, hit });
  });
  if (ranked.length === 0) return [];
  const images = text.includes(';base64,') ? dataUriRanges(text) : [];
  const kept = dedupe(ranked.filter((r) => !insideAny(images, r.hit.start, r.hit.end)));
  const starts = lineStarts(text);
  const ignored = text.includes(IGNORE_MARKER) ? ignoredLines(text, starts) : new Set<number>();
  const out: TextFinding[] = [];
  for (const { rank, hit } of kept) {
    const rule = rules[rank] as SecretRule;
    const line = lineOf(starts, hit.start);
    const endLine = lineOf(starts, Math.max(hit.start, hit.end - 1));
    if (ignored.has(line) || ignored.has(endLine)) continue;
    out.push({
      rule,
      line: line + 1,
      column: hit.start - (starts[line] as number) + 1,
      endLine: endLine + 1,
      endColumn: hit.end - (starts[endLine] as number) + 1,
      confidence: hit.confidence,
      ...(hit.note !== undefined ? { note: hit.note } : {}),
      fingerprint: fingerprint(rule.id, hit.secret),
      redacted: redact(hit.secret),
      length: hit.secret.length,
    });
  }
  return out;
}
