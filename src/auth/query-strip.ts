/** Most `&`-separated parts looked at; a longer query is handled whole by the refusal limits elsewhere. */
const MAX_PARTS = 1024;

/**
 * The query string without the parameters named `names` (compared after the same decoding
 * URLSearchParams applies, so `api%5Fkey=` goes too); every other part is kept byte for byte, in order.
 * Returns the input itself when nothing was removed.
 */
export function withoutQueryParams(query: string, names: ReadonlySet<string>): string {
  if (query === '' || names.size === 0) return query;
  const parts = query.split('&', MAX_PARTS + 1);
  if (parts.length > MAX_PARTS) {
    // beyond the bound, decode it whole: slower but still removes every occurrence
    const all = new URLSearchParams(query);
    for (const n of names) all.delete(n);
    return all.toString();
  }
  let removed = false;
  const kept: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = new URLSearchParams(`${rawName}=`).keys().next().value;
    if (name !== undefined && names.has(name)) removed = true;
    else kept.push(part);
  }
  return removed ? kept.join('&') : query;
}
