import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./tick-shape.fixture.ts', import.meta.url));

/** The states of the inline caches that define nextTick's entry properties, after GC churn. */
function literalCacheStates(pin: boolean): string[] {
  const args = ['--allow-natives-syntax', '--expose-gc', fixture, ...(pin ? ['pin'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/slot #\d+ DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!);
}

test('a pinned nextTick entry keeps the entry literal monomorphic across full GCs', (t) => {
  const control = literalCacheStates(false);
  if (!control.includes('MEGAMORPHIC')) {
    t.skip(
      `this Node keeps nextTick's entry classes across GCs (states: ${control.join(', ')}): the pin is not needed`,
    );
    return;
  }
  const pinned = literalCacheStates(true);
  assert.ok(pinned.length >= 4, `expected the literal's caches in the feedback, got ${pinned.join(', ')}`);
  assert.deepEqual(
    pinned.filter((s) => s !== 'MONOMORPHIC'),
    [],
    `pinned: ${pinned.join(', ')}; unpinned: ${control.join(', ')}`,
  );
});
