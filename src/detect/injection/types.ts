/** Shared types of the injection detectors (re-exported by index.ts). */

/** The classes of injection the engine recognizes; `inject.<kind>` is the refusal code. */
export type InjectionKind =
  | 'sqli'
  | 'nosqli'
  | 'cmdi'
  | 'traversal'
  | 'ssrf'
  | 'xss'
  | 'xxe'
  | 'ldapi'
  | 'ssti';

/** One finding: which class, which rule fired, how sure (0..1), and the matched text. */
export interface Detection {
  readonly kind: InjectionKind;
  readonly rule: string;
  readonly score: number;
  /** At most FRAGMENT_MAX characters of the matched part, from the canonical view. */
  readonly fragment: string;
}

/** Per-call options: restrict the kinds inspected, and name hosts SSRF must treat as internal. */
export interface DetectOptions {
  readonly kinds?: ReadonlySet<InjectionKind>;
  /** Exact host names, or suffixes when written `.corp.example` or `*.corp.example`. */
  readonly internalHosts?: readonly string[];
}

/** What a detector receives: the canonical view of the value (see normalize.ts). */
export interface Inspection {
  readonly text: string;
  readonly internalHosts: readonly string[];
}

/** A detector: pure, linear in the length of `text`, null when it finds nothing. */
export type Detector = (input: Inspection) => Detection | null;

/** Longest fragment a detection carries. */
export const FRAGMENT_MAX = 64;

/** Build a detection whose fragment is `text[start, end)` cut to FRAGMENT_MAX characters. */
export function detection(
  kind: InjectionKind,
  rule: string,
  score: number,
  text: string,
  start: number,
  end: number,
): Detection {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length, from + FRAGMENT_MAX));
  return { kind, rule, score, fragment: text.slice(from, to) };
}

/** True for ASCII letters, digits and underscore. */
export function isWordChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
  );
}

/** True for ASCII whitespace and control characters. */
export function isSpace(code: number): boolean {
  return code <= 32 || code === 127;
}
