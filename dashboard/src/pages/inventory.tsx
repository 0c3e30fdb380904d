import { useMemo, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import type { InventoryEndpoint } from '../api-types.ts';
import { PageTitle, Stat, Status } from '../components/status.tsx';
import { fmtCount, fmtTime } from '../format.ts';
import { useLoad } from '../hooks.ts';

const ZOMBIE: Record<string, string> = {
  'deprecated-called': 'deprecated, still called',
  'never-called': 'never called',
  stale: 'not called lately',
};

type Filter = 'all' | InventoryEndpoint['status'];

/** One endpoint's status as a word and a colour, with the zombie reason. */
function StatusBadge({ e }: { e: InventoryEndpoint }) {
  return (
    <span class={`badge st-${e.status}`}>
      {e.status}
      {e.zombieKind !== undefined && <span class="why"> ({ZOMBIE[e.zombieKind] ?? e.zombieKind})</span>}
    </span>
  );
}

/** The inventory: every endpoint with documented / shadow / zombie status, sensitive data and policies. */
export function InventoryPage({ api }: { api: Api }) {
  const inv = useLoad(api, 'getInventory', undefined);
  const [filter, setFilter] = useState<Filter>('all');
  const [text, setText] = useState('');
  const rows = useMemo(() => {
    const all = inv.data?.endpoints ?? [];
    const t = text.trim().toLowerCase();
    return all.filter(
      (e) =>
        (filter === 'all' || e.status === filter) &&
        (t === '' || `${e.method} ${e.path} ${e.api ?? ''} ${e.operationId ?? ''}`.toLowerCase().includes(t)),
    );
  }, [inv.data, filter, text]);
  const d = inv.data;
  return (
    <>
      <div class="page-head">
        <PageTitle>Inventory</PageTitle>
        <div class="toolbar">
          <button type="button" onClick={inv.reload}>
            Refresh
          </button>
        </div>
      </div>
      <Status loading={inv.loading && d === null} error={inv.error} />
      {d !== null && (
        <>
          {!d.learning && (
            <p class="note">
              Traffic discovery is off (<code>events.discovery.enabled</code>): shadow endpoints and last-seen
              times are not learned.
            </p>
          )}
          <dl class="stats" aria-label="Endpoints by status">
            <Stat label="Documented" value={fmtCount(d.summary.documented)} />
            <Stat
              label="Shadow"
              value={fmtCount(d.summary.shadow)}
              tone={d.summary.shadow > 0 ? 'bad' : undefined}
            />
            <Stat
              label="Zombie"
              value={fmtCount(d.summary.zombie)}
              tone={d.summary.zombie > 0 ? 'warn' : undefined}
            />
          </dl>
          <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter endpoints">
            <div class="field">
              <label for="f-status">Status</label>
              <select
                id="f-status"
                value={filter}
                onChange={(e) => setFilter(e.currentTarget.value as Filter)}
              >
                <option value="all">All</option>
                <option value="documented">Documented</option>
                <option value="shadow">Shadow</option>
                <option value="zombie">Zombie</option>
              </select>
            </div>
            <label>
              Search{' '}
              <input
                type="search"
                value={text}
                onInput={(e) => setText(e.currentTarget.value)}
                placeholder="/users"
              />
            </label>
            <span class="muted" aria-live="polite">
              {rows.length} of {d.endpoints.length} endpoints
            </span>
          </form>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Endpoints</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">API</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sensitive data</th>
                  <th scope="col" class="num">
                    Calls
                  </th>
                  <th scope="col" class="num">
                    Refused
                  </th>
                  <th scope="col" class="num">
                    Consumers
                  </th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Policies</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={`${e.api ?? ''} ${e.method} ${e.path}`}>
                    <th scope="row">
                      <span class="method">{e.method}</span> <code>{e.path}</code>
                      {e.operationId !== null && <div class="muted small">{e.operationId}</div>}
                    </th>
                    <td>{e.api ?? '—'}</td>
                    <td>
                      <StatusBadge e={e} />
                    </td>
                    <td>
                      {e.sensitive.length === 0 ? (
                        <span class="muted">none seen</span>
                      ) : (
                        <ul class="tags">
                          {e.sensitive.map((s) => (
                            <li key={s} class="tag tag-sensitive">
                              {s}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td class="num">{fmtCount(e.calls)}</td>
                    <td class="num">{fmtCount(e.refused)}</td>
                    <td class="num">{fmtCount(e.consumers)}</td>
                    <td class="nowrap">{fmtTime(e.lastSeen)}</td>
                    <td>
                      {e.policies.length === 0 ? (
                        <span class="muted">none</span>
                      ) : (
                        <ul class="tags">
                          {e.policies.map((p) => (
                            <li key={p} class="tag">
                              {p}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {d.undeclaredParameters.length > 0 && (
            <section class="card" aria-labelledby="h-params">
              <h2 id="h-params">Undeclared parameters seen</h2>
              <ul>
                {d.undeclaredParameters.map((p) => (
                  <li key={`${p.method} ${p.path} ${p.name}`}>
                    <span class="method">{p.method}</span> <code>{p.path}</code>: {p.in} parameter{' '}
                    <code>{p.name}</code>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </>
  );
}
