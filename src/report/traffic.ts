/** The traffic picture: security events of the last N days, counted by category, route and day. */
import type { EventStore } from '../platform/events/types.ts';
import { MAX_EVENT_LIST } from '../platform/events/types.ts';
import type { TrafficCount, TrafficSummary } from './types.ts';

/** Most events one report reads; beyond it the counts are marked as a lower bound. */
export const MAX_REPORT_EVENTS = 2_000_000;
const DAY_MS = 86_400_000;

function bump(
  map: Record<string, { refuse: number; monitor: number; error: number }>,
  key: string,
  action: string,
) {
  let c = map[key];
  if (c === undefined) {
    c = { refuse: 0, monitor: 0, error: 0 };
    map[key] = c;
  }
  if (action === 'refuse') c.refuse++;
  else if (action === 'monitor') c.monitor++;
  else c.error++;
}

/** Read the events of the last `days` days (bounded by `maxEvents`) and count them. */
export async function readTraffic(
  store: EventStore,
  days: number,
  now: number = Date.now(),
  maxEvents: number = MAX_REPORT_EVENTS,
): Promise<TrafficSummary> {
  const since = now - days * DAY_MS;
  const byCategory: Record<string, TrafficCount & { refuse: number; monitor: number; error: number }> =
    Object.create(null);
  const byRoute: Record<string, { refuse: number; monitor: number; error: number }> = Object.create(null);
  const byDayMap = new Map<string, { refuse: number; monitor: number }>();
  // one bar per UTC day of the window, so that quiet days show as zero
  for (let d = Math.floor(since / DAY_MS); d <= Math.floor(now / DAY_MS); d++) {
    byDayMap.set(new Date(d * DAY_MS).toISOString().slice(0, 10), { refuse: 0, monitor: 0 });
  }
  let after = 0;
  let events = 0;
  let truncated = false;
  for (;;) {
    const batch = await store.list({ since, after, limit: MAX_EVENT_LIST });
    for (const e of batch) {
      if (e.time > now) continue;
      events++;
      bump(byCategory, e.category, e.action);
      bump(byRoute, e.route, e.action);
      const day = byDayMap.get(new Date(e.time).toISOString().slice(0, 10));
      if (day !== undefined) {
        if (e.action === 'monitor') day.monitor++;
        else if (e.action === 'refuse') day.refuse++;
      }
    }
    const last = batch.at(-1);
    if (batch.length < MAX_EVENT_LIST || last === undefined) break;
    after = last.id;
    if (events >= maxEvents) {
      truncated = true;
      break;
    }
  }
  return {
    days,
    since: new Date(since).toISOString(),
    until: new Date(now).toISOString(),
    events,
    truncated,
    byCategory,
    byRoute,
    byDay: [...byDayMap].map(([day, c]) => ({ day, ...c })),
  };
}
