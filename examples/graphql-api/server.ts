/**
 * A small GraphQL upstream on node:http + graphql-js, with none of the protections the gateway adds:
 * no depth or cost limit, introspection on, batches of any size, and field suggestions ("Did you
 * mean …") in its error messages. It serves POST JSON (one operation or a batched array) and GET
 * `?query=` on /graphql.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, type ExecutionResult, execute, GraphQLError, parse, validate } from 'graphql';

/** The SDL file of the example schema. */
export const GRAPHQL_SCHEMA_FILE = new URL('./schema.graphql', import.meta.url).pathname;

interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}
interface Post {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly authorId: string;
}

const USERS: User[] = [
  { id: '1', name: 'Ada', email: 'ada@example.test' },
  { id: '2', name: 'Grace', email: 'grace@example.test' },
];
const POSTS: Post[] = [
  { id: '10', title: 'Engines', body: 'On the analytical engine', authorId: '1' },
  { id: '11', title: 'Compilers', body: 'On the A-0 system', authorId: '2' },
  { id: '12', title: 'Notes', body: 'Note G', authorId: '1' },
];

const take = <T>(list: T[], first: unknown): T[] => (typeof first === 'number' ? list.slice(0, first) : list);

function userValue(u: User): Record<string, unknown> {
  return {
    ...u,
    posts: (args: { first?: number }) =>
      take(POSTS.filter((p) => p.authorId === u.id).map(postValue), args.first),
  };
}
function postValue(p: Post): Record<string, unknown> {
  return { ...p, author: () => userValue(USERS.find((u) => u.id === p.authorId)!) };
}

const rootValue = {
  user: (args: { id: string }) => {
    const u = USERS.find((x) => x.id === args.id);
    return u === undefined ? null : userValue(u);
  },
  users: (args: { first?: number }) => take(USERS.map(userValue), args.first),
  posts: (args: { first?: number; search?: string }) =>
    take(
      POSTS.filter((p) => args.search === undefined || p.title.includes(args.search)).map(postValue),
      args.first,
    ),
  createPost: (args: { title: string; body: string }) => {
    const p = { id: String(POSTS.length + 10), title: args.title, body: args.body, authorId: '1' };
    POSTS.push(p);
    return postValue(p);
  },
};

const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8'));

function run(item: unknown): ExecutionResult {
  const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  if (typeof o.query !== 'string') return { errors: [new GraphQLError('Must provide query string.')] };
  let document: ReturnType<typeof parse>;
  try {
    document = parse(o.query);
  } catch (e) {
    return { errors: [e as GraphQLError] };
  }
  // suggestions on: this is the leak the gateway closes
  const errors = validate(schema, document);
  if (errors.length > 0) return { errors };
  return execute({
    schema,
    document,
    rootValue,
    variableValues: (o.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof o.operationName === 'string' ? o.operationName : undefined,
  }) as ExecutionResult;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/graphql') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  let payload: unknown;
  if (req.method === 'GET') {
    const vars = url.searchParams.get('variables');
    payload = {
      query: url.searchParams.get('query'),
      operationName: url.searchParams.get('operationName'),
      variables: vars === null ? undefined : JSON.parse(vars),
    };
  } else if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"bad JSON"}]}');
      return;
    }
  } else {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  const result = Array.isArray(payload) ? payload.map(run) : run(payload);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
}

/** A running example API. */
export interface GraphqlApi {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Start the example GraphQL API on 127.0.0.1 (port 0 by default). */
export async function startGraphqlApi(port = 0): Promise<GraphqlApi> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

if (import.meta.main) {
  const api = await startGraphqlApi(Number(process.env.PORT ?? 4000));
  process.stdout.write(`GraphQL example API on ${api.url}/graphql\n`);
}
