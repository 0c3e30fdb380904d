/** Evidence as reports show it: credentials and known secrets redacted, bodies cut to a few KiB. */
import type { Exchange } from './http.ts';
import type { Evidence } from './types.ts';

const BODY_CHARS = 2048;
const MAX_SECRETS = 200;
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
]);
// Anything shaped like a compact JWT that is not one of ours is still a credential in a report.
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,1024}/g;

/** Redacts credential headers and registered secrets from exchanges. */
export interface Redactor {
  add(secret: string): void;
  /** Also redact this header name (an API key header from the config). */
  addHeader(name: string): void;
  text(value: string): string;
  evidence(exchange: Exchange, note?: string): Evidence;
}

function cut(text: string): string {
  return text.length > BODY_CHARS
    ? `${text.slice(0, BODY_CHARS)}… [${text.length - BODY_CHARS} more characters]`
    : text;
}

/** Create a redactor; secrets shorter than 4 characters are ignored (they would blank out ordinary text). */
export function createRedactor(): Redactor {
  const secrets: string[] = [];
  const headers = new Set(CREDENTIAL_HEADERS);
  const text = (value: string): string => {
    let out = value;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out.replace(JWT_SHAPE, (m) => `${m.slice(0, 12)}…[redacted token]`);
  };
  const headerMap = (h: Readonly<Record<string, string>> | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(h ?? {})) {
      const lower = name.toLowerCase();
      if (headers.has(lower)) {
        const scheme = /^(Bearer|Basic|Digest|Token)\s/i.exec(value)?.[1];
        out[lower] = scheme !== undefined ? `${scheme} [redacted]` : '[redacted]';
      } else {
        out[lower] = text(value).slice(0, 512);
      }
    }
    return out;
  };
  return {
    add(secret) {
      if (secret.length >= 4 && secrets.length < MAX_SECRETS && !secrets.includes(secret)) {
        secrets.push(secret);
        // Longest first, so that a secret containing another is replaced whole.
        secrets.sort((a, b) => b.length - a.length);
      }
    },
    addHeader(name) {
      headers.add(name.toLowerCase());
    },
    text,
    evidence(exchange, note) {
      const req = exchange.request;
      const body =
        req.body === undefined
          ? undefined
          : cut(text(typeof req.body === 'string' ? req.body : `<${req.body.length} bytes>`));
      const request = {
        method: req.method,
        url: text(exchange.url),
        headers: headerMap(req.headers),
        ...(body === undefined ? {} : { body }),
      };
      const res = exchange.response;
      const ev: Evidence = {
        request,
        response:
          res === null
            ? null
            : {
                status: res.status,
                headers: headerMap(res.headers),
                body: cut(text(res.body)),
                elapsedMs: Math.round(res.elapsedMs),
              },
        ...(exchange.error === undefined ? {} : { error: exchange.error }),
        ...(note === undefined ? {} : { note }),
      };
      return ev;
    },
  };
}
