// Child process of settle-heap.test.ts, run with --allow-natives-syntax (and without --expose-gc).
// Prints `<step> shared=<bool>`: whether two objects built key by key from `{}` share a hidden class.
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { settleHeap } from '../../src/util/settle-heap.ts';
import { startTestGateway, startUpstream } from '../helpers/gateway.ts';

declare function $HaveSameMap(a: object, b: object): boolean;
// type stripping keeps `%` syntax out of TypeScript: the native call is built at run time
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as typeof $HaveSameMap;

let probe = 0;
function shared(): boolean {
  const key = `probe${probe++}`;
  const one: Record<string, number> = {};
  one[key] = 1;
  const two: Record<string, number> = {};
  two[key] = 2;
  return haveSameMap(one, two);
}

/** What loading a large document does: many dead objects, each with its own first key. */
function litter(): void {
  for (let i = 0; i < 3_000; i++) {
    const o: Record<string, number> = {};
    o[`litter${probe}-${i}`] = i;
  }
  probe++;
}

const step = (name: string) => process.stdout.write(`${name} shared=${shared()}\n`);

if (process.argv[2] === 'gateway') {
  const up = await startUpstream();
  litter();
  step('littered');
  const gw = await startTestGateway({ upstreamUrl: up.url });
  step('started');
  litter();
  step('littered-again');
  await gw.gateway.reload(await compilePlan(await loadConfig(join(gw.dir, 'rampart.yaml'), {})));
  step('reloaded');
  await gw.gateway.close(1_000);
  await up.close();
} else {
  litter();
  step('littered');
  process.stdout.write(`settled=${settleHeap()}\n`);
  step('after');
  process.stdout.write(`gc-global=${typeof (globalThis as { gc?: unknown }).gc}\n`);
}
