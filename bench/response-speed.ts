/**
 * Speed of the response filter's fast path on its own (no sockets): the time to prove that the
 * allowlist and the masker leave a body as it is, for the report of `npm run bench` and for a list
 * of products with descriptions, timestamps and UUIDs, compact and pretty-printed. JSON.parse of the
 * same bytes, the first step of the full path, is the reference measured in the same run. Masker as
 * in bench/configs/response-filter.yaml (card, password_hash, private_key). Prints markdown.
 *
 *   node bench/response-speed.ts [--iterations 20000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { createJsonMasker } from '../src/detect/sensitive/index.ts';
import { AllowlistCompiler, ANY, type Node } from '../src/response/allowlist.ts';
import { templateState, unchangedByFilters } from '../src/response/fast-pass.ts';
import { REPORT_BODY } from './lib/bodies.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } });
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 1) {
  process.stderr.write('response-speed: --iterations must be a positive integer\n');
  process.exit(2);
}

const openapi = parse(readFileSync(new URL('./configs/openapi.yaml', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, unknown> };
};
const masker = createJsonMasker({
  types: {
    card: { kind: 'partial' },
    password_hash: { kind: 'redact', typed: true },
    private_key: { kind: 'redact', typed: true },
  },
});
const judge = masker.judge!;
const limits = { maxDepth: 64 };

const product = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'sku', 'name', 'description', 'price', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    sku: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    price: { type: 'number' },
    stock: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const list = { type: 'array', items: product };
// fixed hex digits: the same bodies every run, with UUIDs whose groups mix letters and digits
const hex = (k: number, width: number): string =>
  ((k * 2654435761) >>> 0).toString(16).padStart(8, 'a').slice(0, width);
const products = Array.from({ length: 120 }, (_, k) => ({
  id: `${hex(k, 8)}-${hex(k + 1, 4)}-4${hex(k + 2, 3)}-a${hex(k + 3, 3)}-${hex(k + 4, 8)}${hex(k + 5, 4)}`,
  sku: `SKU-${1000 + k}`,
  name: `Everyday thing no. ${k + 1}`,
  description: `A sturdy everyday thing, model ${k} of the spring range, made to last for years.`,
  price: 9.5 + k / 4,
  stock: (k * 37) % 500,
  createdAt: `2026-0${1 + (k % 9)}-1${k % 10}T08:${10 + (k % 50)}:00.000Z`,
  updatedAt: `2026-10-2${k % 10}T17:${10 + (k % 50)}:42.123Z`,
}));

const cases: [string, Node, Buffer][] = [
  [
    'report of `npm run bench` (compact)',
    new AllowlistCompiler().compile(openapi.components.schemas.Report),
    REPORT_BODY,
  ],
  ['120 products (compact)', new AllowlistCompiler().compile(list), Buffer.from(JSON.stringify(products))],
  [
    '120 products (pretty-printed)',
    new AllowlistCompiler().compile(list),
    Buffer.from(JSON.stringify(products, null, 2)),
  ],
  // no declared schema: masking alone, which only the byte scan decides
  ['120 products, no schema (compact)', ANY, Buffer.from(JSON.stringify(products))],
];

/** µs per call of `fn`, the least of five rounds (other work on the machine only adds time). */
function time(fn: () => unknown): number {
  for (let k = 0; k < iterations; k++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t = process.hrtime.bigint();
    for (let k = 0; k < iterations; k++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e3 / iterations);
  }
  return best;
}

const lines = [
  '| body | bytes | fast path µs | decided by | JSON.parse µs | fast path / JSON.parse |',
  '| --- | ---: | ---: | --- | ---: | ---: |',
];
for (const [label, node, bytes] of cases) {
  if (!unchangedByFilters(bytes, node, judge, limits))
    throw new Error(`${label}: the fast path did not pass it`);
  const fast = time(() => unchangedByFilters(bytes, node, judge, limits));
  const state = node === ANY ? undefined : templateState(node, judge);
  const by = state !== undefined && state.score > 0 ? 'template' : 'byte scan';
  const text = bytes.toString('utf8');
  const parse = time(() => JSON.parse(text));
  lines.push(
    `| ${label} | ${bytes.length} | ${fast.toFixed(2)} | ${by} | ${parse.toFixed(2)} | ${(fast / parse).toFixed(2)} |`,
  );
}
process.stdout.write(
  `${lines.join('\n')}\n\n${iterations} iterations per round, the least of 5 rounds; Node ${process.version}\n`,
);
