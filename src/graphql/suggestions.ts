/**
 * Field suggestions ("Did you mean …?") name parts of the schema a client did not ask for: with
 * introspection off, they are how schemas get mapped (clairvoyance). This removes them from the
 * `errors[].message` strings of a GraphQL response.
 */

const MARK = 'Did you mean';
// Messages longer than this are cut: an upstream message is for a person, not for bulk data.
const MAX_MESSAGE = 4096;
const MAX_ERRORS = 100;

/** A message without its suggestions (graphql-js words them ` Did you mean "x"?`); linear time. */
export function stripSuggestion(message: string): string {
  const text = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message;
  let at = text.indexOf(MARK);
  if (at < 0) return text;
  let out = '';
  let from = 0;
  while (at >= 0) {
    out += text.slice(from, at).trimEnd();
    const end = text.indexOf('?', at + MARK.length);
    from = end < 0 ? text.length : end + 1;
    at = text.indexOf(MARK, from);
  }
  return out + text.slice(from);
}

/**
 * The response body with suggestions removed from its errors (a batch is an array of bodies), or
 * undefined when there were none, so that an untouched body is sent as it came.
 */
export function stripSuggestions(body: unknown): unknown | undefined {
  if (Array.isArray(body)) {
    let changed = false;
    const out = body.slice(0, MAX_ERRORS * 10).map((b) => {
      const s = stripSuggestions(b);
      if (s === undefined) return b;
      changed = true;
      return s;
    });
    return changed ? out : undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  let changed = false;
  const cleaned = errors.slice(0, MAX_ERRORS).map((e: unknown) => {
    if (typeof e !== 'object' || e === null) return e;
    const message = (e as { message?: unknown }).message;
    if (typeof message !== 'string') return e;
    const stripped = stripSuggestion(message);
    if (stripped === message) return e;
    changed = true;
    return { ...(e as Record<string, unknown>), message: stripped };
  });
  if (!changed && cleaned.length === errors.length) return undefined;
  return { ...(body as Record<string, unknown>), errors: cleaned };
}
