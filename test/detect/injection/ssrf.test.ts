import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectInjection } from '../../../src/detect/injection/index.ts';
import { isInternalIpv4, parseIpv4Loose } from '../../../src/detect/injection/ssrf.ts';
import { assertClean, assertDetected } from './helpers.ts';

test('parseIpv4Loose reads every inet_aton spelling', () => {
  const loopback = 0x7f000001;
  for (const s of [
    '127.0.0.1',
    '2130706433',
    '0177.0.0.1',
    '0x7f.1',
    '127.1',
    '0x7f000001',
    '017700000001',
    '127.0.1',
  ]) {
    assert.equal(parseIpv4Loose(s), loopback, s);
  }
  for (const s of ['256.1.1.1', '1.2.3.4.5', 'abc', '', '0x', '99999999999']) {
    const v = parseIpv4Loose(s);
    assert.ok(v === null || (s === '0x' && v === 0), s);
  }
  assert.equal(isInternalIpv4(parseIpv4Loose('8.8.8.8')!), false);
  assert.equal(isInternalIpv4(parseIpv4Loose('100.64.0.1')!), true);
});

test('ssrf: loopback, private and metadata addresses in any spelling', () => {
  assertDetected('ssrf', [
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.1/',
    'http://0x7f.0x0.0x0.0x1/',
    'http://[::1]/',
    'http://[::]:80/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://a@127.0.0.1/',
    'http://user@127.0.0.1:80@example.com/',
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://100.100.100.200/latest/meta-data/',
    'http://10.1.1.1:2375/containers/json',
    'http://192.168.0.1/admin',
    'http://172.16.0.10:9200/',
    'http://100.64.1.1/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1%25eth0]/',
    'http://localhost:22/',
    'http://127.0.0.1.nip.io/',
    'gopher://localhost:6379/_INFO',
    'http:\\\\127.0.0.1\\admin',
    'see http%3A%2F%2F127.0.0.1%2Fadmin',
    'http://①②⑦.0.0.1/',
    '127.0.0.1:8080',
    '[::1]',
    'localhost',
  ]);
});

test('ssrf: configured internal host names, exact and by suffix', () => {
  const options = { internalHosts: ['billing', '.corp.example', '*.svc.example'] };
  assertDetected(
    'ssrf',
    ['http://billing/api', 'http://db.corp.example/', 'http://corp.example/', 'https://a.b.svc.example/x'],
    options,
  );
  assertClean(['http://billing.example.com/', 'http://notcorp.example/'], options);
});

test('ssrf: public URLs, dates and versions stay clean', () => {
  assertClean([
    'See https://example.com/docs',
    'http://8.8.8.8/',
    'https://api.github.com/repos',
    'www.example.org',
    'ftp.example.org is deprecated, use https',
    '31.12.2026 23:59',
    '10.01.2026',
    'v1.2.3-beta.4',
    'Call 2130706433 for support',
    'http://172.32.0.1/',
  ]);
});

test('ssrf: the detection names the rule', () => {
  assert.equal(detectInjection('http://169.254.169.254/latest/user-data')?.rule, 'ssrf.metadata');
  assert.equal(detectInjection('http://[::1]/')?.rule, 'ssrf.internal-ipv6');
});
