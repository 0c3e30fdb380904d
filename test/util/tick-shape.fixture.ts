// Run with --allow-natives-syntax --expose-gc [pin]: nextTick bursts with a full GC between them
// (no entry alive at each GC), then prints V8's feedback of process.nextTick on stdout. 40 rounds:
// with 12 the unpinned literal went megamorphic in one run of five, with 40 in every run.
import { pinTickObjectShape } from '../../src/util/tick-shape.ts';

if (process.argv.includes('pin')) pinTickObjectShape();
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));
for (let round = 0; round < 40; round++) {
  for (let i = 0; i < 2_000; i++) await tick();
  await new Promise((r) => setImmediate(r));
  gc();
}
// biome-ignore lint/security/noGlobalEval: V8 natives syntax is only reachable through eval
eval('%DebugPrint(process.nextTick)');
