import { test } from 'node:test';
import { assertClean, assertDetected } from './helpers.ts';

test('traversal: dot-dot sequences in every encoding', () => {
  assertDetected('traversal', [
    '../../../etc/passwd',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '%252e%252e%252fsecret',
    '..%255c..%255cwindows%255cwin.ini',
    '....//....//etc/passwd',
    '..;/..;/admin',
    '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    '..\\..\\..\\boot.ini',
    '../config.json',
    'page=../',
  ]);
});

test('traversal: sensitive absolute paths and stream wrappers', () => {
  assertDetected('traversal', [
    '/etc/passwd',
    'page=etc/passwd%00',
    '/proc/self/environ',
    'C:\\Windows\\System32\\drivers\\etc\\hosts',
    'file:///etc/shadow',
    'php://filter/convert.base64-encode/resource=index.php',
    'data://text/plain;base64,PD9waHA=',
    'expect://id',
  ]);
});

test('traversal: ordinary paths and prose stay clean', () => {
  assertClean([
    '../ means parent directory (tutorial)',
    'How do I open C:\\Windows in Explorer?',
    'C:\\Users\\Public\\Documents\\invoice.pdf',
    '/home/user/reports/2026-q3.csv',
    'docs/getting-started.md',
    'Wait... what?',
    'v1.2.3-beta.4',
    'back\\slash and forward/slash',
  ]);
});
