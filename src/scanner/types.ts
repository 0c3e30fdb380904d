/** Shared types of the scanner: checks, findings, evidence. */
import type { Category, Severity } from '../audit/types.ts';
import type { Operation } from '../openapi/operations.ts';

export type { Category, Severity } from '../audit/types.ts';
export { CATEGORIES, isSeverity, SEVERITIES, severityRank } from '../audit/types.ts';

/** What a check is: stable id, OWASP category, CWE, default severity with its reasoning, and the fix. */
export interface CheckMeta {
  readonly id: string;
  readonly title: string;
  readonly category: Category;
  readonly cwe: number;
  readonly severity: Severity;
  /** CVSS-like reasoning: who can exploit it, how hard, what is lost. */
  readonly severityReason: string;
  readonly description: string;
  /** The fix, naming the Rampart gateway policy that stops it. */
  readonly remediation: string;
}

/** One request the scanner sends, as recorded in evidence (credentials redacted). */
export interface EvidenceRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One response as recorded in evidence (body cut to a few KiB). */
export interface EvidenceResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly elapsedMs: number;
}

/** A request and what came back: the response, or the transport error. */
export interface Evidence {
  readonly request: EvidenceRequest;
  readonly response: EvidenceResponse | null;
  readonly error?: string;
  /** Why this exchange is part of the proof. */
  readonly note?: string;
}

/** The operation a finding is about; `*` for target-wide findings. */
export interface FindingOperation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
}

/** One confirmed flaw. */
export interface Finding {
  /** Stable fingerprint: check id, operation and a detail key (used by baselines). */
  readonly id: string;
  readonly checkId: string;
  readonly title: string;
  readonly category: Category;
  readonly cwe: number;
  readonly severity: Severity;
  readonly severityReason: string;
  readonly operation: FindingOperation;
  /** What was found, in one or two sentences. */
  readonly message: string;
  readonly evidence: readonly Evidence[];
  readonly remediation: string;
}

/** One unit of work of a check (one operation, or the target as a whole). */
export interface CheckUnit {
  readonly op: Operation | null;
  /** What will be tried, for --dry-run. */
  readonly label: string;
  /** Sends PUT/PATCH/DELETE (or otherwise changes state): needs --allow-destructive. */
  readonly destructive: boolean;
}

/** A method the scanner treats as state-changing. */
export function isDestructiveMethod(method: string): boolean {
  const m = method.toLowerCase();
  return m === 'put' || m === 'patch' || m === 'delete';
}

/** The operation as findings name it. */
export function findingOperation(op: Operation | null): FindingOperation {
  return op === null
    ? { method: '*', path: '*', operationId: undefined }
    : { method: op.method.toUpperCase(), path: op.path, operationId: op.operationId };
}
