import type { AnomalyConfig } from '../../config/schema.ts';
import { LruMap } from './lru.ts';
import type { Detection, Detector, Observation } from './types.ts';

/** Routes remembered per consumer as its habits; past this, new routes are not remembered. */
const MAX_HABITS = 512;
/** Routes whose admin-likeness is cached. */
const MAX_ROUTE_CACHE = 4_096;

interface Habits {
  requests: number;
  readonly routes: Set<string>;
}

/** Words of a route id or path: split on non-alphanumerics and camelCase boundaries, lower-cased. */
export function routeWords(text: string): string[] {
  // linear: one pass, no backtracking
  return text
    .slice(0, 1_024)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a route looks administrative: one of its words starts with one of `words`. */
export function isAdminLike(text: string, words: readonly string[]): boolean {
  for (const w of routeWords(text)) {
    for (const a of words) if (w.startsWith(a)) return true;
  }
  return false;
}

/**
 * A consumer calling an admin-like route it never used: once a consumer has made `warmupRequests`
 * requests, the routes it called are its habits; a first call to a route whose id or path has an
 * admin-like word (by default only when refused, i.e. probing rather than an admin's work) fires.
 */
export function createAdminRouteDetector(cfg: AnomalyConfig['adminRoutes'], maxSubjects: number): Detector {
  const habits = new LruMap<string, Habits>(maxSubjects);
  const adminLike = new LruMap<string, boolean>(MAX_ROUTE_CACHE);
  return {
    name: 'adminRoutes',
    observe(o: Observation): Detection | undefined {
      const consumer = o.consumer;
      const route = o.route;
      if (consumer === undefined || route === undefined) return undefined;
      const h = habits.getOrCreate(consumer.key, () => ({ requests: 0, routes: new Set<string>() }));
      h.requests++;
      if (h.routes.has(route)) return undefined;
      const warm = h.requests > cfg.warmupRequests;
      if (h.routes.size < MAX_HABITS) h.routes.add(route);
      if (!warm) return undefined;
      let admin = adminLike.get(route);
      if (admin === undefined) {
        admin = isAdminLike(route, cfg.words) || isAdminLike(o.record.path, cfg.words);
        adminLike.set(route, admin);
      }
      if (!admin) return undefined;
      const status = o.record.status;
      if (cfg.refusedOnly && status !== 401 && status !== 403) return undefined;
      return {
        detector: 'adminRoutes',
        severity: 'high',
        subject: consumer.key,
        evidence:
          `first call to admin-like route ${route} after ${h.requests - 1} requests (answered ${status})`.slice(
            0,
            256,
          ),
        record: o.record,
      };
    },
  };
}
