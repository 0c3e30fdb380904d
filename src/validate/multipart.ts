/**
 * A bounded `multipart/form-data` parser (RFC 7578) over a buffered body: parts are found with
 * Buffer.indexOf of the delimiter (linear for a bounded boundary), with caps on the number of
 * parts, the size of each and the size of each part's header block.
 */

/** One part: its field name, the file name when it is a file, its Content-Type, its bytes. */
export interface Part {
  readonly name: string;
  readonly filename: string | undefined;
  /** Lower-case `type/subtype`; undefined when the part sent none. */
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

export interface MultipartLimits {
  readonly maxParts: number;
  readonly maxPartBytes: number;
}

/** Why a multipart body is refused. */
export interface MultipartFailure {
  readonly code: 'input.multipart' | 'input.limits';
  readonly detail: string;
}

const MAX_HEADER_BLOCK = 8 * 1024;
const MAX_PART_HEADERS = 16;
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{1,70}$/;
const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Whether a boundary parameter is one RFC 2046 allows (1–70 characters, no trailing space). */
export function validBoundary(boundary: string): boolean {
  return BOUNDARY.test(boundary) && !boundary.endsWith(' ');
}

/** Split `form-data; name="a"; filename="b.png"` into lower-case parameter names and values. */
export function dispositionParams(value: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let i = value.indexOf(';');
  if (i < 0 || value.slice(0, i).trim().toLowerCase() !== 'form-data') return undefined;
  i++;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    if (i >= n) break;
    const eq = value.indexOf('=', i);
    if (eq < 0) return undefined;
    const name = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let v: string;
    if (value[i] === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && value[j] !== '"') {
        if (value[j] === '\\' && j + 1 < n) j++;
        s += value[j];
        j++;
      }
      if (j >= n) return undefined;
      v = s;
      i = j + 1;
    } else {
      const semi = value.indexOf(';', i);
      const end = semi < 0 ? n : semi;
      v = value.slice(i, end).trim();
      i = end;
    }
    if (out.has(name)) return undefined;
    out.set(name, v);
  }
  return out;
}

/** Parse a buffered multipart body; the parts, or why it is refused. */
export function parseMultipart(
  body: Buffer,
  boundary: string,
  limits: MultipartLimits,
): { ok: true; parts: Part[] } | { ok: false; failure: MultipartFailure } {
  const bad = (detail: string) => ({
    ok: false as const,
    failure: { code: 'input.multipart' as const, detail },
  });
  if (!validBoundary(boundary)) return bad('invalid boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) return bad('no boundary in the body');
  const parts: Part[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // `--`: the close delimiter
    // transport padding (spaces, tabs) may follow a delimiter
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) return bad('malformed delimiter line');
    pos += 2;
    if (parts.length >= limits.maxParts) {
      return { ok: false, failure: { code: 'input.limits', detail: 'too many parts' } };
    }
    const headerEnd = body.indexOf(CRLFCRLF, pos);
    let headers: Map<string, string> | undefined;
    let contentStart: number;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
      headers = new Map();
      contentStart = pos + 2;
    } else {
      if (headerEnd < 0 || headerEnd - pos > MAX_HEADER_BLOCK) return bad('malformed part headers');
      headers = parsePartHeaders(body.toString('utf8', pos, headerEnd));
      if (headers === undefined) return bad('malformed part headers');
      contentStart = headerEnd + 4;
    }
    const end = body.indexOf(next, contentStart);
    if (end < 0) return bad('unterminated part');
    if (end - contentStart > limits.maxPartBytes) {
      return { ok: false, failure: { code: 'input.limits', detail: 'a part is too large' } };
    }
    const disposition = headers.get('content-disposition');
    const params = disposition === undefined ? undefined : dispositionParams(disposition);
    const name = params?.get('name');
    if (name === undefined) return bad('a part has no form-data name');
    const type = headers.get('content-type');
    const semi = type?.indexOf(';') ?? -1;
    parts.push({
      name,
      filename: params!.get('filename'),
      contentType:
        type === undefined ? undefined : (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase(),
      data: body.subarray(contentStart, end),
    });
    pos = end + CRLF.length;
  }
  return { ok: true, parts };
}

function parsePartHeaders(block: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const lines = block.split('\r\n', MAX_PART_HEADERS + 1);
  if (lines.length > MAX_PART_HEADERS) return undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (out.has(name)) return undefined;
    out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}
