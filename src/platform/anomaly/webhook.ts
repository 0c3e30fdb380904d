/**
 * Alerts to a webhook: a bounded queue drained by one sender, each alert POSTed as JSON (or a
 * Slack-compatible `{ text }` payload) and signed with HMAC-SHA256 over `timestamp.body`, retried
 * with exponential backoff on network errors, timeouts, 429 and 5xx. Nothing here blocks or throws
 * into the caller: a full queue drops and counts, a failure is reported through `onResult`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AnomalyConfig } from '../../config/schema.ts';
import { ConfigError } from '../../errors.ts';

/** The header carrying the signature: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export const SIGNATURE_HEADER = 'x-rampart-signature';
/** The header carrying the Unix time (seconds) the signature covers. */
export const TIMESTAMP_HEADER = 'x-rampart-timestamp';
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 300_000;

/** The `anomaly.webhook` settings. */
export type WebhookConfig = NonNullable<AnomalyConfig['webhook']>;

/** What an alert says; serialized as is (format json) or as Slack text. */
export interface Alert {
  readonly type: 'rampart.anomaly';
  readonly time: string;
  readonly code: string;
  readonly severity: string;
  readonly subject: string;
  readonly evidence: string;
  readonly ip: string;
  readonly consumer: string | null;
  readonly route: string;
  readonly requestId: string;
  /** The other responses taken (block, revoke). */
  readonly responses: readonly string[];
}

/** How an alert ended. */
export interface AlertResult {
  readonly alert: Alert;
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last HTTP status, or the error kind (`timeout`, `network`). */
  readonly last: string;
}

/** The signature of `body` at `timestamp` (seconds) with `secret`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Check a received webhook (for receivers and tests): the signature matches in constant time and
 * the timestamp is within `toleranceSeconds` of `now` (replay window).
 */
export function verifyWebhook(
  secret: string,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  body: string,
  toleranceSeconds = 300,
  now: number = Date.now(),
): boolean {
  if (timestampHeader === undefined || signatureHeader === undefined) return false;
  if (!/^\d{1,12}$/.test(timestampHeader)) return false;
  const ts = Number(timestampHeader);
  if (Math.abs(now / 1000 - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(signatureHeader);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The Slack incoming-webhook payload of an alert. */
export function slackPayload(a: Alert): { text: string } {
  const who = a.consumer === null ? `ip ${a.ip}` : `consumer ${a.consumer} (ip ${a.ip})`;
  const done = a.responses.length === 0 ? 'recorded' : a.responses.join(', ');
  return {
    text: `:rotating_light: Rampart ${a.code} [${a.severity}] ${who} on ${a.route}: ${a.evidence}. Response: ${done}. Request ${a.requestId}`,
  };
}

/** The delay before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(baseMs: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(attempt - 1, 30));
}

/** The sender: enqueue never blocks; close stops the retries. */
export interface WebhookSender {
  /** Queue an alert; false when the queue is full (dropped, counted). */
  send(alert: Alert): boolean;
  readonly queued: number;
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  /** Resolves once the queue is empty and no attempt is running (tests, shutdown). */
  idle(): Promise<void>;
  /** Let the running attempt finish (bounded by its timeout), then drop what is left. */
  close(): Promise<void>;
}

/** Check the webhook settings at start: an http(s) URL, and a secret unless the format is Slack's. */
export function checkWebhookConfig(cfg: WebhookConfig): URL {
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    throw new ConfigError('the webhook URL is not a URL', { key: 'anomaly.webhook.url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('the webhook URL must be http or https', { key: 'anomaly.webhook.url' });
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('the webhook URL must not carry credentials', { key: 'anomaly.webhook.url' });
  }
  if (cfg.format === 'json' && cfg.secret === undefined) {
    throw new ConfigError('a JSON webhook needs a secret to sign its alerts', {
      key: 'anomaly.webhook.secret',
      hint: 'secret: ${RAMPART_WEBHOOK_SECRET} (16 characters or more)',
    });
  }
  return url;
}

/** Start a sender for `cfg`; `onResult` hears how each alert ended. */
export function createWebhookSender(
  cfg: WebhookConfig,
  onResult: (result: AlertResult) => void,
  now: () => number = Date.now,
): WebhookSender {
  const url = checkWebhookConfig(cfg);
  const queue: Alert[] = [];
  let delivered = 0;
  let failed = 0;
  let dropped = 0;
  let running: Promise<void> | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const report = (r: AlertResult) => {
    try {
      onResult(r);
    } catch {
      // a listener's bug must not stop the sender
    }
  };

  const attempt = async (alert: Alert): Promise<string> => {
    const body = JSON.stringify(cfg.format === 'slack' ? slackPayload(alert) : alert);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'rampart-anomaly',
    };
    if (cfg.secret !== undefined) {
      const ts = Math.floor(now() / 1000);
      headers[TIMESTAMP_HEADER] = String(ts);
      headers[SIGNATURE_HEADER] = signWebhook(cfg.secret, ts, body);
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(cfg.timeoutMs),
      });
      // the body is not needed; release the connection
      await res.body?.cancel().catch(() => {});
      return String(res.status);
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  const deliver = async (alert: Alert): Promise<void> => {
    let last = '';
    for (let n = 1; n <= cfg.maxAttempts; n++) {
      last = await attempt(alert);
      const status = Number(last);
      if (status >= 200 && status < 300) {
        delivered++;
        report({ alert, delivered: true, attempts: n, last });
        return;
      }
      // a 4xx other than 429 will not change on retry (bad URL, bad secret)
      const retryable = Number.isNaN(status) || status === 429 || status >= 500;
      if (!retryable || n === cfg.maxAttempts || closed) {
        failed++;
        report({ alert, delivered: false, attempts: n, last });
        return;
      }
      await pause(backoffMs(cfg.retryBaseMs, n));
      if (closed) {
        failed++;
        report({ alert, delivered: false, attempts: n, last });
        return;
      }
    }
  };

  const drain = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined && !closed; next = queue.shift()) {
      await deliver(next);
    }
    running = undefined;
  };

  return {
    send(alert) {
      if (closed || queue.length >= cfg.queueSize) {
        dropped++;
        return false;
      }
      queue.push(alert);
      running ??= drain();
      return true;
    },
    get queued() {
      return queue.length;
    },
    get delivered() {
      return delivered;
    },
    get failed() {
      return failed;
    },
    get dropped() {
      return dropped;
    },
    async idle() {
      while (running !== undefined) await running;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      wake?.();
      await running;
      dropped += queue.length;
      queue.length = 0;
    },
  };
}
