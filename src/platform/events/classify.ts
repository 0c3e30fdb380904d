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

/** One event of `record`; a plain function, not a closure per record, on the request path. */
function eventOf(
  record: AccessRecord,
  time: number,
  code: string,
  category: string,
  severity: Severity,
  action: SecurityEvent['action'],
  evidence: string | undefined,
): SecurityEvent {
  const routed = record.route !== undefined;
  return {
    time,
    requestId: record.requestId,
    consumer: record.consumer ?? null,
    ip: record.clientIp,
    method: record.method,
    route: routed ? (record.route as string) : record.path.slice(0, 512),
    routed,
    category,
    code,
    severity,
    action,
    status: record.status,
    evidence: redactEvidence(evidence),
  };
}

/** `out` with `e` added; most records carry one event: an array literal of one, not an empty array grown by push. */
function append(out: SecurityEvent[] | undefined, e: SecurityEvent): SecurityEvent[] {
  if (out === undefined) return [e];
  out.push(e);
  return out;
}

/**
 * The security events one access record carries: its enforced refusal or error, every refusal a
 * monitor-mode policy would have made, and its notable decisions (data masked). An allowed request
 * with none of these carries none.
 */
export function eventsFromRecord(record: AccessRecord, time: number = Date.now()): SecurityEvent[] {
  let out: SecurityEvent[] | undefined;
  if ((record.decision === 'refuse' || record.decision === 'error') && record.code !== undefined) {
    const code = record.code;
    const f = familyOf(code);
    const severity = record.decision === 'error' ? 'medium' : f.severity;
    out = append(out, eventOf(record, time, code, f.category, severity, record.decision, record.evidence));
  }
  if (record.monitored !== undefined) {
    for (let i = 0; i < record.monitored.length; i++) {
      const refusal = record.monitored[i]!.refusal;
      const f = familyOf(refusal.code);
      out = append(
        out,
        eventOf(record, time, refusal.code, f.category, f.severity, 'monitor', refusal.evidence),
      );
    }
  }
  // notable decisions are not refusals: recorded with action `monitor`, like the anomaly detections
  if (record.notable !== undefined)
    for (const n of record.notable)
      out = append(
        out,
        eventOf(record, time, n.code, familyOf(n.code).category, n.severity, 'monitor', n.evidence),
      );
  return out ?? [];
}
