import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScanConfig, ScanConfigError } from '../../src/scanner/config.ts';

const OK = `identities:
  - name: alice
    role: user
    login: { operation: login, body: { username: alice, password: "\${ALICE_PW}" } }
  - name: ops
    role: admin
    apiKey: { in: header, name: X-API-Key, value: k-123456 }
seeds: { id: [1, 2] }
skip: [deleteUser]
budget: { requests: 300 }
rate: 5
`;

describe('scan config', () => {
  it('parses identities, seeds, skips and limits, with ${ENV} credentials and defaults', () => {
    const c = parseScanConfig(OK, '/x/scan.yaml', { ALICE_PW: 'pw-from-env' });
    assert.equal(c.identities.length, 2);
    assert.equal(c.identities[0]?.login?.body.password, 'pw-from-env');
    assert.deepEqual(c.seeds.get('id'), [1, 2]);
    assert.ok(c.skip.has('deleteUser'));
    assert.equal(c.maxRequests, 300);
    assert.equal(c.rate, 5);
    assert.equal(c.timeoutMs, 10_000);
    assert.equal(c.allowDestructive, false);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', `${OK}bogus: 1\n`, /scan\.yaml:12:1: unknown key 'bogus'/],
    [
      'two credential kinds',
      'identities:\n  - { name: a, role: user, bearer: x, apiKey: { in: header, name: k, value: v } }\n',
      /:2:5: identity 'a' needs exactly one of bearer, apiKey, login/,
    ],
    ['no identities', 'rate: 5\n', /missing required key 'identities'/],
    [
      'bad target',
      'target: ftp://x\nidentities: [{ name: a, role: user, bearer: t }]\n',
      /:1:1: target: target must be an http/,
    ],
    [
      'rate out of range',
      'rate: 0\nidentities: [{ name: a, role: user, bearer: t }]\n',
      /:1:1: rate: must be >= 0\.1/,
    ],
    [
      'missing env',
      'identities: [{ name: a, role: user, bearer: "${NOPE_NOT_SET}" }]\n',
      /environment variable NOPE_NOT_SET is not set/,
    ],
    [
      'duplicate names',
      'identities: [{ name: a, role: user, bearer: t }, { name: a, role: user, bearer: u }]\n',
      /duplicate identity name 'a'/,
    ],
    ['not a mapping', '- 1\n', /must be a mapping/],
    ['YAML syntax', 'identities: [\n', /scan\.yaml/],
  ];
  for (const [name, text, re] of bad) {
    it(`refuses ${name} with file:line:column`, () => {
      assert.throws(
        () => parseScanConfig(text, '/x/scan.yaml', { ALICE_PW: 'x' }),
        (err: unknown) => {
          assert.ok(err instanceof ScanConfigError);
          assert.match(err.message, re);
          return true;
        },
      );
    });
  }
});
