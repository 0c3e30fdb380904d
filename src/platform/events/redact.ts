/** The longest evidence kept in an event. */
export const MAX_EVIDENCE = 256;

// Each pattern is a literal prefix followed by one bounded character class: linear time.
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{1,4096}/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{0,4096}/g;
const ASSIGNMENT =
  /\b(password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?token|authorization|cookie|session)(["']?\s{0,4}[:=]\s{0,4}["']?)[^\s"'&,;}]{1,4096}/gi;
const URL_CREDENTIALS = /(\/\/)[^\s/:@]{1,256}:[^\s/@]{1,256}@/g;

/**
 * Redact credentials from evidence (bearer and basic tokens, JWTs, `password=…`-like assignments,
 * user:password in URLs) and truncate it; control characters become spaces.
 */
export function redactEvidence(evidence: string | undefined | null): string | null {
  if (evidence === undefined || evidence === null || evidence === '') return null;
  let s = evidence.length > MAX_EVIDENCE * 4 ? evidence.slice(0, MAX_EVIDENCE * 4) : evidence;
  s = s
    .replace(BEARER, '$1 [redacted]')
    .replace(JWT, '[redacted-jwt]')
    .replace(ASSIGNMENT, '$1$2[redacted]')
    .replace(URL_CREDENTIALS, '$1[redacted]@');
  s = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return s.length > MAX_EVIDENCE ? `${s.slice(0, MAX_EVIDENCE - 1)}…` : s;
}
