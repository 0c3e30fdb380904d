/**
 * The upstream's Content-Encoding on a held response. The gateway asks the upstream for identity
 * whenever a response filter may read the body; an upstream that compresses anyway gets its body
 * decoded here, within the filters' cap, so that a compressed body is filtered like any other
 * instead of passing unread.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** A coding the gateway decodes. */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

/**
 * What a Content-Encoding header asks of the reader: null for none (absent, empty or identity), a
 * coding the gateway decodes, or 'unknown' (another coding, or several stacked).
 */
export function contentCoding(value: string | string[] | undefined): ContentCoding | 'unknown' | null {
  if (value === undefined) return null;
  const joined = typeof value === 'string' ? value : value.join(',');
  const codings = joined
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return null;
  if (codings.length > 1) return 'unknown';
  const c = codings[0]!;
  if (c === 'gzip' || c === 'x-gzip') return 'gzip';
  if (c === 'deflate') return 'deflate';
  if (c === 'br') return 'br';
  return 'unknown';
}

/** A decoded body, or why there is none: it decodes past `maxBytes`, or it is not that coding. */
export type Decoded =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: 'too-large' | 'corrupt' };

/**
 * `bytes` decoded from `coding`, at most `maxBytes` of output (a small body that expands without
 * bound stops there). Synchronous: the work is bounded by the cap, as the filters' own pass is.
 */
export function decodeBody(bytes: Buffer, coding: ContentCoding, maxBytes: number): Decoded {
  // one byte over the cap tells "exactly the cap" from "more"
  const options = { maxOutputLength: maxBytes + 1 };
  const attempt = (decode: () => Buffer): Decoded => {
    try {
      const out = decode();
      return out.byteLength > maxBytes ? { ok: false, reason: 'too-large' } : { ok: true, bytes: out };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { ok: false, reason: code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'corrupt' };
    }
  };
  if (coding === 'gzip') return attempt(() => gunzipSync(bytes, options));
  if (coding === 'br') return attempt(() => brotliDecompressSync(bytes, options));
  // HTTP's deflate is the zlib format; some servers send raw deflate under that name
  const zlib = attempt(() => inflateSync(bytes, options));
  return zlib.ok || zlib.reason === 'too-large' ? zlib : attempt(() => inflateRawSync(bytes, options));
}

/** A held response's Content-Encoding, and the length that went with it. */
export interface CodedHead {
  readonly coding: ContentCoding | 'unknown';
  readonly value: string | string[];
  readonly length: string | string[] | undefined;
}

/**
 * The coding of a response head, taken out of `headers` when the gateway decodes it (the filters,
 * and the client, then see the content; the length is set again when the body is sent); left in
 * for a coding it cannot decode. Undefined: no coding.
 */
export function takeCoding(headers: Record<string, string | string[]>): CodedHead | undefined {
  const value = headers['content-encoding'];
  const coding = contentCoding(value);
  if (coding === null || value === undefined) return undefined;
  const length = headers['content-length'];
  if (coding !== 'unknown') {
    delete headers['content-encoding'];
    delete headers['content-length'];
  }
  return { coding, value, length };
}

/** Put a taken coding back: the body goes out as the upstream sent it. */
export function restoreCoding(headers: Record<string, string | string[]>, coded: CodedHead): void {
  if (coded.coding === 'unknown') return;
  headers['content-encoding'] = coded.value;
  if (coded.length !== undefined) headers['content-length'] = coded.length;
}
