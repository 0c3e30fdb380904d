/**
 * Runs the response templates on hostile bodies and prints what each decided, one line each. Run
 * by template.test.ts in a child process with a time limit: a regular expression that backtracks
 * without bound would block its thread, and only a process can be stopped from outside.
 */
import { createJsonMasker } from '../../src/detect/sensitive/index.ts';
import { AllowlistCompiler, type ObjectFacet } from '../../src/response/allowlist.ts';
import { compileTemplate, matchTemplate } from '../../src/response/template.ts';

const masker = createJsonMasker({
  types: { card: { kind: 'partial' }, password_hash: { kind: 'redact', typed: true } },
});
const declared = (o: ObjectFacet): readonly string[] => [...o.props.keys()];
const n = 200_000;

const report = new AllowlistCompiler().compile({
  type: 'object',
  properties: {
    generatedAt: { type: 'string' },
    total: { type: 'integer' },
    days: {
      type: 'array',
      items: { type: 'object', properties: { day: { type: 'string' }, views: { type: 'integer' } } },
    },
  },
});
// 120 members, each a leaf captured where it is not plainly safe: were the safe and the captured
// alternatives to overlap, a failure at the very end would make the engine try 2^120 ways
const wide = new AllowlistCompiler().compile({
  type: 'object',
  properties: Object.fromEntries(
    Array.from({ length: 120 }, (_, k) => [`k${k}`, k % 2 === 0 ? { type: 'string' } : { type: 'integer' }]),
  ),
});
// the same, its members required: spelled as present, with no optional group to fall back on
const strict = new AllowlistCompiler().compile({
  type: 'object',
  required: ['generatedAt', 'days'],
  properties: {
    generatedAt: { type: 'string', format: 'date-time' },
    days: {
      type: 'array',
      items: {
        type: 'object',
        required: ['day', 'views'],
        properties: { day: { type: 'string', format: 'date' }, views: { type: 'integer' } },
      },
    },
  },
});
const members = Array.from({ length: 120 }, (_, k) => `"k${k}":${k % 2 === 0 ? '"plain"' : '12'}`).join(',');

const cases: [typeof report, string][] = [
  [report, `{"generatedAt":"${'a'.repeat(n)}`],
  [report, `{"generatedAt":"x","days":[${'{"day":"a","views":1},'.repeat(n / 20)}`],
  [report, `{"generatedAt":"x","total":${'1'.repeat(n)}`],
  [report, `{"generatedAt":"x","days":[${'{"day":"1234567890123",'.repeat(n / 20)}]}`],
  [report, '['.repeat(n)],
  // long strings just under the gate's counts (12 digits, 14 capitals), then no end
  [
    report,
    `{"generatedAt":"x","days":[${'{"day":"just under: 123456789012 ABCDEFGHIJKLMN"},'.repeat(n / 50)}`,
  ],
  [strict, `{"generatedAt":"x","days":[${'{"day":"a","views":1},'.repeat(n / 20)}{"day":"a"}]}`],
  [
    strict,
    `{"generatedAt":"2026-06-01T00:00:00Z","days":[${'{"day":"2026-01-01","views":1},'.repeat(n / 30)}`,
  ],
  [wide, `{${members},}`],
  [wide, `{${members}}x`],
  [wide, `{${members}}`],
];
for (const [node, text] of cases) {
  for (const spaced of [false, true]) {
    const t = compileTemplate(node, masker.judge, 64, declared, spaced);
    console.log(t === null ? 'none' : String(matchTemplate(t, Buffer.from(text))));
  }
}
