import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  type CpuSample,
  contentionBetween,
  contentionText,
  isBusy,
  parseOwnTicks,
  parseProcStat,
  sampleCpu,
} from '../../bench/lib/contention.ts';

const PROC_STAT = `cpu  1000 50 400 90000 20 7 30 12 0 0
cpu0 500 25 200 45000 10 3 15 6 0 0
cpu1 500 25 200 45000 10 4 15 6 0 0
intr 123
`;

describe('bench contention', () => {
  test('reads user + nice + system and steal from the aggregate cpu line of /proc/stat', () => {
    assert.deepEqual(parseProcStat(PROC_STAT), { busy: 1450, steal: 12 });
    assert.equal(parseProcStat('cpu0 1 2 3 4 5 6 7 8\n'), null);
    assert.equal(parseProcStat('cpu  1 2 3\n'), null);
  });

  test('reads utime + stime + cutime + cstime, after a command name holding spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 40 7 3 20 0 11 0';
    assert.equal(parseOwnTicks(stat), 300);
    assert.equal(parseOwnTicks('4242 node S 1'), null);
  });

  test('what others took: machine busy time less this tree, over wall time; never below zero', () => {
    const a: CpuSample = { busy: 1000, steal: 10, own: 200, at: 0 };
    const b: CpuSample = { busy: 1600, steal: 30, own: 700, at: 10_000 };
    const c = contentionBetween(a, b);
    // 600 busy ticks, 500 of them ours: 100 ticks = 1 s over 10 s
    assert.ok(Math.abs(c.others - 0.1) < 1e-9);
    assert.ok(Math.abs(c.steal - 0.02) < 1e-9);
    assert.equal(contentionText(c), '0.10 cores on average (steal 0.02)');
    assert.equal(contentionBetween(a, { ...b, own: 2000 }).others, 0);
  });

  test('busy above a tenth of a core, from others or from other guests', () => {
    assert.equal(isBusy({ others: 0.05, steal: 0 }), false);
    assert.equal(isBusy({ others: 0.2, steal: 0 }), true);
    assert.equal(isBusy({ others: 0, steal: 0.2 }), true);
  });

  test('on Linux, a reaped child counts as this tree, not as other processes', {
    skip: process.platform !== 'linux' && 'needs /proc',
  }, async () => {
    const before = sampleCpu();
    assert.ok(before !== null, '/proc/stat and /proc/self/stat are readable');
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end);']);
    await once(child, 'exit');
    const after = sampleCpu();
    assert.ok(after !== null);
    // 400 ms of CPU is 40 ticks; allow for tick rounding and a slow start
    assert.ok(after.own - before.own >= 25, `own ticks grew by ${after.own - before.own}`);
  });
});
