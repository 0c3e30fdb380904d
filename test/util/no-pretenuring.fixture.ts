// Run by no-pretenuring.test.ts in a child with --allow-natives-syntax --expose-gc: fills one
// allocation site with survivors across scavenges (what makes V8 pretenure it), then reports how
// many of 100 fresh objects from that site are born young. Mode "off": stopPretenuring() first;
// "gateway": a gateway started first (it should stop pretenuring itself).
import { stopPretenuring } from '../../src/util/no-pretenuring.ts';
import { startTestGateway, startUpstream } from '../helpers/gateway.ts';

const mode = process.argv[2];
let close = async () => {};
if (mode === 'off') stopPretenuring();
if (mode === 'gateway') {
  const up = await startUpstream();
  const gw = await startTestGateway({ upstreamUrl: up.url });
  close = async () => {
    await gw.gateway.close(1_000);
    await up.close();
  };
}
const inYoung = new Function('o', 'return %InYoungGeneration(o)') as (o: unknown) => boolean;
const make = (i: number) => ({ i, pair: [i, i] });
const keep: unknown[] = [];
for (let round = 0; round < 30; round++) {
  for (let i = 0; i < 50_000; i++) keep.push(make(i));
  (globalThis as unknown as { gc(o: { type: string }): void }).gc({ type: 'minor' });
}
let young = 0;
for (let i = 0; i < 100; i++) if (inYoung(make(i))) young++;
console.log(`young=${young} kept=${keep.length}`);
await close();
