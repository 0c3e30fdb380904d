/**
 * What happens once a detector fires: the detection is recorded (security event, else a log line),
 * then the detector's configured responses run: alert (webhook), block (the IP and/or consumer, on
 * the shared blocklist the client gate checks first), revoke (the API key used). Each response is
 * recorded too. Responses are asynchronous and never throw into the request path.
 */
import { BlockList, isIP } from 'node:net';
import type { AnomalyConfig } from '../../config/schema.ts';
import { addCidr, blockClient } from '../../policies/client-gate.ts';
import type { SharedState } from '../../state/types.ts';
import type { SecurityEvent, Severity } from '../events/types.ts';
import type { EventWriter } from '../events/writer.ts';
import { DETECTION_CODES, type Detection, type DetectorSettings } from './types.ts';
import type { Alert, AlertResult, WebhookSender } from './webhook.ts';

/** The few logger methods the engine uses (pino's Logger fits). */
export interface AnomalyLogger {
  warn(obj: object): void;
  error(obj: object): void;
}

/** What revoking needs of the key service (src/auth/key-service.ts fits). */
export interface KeyRevoker {
  revoke(keyId: string): Promise<boolean>;
  readonly store: {
    listKeys(options?: {
      consumerId?: string;
      limit?: number;
    }): Promise<readonly { id: string; revokedAt: number | null }[]>;
  };
}

/** The services responses act through; each is optional and its response is skipped (logged) without it. */
export interface ResponseDeps {
  readonly state: SharedState | undefined;
  readonly keys: KeyRevoker | undefined;
  /** The security event writer; without it detections and responses are only logged. */
  readonly events: Pick<EventWriter, 'push'> | undefined;
  readonly logger: AnomalyLogger;
  readonly webhook: WebhookSender | undefined;
}

/** The category of every detection and response event. */
export const ANOMALY_CATEGORY = 'anomaly';
/** Keys of one consumer revoked at most (a consumer with more is an operator's job). */
const MAX_REVOKED_KEYS = 100;

function event(
  d: Detection,
  code: string,
  severity: Severity,
  action: SecurityEvent['action'],
  evidence: string,
): SecurityEvent {
  const r = d.record;
  return {
    time: Date.now(),
    requestId: r.requestId,
    consumer: r.consumer ?? null,
    ip: r.clientIp,
    method: r.method,
    route: r.route ?? r.path.slice(0, 512),
    routed: r.route !== undefined,
    category: ANOMALY_CATEGORY,
    code,
    severity,
    action,
    status: r.status,
    evidence: evidence.slice(0, 512),
  };
}

/** Runs the responses of detections. */
export interface Responder {
  respond(d: Detection, settings: DetectorSettings): void;
  /** Resolves once every response started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Told how an alert ended (wired to the webhook sender). */
  alertDone(result: AlertResult): void;
}

/** Build the responder over `deps`; `exempt` IPs are never blocked. */
export function createResponder(cfg: Pick<AnomalyConfig, 'exempt'>, deps: ResponseDeps): Responder {
  const exempt = new BlockList();
  for (const [i, e] of cfg.exempt.entries()) addCidr(exempt, e, `anomaly.exempt.${i}`);
  const pending = new Set<Promise<void>>();
  // the detection an alert came from, to record the alert's outcome against the same request
  const alerted = new WeakMap<Alert, Detection>();

  const record = (e: SecurityEvent, log: Record<string, unknown>) => {
    deps.logger.warn({
      msg: 'anomaly',
      code: e.code,
      severity: e.severity,
      ip: e.ip,
      consumer: e.consumer,
      route: e.route,
      requestId: e.requestId,
      evidence: e.evidence,
      ...log,
    });
    try {
      deps.events?.push([e]);
    } catch (err) {
      // the writer's contract is never to throw; if it does, the response still runs
      deps.logger.error({
        msg: 'anomaly event not queued',
        error: err instanceof Error ? err.message : 'error',
      });
    }
  };

  const track = (p: Promise<void>) => {
    const q = p.catch((err: unknown) => {
      deps.logger.error({
        msg: 'anomaly response failed',
        error: err instanceof Error ? err.message : 'error',
      });
    });
    pending.add(q);
    void q.finally(() => pending.delete(q));
  };

  const isExempt = (ip: string) => {
    const fam = isIP(ip);
    return fam !== 0 && exempt.check(ip, fam === 6 ? 'ipv6' : 'ipv4');
  };

  const block = async (d: Detection, s: DetectorSettings) => {
    const state = deps.state;
    if (state === undefined) {
      deps.logger.warn({ msg: 'anomaly block skipped: no shared state', code: DETECTION_CODES[d.detector] });
      return;
    }
    const r = d.record;
    const targets: ['ip' | 'consumer', string][] = [];
    const consumer = r.consumer;
    if (s.blockTarget !== 'ip' && consumer !== undefined) targets.push(['consumer', consumer]);
    // an anonymous caller has no consumer to block: its IP is what can be blocked
    if (s.blockTarget !== 'consumer' || consumer === undefined) targets.push(['ip', r.clientIp]);
    const ttl = s.blockSeconds * 1000;
    for (const [kind, value] of targets) {
      if (kind === 'ip' && isExempt(value)) {
        deps.logger.warn({ msg: 'anomaly block skipped: exempt IP', ip: value });
        continue;
      }
      await blockClient(state, kind, value, ttl);
      record(
        event(d, 'response.block', 'high', 'refuse', `${kind} ${value} blocked for ${s.blockSeconds}s`),
        {
          response: 'block',
        },
      );
    }
  };

  const revoke = async (d: Detection) => {
    const keys = deps.keys;
    const r = d.record;
    if (keys === undefined) {
      deps.logger.warn({
        msg: 'anomaly revoke skipped: no key store (auth.pepper)',
        code: DETECTION_CODES[d.detector],
      });
      return;
    }
    let ids: string[];
    if (r.keyId !== undefined) ids = [r.keyId];
    else if (r.consumer !== undefined) {
      const list = await keys.store.listKeys({ consumerId: r.consumer, limit: MAX_REVOKED_KEYS });
      ids = list.filter((k) => k.revokedAt === null).map((k) => k.id);
    } else ids = [];
    if (ids.length === 0) {
      deps.logger.warn({
        msg: 'anomaly revoke skipped: no API key for this caller',
        code: DETECTION_CODES[d.detector],
      });
      return;
    }
    for (const id of ids) {
      if (await keys.revoke(id)) {
        record(event(d, 'response.revoke', 'high', 'refuse', `API key ${id} revoked`), {
          response: 'revoke',
        });
      }
    }
  };

  return {
    respond(d, s) {
      const code = DETECTION_CODES[d.detector];
      record(event(d, code, d.severity, 'monitor', `${d.subject}: ${d.evidence}`), { detector: d.detector });
      if (s.respond.includes('block')) track(block(d, s));
      if (s.respond.includes('revoke')) track(revoke(d));
      if (s.respond.includes('alert')) {
        if (deps.webhook === undefined) {
          deps.logger.warn({ msg: 'anomaly alert skipped: no anomaly.webhook', code });
          return;
        }
        const r = d.record;
        const alert: Alert = {
          type: 'rampart.anomaly',
          time: new Date().toISOString(),
          code,
          severity: d.severity,
          subject: d.subject,
          evidence: d.evidence,
          ip: r.clientIp,
          consumer: r.consumer ?? null,
          route: r.route ?? r.path.slice(0, 512),
          requestId: r.requestId,
          responses: s.respond.filter((x) => x !== 'alert'),
        };
        alerted.set(alert, d);
        if (!deps.webhook.send(alert))
          deps.logger.warn({ msg: 'anomaly alert dropped: webhook queue full', code });
      }
    },
    alertDone(result) {
      const d = alerted.get(result.alert);
      if (d === undefined) return;
      const how = result.delivered ? 'delivered' : 'failed';
      record(
        event(
          d,
          'response.alert',
          d.severity,
          'monitor',
          `webhook ${how} after ${result.attempts} attempt(s), last ${result.last}`,
        ),
        { response: 'alert', delivered: result.delivered },
      );
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
