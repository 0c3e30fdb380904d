import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./no-pretenuring.fixture.ts', import.meta.url));

/** How many of 100 objects from a site full of survivors the fixture saw born in the young generation. */
function bornYoung(mode: 'on' | 'off' | 'gateway'): number {
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', fixture, mode], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const m = /young=(\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return Number(m[1]);
}

describe('stopPretenuring', () => {
  test('a site V8 pretenured for its survivors allocates young again once pretenuring is off', (t) => {
    if (bornYoung('on') === 100) {
      t.skip('this V8 did not pretenure the site: nothing to turn off');
      return;
    }
    assert.equal(bornYoung('off'), 100);
  });

  test('a started gateway has turned pretenuring off', (t) => {
    if (bornYoung('on') === 100) {
      t.skip('this V8 did not pretenure the site: nothing to turn off');
      return;
    }
    assert.equal(bornYoung('gateway'), 100);
  });
});
