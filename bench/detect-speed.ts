/**
 * Speed of the injection engine: the time of each 1 MB adversarial input (the linear-time
 * test only asserts completion), and inspections per second on short benign values and on
 * the string leaves of a 1 KB JSON body. Prints markdown.
 *
 *   node bench/detect-speed.ts
 */
import { detectAll, detectInjection } from '../src/detect/injection/index.ts';
import { adversarialInputs } from '../test/detect/injection/adversarial.ts';

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const out: string[] = [
  '| 1 MB adversarial input | detectAll ms (min of 5) | kinds found |',
  '| --- | ---: | --- |',
];
let worst = 0;
for (const [name, value] of adversarialInputs()) {
  // The minimum of five runs: the machine is shared, the minimum is the detector's own cost.
  let took = Number.POSITIVE_INFINITY;
  let found = detectAll(value);
  for (let run = 0; run < 5; run++) {
    const t = process.hrtime.bigint();
    found = detectAll(value);
    took = Math.min(took, ms(t));
  }
  worst = Math.max(worst, took);
  out.push(`| ${name} | ${took.toFixed(2)} | ${found.map((d) => d.kind).join(', ') || '-'} |`);
}
out.push(`| **worst** | ${worst.toFixed(2)} | |`, '');

const body = {
  name: "Sean O'Connell",
  email: 'sean.oconnell+shop@example.com',
  company: 'Procter & Gamble',
  address: { street: 'Rue de l’Église 3', city: 'Bruxelles', zip: '1000', country: 'BE' },
  note: 'Please leave the parcel at the side entrance; code 4#21. Thanks!',
  items: [
    { sku: 'AB-1234/XL', title: 'Handmade ceramic mug (blue)', comment: 'Gift wrap, please' },
    { sku: 'CD-5678', title: '100% recycled paper, 80 g/m²', comment: 'Order 7 or 8 boxes' },
  ],
  coupon: 'SAVE20-NOW',
  website: 'https://example.com/help?topic=returns&lang=en',
  message: 'Hello, I would like to change my delivery date to 2026-03-14 if possible. Best regards.',
};
const leaves: string[] = [];
const walk = (v: unknown): void => {
  if (typeof v === 'string') leaves.push(v);
  else if (Array.isArray(v)) for (const x of v) walk(x);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
};
walk(body);
const bodySize = Buffer.byteLength(JSON.stringify(body));

function rate(values: readonly string[], seconds: number): { perSecond: number; rounds: number } {
  for (let i = 0; i < 200; i++) for (const v of values) detectInjection(v);
  let rounds = 0;
  const t = process.hrtime.bigint();
  while (ms(t) < seconds * 1000) {
    for (const v of values) detectInjection(v);
    rounds += 1;
  }
  return { perSecond: (rounds * values.length) / (ms(t) / 1000), rounds };
}

const short = [
  "O'Brien",
  'SELECT your plan',
  'Rock & Roll',
  '2026-01-31',
  'See https://example.com/docs',
  'Maria Lopez',
];
const shortRate = rate(short, 2);
const bodyRate = rate(leaves, 2);
out.push('| workload | inspections/s | per body/s |', '| --- | ---: | ---: |');
out.push(`| short benign values | ${Math.round(shortRate.perSecond)} | |`);
out.push(
  `| ${bodySize}-byte JSON body, ${leaves.length} string leaves | ${Math.round(bodyRate.perSecond)} | ${Math.round(bodyRate.perSecond / leaves.length)} |`,
);
process.stdout.write(`${out.join('\n')}\n`);
