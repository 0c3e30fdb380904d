/**
 * The injection detection engine: one entry point over all detectors. A value is normalized
 * once (see ../normalize.ts: at most 64 KiB inspected, bounded decoding) and every enabled
 * detector looks at the same canonical view. Every detector is linear in the input length.
 */
import { canonicalize } from '../normalize.ts';
import { detectCmdi } from './cmdi.ts';
import { detectLdapi } from './ldapi.ts';
import { detectNoSqli, detectNoSqlKey } from './nosqli.ts';
import { detectSqli } from './sqli.ts';
import { detectSsrf } from './ssrf.ts';
import { detectSsti } from './ssti.ts';
import { detectTraversal } from './traversal.ts';
import type { Detection, DetectOptions, Detector, InjectionKind, Inspection } from './types.ts';
import { detectXss } from './xss.ts';
import { detectXxe } from './xxe.ts';

export type { Detection, DetectOptions, InjectionKind } from './types.ts';
export { detectNoSqlKey };

/** Every kind, in the order the detectors run (the cheapest and most specific first). */
export const INJECTION_KINDS: readonly InjectionKind[] = Object.freeze([
  'xxe',
  'nosqli',
  'ssti',
  'traversal',
  'ssrf',
  'xss',
  'cmdi',
  'ldapi',
  'sqli',
]);

const DETECTORS: Readonly<Record<InjectionKind, Detector>> = Object.freeze({
  sqli: detectSqli,
  nosqli: detectNoSqli,
  cmdi: detectCmdi,
  traversal: detectTraversal,
  ssrf: detectSsrf,
  xss: detectXss,
  xxe: detectXxe,
  ldapi: detectLdapi,
  ssti: detectSsti,
});

const NO_HOSTS: readonly string[] = Object.freeze([]);

function inspect(value: string, options: DetectOptions | undefined): Inspection {
  return { text: canonicalize(value), internalHosts: options?.internalHosts ?? NO_HOSTS };
}

function runDetector(kind: InjectionKind, input: Inspection): Detection | null {
  return DETECTORS[kind](input);
}

/** Inspect one untrusted string; the highest-scoring detection, or null when clean. */
export function detectInjection(value: string, options?: DetectOptions): Detection | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const input = inspect(value, options);
  let top: Detection | null = null;
  for (const kind of INJECTION_KINDS) {
    if (options?.kinds !== undefined && !options.kinds.has(kind)) continue;
    const found = runDetector(kind, input);
    if (found !== null && (top === null || found.score > top.score)) {
      top = found;
      if (top.score >= 0.95) break;
    }
  }
  return top;
}

/** Inspect one untrusted string with every enabled detector; all detections, highest score first. */
export function detectAll(value: string, options?: DetectOptions): Detection[] {
  if (typeof value !== 'string' || value.length === 0) return [];
  const input = inspect(value, options);
  const found: Detection[] = [];
  for (const kind of INJECTION_KINDS) {
    if (options?.kinds !== undefined && !options.kinds.has(kind)) continue;
    const d = runDetector(kind, input);
    if (d !== null) found.push(d);
  }
  return found.sort((a, b) => b.score - a.score);
}
