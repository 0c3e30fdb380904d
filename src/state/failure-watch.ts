import { type StateFailureEvent, stateFailureChannel } from './diagnostics.ts';

/** The counter the watch increments: `rampart_state_failures_total{mode}` in the gateway. */
export interface FailureCounter {
  inc(labels: { mode: 'fail-open' | 'fail-closed' }): void;
}

/** Where the warning goes (the gateway's pino logger fits). */
export interface WarnSink {
  warn(obj: Record<string, unknown>): void;
}

/** How often, at most, the warning is logged per failure mode. */
export const WARN_INTERVAL_MS = 10_000;

/**
 * Make shared-state failures visible: subscribe to `rampart:state:failure`, count every event in
 * `counter` by failure mode, and log a warning at most once per `intervalMs` per mode (with how
 * many failures the interval held), so a Redis outage under load cannot flood the log. Returns the
 * unsubscribe function.
 */
export function watchStateFailures(
  log: WarnSink,
  counter: FailureCounter,
  intervalMs = WARN_INTERVAL_MS,
  now: () => number = Date.now,
): () => void {
  const last = { 'fail-open': -Infinity, 'fail-closed': -Infinity };
  const suppressed = { 'fail-open': 0, 'fail-closed': 0 };
  const onEvent = (message: unknown): void => {
    const e = message as StateFailureEvent;
    const mode = e.failureMode === 'fail-closed' ? 'fail-closed' : 'fail-open';
    counter.inc({ mode });
    const t = now();
    if (t - last[mode] < intervalMs) {
      suppressed[mode]++;
      return;
    }
    last[mode] = t;
    log.warn({
      msg:
        mode === 'fail-open'
          ? 'shared state unavailable: limits fall back to this process only (fail-open)'
          : 'shared state unavailable: requests refused with 503 (fail-closed)',
      mode,
      policy: String(e.policy).slice(0, 64),
      route: String(e.route).slice(0, 256),
      error: String(e.error).slice(0, 120),
      suppressed: suppressed[mode],
    });
    suppressed[mode] = 0;
  };
  stateFailureChannel.subscribe(onEvent);
  return () => {
    stateFailureChannel.unsubscribe(onEvent);
  };
}
