/** The request shapes the benchmark sends to every row: one table each. */
import { POST_BODY } from './bodies.ts';
import { GRAPHQL_REQUEST_BODY } from './graphql-body.ts';

/** One request, repeated by the load generator for the whole run. */
export interface Scenario {
  readonly key: string;
  readonly title: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Served only by the rows that list it (their API declares this route alone). */
  readonly exclusive?: boolean;
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
  {
    key: 'graphql',
    title: 'POST /graphql (3-level query user → posts → author, ~0.5 KB JSON response)',
    method: 'POST',
    path: '/graphql',
    body: GRAPHQL_REQUEST_BODY,
    headers: { 'content-type': 'application/json' },
    exclusive: true,
  },
];
