/**
 * Turns off V8's allocation-site pretenuring for the gateway process.
 *
 * Why: V8 watches each allocation site (an object or array literal in optimized code) and, when
 * most of its objects survive a scavenge, allocates that site's objects straight in the old
 * generation from then on. A gateway's objects live one request; but requests in flight while a
 * scavenge runs make some sites look long-lived, and once such a site is pretenured every request's
 * objects from it go to old space and die there. Under a POST load the routing-only gateway then
 * grew its old generation by ~14 MB per scavenge, each scavenge took 25–35 ms instead of 2–3 and a
 * full mark-compact followed every couple of seconds (docs/benchmarks.md). Without pretenuring the
 * same load promotes almost nothing.
 */
import { setFlagsFromString } from 'node:v8';

/** Stop pretenuring from here on (objects already in old space stay there). */
export function stopPretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
