import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

const minimal = `listeners:
  - port: 8080
upstreams:
  app:
    url: http://127.0.0.1:3000
apis:
  - name: app
    openapi: ./openapi.yaml
    upstream: app
`;

async function configError(text: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    await parseConfig(text, '/etc/rampart/rampart.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the config to be refused');
}

describe('config loading', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('fills defaults and deep-freezes the result', async () => {
    const { config } = await parseConfig(minimal, '/x/rampart.yaml', {});
    assert.equal(config.mode, 'enforce');
    assert.equal(config.admin.host, '127.0.0.1');
    assert.equal(config.limits.maxHeaders, 100);
    assert.equal(config.paths.trailingSlash, 'ignore');
    assert.equal(config.listeners[0]?.host, '0.0.0.0');
    assert.ok(Object.isFrozen(config.limits));
    assert.throws(() => {
      (config.limits as { maxHeaders: number }).maxHeaders = 1;
    }, TypeError);
  });

  test('an unknown key is an error naming file:line:column, the key and the likely intended key', async () => {
    const err = await configError(minimal.replace('    upstream: app', '    upstream: app\n    upstrem: x'));
    assert.equal(err.file, '/etc/rampart/rampart.yaml');
    assert.equal(err.line, 10);
    assert.equal(err.column, 5);
    assert.equal(err.key, 'apis.0.upstrem');
    assert.match(
      err.message,
      /^\/etc\/rampart\/rampart\.yaml:10:5: apis\.0\.upstrem: unknown key "upstrem".*did you mean "upstream"/,
    );
  });

  test('a wrong type is an error at the value, with a hint', async () => {
    const err = await configError(minimal.replace('port: 8080', 'port: eighty'));
    assert.equal(err.line, 2);
    assert.equal(err.key, 'listeners.0.port');
    assert.match(err.message, /must be integer/);
  });

  test('an invalid enum value lists the allowed ones', async () => {
    const err = await configError(`${minimal}mode: block\n`);
    assert.equal(err.line, 10);
    assert.match(err.message, /one of: "enforce", "monitor"/);
  });

  test('a missing required key is named', async () => {
    const err = await configError('listeners:\n  - port: 1\nupstreams: {}\n');
    assert.match(err.message, /missing required key "apis"/);
  });

  test('YAML syntax errors and duplicate keys carry their position', async () => {
    const bad = await configError('listeners:\n  - port: 1\n   bad: [\n');
    assert.ok(bad.line !== undefined && bad.line >= 2);
    const dup = await configError(`${minimal}mode: enforce\nmode: monitor\n`);
    assert.match(dup.message, /unique|duplicate/i);
  });

  test('an unknown upstream and an invalid origin are semantic errors with locations', async () => {
    const err = await configError(minimal.replace('upstream: app', 'upstream: other'));
    assert.equal(err.line, 9);
    assert.match(err.message, /unknown upstream "other".*defined upstreams: app/);
    const cors = await configError(`${minimal}    cors: { origins: ['*'], credentials: true }\n`);
    assert.match(cors.message, /cannot be combined with credentials/);
  });

  test('production mode refuses plain HTTP listeners that do not redirect', async () => {
    const err = await configError(`${minimal}production: true\n`);
    assert.match(err.message, /plain HTTP listener in production mode/);
  });

  test('${ENV} references are substituted, recorded as secret, and a missing one names the variable, not a value', async () => {
    const text = minimal.replace('http://127.0.0.1:3000', 'http://127.0.0.1:${APP_PORT}');
    const loaded = await parseConfig(text, '/x/rampart.yaml', { APP_PORT: '3999' });
    assert.equal(loaded.config.upstreams.app?.url, 'http://127.0.0.1:3999');
    assert.ok(loaded.secretPointers.has('/upstreams/app/url'));
    const err = await configError(text, {});
    assert.match(err.message, /environment variable APP_PORT is not set/);
    assert.equal(err.line, 5);
  });

  test('${file:…} reads a secret file relative to the config; $${ is a literal', async () => {
    await writeFile(join(dir, 'port.txt'), '4000\n');
    const file = join(dir, 'rampart.yaml');
    await writeFile(
      file,
      minimal.replace('3000', '${file:port.txt}').replace('./openapi.yaml', () => './$${x}.yaml'),
    );
    const loaded = await loadConfig(file, {});
    assert.equal(loaded.config.upstreams.app?.url, 'http://127.0.0.1:4000');
    assert.equal(loaded.config.apis[0]?.openapi, './${x}.yaml');
  });

  test('a missing file is a clear error', async () => {
    await assert.rejects(loadConfig(join(dir, 'nope.yaml')), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /cannot read config file \(ENOENT\)/);
      return true;
    });
  });

  test('"__proto__" in YAML is an unknown key, never a prototype change', async () => {
    const err = await configError(`${minimal}__proto__: { polluted: true }\n`);
    assert.match(err.message, /unknown key "__proto__"/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
