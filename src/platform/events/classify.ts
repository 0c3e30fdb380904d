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

/**
 * The security events one access record carries: its enforced refusal or error, every refusal a
 * monitor-mode policy would have made, and its notable decisions (data masked). An allowed request
 * with none of these carries none.
 */
export function eventsFromRecord(record: AccessRecord, time: number = Date.now()): SecurityEvent[] {
  const out: SecurityEvent[] = [];
  const consumer = record.consumer ?? null;
  const route = record.route ?? record.path.slice(0, 512);
  const base = {
    time,
    requestId: record.requestId,
    consumer,
    ip: record.clientIp,
    method: record.method,
    route,
    status: record.status,
  };
  if ((record.decision === 'refuse' || record.decision === 'error') && record.code !== undefined) {
    out.push({
      ...base,
      category: categoryOf(record.code),
      code: record.code,
      severity: record.decision === 'error' ? 'medium' : severityOf(record.code),
      action: record.decision,
      evidence: redactEvidence(record.evidence),
    });
  }
  if (record.monitored !== undefined) {
    for (const m of record.monitored) {
      out.push({
        ...base,
        category: categoryOf(m.refusal.code),
        code: m.refusal.code,
        severity: severityOf(m.refusal.code),
        action: 'monitor',
        evidence: redactEvidence(m.refusal.evidence),
      });
    }
  }
  if (record.notable !== undefined) {
    // not refusals: recorded with action `monitor`, like the anomaly detections
    for (const n of record.notable) {
      out.push({
        ...base,
        category: categoryOf(n.code),
        code: n.code,
        severity: n.severity,
        action: 'monitor',
        evidence: redactEvidence(n.evidence),
      });
    }
  }
  return out;
}
