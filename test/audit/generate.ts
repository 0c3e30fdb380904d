import { stringify } from 'yaml';

/**
 * A realistic OpenAPI 3.1 document with `operations` operations (five per resource: list, create,
 * read, update, delete), one component schema per resource, shared parameters and responses, and
 * a mix of good and weak declarations so that most rules have work to do.
 */
export function generateOpenApi(operations: number): string {
  const resources = Math.ceil(operations / 5);
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  let count = 0;
  for (let i = 0; i < resources && count < operations; i++) {
    const name = `Resource${i}`;
    const ref = { $ref: `#/components/schemas/${name}` };
    schemas[name] = {
      type: 'object',
      ...(i % 2 === 0 ? { additionalProperties: false } : {}),
      required: ['id', 'name'],
      properties: {
        id: { type: 'string', format: 'uuid', readOnly: true },
        name: { type: 'string', maxLength: 100 },
        description: i % 3 === 0 ? { type: 'string' } : { type: 'string', maxLength: 2000 },
        quantity: { type: 'integer', minimum: 0, ...(i % 4 === 0 ? {} : { maximum: 1000 }) },
        tags: {
          type: 'array',
          items: { type: 'string', maxLength: 20 },
          ...(i % 5 === 0 ? {} : { maxItems: 10 }),
        },
        ...(i % 7 === 0 ? { api_token: { type: 'string' } } : {}),
        owner: { $ref: '#/components/schemas/Owner' },
        created_at: { type: 'string', format: 'date-time', readOnly: true },
      },
    };
    const ok = (schema: unknown) => ({
      description: 'ok',
      headers: { RateLimit: { $ref: '#/components/headers/RateLimit' } },
      content: { 'application/json': { schema } },
    });
    const errors = {
      '401': { $ref: '#/components/responses/Problem' },
      '429': { $ref: '#/components/responses/Problem' },
    };
    const collection: Record<string, unknown> = {};
    const item: Record<string, unknown> = {
      parameters: [
        { $ref: i % 2 === 0 ? '#/components/parameters/Id' : '#/components/parameters/NumericId' },
      ],
    };
    const ops: [Record<string, unknown>, string, Record<string, unknown>][] = [
      [
        collection,
        'get',
        {
          parameters: [{ $ref: '#/components/parameters/Limit' }],
          responses: { '200': ok({ type: 'array', items: ref }), ...errors },
        },
      ],
      [
        collection,
        'post',
        {
          requestBody: { content: { 'application/json': { schema: ref } } },
          responses: { '201': ok(ref), ...errors },
        },
      ],
      [item, 'get', { responses: { '200': ok(ref), ...errors } }],
      [
        item,
        'put',
        { requestBody: { content: { 'application/json': { schema: ref } } }, responses: { '200': ok(ref) } },
      ],
      [item, 'delete', { responses: { '204': { description: 'gone' }, ...errors } }],
    ];
    for (const [target, method, op] of ops) {
      if (count >= operations) break;
      const verb = target === collection && method === 'get' ? 'list' : method;
      target[method] = {
        operationId: i % 10 === 0 && method === 'delete' ? undefined : `${verb}${name}`,
        ...op,
      };
      count++;
    }
    paths[`/v1/resources${i}`] = collection;
    paths[`/v1/resources${i}/{id}`] = item;
  }
  for (const item of Object.values(paths) as Record<string, unknown>[]) {
    for (const [key, op] of Object.entries(item)) {
      if (op && typeof op === 'object' && 'operationId' in op && op.operationId === undefined) {
        delete (op as Record<string, unknown>).operationId;
      }
      if (key !== 'parameters' && Object.keys(item).length === 0) delete item[key];
    }
  }
  for (const [path, item] of Object.entries(paths)) {
    if (Object.keys(item as object).filter((k) => k !== 'parameters').length === 0) delete paths[path];
  }
  // Shared JS objects must not become YAML anchors and aliases: real documents use $ref instead.
  const doc = {
    openapi: '3.1.0',
    info: { title: `Generated API with ${operations} operations`, version: '1.0.0' },
    servers: [{ url: 'https://api.example.com' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      parameters: {
        Id: { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        NumericId: { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        Limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
      },
      headers: { RateLimit: { schema: { type: 'string', maxLength: 200 } } },
      responses: {
        Problem: {
          description: 'problem',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      schemas: {
        ...schemas,
        Owner: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            manager: { $ref: '#/components/schemas/Owner' },
          },
        },
        Problem: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' } } },
      },
    },
  };
  return stringify(doc, { aliasDuplicateObjects: false });
}
