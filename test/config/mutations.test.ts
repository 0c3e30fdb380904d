import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { auditDocument } from '../../src/audit/audit.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { OpenApiError, parseOpenApi } from '../../src/openapi/load.ts';
import { mutate, seededRandom } from '../helpers/mutate.ts';

const root = join(import.meta.dirname, '..', '..');
/** Enough mutants to reach most loader branches, few enough to take seconds. */
const MUTANTS = 200;
const env: NodeJS.ProcessEnv = {
  RAMPART_DEMO_PORT: '0',
  RAMPART_DEMO_ADMIN_PORT: '0',
  RAMPART_DEMO_UPSTREAM: 'http://127.0.0.1:1',
  RAMPART_BENCH_HS_SECRET: 'bench-secret-of-forty-characters-at-least',
};

const configSeeds = [
  'examples/demo.yaml',
  'examples/graphql-api/rampart.yaml',
  'bench/configs/demo-policies.yaml',
  'bench/configs/response-filter.yaml',
  'bench/configs/ratelimit-memory.yaml',
  'bench/configs/validate-inspect.yaml',
  'bench/configs/graphql.yaml',
];
const documentSeeds = [
  'examples/demo-api/openapi.yaml',
  'examples/graphql-api/openapi.yaml',
  'bench/configs/openapi.yaml',
  'bench/configs/auth-openapi-jwt.yaml',
  'test/openapi/fixtures/petstore-30.yaml',
  'test/openapi/fixtures/petstore-31.json',
];
const readSeed = (path: string): unknown => parse(readFileSync(join(root, path), 'utf8'));

/** What a loader said of one mutant: loaded, or refused with the message of a Rampart error. */
type Outcome = { kind: 'loaded' } | { kind: 'refused'; message: string };

/** Runs `load`; a ConfigError or OpenApiError is a refusal, anything else fails the test with the mutant. */
async function outcome(load: () => Promise<unknown>, mutant: string): Promise<Outcome> {
  try {
    await load();
    return { kind: 'loaded' };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof OpenApiError)
      return { kind: 'refused', message: err.message };
    assert.fail(
      `a mutant crashed the loader with ${String((err as Error).stack ?? err)}\n--- mutant ---\n${mutant}`,
    );
  }
}

/** Both outcomes occur, so the mutants reach past the first check; every refusal reads as a sentence. */
function assertSpread(outcomes: readonly Outcome[]): void {
  const refused = outcomes.filter((o) => o.kind === 'refused');
  assert.ok(refused.length >= MUTANTS / 20, `only ${refused.length} of ${MUTANTS} mutants were refused`);
  assert.ok(refused.length <= MUTANTS - MUTANTS / 20, `only ${MUTANTS - refused.length} mutants loaded`);
  for (const r of refused) {
    assert.ok(r.message.length > 10, `a terse refusal: ${r.message}`);
    assert.doesNotMatch(
      r.message,
      /\[object Object\]|\bundefined\b|\bNaN\b/,
      'a refusal that leaks a JS value',
    );
  }
}

describe('mutated configs and OpenAPI documents', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-mutants-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a mutated config is compiled or refused with a ConfigError or OpenApiError, never a crash', async () => {
    const random = seededRandom(7);
    const outcomes: Outcome[] = [];
    for (let k = 0; k < MUTANTS; k++) {
      const seed = configSeeds[k % configSeeds.length]!;
      const text = stringify(mutate(readSeed(seed), random), { aliasDuplicateObjects: false });
      // the seed's own path: its relative OpenAPI, GraphQL and key files resolve as they do unmutated
      const file = join(root, seed);
      outcomes.push(await outcome(async () => compilePlan(await parseConfig(text, file, env)), text));
    }
    assertSpread(outcomes);
  });

  test('a mutated OpenAPI document is audited and compiled, or refused with an OpenApiError, never a crash', async () => {
    const random = seededRandom(11);
    const config = readSeed('bench/configs/demo-policies.yaml') as {
      apis: { openapi: string }[];
      [k: string]: unknown;
    };
    config.apis[0]!.openapi = './openapi.yaml';
    config.validation = { enabled: true };
    config.inspection = { enabled: true };
    config.response = { enabled: true, masking: { types: { card: 'partial' } } };
    const configText = stringify(config);
    const configFile = join(dir, 'rampart.yaml');
    const docFile = join(dir, 'openapi.yaml');
    await writeFile(configFile, configText);
    // the GraphQL seed's x-rampart names its schema file beside the document
    await copyFile(join(root, 'examples/graphql-api/schema.graphql'), join(dir, 'schema.graphql'));
    const outcomes: Outcome[] = [];
    for (let k = 0; k < MUTANTS; k++) {
      const text = stringify(mutate(readSeed(documentSeeds[k % documentSeeds.length]!), random), {
        aliasDuplicateObjects: false,
      });
      await writeFile(docFile, text);
      const audited = await outcome(async () => auditDocument(await parseOpenApi(text, docFile)), text);
      // the gateway reads the same document through the config: it must refuse what the audit did
      const compiled = await outcome(
        async () => compilePlan(await parseConfig(configText, configFile, env)),
        text,
      );
      if (audited.kind === 'refused')
        assert.equal(compiled.kind, 'refused', `the gateway loaded a document the audit refused:\n${text}`);
      outcomes.push(compiled);
    }
    assertSpread(outcomes);
  });
});
