/**
 * Fixed payloads of the benchmark: the upstream's response bodies and the load generator's POST body.
 * They match the schemas of bench/configs/openapi.yaml, so a validating gateway accepts them.
 */

/** The JSON body of `GET /items/{id}` (~90 bytes). */
export function itemBody(id: string): string {
  return `{"id":${id},"name":"item ${id}","price":19.99,"currency":"EUR","inStock":true}`;
}

/** Builds the `GET /items/{id}/report` body once: a day-by-day series of about 10 KB. */
function buildReport(): Buffer {
  const days: { day: string; views: number; orders: number; revenue: number }[] = [];
  for (let i = 0; i < 150; i++) {
    const day = `2026-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    days.push({ day, views: 1000 + ((i * 7919) % 9000), orders: 10 + ((i * 31) % 90), revenue: 100.5 + i });
  }
  return Buffer.from(JSON.stringify({ generatedAt: '2026-06-01T00:00:00Z', currency: 'EUR', days }));
}

/** The JSON body of `GET /items/{id}/report`, identical for every id. */
export const REPORT_BODY: Buffer = buildReport();

/** Builds the POST body once: an item of exactly `size` bytes of JSON, padded in `description`. */
function buildPostBody(size: number): string {
  const base = {
    name: 'bench item',
    description: '',
    tags: ['bench', 'load', 'json'],
    price: 12.5,
    quantity: 3,
  };
  const empty = JSON.stringify(base).length;
  return JSON.stringify({ ...base, description: 'x'.repeat(size - empty) });
}

/** The 1 KB JSON body the load generator sends with `POST /items`. */
export const POST_BODY: string = buildPostBody(1024);
