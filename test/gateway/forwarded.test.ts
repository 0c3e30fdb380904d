import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { BlockList } from 'node:net';
import { describe, test } from 'node:test';
import { forwardedHeader, resolveClient } from '../../src/gateway/forwarded.ts';

function req(peer: string, headers: Record<string, string>): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: { host: 'api.example.com', ...headers },
  } as unknown as IncomingMessage;
}

const trusted = new BlockList();
trusted.addSubnet('10.0.0.0', 8, 'ipv4');

describe('resolveClient', () => {
  test('an untrusted peer is the client; its forwarding headers are ignored', () => {
    const c = resolveClient(
      req('203.0.113.9', {
        'x-forwarded-for': '1.1.1.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil',
      }),
      false,
      trusted,
      true,
    );
    assert.deepEqual(c, {
      ip: '203.0.113.9',
      proto: 'http',
      host: 'api.example.com',
      forwardedFor: '203.0.113.9',
    });
  });

  test('through trusted proxies the client is the first untrusted hop from the right', () => {
    const c = resolveClient(
      req('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.1.1' }),
      false,
      trusted,
      true,
    );
    assert.equal(c.ip, '198.51.100.7');
    // the spoofed left part (6.6.6.6) is dropped from what goes upstream
    assert.equal(c.forwardedFor, '198.51.100.7, 10.1.1.1, 10.0.0.2');
  });

  test('a trusted proxy may set the scheme and host; garbage in X-Forwarded-For is skipped', () => {
    const c = resolveClient(
      req('10.0.0.2', {
        'x-forwarded-for': 'not-an-ip, 198.51.100.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'shop.example.com',
      }),
      false,
      trusted,
      true,
    );
    assert.equal(c.ip, '198.51.100.7');
    assert.equal(c.proto, 'https');
    assert.equal(c.host, 'shop.example.com');
  });

  test('IPv4-mapped IPv6 peers are treated as IPv4', () => {
    const c = resolveClient(req('::ffff:10.0.0.3', { 'x-forwarded-for': '192.0.2.1' }), true, trusted, true);
    assert.equal(c.ip, '192.0.2.1');
    assert.equal(c.proto, 'https');
  });

  test('the Forwarded header is rebuilt from resolved facts, quoting IPv6 and refusing odd hosts', () => {
    assert.equal(
      forwardedHeader({ ip: '2001:db8::1', proto: 'https', host: 'api.example.com', forwardedFor: '' }),
      'for="[2001:db8::1]";proto=https;host="api.example.com"',
    );
    assert.equal(
      forwardedHeader({ ip: '192.0.2.1', proto: 'http', host: 'a";x=1', forwardedFor: '' }),
      'for=192.0.2.1;proto=http',
    );
  });
});
