import type { LoadedDocument, SourceLocation } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Severities from most to least serious. */
export const SEVERITIES: readonly Severity[] = Object.freeze(['critical', 'high', 'medium', 'low', 'info']);

/** Whether a value names a severity. */
export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** Rank for comparisons: critical 4 … info 0. */
export function severityRank(severity: Severity): number {
  return 4 - SEVERITIES.indexOf(severity);
}

/** OWASP API Security Top 10 (2023) categories. */
export type Category =
  | 'API1'
  | 'API2'
  | 'API3'
  | 'API4'
  | 'API5'
  | 'API6'
  | 'API7'
  | 'API8'
  | 'API9'
  | 'API10';

export const CATEGORIES: Readonly<Record<Category, string>> = Object.freeze({
  API1: 'Broken Object Level Authorization',
  API2: 'Broken Authentication',
  API3: 'Broken Object Property Level Authorization',
  API4: 'Unrestricted Resource Consumption',
  API5: 'Broken Function Level Authorization',
  API6: 'Unrestricted Access to Sensitive Business Flows',
  API7: 'Server Side Request Forgery',
  API8: 'Security Misconfiguration',
  API9: 'Improper Inventory Management',
  API10: 'Unsafe Consumption of APIs',
});

/** Where a finding points: a JSON pointer inside one of the document's files, and its line:column. */
export interface Place {
  readonly file: string;
  readonly pointer: string;
  readonly location: SourceLocation | undefined;
}

/** What a rule reports; the engine adds the rule's id, severity and category. */
export interface RuleHit extends Place {
  readonly message: string;
  /** The operation the flaw was found through, when there is one (also used to match inline ignores). */
  readonly operation?:
    | { readonly method: string; readonly path: string; readonly pointer: string }
    | undefined;
}

/** A finding of an audit. */
export interface Finding extends RuleHit {
  readonly rule: string;
  readonly severity: Severity;
  readonly category: Category;
}

/** A finding silenced by an inline `x-rampart-audit-ignore`, with the reason given. */
export interface SuppressedFinding extends Finding {
  readonly reason: string;
}

/** What every rule sees: the document, its operations and helpers shared by rules. */
export interface AuditContext {
  readonly doc: LoadedDocument;
  readonly operations: readonly Operation[];
  /** Ids of every known rule (so inline ignores can be checked). */
  readonly ruleIds: ReadonlySet<string>;
  /** Components' security schemes by name (resolved). */
  readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The place of a resolved object: where it was written (the component, not its first use). */
  placeOf(value: object, fallbackPointer: string): Place;
  /** The place of a pointer into the root document (following $refs). */
  placeAt(pointer: string): Place;
}

/** One audit rule. `check` must be pure and bounded: it reads the context and returns hits. */
export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly category: Category;
  readonly severity: Severity;
  /** Why it matters, one or two sentences. */
  readonly description: string;
  /** How to fix it, one or two sentences. */
  readonly fix: string;
  check(ctx: AuditContext): RuleHit[];
}
