/**
 * The scanner's only way out: every request goes to the target's origin, paced by a rate cap,
 * counted against a budget, cut by a timeout, and read up to a byte limit. It never throws for
 * what the target does (refused connections, garbage, huge bodies): those become an error string.
 */
import { Agent, request } from 'undici';

/** A request relative to the target: path (with query) under the target's base path. */
export interface ScanRequest {
  readonly method: string;
  /** Starts with '/'; already encoded; may carry a query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The identity whose credentials are in the headers (for evidence), or null. */
  readonly identity?: string | null;
}

/** A response, its body decoded as UTF-8 and cut at the byte limit. */
export interface ScanResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Bytes read (at most the limit). */
  readonly bytes: number;
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

/** One request and its outcome. */
export interface Exchange {
  readonly request: ScanRequest;
  readonly url: string;
  readonly response: ScanResponse | null;
  /** A transport-level failure (refused, reset, timeout, invalid HTTP). */
  readonly error: string | undefined;
}

/** Options of createScanClient. */
export interface ScanClientOptions {
  readonly target: URL;
  /** Requests per second, over all concurrent callers. */
  readonly rate: number;
  readonly maxRequests: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** After this many transport errors in a row the target is declared gone. */
  readonly maxConsecutiveErrors?: number;
}

/** The request budget is spent: the scan stops and reports what it has. */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
}

/** The target stopped answering HTTP (many transport errors in a row). */
export class TargetGoneError extends Error {
  override readonly name = 'TargetGoneError';
}

/** The bounded HTTP client of one scan. */
export interface ScanClient {
  readonly origin: string;
  /** Requests sent so far. */
  sent(): number;
  /** Requests left in the budget. */
  remaining(): number;
  send(req: ScanRequest, options?: { timeoutMs?: number }): Promise<Exchange>;
  close(): Promise<void>;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const causeCode = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
    const name = typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : err.name;
    return `${name}: ${err.message.slice(0, 200)}`;
  }
  return String(err).slice(0, 200);
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let n = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ++n > 200) continue;
    out[name.toLowerCase()] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 8192);
  }
  return out;
}

/** Create the client; requests whose URL leaves the target's origin are refused before any socket. */
export function createScanClient(options: ScanClientOptions): ScanClient {
  const origin = options.target.origin;
  const base = options.target.pathname.replace(/\/+$/, '');
  const interval = 1000 / options.rate;
  const maxErrors = options.maxConsecutiveErrors ?? 25;
  const agent = new Agent({
    connect: { timeout: Math.min(options.timeoutMs, 10_000), rejectUnauthorized: false },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connections: 16,
  });
  let count = 0;
  let nextSlot = 0;
  let consecutiveErrors = 0;

  // Pace requests: each takes the next free slot of the rate cap, however many callers wait.
  async function pace(): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + interval;
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  }

  async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<[Buffer, boolean]> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const room = options.maxResponseBytes - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        body.destroy();
        return [Buffer.concat(chunks, size), true];
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return [Buffer.concat(chunks, size), false];
  }

  return {
    origin,
    sent: () => count,
    remaining: () => Math.max(0, options.maxRequests - count),
    async send(req, opts) {
      const url = `${origin}${base}${req.path}`;
      const parsed = new URL(url);
      if (parsed.origin !== origin || !req.path.startsWith('/')) {
        // A programming error in a check, never the target's doing: refuse without sending.
        return { request: req, url, response: null, error: 'refused: outside the target origin' };
      }
      if (count >= options.maxRequests)
        throw new BudgetExceededError(`request budget of ${options.maxRequests} spent`);
      count++;
      await pace();
      const timeoutMs = opts?.timeoutMs ?? options.timeoutMs;
      const started = performance.now();
      try {
        const res = await request(url, {
          dispatcher: agent,
          method: req.method as 'GET',
          headers: { ...req.headers },
          body: req.body ?? null,
          signal: AbortSignal.timeout(timeoutMs),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const [buf, truncated] = await readBounded(res.body);
        consecutiveErrors = 0;
        return {
          request: req,
          url,
          response: {
            status: res.statusCode,
            headers: flatHeaders(res.headers),
            body: buf.toString('utf8'),
            bytes: buf.length,
            truncated,
            elapsedMs: performance.now() - started,
          },
          error: undefined,
        };
      } catch (err) {
        consecutiveErrors++;
        if (consecutiveErrors >= maxErrors) {
          throw new TargetGoneError(
            `the target stopped answering (${maxErrors} failed requests in a row; last: ${errorText(err)})`,
          );
        }
        return { request: req, url, response: null, error: errorText(err) };
      }
    },
    close: () => agent.close().catch(() => undefined),
  };
}
