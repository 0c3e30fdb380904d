import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  BUILTIN_FRAMEWORKS,
  FrameworkError,
  loadBuiltinFramework,
  parseFramework,
} from '../../src/report/framework.ts';

describe('framework files', () => {
  test('every built-in framework loads and covers what the issue asks', async () => {
    const ids: Record<string, string[]> = {};
    for (const id of Object.keys(BUILTIN_FRAMEWORKS)) {
      const fw = await loadBuiltinFramework(id);
      assert.equal(fw.id, id);
      ids[id] = fw.controls.map((c) => c.id);
    }
    assert.deepEqual(ids['owasp-api-2023'], [
      'API1',
      'API2',
      'API3',
      'API4',
      'API5',
      'API6',
      'API7',
      'API8',
      'API9',
      'API10',
    ]);
    assert.deepEqual(ids['pci-dss-4'], ['6.2.4', '6.4.1', '6.4.2', '8.3', '10.2']);
    assert.ok(ids.gdpr?.some((c) => c.startsWith('Art.25')) && ids.gdpr.some((c) => c.startsWith('Art.32')));
    assert.deepEqual(ids.hipaa, ['164.312(a)', '164.312(b)', '164.312(c)', '164.312(e)']);
  });

  test('errors name the line and the key', () => {
    const bad = (text: string, re: RegExp) =>
      assert.throws(
        () => parseFramework(text, 'team.yaml'),
        (e: unknown) => e instanceof FrameworkError && re.test(e.message),
      );
    bad('id: t\nname: T\ncontrols: []\n', /team\.yaml:3:\d+: controls: must NOT have fewer than 1 items/);
    bad(
      'id: t\nname: T\ncontrols:\n  - { id: A, title: a, findings: { categories: [API11] } }\n',
      /controls\.0\.findings\.categories\.0: must be one of API1, /,
    );
    bad(
      'id: t\nname: T\ncontrols:\n  - { id: A, title: a, requires: [{ control: tls, routes: everywhere }] }\n',
      /routes: must be one of all, authenticated/,
    );
    bad(
      'id: t\nname: T\ncolour: red\ncontrols:\n  - { id: A, title: a, requires: [{ control: tls }] }\n',
      /\(root\): unknown key "colour"/,
    );
    bad(
      'id: t\nname: T\ncontrols:\n  - { id: A, title: a, requires: [{ control: tls }] }\n  - { id: A, title: b, requires: [{ control: tls }] }\n',
      /team\.yaml:5:\d+: controls\.1\.id: duplicate id "A"/,
    );
    bad(
      'id: Bad Id\nname: T\ncontrols:\n  - { id: A, title: a, requires: [{ control: tls }] }\n',
      /team\.yaml:1:\d+: id: must match pattern/,
    );
  });

  test('any text gives a framework or a FrameworkError, never another error', () => {
    const pieces = fc.constantFrom(
      'id: t\n',
      'name: T\n',
      'controls:\n',
      '  - id: A\n',
      '    title: a\n',
      '    requires:\n',
      '      - control: tls\n',
      '      - { control: validation, routes: write }\n',
      '    findings: { categories: [API1] }\n',
      '    traffic: [auth]\n',
      ': \n',
      '- [\n',
      '&a x\n',
      '*a\n',
      '{',
      '"\n',
      '  ',
      '\t',
      'controls: 5\n',
      'id: 1\n',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 14 }), (parts) => {
        try {
          parseFramework(parts.join(''), 'fuzz.yaml');
        } catch (err) {
          assert.ok(err instanceof FrameworkError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});
