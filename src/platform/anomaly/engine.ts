/**
 * The anomaly engine: the gateway's `onRecord` hook feeds it every access record. Per record it
 * updates the IP's and the consumer's baselines and asks each enabled detector, all in O(1) and
 * synchronously (no I/O, no allocation beyond the bounded maps); a detector that fires hands its
 * detection to the responder, whose work (blocking, revoking, alerting) runs asynchronously.
 * A detector fires at most once per subject per `cooldownSeconds`.
 */
import type { Registry } from 'prom-client';
import type { AnomalyConfig } from '../../config/schema.ts';
import type { AccessRecord } from '../../gateway/handler.ts';
import { createAdminRouteDetector } from './admin-routes.ts';
import { createAuthFailureDetector } from './auth-failures.ts';
import { Baselines } from './baseline.ts';
import { createCredentialStuffingDetector } from './credential-stuffing.ts';
import { createEnumerationDetector } from './enumeration.ts';
import { LruMap } from './lru.ts';
import { createAnomalyMetrics } from './metrics.ts';
import { createResponder, type ResponseDeps } from './responses.ts';
import { createTrafficSpikeDetector } from './traffic-spike.ts';
import type { Detection, Detector, DetectorName, Observation } from './types.ts';
import { createWebhookSender, type WebhookSender } from './webhook.ts';

/** Looks up the path template of a route (`/v1/users/{id}`) by api name and route id. */
export type TemplateLookup = (api: string | undefined, route: string) => string | undefined;

/** What the engine acts through (see ResponseDeps), plus the route templates. */
export interface AnomalyDeps extends Omit<ResponseDeps, 'webhook'> {
  /** Route templates, to find object ids; without one, id-like path segments are taken. */
  readonly templates?: TemplateLookup;
  /** The clock (tests). */
  readonly now?: () => number;
  /** Where `rampart_anomaly_*` metrics are registered (the gateway's registry). */
  readonly registry?: Registry;
}

interface RouteInfo {
  readonly api: string | undefined;
  readonly label: string;
  readonly template: string | undefined;
}

/** The running engine. */
export interface AnomalyEngine {
  /** The gateway's hook: O(1), synchronous, never throws. */
  onRecord(record: AccessRecord): void;
  /** Detections so far, by detector (tests, metrics). */
  readonly detections: Readonly<Record<DetectorName, number>>;
  /** Subjects (IPs and consumers) tracked now. */
  readonly subjects: number;
  readonly webhook: WebhookSender | undefined;
  /** Resolves once started responses and queued alerts are done (tests). */
  settled(): Promise<void>;
  /** Finish running responses, stop the webhook sender. */
  close(): Promise<void>;
}

const NUMERIC = /^\d{1,20}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEXISH = /^[0-9a-fA-F]{12,128}$/;

/** Whether a path segment looks like an object id (number, UUID, long hex), for routes without a template. */
export function looksLikeId(segment: string): boolean {
  return NUMERIC.test(segment) || (segment.length === 36 && UUID.test(segment)) || HEXISH.test(segment);
}

/**
 * The object id of a request: the path segment at the template's last `{param}` position, or, with
 * no template, the last id-like segment. Undefined when the route has none.
 */
export function objectIdOf(path: string, template: string | undefined): string | undefined {
  const q = path.indexOf('?');
  const segs = (q === -1 ? path : path.slice(0, q)).split('/');
  if (template !== undefined) {
    const t = template.split('/');
    if (t.length !== segs.length) return undefined;
    for (let i = t.length - 1; i >= 0; i--) {
      if (t[i]!.startsWith('{')) return segs[i] === '' ? undefined : segs[i];
    }
    return undefined;
  }
  for (let i = segs.length - 1; i >= 0; i--) if (looksLikeId(segs[i]!)) return segs[i];
  return undefined;
}

/** Build the engine for the `anomaly:` section. Throws ConfigError for a bad webhook or exempt list. */
export function createAnomalyEngine(cfg: AnomalyConfig, deps: AnomalyDeps): AnomalyEngine {
  const now = deps.now ?? Date.now;
  const baselines = new Baselines({
    maxSubjects: cfg.maxSubjects,
    bucketMs: cfg.bucketSeconds * 1000,
    alpha: cfg.alpha,
    windowMs: cfg.enumeration.windowSeconds * 1000,
  });
  const detectors: Detector[] = [];
  if (cfg.enumeration.enabled) detectors.push(createEnumerationDetector(cfg.enumeration));
  if (cfg.credentialStuffing.enabled)
    detectors.push(createCredentialStuffingDetector(cfg.credentialStuffing, cfg.maxSubjects));
  if (cfg.authFailures.enabled) detectors.push(createAuthFailureDetector(cfg.authFailures));
  if (cfg.trafficSpike.enabled) detectors.push(createTrafficSpikeDetector(cfg.trafficSpike));
  if (cfg.adminRoutes.enabled) detectors.push(createAdminRouteDetector(cfg.adminRoutes, cfg.maxSubjects));
  const wantsObjects = cfg.enumeration.enabled;

  let responderRef: ReturnType<typeof createResponder> | undefined;
  const webhook =
    cfg.webhook === undefined
      ? undefined
      : createWebhookSender(cfg.webhook, (r) => responderRef?.alertDone(r), now);
  const responder = createResponder(cfg, { ...deps, webhook });
  responderRef = responder;

  const metrics = createAnomalyMetrics(
    deps.registry,
    () => baselines.size,
    () => webhook,
  );
  const cooldownMs = cfg.cooldownSeconds * 1000;
  const cooldowns = new LruMap<string, number>(cfg.maxSubjects);
  const detections: Record<DetectorName, number> = {
    enumeration: 0,
    credentialStuffing: 0,
    authFailures: 0,
    trafficSpike: 0,
    adminRoutes: 0,
  };
  // per route id: its label (`api:id`) and template, so that no string is built per request and the
  // plan is walked once per route (two APIs sharing an operationId only re-resolve more often)
  const routes = new LruMap<string, RouteInfo>(4_096);
  const routeInfo = (api: string | undefined, id: string): RouteInfo => {
    let info = routes.get(id);
    if (info === undefined || info.api !== api) {
      info = { api, label: `${api ?? ''}:${id}`, template: deps.templates?.(api, id) };
      routes.set(id, info);
    }
    return info;
  };

  const fired = (d: Detection, t: number) => {
    const key = `${d.detector}\u0000${d.subject}`;
    const until = cooldowns.get(key);
    if (until !== undefined && until > t) return;
    cooldowns.set(key, t + cooldownMs);
    detections[d.detector]++;
    metrics.detection(d.detector);
    responder.respond(d, cfg[d.detector]);
  };

  const observe = (record: AccessRecord) => {
    const t = now();
    const status = record.status;
    const ip = baselines.observe('ip', record.clientIp, status, t, record.code);
    const consumer =
      record.consumer === undefined
        ? undefined
        : baselines.observe('consumer', record.consumer, status, t, record.code);
    const info = record.route === undefined ? undefined : routeInfo(record.api, record.route);
    const route = info?.label;
    let objectId: string | undefined;
    let objectRoute: Observation['objectRoute'];
    if (wantsObjects && info !== undefined && record.decision !== 'aborted') {
      objectId = objectIdOf(record.path, info.template);
      if (objectId !== undefined)
        objectRoute = baselines.observeObject(consumer ?? ip, info.label, objectId, status, t);
    }
    const o: Observation = { now: t, record, route, ip, consumer, objectId, objectRoute };
    for (const d of detectors) {
      const found = d.observe(o);
      if (found !== undefined) fired(found, t);
    }
  };

  return {
    onRecord(record) {
      try {
        observe(record);
      } catch (err) {
        try {
          deps.logger.error({
            msg: 'anomaly detection failed',
            error: err instanceof Error ? err.message : 'error',
          });
        } catch {
          // never into the request path
        }
      }
    },
    detections,
    get subjects() {
      return baselines.size;
    },
    webhook,
    async settled() {
      await responder.settled();
      await webhook?.idle();
      await responder.settled();
    },
    async close() {
      await responder.settled();
      await webhook?.close();
    },
  };
}
