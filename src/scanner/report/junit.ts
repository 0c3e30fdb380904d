/** JUnit XML: one test suite per check, one test case per planned check, a failure per finding. */
import type { ScanReport } from './model.ts';

/** Escape text for XML attributes and content (control characters dropped). */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Render JUnit XML that CI systems show as tests (a finding is a failed test). */
export function formatJunit(report: ScanReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = report.result.checks.length;
  out.push(
    `<testsuites name="rampart scan" tests="${total}" failures="${report.findings.length}" time="${(report.result.durationMs / 1000).toFixed(3)}">`,
  );
  for (const c of report.result.checks) {
    const mine = report.findings.filter((f) => f.checkId === c.id);
    out.push(
      `  <testsuite name="${xmlEscape(`${c.category} ${c.id}`)}" tests="${Math.max(1, mine.length)}" failures="${mine.length}">`,
    );
    if (mine.length === 0) {
      out.push(`    <testcase classname="${xmlEscape(c.category)}" name="${xmlEscape(c.title)}"/>`);
    }
    for (const f of mine) {
      const ev = f.evidence[0];
      const detail = [
        f.message,
        `operation: ${f.operation.method} ${f.operation.path}`,
        `CWE-${f.cwe}, severity ${f.severity}`,
        ev === undefined
          ? ''
          : `evidence: ${ev.request.method} ${ev.request.url} -> ${ev.response?.status ?? ev.error ?? ''}`,
        `fix: ${f.remediation}`,
      ].join('\n');
      out.push(
        `    <testcase classname="${xmlEscape(c.category)}" name="${xmlEscape(`${c.title}: ${f.id}`)}">`,
      );
      out.push(
        `      <failure type="${xmlEscape(f.severity)}" message="${xmlEscape(f.message)}">${xmlEscape(detail)}</failure>`,
      );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
