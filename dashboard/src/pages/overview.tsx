import { useMemo, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import type { Counts, Overview } from '../api-types.ts';
import { Chart, type ChartSeries } from '../components/chart.tsx';
import { PageTitle, SeverityBadge, Stat, Status } from '../components/status.tsx';
import { fmtCount, fmtPercent, fmtTime } from '../format.ts';
import { useLoad } from '../hooks.ts';

const WINDOWS = [
  { hours: 1, label: 'Last hour' },
  { hours: 24, label: 'Last 24 hours' },
  { hours: 168, label: 'Last 7 days' },
  { hours: 720, label: 'Last 30 days' },
];

/** A ranked list with a proportional bar per row, as a table (readable without the bars). */
function TopTable({ caption, head, rows }: { caption: string; head: string; rows: Counts }) {
  const max = rows.reduce((m, r) => Math.max(m, r.count), 0);
  return (
    <table class="top">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col" class="num">
            Refusals
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={2} class="muted">
              None in this window.
            </td>
          </tr>
        ) : (
          rows.map((r) => (
            <tr key={r.key}>
              <td>
                <code>{r.key}</code>
                <span class="meter" aria-hidden="true">
                  <span style={{ width: `${max === 0 ? 0 : Math.round((100 * r.count) / max)}%` }} />
                </span>
              </td>
              <td class="num">{fmtCount(r.count)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function Charts({ o }: { o: Overview }) {
  const line = useMemo(() => {
    const x = o.series.map((p) => Math.floor(Date.parse(p.t ?? '') / 1000));
    const series: ChartSeries[] = [
      { label: 'Refused', values: o.series.map((p) => p.refused), color: '#b42318' },
    ];
    if (o.series.some((p) => p.requests !== null))
      series.unshift({ label: 'Requests', values: o.series.map((p) => p.requests), color: '#175cd3' });
    return { x, series };
  }, [o]);
  const bars = useMemo(
    () => ({
      x: o.byCategory.map((_c, i) => i),
      categories: o.byCategory.map((c) => c.key),
      series: [{ label: 'Refusals', values: o.byCategory.map((c) => c.count), color: '#b54708' }],
    }),
    [o],
  );
  const total = o.byCategory.reduce((s, c) => s + c.count, 0);
  return (
    <div class="grid-2">
      <section class="card" aria-labelledby="h-time">
        <h2 id="h-time">Traffic over time</h2>
        <p class="muted">
          Per {o.bucketSeconds >= 3600 ? `${o.bucketSeconds / 3600} h` : `${o.bucketSeconds / 60} min`}, UTC.
        </p>
        {o.series.length === 0 ? (
          <p class="muted">No traffic in this window.</p>
        ) : (
          <Chart
            kind="line"
            label={`Requests and refusals over time, ${o.series.length} points from ${fmtTime(o.since)} to ${fmtTime(o.until)}`}
            x={line.x}
            series={line.series}
          />
        )}
      </section>
      <section class="card" aria-labelledby="h-cat">
        <h2 id="h-cat">Refusals by category</h2>
        <p class="muted">{fmtCount(total)} refusals in all.</p>
        {o.byCategory.length === 0 ? (
          <p class="muted">No refusals in this window.</p>
        ) : (
          <Chart
            kind="bar"
            label={`Refusals by category: ${o.byCategory.map((c) => `${c.key} ${c.count}`).join(', ')}`}
            x={bars.x}
            categories={bars.categories}
            series={bars.series}
          />
        )}
      </section>
    </div>
  );
}

/** The overview: totals, charts over time and by category, top attacked routes and refused clients. */
export function OverviewPage({ api }: { api: Api }) {
  const [hours, setHours] = useState(24);
  const overview = useLoad(api, 'getOverview', { query: { hours } });
  const alerts = useLoad(api, 'listAlerts', { query: { limit: 8 } });
  const o = overview.data;
  return (
    <>
      <div class="page-head">
        <PageTitle>Overview</PageTitle>
        <div class="toolbar">
          <div class="field">
            <label for="f-window">Window</label>
            <select id="f-window" value={hours} onChange={(e) => setHours(Number(e.currentTarget.value))}>
              {WINDOWS.map((w) => (
                <option key={w.hours} value={w.hours}>
                  {w.label}
                </option>
              ))}
            </select>
          </div>
          <button
            type="button"
            onClick={() => {
              overview.reload();
              alerts.reload();
            }}
          >
            Refresh
          </button>
        </div>
      </div>
      <Status loading={overview.loading && o === null} error={overview.error} />
      {o !== null && (
        <>
          <dl class="stats" aria-label="Totals">
            <Stat label="Requests" value={fmtCount(o.requests)} />
            <Stat label="Refused" value={fmtCount(o.refused)} tone={o.refused > 0 ? 'bad' : undefined} />
            <Stat label="Refusal rate" value={fmtPercent(o.refused, o.requests)} />
            <Stat
              label="Clients blocked"
              value={fmtCount(o.blocked)}
              tone={o.blocked > 0 ? 'warn' : undefined}
            />
          </dl>
          <Charts o={o} />
          <div class="grid-2">
            <section class="card">
              <h2 class="visually-hidden">Top attacked routes</h2>
              <TopTable caption="Top attacked routes" head="Route" rows={o.topRoutes} />
            </section>
            <section class="card">
              <h2 class="visually-hidden">Top refused clients</h2>
              <TopTable caption="Top refused clients" head="Client" rows={o.topClients} />
            </section>
          </div>
        </>
      )}
      <section class="card" aria-labelledby="h-alerts">
        <h2 id="h-alerts">Recent alerts</h2>
        <Status loading={alerts.loading && alerts.data === null} error={alerts.error} />
        {alerts.data !== null &&
          (alerts.data.alerts.length === 0 ? (
            <p class="muted">No anomaly detections or automatic responses.</p>
          ) : (
            <ul class="alerts">
              {alerts.data.alerts.map((a) => (
                <li key={a.id}>
                  <SeverityBadge severity={a.severity} /> <code>{a.code}</code> {a.method}{' '}
                  <code>{a.route}</code>{' '}
                  <span class="muted">
                    {a.consumer ?? a.ip} · {fmtTime(a.time)}
                  </span>
                </li>
              ))}
            </ul>
          ))}
      </section>
    </>
  );
}
