import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { loadOpenApi, parseOpenApi } from '../../src/openapi/load.ts';
import {
  loadScanConfig,
  parseScanConfig,
  type ScanConfig,
  ScanConfigError,
} from '../../src/scanner/config.ts';
import { runScan } from '../../src/scanner/engine.ts';
import { RS256_OPENAPI, type Rs256Server, startRs256Api } from './fixtures/rs256-api.ts';

const only = (c: ScanConfig): ScanConfig => ({ ...c, rate: 1000, only: new Set(['jwt-key-confusion']) });

async function scanFixture(vulnerable: boolean, discovery: 'jwks' | 'oidc') {
  const api = await startRs256Api({ vulnerable, discovery });
  try {
    const document = await parseOpenApi(RS256_OPENAPI, 'rs256.yaml');
    const text = `identities:\n  - { name: alice, role: user, bearer: '${api.tokenFor('alice')}' }\n`;
    const result = await runScan({
      document,
      target: api.url,
      config: only(parseScanConfig(text, 'rs.yaml')),
    });
    return result;
  } finally {
    await api.close();
  }
}

describe('jwt-key-confusion check (API2)', () => {
  for (const discovery of ['jwks', 'oidc'] as const) {
    it(`finds HS256-with-the-public-key accepted (key found via ${discovery})`, async () => {
      const result = await scanFixture(true, discovery);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(
        result.findings.map((f) => f.id),
        ['jwt-key-confusion:getMe'],
      );
      const f = result.findings[0];
      assert.equal(f?.category, 'API2');
      assert.equal(f?.severity, 'critical');
      assert.equal(f?.evidence.length, 2);
      // The forged token itself is redacted from the evidence.
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/.test(JSON.stringify(f)));
    });
  }

  it('stays silent when the verifier pins RS256', async () => {
    const result = await scanFixture(false, 'jwks');
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.errors, []);
  });

  it('stays silent on examples/demo-api and examples/control-api (HS256 tokens, no JWKS)', async () => {
    for (const name of ['demo', 'control'] as const) {
      const api =
        name === 'demo'
          ? await startDemoApi({ quiet: true })
          : await startControlApi({ quiet: true, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
      try {
        const document = await loadOpenApi(
          new URL(`../../examples/${name}-api/openapi.yaml`, import.meta.url).pathname,
        );
        const loaded = await loadScanConfig(
          new URL(`../../examples/scan-${name}.yaml`, import.meta.url).pathname,
        );
        const result = await runScan({ document, target: api.url, config: only(loaded) });
        assert.deepEqual(result.findings, [], name);
        assert.deepEqual(result.errors, [], name);
      } finally {
        await api.close();
      }
    }
  });
});

describe('jwt-key-confusion with the JWKS in the scan config (keys published on another origin)', () => {
  async function scanWith(vulnerable: boolean, jwks: (api: Rs256Server, dir: string) => string) {
    const api = await startRs256Api({ vulnerable, discovery: 'none' });
    const dir = mkdtempSync(join(tmpdir(), 'rampart-jwks-'));
    try {
      const document = await parseOpenApi(RS256_OPENAPI, 'rs256.yaml');
      const text = `identities:\n  - { name: alice, role: user, bearer: '${api.tokenFor('alice')}' }\n${jwks(api, dir)}`;
      return await runScan({
        document,
        target: api.url,
        config: only(parseScanConfig(text, join(dir, 'scan.yaml'))),
      });
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const inline = (api: Rs256Server) => `jwks: ${JSON.stringify(api.jwks)}\n`;
  const file = (api: Rs256Server, dir: string) => {
    writeFileSync(join(dir, 'idp-jwks.json'), JSON.stringify(api.jwks));
    return 'jwks: idp-jwks.json\n';
  };

  it('without it, a target that does not publish its keys gives nothing to test with', async () => {
    const result = await scanWith(true, () => '');
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.errors, []);
  });

  for (const [how, jwks] of [
    ['inline', inline],
    ['as a file beside the scan config', file],
  ] as const) {
    it(`finds the confusion with the JWKS ${how}`, async () => {
      const result = await scanWith(true, jwks);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(
        result.findings.map((f) => f.id),
        ['jwt-key-confusion:getMe'],
      );
      assert.match(result.findings[0]?.evidence[0]?.note ?? '', /scan config/);
    });
  }

  it('stays silent when the verifier pins RS256', async () => {
    const result = await scanWith(false, inline);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.errors, []);
  });

  it('the config refuses a private key, a JWKS without keys, and a file that is not JSON', () => {
    const id = 'identities:\n  - { name: a, role: user, bearer: x }\n';
    const dir = mkdtempSync(join(tmpdir(), 'rampart-jwks-'));
    try {
      writeFileSync(join(dir, 'bad.json'), 'not json');
      const cases: [string, RegExp][] = [
        ['jwks: { keys: [{ kty: RSA, n: abc, e: AQAB, d: secret }] }\n', /holds a private key/],
        ['jwks: { keys: [] }\n', /jwks/],
        ['jwks: bad.json\n', /jwks: bad\.json is not JSON/],
        ['jwks: missing.json\n', /jwks: cannot read .*missing\.json: ENOENT/],
        ['jwks: { keys: [{ n: abc }] }\n', /not a JWK/],
      ];
      for (const [text, re] of cases) {
        assert.throws(
          () => parseScanConfig(`${id}${text}`, join(dir, 'scan.yaml')),
          (e: unknown) => e instanceof ScanConfigError && re.test(e.message) && !e.message.includes('secret'),
          text,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
