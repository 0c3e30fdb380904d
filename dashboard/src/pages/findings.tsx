import { useMemo, useState } from 'preact/hooks';
import { type Api, describeError } from '../api.ts';
import type { Finding } from '../api-types.ts';
import { PageTitle, SeverityBadge, Status } from '../components/status.tsx';
import { fmtCount, fmtTime } from '../format.ts';
import { useLoad } from '../hooks.ts';

/** OWASP API Security Top 10 (2023). */
export const OWASP: Readonly<Record<string, string>> = {
  API1: 'Broken Object Level Authorization',
  API2: 'Broken Authentication',
  API3: 'Broken Object Property Level Authorization',
  API4: 'Unrestricted Resource Consumption',
  API5: 'Broken Function Level Authorization',
  API6: 'Unrestricted Access to Sensitive Business Flows',
  API7: 'Server Side Request Forgery',
  API8: 'Security Misconfiguration',
  API9: 'Improper Inventory Management',
  API10: 'Unsafe Consumption of APIs',
};
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** The OWASP category key of a finding (API1..API10), or 'other'. */
function categoryOf(f: Finding): string {
  const m = /^API(10|[1-9])\b/.exec(f.category ?? '');
  return m === null ? 'other' : `API${m[1]}`;
}

function ImportForm({ api, onImported }: { api: Api; onImported: (msg: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form class="card" aria-labelledby="h-import" onSubmit={(e) => e.preventDefault()}>
      <h2 id="h-import">Import a report</h2>
      <p class="muted">
        The JSON output of <code>rampart scan --format json</code> or <code>rampart audit --format json</code>{' '}
        (at most 4 MiB).
      </p>
      <label>
        Report file{' '}
        <input
          type="file"
          name="report"
          accept=".json,application/json"
          disabled={busy}
          onChange={async (e) => {
            const input = e.currentTarget;
            const file = input.files?.[0];
            if (file === undefined) return;
            setBusy(true);
            try {
              if (file.size > MAX_FILE_BYTES) throw new Error(`${file.name} is over 4 MiB.`);
              let report: unknown;
              try {
                report = JSON.parse(await file.text());
              } catch {
                throw new Error(`${file.name} is not JSON.`);
              }
              if (typeof report !== 'object' || report === null || Array.isArray(report))
                throw new Error(`${file.name} is not a scan or audit report.`);
              const imp = await api.call('importFindings', { body: report as Record<string, unknown> });
              setError(null);
              onImported(
                `Imported ${imp.findings} findings from ${imp.tool === 'audit' ? 'an audit' : 'a scan'} of ${imp.source}.`,
              );
            } catch (err) {
              setError(describeError(err));
            } finally {
              input.value = '';
              setBusy(false);
            }
          }}
        />
      </label>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Findings of imported scan and audit reports, grouped by OWASP API Security Top 10 category. */
export function FindingsPage({ api }: { api: Api }) {
  const list = useLoad(api, 'listFindings', undefined);
  const [message, setMessage] = useState('');
  const groups = useMemo(() => {
    const by = new Map<string, Finding[]>();
    for (const f of list.data?.findings ?? []) {
      const c = categoryOf(f);
      by.set(c, [...(by.get(c) ?? []), f]);
    }
    const order = [...Object.keys(OWASP), 'other'];
    return order
      .filter((c) => by.has(c))
      .map((c) => ({
        id: c,
        findings: by.get(c)!.sort((a, b) => (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9)),
      }));
  }, [list.data]);
  const d = list.data;
  return (
    <>
      <div class="page-head">
        <PageTitle>Findings</PageTitle>
      </div>
      <p class="notice" aria-live="polite">
        {message}
      </p>
      <ImportForm
        api={api}
        onImported={(m) => {
          setMessage(m);
          list.reload();
        }}
      />
      <Status loading={list.loading && d === null} error={list.error} />
      {d !== null && (
        <>
          <section class="card" aria-labelledby="h-imports">
            <h2 id="h-imports">Imports</h2>
            {d.imports.length === 0 ? (
              <p class="muted">Nothing imported yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Tool</th>
                    <th scope="col">Source</th>
                    <th scope="col">Imported</th>
                    <th scope="col" class="num">
                      Findings
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.imports.map((i) => (
                    <tr key={i.id}>
                      <td>{i.tool}</td>
                      <th scope="row">
                        <code>{i.source}</code>
                      </th>
                      <td class="nowrap">{fmtTime(i.importedAt)}</td>
                      <td class="num">{fmtCount(i.findings)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <nav class="card" aria-label="OWASP categories">
            <h2>By OWASP API Security Top 10 category</h2>
            <ul class="owasp">
              {[...Object.keys(OWASP), 'other'].map((c) => {
                const n = groups.find((g) => g.id === c)?.findings.length ?? 0;
                if (c === 'other' && n === 0) return null;
                return (
                  <li key={c} class={n > 0 ? 'has' : ''}>
                    {n > 0 ? <a href={`#cat-${c}`}>{c === 'other' ? 'Other' : c}</a> : <span>{c}</span>}{' '}
                    <span class="muted small">{OWASP[c] ?? 'No OWASP category'}</span> <strong>{n}</strong>
                  </li>
                );
              })}
            </ul>
          </nav>
          {groups.map((g) => (
            <section class="card" key={g.id} id={`cat-${g.id}`} aria-labelledby={`h-cat-${g.id}`}>
              <h2 id={`h-cat-${g.id}`}>
                {g.id === 'other' ? 'Other' : `${g.id}: ${OWASP[g.id]}`}{' '}
                <span class="muted">({g.findings.length})</span>
              </h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col">Finding</th>
                    <th scope="col">Where</th>
                    <th scope="col">Tool</th>
                  </tr>
                </thead>
                <tbody>
                  {g.findings.map((f, i) => (
                    <tr key={`${f.importId}-${f.rule}-${f.location}-${i}`}>
                      <td>
                        <SeverityBadge severity={f.severity} />
                      </td>
                      <td>
                        <strong>{f.title}</strong> <code class="small">{f.rule}</code>
                        <div>{f.message}</div>
                        {f.remediation !== null && <div class="muted small">Fix: {f.remediation}</div>}
                      </td>
                      <td>
                        <code>{f.location}</code>
                      </td>
                      <td>{f.tool}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </>
      )}
    </>
  );
}
