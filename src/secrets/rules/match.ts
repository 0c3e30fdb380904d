import type { Confidence, RuleHit } from '../types.ts';

/** Most hits one rule reports in one text: bounds output and work on hostile input. */
export const MAX_HITS_PER_RULE = 1000;

/** What a per-match check decides: drop the match, or keep it (optionally at another confidence). */
export type CheckResult = false | { readonly confidence?: Confidence; readonly note?: string } | true;

/** A regular-expression rule body. `pattern` needs the `g` and `d` flags and bounded quantifiers only. */
export interface RegexSpec {
  readonly pattern: RegExp;
  /** Capture group holding the secret (0: the whole match); with a list, the first that took part. */
  readonly group?: number | readonly number[];
  readonly confidence: Confidence;
  readonly check?: (secret: string, match: RegExpExecArray, text: string) => CheckResult;
}

/** Runs a bounded regular expression over `text` and turns accepted matches into hits. */
export function findWithRegex(text: string, spec: RegexSpec): RuleHit[] {
  const re = new RegExp(spec.pattern.source, spec.pattern.flags);
  const groups = typeof spec.group === 'number' ? [spec.group] : (spec.group ?? [0]);
  const hits: RuleHit[] = [];
  let m = re.exec(text);
  while (m !== null && hits.length < MAX_HITS_PER_RULE) {
    if (m[0].length === 0) re.lastIndex++;
    const group = groups.find((g) => m?.[g] !== undefined) ?? 0;
    const secret = m[group];
    const span = m.indices?.[group];
    if (secret !== undefined && span !== undefined) {
      const verdict = spec.check ? spec.check(secret, m, text) : true;
      if (verdict !== false) {
        const extra = verdict === true ? {} : verdict;
        hits.push({
          start: span[0],
          end: span[1],
          secret,
          confidence: extra.confidence ?? spec.confidence,
          ...(extra.note !== undefined ? { note: extra.note } : {}),
        });
      }
    }
    m = re.exec(text);
  }
  return hits;
}

const EXAMPLE_MARKERS = ['example', 'sample', 'dummy', 'placeholder', 'xxxxxxxx', 'fake'];

/** True when a well-formed credential is visibly a documentation value (AWS's `…EXAMPLE` keys and the like). */
export function isDocumentationExample(secret: string): boolean {
  const lower = secret.toLowerCase();
  return EXAMPLE_MARKERS.some((w) => lower.includes(w));
}

/** Keeps a match but marks documentation examples low confidence, so they show without failing a build. */
export function exampleCheck(secret: string): CheckResult {
  return isDocumentationExample(secret) ? { confidence: 'low', note: 'documentation example' } : true;
}
