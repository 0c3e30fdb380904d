/** The request shapes the benchmark sends to every row: one table each. */
import { POST_BODY } from './bodies.ts';

/** One request, repeated by the load generator for the whole run. */
export interface Scenario {
  readonly key: string;
  readonly title: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every scenario, in table order; `--scenarios` picks among their keys. */
export const SCENARIOS: readonly Scenario[] = [
  {
    key: 'get',
    title: 'GET /items/{id} (small JSON response)',
    method: 'GET',
    path: '/items/42',
    body: null,
    headers: {},
  },
  {
    key: 'post',
    title: 'POST /items (1 KB JSON request body)',
    method: 'POST',
    path: '/items',
    body: POST_BODY,
    headers: { 'content-type': 'application/json' },
  },
  {
    key: 'report',
    title: 'GET /items/{id}/report (~10 KB JSON response)',
    method: 'GET',
    path: '/items/42/report',
    body: null,
    headers: {},
  },
];
