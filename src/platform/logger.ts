import type { Logger } from 'pino';
import pino from 'pino';

/** Paths redacted in every log line, compiled once by pino at start-up. */
export const DEFAULT_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
];

/** The process logger: JSON lines on stdout (or the given stream), credentials redacted. */
export function createLogger(
  options: { level: string; redact?: readonly string[] },
  destination?: NodeJS.WritableStream,
): Logger {
  const opts = {
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: [...DEFAULT_REDACT, ...(options.redact ?? [])], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(opts) : pino(opts, destination);
}
export type { Logger };
