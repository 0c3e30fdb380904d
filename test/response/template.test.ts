import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createJsonMasker, type JsonMasker, textFeatures } from '../../src/detect/sensitive/index.ts';
import {
  AllowlistCompiler,
  filterByAllowlist,
  type Node,
  type ObjectFacet,
} from '../../src/response/allowlist.ts';
import { templateState, unchangedByFilters } from '../../src/response/fast-pass.ts';
import {
  compileTemplate,
  FORMATS,
  matchTemplate,
  type ResponseTemplate,
} from '../../src/response/template.ts';

const day = {
  type: 'object',
  additionalProperties: false,
  properties: {
    day: { type: 'string' },
    views: { type: 'integer' },
    note: { type: ['string', 'null'] },
    secret: { type: 'string', writeOnly: true },
  },
};
const report = {
  type: 'object',
  properties: {
    generatedAt: { type: 'string' },
    total: { type: 'integer' },
    days: { type: 'array', items: day },
    pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
    flag: { type: 'boolean' },
  },
};

const hostileFixture = fileURLToPath(new URL('./template-hostile.fixture.ts', import.meta.url));

const masker: JsonMasker = createJsonMasker({
  types: {
    card: { kind: 'partial' },
    password_hash: { kind: 'redact', typed: true },
    private_key: { kind: 'redact', typed: true },
  },
});
const judge = masker.judge!;
const declared = (o: ObjectFacet): readonly string[] => [...o.props.keys()];

function template(
  node: Node,
  spaced: boolean,
  order = declared,
  m: JsonMasker | null = masker,
): ResponseTemplate {
  const t = compileTemplate(node, m?.judge ?? null, 64, order, spaced);
  assert.ok(t !== null);
  return t;
}

function decide(t: ResponseTemplate, text: string): boolean | 'changes' {
  return matchTemplate(t, Buffer.from(text, 'utf8'));
}

/** What the full path does to the body: nothing, or a change (a property removed or a leaf masked). */
function fullPathChanges(node: Node, text: string, m: JsonMasker | null): boolean {
  const value: unknown = JSON.parse(text);
  const f = filterByAllowlist(node, value, { maxDepth: 64, stopAtUndeclared: false });
  if (f.tooDeep || f.value !== value) return true;
  if (m === null) return false;
  const r = m(value);
  return !r.ok || r.masked > 0;
}

const node = new AllowlistCompiler().compile(report);
// the same schema with required members and string formats: what the allowlist keeps is the same
const strictNode = new AllowlistCompiler().compile({
  ...report,
  required: ['generatedAt', 'days'],
  properties: {
    ...report.properties,
    generatedAt: { type: 'string', format: 'date-time' },
    days: {
      type: 'array',
      items: {
        ...day,
        required: ['day', 'views'],
        properties: {
          ...day.properties,
          day: { type: 'string', format: 'date' },
          views: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
});
const compact = template(node, false);
const spaced = template(node, true);
const body = {
  generatedAt: '2026-06-01T00:00:00Z',
  total: 2,
  days: [
    { day: '2026-01-01', views: 10, note: null },
    { day: '2026-01-02', views: 12, note: 'quiet' },
  ],
  pair: ['a', 1],
  flag: true,
};

describe('response template', () => {
  test('a declared body with plain values matches; pretty-printed, only the spaced template does', () => {
    const text = JSON.stringify(body);
    assert.equal(decide(compact, text), true);
    assert.equal(decide(spaced, text), true);
    const pretty = JSON.stringify(body, null, 2);
    assert.equal(decide(compact, pretty), false);
    assert.equal(decide(spaced, pretty), true);
    assert.equal(decide(compact, '{}'), true);
    assert.equal(decide(compact, '{"total":1}'), false, 'the first member spelled must come first');
  });

  test('undeclared, writeOnly and escaped names, and values of undeclared types, do not match', () => {
    const days = (d: string) => `{"generatedAt":"x","days":[${d}]}`;
    assert.equal(decide(compact, days('{"day":"a","views":1}')), true);
    assert.equal(decide(compact, days('{"day":"a","views":1,"extra":1}')), false);
    assert.equal(decide(compact, days('{"day":"a","secret":"s"}')), false);
    assert.equal(decide(compact, days('{"d\\u0061y":"a"}')), false);
    assert.equal(decide(compact, days('{"day":1}')), false, 'day is declared a string');
    assert.equal(decide(compact, days('{"day":"a","note":null}')), true, 'note may be null');
  });

  test('invalid JSON never matches', () => {
    for (const text of [
      '{"generatedAt":"x",}',
      '{,"generatedAt":"x"}',
      '{"generatedAt":"x""total":1}',
      '{"generatedAt":"x","total":01}',
      '{"generatedAt":"x","days":[,]}',
      '{"generatedAt":"x","days":[{"day":"a"},]}',
      '{"generatedAt":"x","days":[{"day":"a"}{"day":"b"}]}',
      '{"generatedAt":"x"',
      '{"generatedAt":"x"} {}',
      '{"generatedAt":"a\u0001b"}',
      '{"generatedAt":"x","total":1.}',
      '{"generatedAt":"x","total":-}',
    ]) {
      assert.equal(decide(compact, text), false, text);
      assert.equal(decide(spaced, text), false, text);
    }
  });

  test('a sensitive leaf that occurs once is captured and judged; inside an array it fails the match', () => {
    assert.equal(decide(compact, '{"generatedAt":"4111111111111111"}'), 'changes');
    assert.equal(decide(compact, '{"generatedAt":"x","total":4111111111111111}'), 'changes');
    // captured, judged, and not a card: unchanged
    assert.equal(decide(compact, '{"generatedAt":"4111111111111112","total":123456789012}'), true);
    const inArray = '{"generatedAt":"x","days":[{"day":"4111111111111111"}]}';
    assert.equal(decide(compact, inArray), false);
    assert.equal(decide(compact, '{"generatedAt":"x","days":[{"day":"a","views":123456789}]}'), false);
    assert.equal(decide(compact, '{"generatedAt":"x","days":[{"day":"$2b$10$abc"}]}'), false);
    // the masker's gate: 12 digits, 14 capitals and no '$' are plainly safe inside an array, at any length
    assert.equal(
      decide(compact, '{"generatedAt":"x","days":[{"day":"123456789012","views":12345678}]}'),
      true,
    );
    const long = 'a plain sentence, longer than any key, with 2 digits: 42. '.repeat(3);
    assert.equal(decide(compact, `{"generatedAt":"x","days":[{"day":"${long}"}]}`), true);
    assert.equal(decide(compact, '{"generatedAt":"x","days":[{"day":"ABCDEFGHIJKLMN"}]}'), true);
    // 13 digits and more, but no run of 13 (a timestamp, a UUID); a grouped card is one run
    const stamp = '2026-06-01T00:00:00.123456Z';
    assert.equal(decide(compact, `{"generatedAt":"x","days":[{"day":"${stamp}"}]}`), true);
    const uuid = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
    assert.equal(decide(compact, `{"generatedAt":"x","days":[{"day":"${uuid}"}]}`), true);
    assert.equal(decide(compact, '{"generatedAt":"x","days":[{"day":"card 4111 1111 1111 1112"}]}'), false);
    assert.equal(decide(compact, `{"generatedAt":"${stamp}"}`), true, 'not captured: nothing to judge');
    assert.equal(decide(compact, '{"generatedAt":"x","days":[{"day":"ABCDEFGHIJKLMNO"}]}'), false);
  });

  test('a schema too large to spell gets no template, and the byte scan still decides', () => {
    const huge = new AllowlistCompiler().compile({
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 2000 }, (_, k) => [`field${k}`, { type: 'string' }]),
      ),
    });
    assert.equal(compileTemplate(huge, judge, 64, declared, false), null);
    const text = Buffer.from('{"field0":"a","field1999":"b"}');
    assert.equal(unchangedByFilters(text, huge, judge, { maxDepth: 64 }), true);
    assert.equal(
      unchangedByFilters(Buffer.from('{"field0":"4111111111111111"}'), huge, judge, { maxDepth: 64 }),
      false,
    );
  });

  test('required members are spelled as present: a body without one is left to the byte scan', () => {
    const strict = template(strictNode, false);
    const days = (d: string) => `{"generatedAt":"x","days":[${d}]}`;
    assert.equal(decide(strict, days('{"day":"a","views":1,"note":null}')), true);
    assert.equal(decide(strict, days('{"day":"a","note":null}')), false, 'views is required');
    assert.equal(decide(strict, '{"generatedAt":"x"}'), false, 'days is required');
    assert.equal(decide(strict, '{}'), false);
    assert.equal(decide(compact, '{}'), true, 'without required members an empty object matches');
    // the allowlist does not enforce required: the byte scan passes such a body unchanged
    const lacking = Buffer.from(days('{"day":"a","note":null}'));
    assert.equal(unchangedByFilters(lacking, strictNode, judge, { maxDepth: 64 }), true);
    assert.equal(fullPathChanges(strictNode, lacking.toString(), masker), false);
  });

  test('a string of a declared format is read as that format when the gate wants none of its strings', () => {
    const strict = template(strictNode, false);
    const days = (d: string) => `{"generatedAt":"2026-06-01T08:30:00.123+02:00","days":[${d}]}`;
    assert.equal(decide(strict, days('{"day":"2026-01-01","views":1}')), true);
    // not of the format: decided as any string, in both places
    assert.equal(decide(strict, days('{"day":"yesterday","views":1}')), true);
    assert.equal(decide(strict, days('{"day":"4111 1111 1111 1111","views":1}')), false);
    assert.equal(decide(strict, '{"generatedAt":"4111111111111111","days":[]}'), 'changes');
    // a cards-and-keys masker wants no date: the pattern is spelled; one that looks at 8 digits
    // (phone numbers) wants them all, so it is not
    const spelled = (t: ResponseTemplate) => t.re.source.includes('"\\d\\d\\d\\d-\\d\\d-\\d\\d"');
    assert.equal(spelled(strict), true);
    const phones = createJsonMasker({ types: { phone: { kind: 'redact', typed: true } } });
    assert.equal(spelled(template(strictNode, false, declared, phones)), false);
    assert.equal(spelled(template(node, false)), false, 'no format declared');
  });

  test('a number is read without a fraction where the schema says integer, without a sign where it gives a minimum of 0', () => {
    // without hints: any number
    const count = (hinted: boolean) => (hinted ? { type: 'integer', minimum: 0 } : { type: 'number' });
    const schema = (hinted: boolean) =>
      new AllowlistCompiler().compile({
        type: 'object',
        properties: {
          n: count(hinted),
          list: { type: 'array', items: count(hinted) },
          r: { type: 'number', ...(hinted ? { exclusiveMinimum: 0 } : {}) },
          both: hinted ? { allOf: [{ type: 'integer' }, { minimum: 1 }] } : { type: 'number' },
        },
      });
    const hinted = schema(true);
    const plain = schema(false);
    const t = template(hinted, false);
    assert.equal(decide(t, '{"n":5,"list":[0,22,333],"r":1.5,"both":7}'), true);
    // in an array a number breaking its hint fails the match; the byte scan passes the body unchanged
    // (the first member spelled must be there when any is)
    for (const text of ['{"n":1,"list":[1,-2]}', '{"n":1,"list":[1.5]}', '{"n":1,"list":[-0.5]}']) {
      assert.equal(decide(t, text), false, text);
      assert.equal(decide(template(plain, false), text), true, `${text} without hints`);
      assert.equal(unchangedByFilters(Buffer.from(text), hinted, judge, { maxDepth: 64 }), true, text);
    }
    // where it occurs once, it is captured and judged exactly
    assert.equal(decide(t, '{"n":-5,"r":-0.5,"both":2.5}'), true);
    assert.equal(decide(t, '{"n":4111111111111111}'), 'changes');
    assert.equal(fullPathChanges(hinted, '{"n":4111111111111111}', masker), true);
  });

  test('property: a string of a format pattern shows no more than the features it is compiled with', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const date = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two, two)
      .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${m}-${d}`);
    const dateTime = fc
      .tuple(
        date,
        fc.constantFrom('T', 't'),
        two,
        two,
        two,
        fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
        fc.oneof(
          fc.constantFrom('Z', 'z'),
          fc.tuple(fc.constantFrom('+', '-'), two, two).map((o) => `${o[0]}${o[1]}:${o[2]}`),
        ),
      )
      .map(
        ([d, t, h, mi, se, frac, off]) =>
          `${d}${t}${h}:${mi}:${se}${frac === undefined ? '' : `.${frac}`}${off}`,
      );
    for (const [format, strings] of [
      ['date', date],
      ['date-time', dateTime],
    ] as const) {
      const { pattern, most } = FORMATS.get(format)!;
      const re = new RegExp(`^${pattern}$`);
      fc.assert(
        fc.property(strings, (text) => {
          assert.ok(re.test(`"${text}"`), text);
          const f = textFeatures(text);
          for (const k of ['length', 'digits', 'run', 'upper'] as const)
            assert.ok(f[k] <= most[k], `${text}: ${k}`);
          for (const k of ['at', 'dollar', 'colon', 'dot', 'assign'] as const)
            assert.ok(!f[k] || most[k], `${text}: ${k}`);
        }),
        { numRuns: 500 },
      );
    }
  });

  test('members in another order match a template spelled in that order', () => {
    const text = '{"days":[{"views":1,"day":"a"}],"generatedAt":"x"}';
    assert.equal(decide(compact, text), false);
    const first = ['days', 'views'];
    const order = (o: ObjectFacet): readonly string[] =>
      [...o.props.keys()].sort((a, b) => Number(first.includes(b)) - Number(first.includes(a)));
    const learned = template(node, false, order);
    assert.equal(decide(learned, text), true);
    assert.equal(decide(learned, '{"generatedAt":"x"}'), false, 'the first member spelled must come first');
  });

  test('hostile bodies are refused in linear time (no catastrophic backtracking)', () => {
    // in a child process with a time limit: a backtracking blow-up would block this thread for ever
    const r = spawnSync(process.execPath, [hostileFixture], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, 'the templates did not finish on hostile bodies within 60 s');
    assert.equal(r.status, 0, r.stderr);
    const decided = r.stdout.trim().split('\n');
    assert.deepEqual(decided, [...Array(20).fill('false'), 'true', 'true']);
  });

  test('property: a match means the full path changes nothing, "changes" that it masks something', () => {
    const key = fc.constantFrom(
      'generatedAt',
      'total',
      'days',
      'pair',
      'flag',
      'day',
      'views',
      'note',
      'secret',
      'x',
    );
    const leaf = fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.constantFrom(
        '4111111111111111',
        '$2b$10$abcdefghijklmnopqrstuv',
        '-----BEGIN PRIVATE KEY-----',
        '2026-01-01',
        '2026-06-01T00:00:00Z',
        '2026-06-01T00:00:00.1234567890123Z',
        '4111-1111-1111-1111',
      ),
      fc.integer(),
      fc.constantFrom(123456789012, 4111111111111111, 1e21, -5, 0.5, 12345678.5),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('v'), { maxLength: 3 }),
      obj: fc.dictionary(key, tie('v'), { maxKeys: 4 }),
    })).v;
    const dayDoc = fc.dictionary(fc.constantFrom('day', 'views', 'note', 'secret'), value, { maxKeys: 3 });
    const doc = fc.record(
      {
        generatedAt: leaf,
        total: leaf,
        days: fc.oneof(fc.array(dayDoc, { maxLength: 3 }), value),
        pair: fc.oneof(fc.tuple(leaf, leaf), value),
        flag: leaf,
      },
      { requiredKeys: [] },
    );
    const freeNode = new AllowlistCompiler().compile({
      type: 'object',
      properties: { generatedAt: { type: 'string' } },
      additionalProperties: { type: 'integer' },
    });
    const free = compileTemplate(freeNode, null, 64, declared, false);
    const strictCompact = template(strictNode, false);
    const strictSpaced = template(strictNode, true);
    assert.ok(free !== null);
    fc.assert(
      fc.property(doc, fc.dictionary(key, value, { maxKeys: 4 }), fc.boolean(), (d, extra, pretty) => {
        const text = pretty ? JSON.stringify(d, null, 1) : JSON.stringify(d);
        for (const [n, t] of [
          [node, compact],
          [node, spaced],
          [strictNode, strictCompact],
          [strictNode, strictSpaced],
        ] as const) {
          const r = decide(t, text);
          if (r === true) assert.equal(fullPathChanges(n, text, masker), false, text);
          if (r === 'changes') assert.equal(fullPathChanges(n, text, masker), true, text);
        }
        const plain = template(node, pretty, declared, null);
        if (decide(plain, text) === true) assert.equal(fullPathChanges(node, text, null), false, text);
        const other = JSON.stringify({ ...extra, ...d });
        if (decide(free, other) === true) assert.equal(fullPathChanges(freeNode, other, null), false, other);
      }),
      { numRuns: 600 },
    );
  });
});

describe('response fast path with templates', () => {
  const limits = { maxDepth: 64 };

  test('the byte scan teaches the templates an order they did not know, then they answer', () => {
    const n = new AllowlistCompiler().compile(report);
    const text = Buffer.from('{"days":[{"views":1,"day":"a"}],"generatedAt":"x"}');
    assert.equal(unchangedByFilters(text, n, judge, limits), true);
    const first = templateState(n, judge);
    assert.ok(first !== undefined);
    assert.equal(first.rebuilds, 1, 'the declared order missed: rebuilt once with the learned one');
    assert.equal(unchangedByFilters(text, n, judge, limits), true);
    const second = templateState(n, judge)!;
    assert.equal(second.rebuilds, 1, 'the learned order matched: no rebuild');
    assert.ok(second.score > first.score);
  });

  test('templates that keep missing rest, and the byte scan still decides', () => {
    const n = new AllowlistCompiler().compile(report);
    // a string of 25 capitals inside an array: never plainly safe, so always the byte scan's
    const text = Buffer.from('{"generatedAt":"x","days":[{"day":"ABCDEFGHIJKLMNOPQRSTUVWXY"}]}');
    for (let k = 0; k < 40; k++) assert.equal(unchangedByFilters(text, n, judge, limits), true);
    assert.ok(templateState(n, judge)!.score < 0);
    const card = Buffer.from('{"generatedAt":"x","days":[{"day":"4111111111111111"}]}');
    assert.equal(unchangedByFilters(card, n, judge, limits), false);
  });
});
