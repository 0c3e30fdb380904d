/**
 * Keeps the hidden class of `process.nextTick`'s queue entries alive for the life of the process.
 *
 * Why: nextTick builds each entry with an object literal whose first keys are symbols. V8 links the
 * hidden classes of such objects from the empty object's class by weak transitions, so when a full
 * GC finds no entry alive (they live for one tick) it drops those classes, and the next entry gets
 * a fresh one. After a few full GCs under load the literal's inline caches have seen more than four
 * classes, turn megamorphic for good, and every property of every entry is defined through the
 * runtime: in a running gateway that was 50 runtime calls and 15 % of the instructions per proxied
 * GET (callgrind, docs/benchmarks.md). One entry held here keeps the chain of classes reachable
 * (each class points to its parent), so every later entry shares it and the caches stay monomorphic.
 * Megamorphic feedback never recovers, so pin before start-up work: bin/rampart.js does it first.
 */
import { createHook } from 'node:async_hooks';

let kept: object | undefined;

/** Capture one nextTick entry and hold it; idempotent. Returns the held entry (for tests). */
export function pinTickObjectShape(): object | undefined {
  if (kept !== undefined) return kept;
  // an init hook is the only public way to see the entry; it is enabled for one synchronous call
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && kept === undefined) kept = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
  return kept;
}

function noop(): void {}
