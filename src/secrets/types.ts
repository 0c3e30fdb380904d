/** How sure a rule is that a match is a live credential. */
export type Confidence = 'low' | 'medium' | 'high';

/** Confidence levels from weakest to strongest, for threshold comparisons. */
export const CONFIDENCE_ORDER: readonly Confidence[] = ['low', 'medium', 'high'];

/** Numeric rank of a confidence level (low 0, medium 1, high 2). */
export function confidenceRank(c: Confidence): number {
  return CONFIDENCE_ORDER.indexOf(c);
}

/** One candidate credential a rule found in a text, by UTF-16 offsets. Holds the raw secret: internal only. */
export interface RuleHit {
  /** Offset of the secret's first character. */
  readonly start: number;
  /** Offset just past the secret. */
  readonly end: number;
  readonly secret: string;
  readonly confidence: Confidence;
  /** Why the confidence was lowered (e.g. "documentation example"), shown beside the finding. */
  readonly note?: string;
}

/**
 * A secret-detection rule. `find` must run in time linear in `text.length`: its regular expressions
 * use bounded quantifiers only, and any look-around work is confined to bounded windows.
 */
export interface SecretRule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The confidence of a plain match; `find` may lower or raise it per hit. */
  readonly confidence: Confidence;
  /** Literal strings one of which must occur in the text for the rule to run (a cheap pre-filter). */
  readonly keywords: readonly string[];
  /** Match the text, verifying checksums or structure where the format allows. */
  find(text: string): RuleHit[];
}

/** A reported finding. It carries only the redacted form of the secret, never the secret. */
export interface Finding {
  readonly ruleId: string;
  readonly title: string;
  /** Path as displayed: relative to the working directory, with forward slashes. */
  readonly file: string;
  /** For a source map, the embedded source (from `sources`) where the secret sits. */
  readonly source?: string;
  /** For a history scan, the commit that added the line. */
  readonly commit?: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly confidence: Confidence;
  readonly note?: string;
  /** A stable hash of rule id and secret (16 hex digits), for allowlists and SARIF fingerprints. */
  readonly fingerprint: string;
  /** At most 4 leading characters, then the length: e.g. `ghp_…(40 chars)`. */
  readonly redacted: string;
  readonly length: number;
}
