/**
 * The GraphQL scenario of the benchmark (issue 6): a typical 3-level query of the schema of
 * examples/graphql-api, and the fixed answer the bench upstream gives it (computed once here, so that
 * the upstream never executes GraphQL and is never what the GraphQL row measures).
 */

/** The query: user → posts → author, ten posts (within the route's depth and cost limits). */
export const GRAPHQL_QUERY = '{ user(id: 1) { name posts(first: 10) { title author { name } } } }';

/** The POST body the load generator sends to `/graphql`. */
export const GRAPHQL_REQUEST_BODY = JSON.stringify({ query: GRAPHQL_QUERY });

/** What examples/graphql-api would answer with ten posts (~0.5 KB). */
export const GRAPHQL_RESPONSE_BODY: Buffer = Buffer.from(
  JSON.stringify({
    data: {
      user: {
        name: 'Ada',
        posts: Array.from({ length: 10 }, (_, i) => ({
          title: `Post number ${i + 1}`,
          author: { name: 'Ada' },
        })),
      },
    },
  }),
);
