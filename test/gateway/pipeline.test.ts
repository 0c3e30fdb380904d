import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refuse } from '../../src/errors.ts';
import {
  CONTINUE,
  type MonitoredRefusal,
  mediaTypeEssence,
  type RequestContext,
  runPhases,
} from '../../src/gateway/pipeline.ts';
import { compilePhases, type PolicyCompileContext, type PolicyFactory } from '../../src/policies/registry.ts';

const ctx = {} as RequestContext;
const compileCtx = { mode: 'enforce' } as PolicyCompileContext;

function factory(
  name: string,
  phase: PolicyFactory['phase'],
  log: string[],
  verdict = CONTINUE,
  mode: 'enforce' | 'monitor' = 'enforce',
): PolicyFactory {
  return {
    name,
    phase,
    compile: () => ({
      name,
      mode,
      run: () => {
        log.push(name);
        return verdict;
      },
    }),
  };
}

describe('policy phases', () => {
  test('run in the fixed phase order whatever order the factories come in', async () => {
    const log: string[] = [];
    const phases = compilePhases(compileCtx, [
      factory('inspect', 'inspect', log),
      factory('validate', 'validate', log),
      factory('auth', 'authenticate', log),
      factory('gate', 'clientGate', log),
      factory('limit', 'rateLimit', log),
      factory('authz', 'authorize', log),
    ])!;
    const r = await runPhases(phases, ctx, []);
    assert.equal(r.verdict.kind, 'continue');
    assert.deepEqual(log, ['gate', 'auth', 'limit', 'authz', 'validate', 'inspect']);
  });

  test('stop at the first enforced refusal, naming the policy', async () => {
    const log: string[] = [];
    const phases = compilePhases(compileCtx, [
      factory('validate', 'validate', log),
      factory('auth', 'authenticate', log, { kind: 'refuse', refusal: refuse('route.undeclared') }),
    ])!;
    const r = await runPhases(phases, ctx, []);
    assert.equal(r.verdict.kind, 'refuse');
    assert.equal(r.policy, 'auth');
    assert.deepEqual(log, ['auth']);
  });

  test('a monitor-mode refusal is recorded and the request goes on', async () => {
    const log: string[] = [];
    const monitored: MonitoredRefusal[] = [];
    const phases = compilePhases(compileCtx, [
      factory('auth', 'authenticate', log, { kind: 'refuse', refusal: refuse('cors.denied') }, 'monitor'),
      factory('validate', 'validate', log),
    ])!;
    const r = await runPhases(phases, ctx, monitored);
    assert.equal(r.verdict.kind, 'continue');
    assert.deepEqual(log, ['auth', 'validate']);
    assert.equal(monitored[0]?.policy, 'auth');
    assert.equal(monitored[0]?.refusal.code, 'cors.denied');
  });

  test('no applicable policy compiles to null so the hot path skips the phases', () => {
    const none: PolicyFactory = { name: 'x', phase: 'inspect', compile: () => null };
    assert.equal(compilePhases(compileCtx, [none]), null);
    const phases = compilePhases(compileCtx, [factory('a', 'inspect', [])])!;
    assert.equal(phases.authenticate, null);
    assert.ok(Object.isFrozen(phases) && Object.isFrozen(phases.inspect));
  });
  test('synchronous policies answer without a promise; an async one in the middle keeps the order', async () => {
    const log: string[] = [];
    const syncOnly = compilePhases(compileCtx, [
      factory('a', 'clientGate', log),
      factory('b', 'inspect', log),
    ])!;
    const r = runPhases(syncOnly, ctx, []);
    assert.ok(!(r instanceof Promise));
    const asyncOne: PolicyFactory = {
      name: 'slow',
      phase: 'rateLimit',
      compile: () => ({
        name: 'slow',
        mode: 'enforce',
        run: async () => {
          await new Promise((res) => setTimeout(res, 5));
          log.push('slow');
          return CONTINUE;
        },
      }),
    };
    log.length = 0;
    const mixed = compilePhases(compileCtx, [
      factory('z', 'inspect', log),
      asyncOne,
      factory('g', 'clientGate', log),
      factory('v', 'validate', log),
    ])!;
    const m = runPhases(mixed, ctx, []);
    assert.ok(m instanceof Promise);
    assert.equal((await m).verdict.kind, 'continue');
    assert.deepEqual(log, ['g', 'slow', 'v', 'z']);
  });
});

describe('media type essence', () => {
  test('parameters, case and whitespace go; each value gets its own answer, in any order of calls', () => {
    const cases: [string | string[] | undefined, string][] = [
      ['application/json; charset=utf-8', 'application/json'],
      ['application/json; charset=utf-8', 'application/json'],
      [' Application/Problem+JSON ', 'application/problem+json'],
      ['application/json; charset=utf-8', 'application/json'],
      ['text/html;charset=UTF-8', 'text/html'],
      [['application/json', 'text/html'], 'application/json'],
      [undefined, ''],
      ['', ''],
      ['text/plain', 'text/plain'],
    ];
    for (const [value, want] of cases) assert.equal(mediaTypeEssence(value), want, String(value));
  });
});
