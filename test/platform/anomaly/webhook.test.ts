import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  type Alert,
  type AlertResult,
  backoffMs,
  checkWebhookConfig,
  createWebhookSender,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
  type WebhookConfig,
} from '../../../src/platform/anomaly/webhook.ts';

const SECRET = 'a-webhook-secret-of-32-characters!';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A receiver on 127.0.0.1 answering each POST with the next status of `statuses` (then 200). */
let server: Server;
let url = '';
let statuses: number[] = [];
let received: Received[] = [];
before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const alert = (n = 1): Alert => ({
  type: 'rampart.anomaly',
  time: '2026-01-01T00:00:00.000Z',
  code: 'anomaly.enumeration',
  severity: 'high',
  subject: 'consumer:mallory',
  evidence: `${n} sequential object ids on demo:getOrder`,
  ip: '192.0.2.1',
  consumer: 'mallory',
  route: 'getOrder',
  requestId: `req-${n}`,
  responses: ['block'],
});

const config = (over: Partial<WebhookConfig> = {}): WebhookConfig => ({
  url,
  secret: SECRET,
  format: 'json',
  timeoutMs: 5_000,
  maxAttempts: 4,
  retryBaseMs: 5,
  queueSize: 10,
  ...over,
});

test('an alert is POSTed with a verifiable HMAC signature, and retried after a 500', async () => {
  statuses = [500];
  received = [];
  const results: AlertResult[] = [];
  const sender = createWebhookSender(config(), (r) => results.push(r));
  assert.equal(sender.send(alert()), true);
  await sender.idle();
  assert.equal(received.length, 2, 'one 500, then one success');
  const last = received[1]!;
  const ts = last.headers[TIMESTAMP_HEADER] as string;
  const sig = last.headers[SIGNATURE_HEADER] as string;
  assert.equal(verifyWebhook(SECRET, ts, sig, last.body), true);
  assert.equal(verifyWebhook('another-secret-of-enough-length', ts, sig, last.body), false);
  assert.equal(verifyWebhook(SECRET, ts, sig, last.body.replace('mallory', 'mallorz')), false);
  assert.equal(verifyWebhook(SECRET, String(Number(ts) - 3600), sig, last.body), false, 'replay window');
  assert.equal(sig, signWebhook(SECRET, Number(ts), last.body));
  assert.deepEqual(JSON.parse(last.body), alert());
  assert.equal(last.headers['content-type'], 'application/json');
  assert.deepEqual(
    results.map((r) => [r.delivered, r.attempts, r.last]),
    [[true, 2, '200']],
  );
  assert.equal(sender.delivered, 1);
  await sender.close();
});

test('gives up after maxAttempts; a 4xx is not retried', async () => {
  statuses = [503, 503, 503, 400];
  received = [];
  const results: AlertResult[] = [];
  const sender = createWebhookSender(config({ maxAttempts: 3 }), (r) => results.push(r));
  sender.send(alert(1));
  sender.send(alert(2));
  await sender.idle();
  assert.deepEqual(
    results.map((r) => [r.alert.requestId, r.delivered, r.attempts, r.last]),
    [
      ['req-1', false, 3, '503'],
      ['req-2', false, 1, '400'],
    ],
  );
  assert.equal(sender.failed, 2);
  await sender.close();
});

test('the queue is bounded: past queueSize alerts are dropped and counted', async () => {
  statuses = [];
  received = [];
  const sender = createWebhookSender(config({ queueSize: 1 }), () => {});
  // the first leaves the queue at once for its attempt; the second waits; the third finds it full
  assert.equal(sender.send(alert(1)), true);
  assert.equal(sender.send(alert(2)), true);
  assert.equal(sender.send(alert(3)), false);
  assert.equal(sender.dropped, 1);
  await sender.idle();
  assert.equal(received.length, 2);
  await sender.close();
  assert.equal(sender.send(alert(4)), false, 'closed');
});

test('a network failure is retried, then reported', async () => {
  const results: AlertResult[] = [];
  // a port nothing listens on (the server's, closed after listening on it)
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const sender = createWebhookSender(config({ url: `http://127.0.0.1:${port}/`, maxAttempts: 2 }), (r) =>
    results.push(r),
  );
  sender.send(alert());
  await sender.idle();
  assert.deepEqual(
    results.map((r) => [r.delivered, r.attempts, r.last]),
    [[false, 2, 'network']],
  );
  await sender.close();
});

test('format slack sends a { text } payload', async () => {
  statuses = [];
  received = [];
  const sender = createWebhookSender(config({ format: 'slack' }), () => {});
  sender.send(alert());
  await sender.idle();
  const body = JSON.parse(received[0]!.body) as { text: string };
  assert.deepEqual(Object.keys(body), ['text']);
  assert.match(body.text, /anomaly\.enumeration \[high\] consumer mallory \(ip 192\.0\.2\.1\) on getOrder/);
  await sender.close();
});

test('config checks: URL scheme, no credentials in it, a secret for JSON; backoff doubles and caps', () => {
  assert.throws(() => checkWebhookConfig(config({ url: 'ftp://example.com/' })), /http or https/);
  assert.throws(() => checkWebhookConfig(config({ url: 'not a url' })), /not a URL/);
  assert.throws(() => checkWebhookConfig(config({ url: 'https://u:p@example.com/' })), /credentials/);
  const { secret: _s, ...unsigned } = config();
  assert.throws(() => checkWebhookConfig(unsigned), /needs a secret/);
  assert.doesNotThrow(() => checkWebhookConfig({ ...unsigned, format: 'slack' }));
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffMs(1_000, n)),
    [1_000, 2_000, 4_000, 8_000],
  );
  assert.equal(backoffMs(1_000, 40), 300_000);
});
