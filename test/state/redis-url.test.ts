import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { createState } from '../../src/state/index.ts';
import { parseRedisUrl } from '../../src/state/redis-url.ts';
import { spawnCli } from '../helpers/cli.ts';
import { TEST_OPENAPI } from '../helpers/gateway.ts';

describe('parseRedisUrl', () => {
  test('a plain redis:// or rediss:// URL is handed to ioredis as is', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6379/2'), {
      kind: 'single',
      url: 'redis://127.0.0.1:6379/2',
    });
    assert.deepEqual(parseRedisUrl('rediss://u:p@h:1'), { kind: 'single', url: 'rediss://u:p@h:1' });
  });

  test('redis+cluster:// lists seed nodes, with credentials and default ports', () => {
    assert.deepEqual(parseRedisUrl('redis+cluster://user:p%40ss@h1:7000,10.0.0.2,[::1]:7002'), {
      kind: 'cluster',
      nodes: [
        { host: 'h1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'user',
      password: 'p@ss',
      tls: false,
    });
    const tls = parseRedisUrl('rediss+cluster://:pw@h1:7000');
    assert.equal(tls.kind, 'cluster');
    assert.ok(tls.kind === 'cluster' && tls.tls && tls.password === 'pw' && tls.username === undefined);
  });

  test('redis+sentinel:// lists sentinels, then the master name and an optional db', () => {
    assert.deepEqual(parseRedisUrl('redis+sentinel://s1:26380,s2/mymaster'), {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      db: 0,
      username: undefined,
      password: undefined,
      tls: false,
    });
    const withDb = parseRedisUrl('rediss+sentinel://:secret@s1:26379/main-1/3');
    assert.ok(withDb.kind === 'sentinel');
    assert.equal(withDb.name, 'main-1');
    assert.equal(withDb.db, 3);
    assert.equal(withDb.tls, true);
    assert.equal(withDb.password, 'secret');
  });

  test('malformed URLs are ConfigErrors that name the problem and never the password', () => {
    const cases: [string, RegExp][] = [
      ['redis+cluster://', /names no host/],
      ['redis+cluster://u:hunter2@h1:notaport', /port that is not a number/],
      ['redis+cluster://u:hunter2@h1:70000', /port outside 1–65535/],
      ['redis+cluster://h1:1,,h2:2', /empty or invalid host/],
      ['redis+cluster://h1:1/0', /takes no \/path/],
      ['redis+sentinel://u:hunter2@s1:26379', /master name/],
      ['redis+sentinel://s1:26379/', /master name/],
      ['redis+sentinel://s1:26379/m/x', /db that is not a number/],
      ['redis+sentinel://[::1:26379/m', /closing \]/],
      ['redis+mesh://h1:1', /unknown scheme/],
      ['redis://', /names no host/],
      ['h1:6379', /no scheme/],
      [`redis+cluster://${'h:1,'.repeat(40)}h:1`, /more than 32 hosts/],
      [`redis+cluster://u:%zz@h1:1`, /percent-encoded password/],
    ];
    for (const [url, re] of cases) {
      assert.throws(
        () => parseRedisUrl(url),
        (err: unknown) =>
          err instanceof ConfigError &&
          re.test(err.message) &&
          err.message.startsWith('state.url: ') &&
          !err.message.includes('hunter2'),
        url,
      );
    }
  });

  test('createState refuses a malformed cluster URL at once instead of retrying', async () => {
    await assert.rejects(
      createState({ url: 'redis+cluster://h1:0', prefix: 'x:', failureMode: 'fail-open', timeoutMs: 100 }),
      (err: unknown) => err instanceof ConfigError && /port outside/.test(err.message),
    );
  });

  test('rampart gateway stops at start-up with a clear error for a malformed sentinel URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-redis-url-'));
    try {
      await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
      await writeFile(
        join(dir, 'rampart.yaml'),
        `listeners:
  - { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "http://127.0.0.1:9" }
apis:
  - name: test
    openapi: ./openapi.yaml
    upstream: app
state: { url: "redis+sentinel://u:hunter2@s1:26379" }
`,
      );
      const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')]);
      const code = await p.exited;
      const err = p.stderr.join('\n');
      assert.equal(code, 2, err);
      assert.match(err, /error: state\.url: the Redis URL needs the master name/);
      assert.ok(!err.includes('hunter2'));
      assert.ok(!err.includes('internal error'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
