import type { AccessRecord } from '../../gateway/handler.ts';
import { redactEvidence } from './redact.ts';
import type { SecurityEvent, Severity } from './types.ts';

// Severity by the family of the code: the part before the first dot.
const SEVERITY = new Map<string, Severity>([
  ['inject', 'high'],
  ['authz', 'high'],
  ['graphql', 'medium'],
  ['auth', 'medium'],
  ['input', 'medium'],
  ['response', 'medium'],
  ['client', 'medium'],
  ['bruteforce', 'high'],
  ['ratelimit', 'low'],
  ['quota', 'low'],
  ['route', 'low'],
  ['request', 'low'],
  ['upstream', 'info'],
]);

/** The category of a code (`inject.sqli` → `inject`). */
export function categoryOf(code: string): string {
  const dot = code.indexOf('.');
  return dot === -1 ? code : code.slice(0, dot);
}

/** The severity of a code; unknown families are `medium`. */
export function severityOf(code: string): Severity {
  return SEVERITY.get(categoryOf(code)) ?? 'medium';
}

// Codes come from a closed set: each code's category and severity are computed once.
const FAMILY = new Map<string, { readonly category: string; readonly severity: Severity }>();
const FAMILY_LIMIT = 4_096;

function familyOf(code: string): { readonly category: string; readonly severity: Severity } {
  let f = FAMILY.get(code);
  if (f === undefined) {
    f = { category: categoryOf(code), severity: severityOf(code) };
    // a bounded cache: an unexpected stream of distinct codes is computed, not kept
    if (FAMILY.size < FAMILY_LIMIT) FAMILY.set(code, f);
  }
  return f;
}

/**
 * The security events one access record carries: its enforced refusal or error, every refusal a
 * monitor-mode policy would have made, and its notable decisions (data masked). An allowed request
 * with none of these carries none.
 */
export function eventsFromRecord(record: AccessRecord, time: number = Date.now()): SecurityEvent[] {
  const out: SecurityEvent[] = [];
  const consumer = record.consumer ?? null;
  const route = record.route ?? record.path.slice(0, 512);
  const event = (
    code: string,
    severity: Severity,
    action: SecurityEvent['action'],
    evidence: string | undefined,
  ) =>
    out.push({
      time,
      requestId: record.requestId,
      consumer,
      ip: record.clientIp,
      method: record.method,
      route,
      category: familyOf(code).category,
      code,
      severity,
      action,
      status: record.status,
      evidence: redactEvidence(evidence),
    });
  if ((record.decision === 'refuse' || record.decision === 'error') && record.code !== undefined) {
    const code = record.code;
    event(
      code,
      record.decision === 'error' ? 'medium' : familyOf(code).severity,
      record.decision,
      record.evidence,
    );
  }
  if (record.monitored !== undefined) {
    for (const m of record.monitored) {
      const code = m.refusal.code;
      event(code, familyOf(code).severity, 'monitor', m.refusal.evidence);
    }
  }
  // notable decisions are not refusals: recorded with action `monitor`, like the anomaly detections
  if (record.notable !== undefined)
    for (const n of record.notable) event(n.code, n.severity, 'monitor', n.evidence);
  return out;
}
