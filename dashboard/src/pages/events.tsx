import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, describeError } from '../api.ts';
import type { Event, Operations, Severity } from '../api-types.ts';
import { PageTitle, SeverityBadge, Status } from '../components/status.tsx';
import { fmtTime } from '../format.ts';

const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const PAGE = 100;
/** Events kept on screen while tailing (the oldest drop off). */
const KEEP = 500;

type Query = Operations['listEvents']['query'];
interface Filters {
  category: string;
  severity: string;
  consumer: string;
  ip: string;
  route: string;
  /** datetime-local value, in the browser's time zone */
  since: string;
}
const EMPTY: Filters = { category: '', severity: '', consumer: '', ip: '', route: '', since: '' };

function toQuery(f: Filters): Query {
  const q: Query = {};
  if (f.category !== '') q.category = f.category;
  if (f.severity !== '') q.severity = f.severity as Severity;
  if (f.consumer !== '') q.consumer = f.consumer;
  if (f.ip !== '') q.ip = f.ip;
  if (f.route !== '') q.route = f.route;
  const since = f.since === '' ? Number.NaN : new Date(f.since).getTime();
  if (!Number.isNaN(since)) q.since = new Date(since).toISOString();
  return q;
}

/** Security events: filters, newest first, and a live tail that polls with the `after` cursor. */
export function EventsPage({ api, pollMs = 2000 }: { api: Api; pollMs?: number }) {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [events, setEvents] = useState<Event[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tail, setTail] = useState(false);
  const [fresh, setFresh] = useState(0);
  const newest = useRef(0);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.call('listEvents', { query: { ...toQuery(filters), order: 'desc', limit: PAGE } }).then(
      (page) => {
        if (!live) return;
        setEvents(page.events);
        newest.current = page.events.reduce((m, e) => Math.max(m, e.id), 0);
        setError(null);
        setLoading(false);
        setFresh(0);
      },
      (e: unknown) => {
        if (!live) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, filters]);

  useEffect(() => {
    if (!tail) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const page = await api.call('listEvents', {
          query: { ...toQuery(filters), after: newest.current, order: 'asc', limit: PAGE },
        });
        if (!live) return;
        if (page.events.length > 0) {
          newest.current = page.events.reduce((m, e) => Math.max(m, e.id), newest.current);
          setEvents((old) => [...[...page.events].reverse(), ...old].slice(0, KEEP));
          setFresh(page.events.length);
        }
        setError(null);
      } catch (e) {
        if (live) setError(describeError(e));
      }
      if (live) timer = setTimeout(poll, pollMs);
    };
    timer = setTimeout(poll, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, filters, tail, pollMs]);

  const field = (name: keyof Filters, label: string, placeholder: string) => (
    <label>
      {label}{' '}
      <input
        name={name}
        value={draft[name]}
        placeholder={placeholder}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <>
      <div class="page-head">
        <PageTitle>Events</PageTitle>
        <div class="toolbar">
          <label class="switch">
            <input type="checkbox" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} /> Live
            tail
          </label>
        </div>
      </div>
      <form
        class="filters"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft });
        }}
      >
        {field('category', 'Category', 'injection')}
        <div class="field">
          <label for="f-severity">Severity</label>
          <select
            id="f-severity"
            name="severity"
            value={draft.severity}
            onChange={(e) => setDraft({ ...draft, severity: e.currentTarget.value })}
          >
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {field('consumer', 'Consumer', 'acme')}
        {field('ip', 'IP', '203.0.113.7')}
        {field('route', 'Route', '/users/{id}')}
        <label>
          Since{' '}
          <input
            name="since"
            type="datetime-local"
            value={draft.since}
            onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })}
          />
        </label>
        <button type="submit">Apply</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      <Status loading={loading} error={error} />
      <p class="muted" aria-live="polite">
        {tail ? `Tailing: ${fresh} new in the last poll. ` : ''}
        {events.length} events shown, newest first.
      </p>
      <div class="table-wrap">
        <table class="events">
          <caption class="visually-hidden">Security events</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Severity</th>
              <th scope="col">Category / code</th>
              <th scope="col">Request</th>
              <th scope="col">Client</th>
              <th scope="col">Action</th>
              <th scope="col">Evidence (redacted)</th>
            </tr>
          </thead>
          <tbody>
            {events.length === 0 && !loading ? (
              <tr>
                <td colSpan={7} class="muted">
                  No events match.
                </td>
              </tr>
            ) : (
              events.map((e) => (
                <tr key={e.id}>
                  <td class="nowrap">{fmtTime(e.time)}</td>
                  <td>
                    <SeverityBadge severity={e.severity} />
                  </td>
                  <td>
                    {e.category}
                    <div class="small">
                      <code>{e.code}</code>
                    </div>
                  </td>
                  <td>
                    <span class="method">{e.method}</span> <code>{e.route}</code>
                    <div class="muted small">
                      {e.status} · {e.requestId}
                    </div>
                  </td>
                  <td>
                    {e.consumer !== null && <div>{e.consumer}</div>}
                    <div class="muted small">{e.ip}</div>
                  </td>
                  <td>{e.action}</td>
                  <td class="evidence">
                    {e.evidence === null ? <span class="muted">—</span> : <code>{e.evidence}</code>}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
