// Test harness (built only by the component tests, never into dist): mounts one view with a fixture
// API whose answers the test gives, and records every call the view makes.
import { render } from 'preact';
import { type Api, ApiError, type CallArgs } from './api.ts';
import type { OperationId } from './api-types.ts';
import { App, PAGES } from './app.tsx';
import { SignInPage } from './pages/signin.tsx';
import './styles.css';

/** An answer: the response body, or a refusal. A list answers call by call (the last one repeats). */
type Answer = unknown;
interface Refusal {
  error: { status: number; code: string; detail: string };
}
const isRefusal = (a: unknown): a is Refusal =>
  typeof a === 'object' && a !== null && 'error' in a && Object.keys(a).length === 1;

interface Harness {
  calls: { op: OperationId; args: unknown }[];
  mount(view: string, fixtures: Partial<Record<OperationId, Answer | { sequence: Answer[] }>>): void;
}

function fixtureApi(fixtures: Record<string, unknown>, calls: Harness['calls']): Api {
  const used: Record<string, number> = {};
  return {
    call<K extends OperationId>(op: K, args?: CallArgs<K>) {
      calls.push({ op, args: args === undefined ? null : JSON.parse(JSON.stringify(args)) });
      let a = fixtures[op];
      if (typeof a === 'object' && a !== null && 'sequence' in a) {
        const seq = (a as { sequence: unknown[] }).sequence;
        const i = used[op] ?? 0;
        used[op] = i + 1;
        a = seq[Math.min(i, seq.length - 1)];
      }
      if (a === undefined)
        return Promise.reject(new ApiError(404, 'fixture.missing', `no fixture for ${op}`));
      if (isRefusal(a)) return Promise.reject(new ApiError(a.error.status, a.error.code, a.error.detail));
      return Promise.resolve(structuredClone(a)) as never;
    },
  };
}

const harness: Harness = {
  calls: [],
  mount(view, fixtures) {
    const root = document.getElementById('app')!;
    render(null, root);
    harness.calls.length = 0;
    const api = fixtureApi(fixtures as Record<string, unknown>, harness.calls);
    if (view === 'app') {
      render(<App api={api} signedOut={{ subscribe: () => {} }} />, root);
      return;
    }
    if (view === 'signin') {
      render(<SignInPage api={api} onSignedIn={() => root.setAttribute('data-signed-in', 'true')} />, root);
      return;
    }
    const page = PAGES.find((p) => p.id === view);
    if (page === undefined) throw new Error(`no view ${view}`);
    const View = page.view as (p: { api: Api; pollMs?: number; now?: number }) => preact.JSX.Element;
    render(
      <main id="main">
        <View api={api} pollMs={50} now={Date.parse('2026-11-23T12:00:00Z')} />
      </main>,
      root,
    );
  },
};
(window as unknown as { harness: Harness }).harness = harness;
document.documentElement.setAttribute('data-harness', 'ready');
