// Formatting for the views: times in UTC, counts with thousands separators.

/** `2026-11-23 16:04:05 UTC` for an ISO timestamp, '—' for null. */
export function fmtTime(ts: string | null | undefined): string {
  if (ts === null || ts === undefined || ts === '') return '—';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `1,234` for a count, '—' for null. */
export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en-US');
}

/** `12.5%` of part over whole, '—' when whole is 0 or unknown. */
export function fmtPercent(part: number, whole: number | null): string {
  if (whole === null || whole === 0) return '—';
  return `${((100 * part) / whole).toFixed(1)}%`;
}

/** Split `a, b  c` into ['a', 'b', 'c']. */
export function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}
