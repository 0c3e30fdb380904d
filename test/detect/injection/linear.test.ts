import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectAll, detectInjection } from '../../../src/detect/injection/index.ts';
import { normalize } from '../../../src/detect/normalize.ts';
import { adversarialInputs } from './adversarial.ts';

// Completion is the assertion; the time each input takes is measured by
// bench/detect-eval/injection.ts, not asserted here.
for (const [name, value] of adversarialInputs()) {
  test(`1 MB adversarial input completes: ${name}`, () => {
    const found = detectAll(value);
    assert.ok(Array.isArray(found));
    assert.ok(normalize(value).length <= 2 * 65_536);
  });
}

test('adversarial inputs are judged correctly, not just survived', () => {
  const inputs = adversarialInputs();
  const kinds = (name: string): string[] => detectAll(inputs.get(name)!).map((d) => d.kind);
  assert.ok(kinds('repeated ../').includes('traversal'));
  assert.ok(kinds('repeated <a on').length === 0 || !kinds('repeated <a on').includes('ssti'));
  assert.equal(detectInjection(inputs.get('letters')!), null);
  assert.equal(detectInjection(inputs.get('spaces')!), null);
  assert.equal(detectInjection(inputs.get('repeated <')!), null);
  assert.equal(detectInjection(inputs.get('nested parentheses')!), null);
  assert.ok(kinds('repeated [$ne]').includes('nosqli'));
  assert.ok(kinds('repeated <!entity').length === 0);
});

test('an attack right after 60 KB of padding is still found', () => {
  assert.equal(detectInjection(`${'a '.repeat(30_000)}' UNION SELECT password FROM users--`)?.kind, 'sqli');
  assert.equal(detectInjection(`${'<b>x</b>'.repeat(7_000)}<img src=x onerror=alert(1)>`)?.kind, 'xss');
});
