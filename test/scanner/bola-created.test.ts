import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOpenApi } from '../../src/openapi/load.ts';
import { parseScanConfig } from '../../src/scanner/config.ts';
import { createdId, runScan } from '../../src/scanner/engine.ts';
import type { Exchange } from '../../src/scanner/http.ts';
import { NOTES_OPENAPI, NOTES_SCAN_CONFIG, startNotesApi } from './fixtures/notes-api.ts';

async function scanNotes(vulnerable: boolean) {
  const api = await startNotesApi({ vulnerable });
  try {
    const config = {
      ...parseScanConfig(NOTES_SCAN_CONFIG, 'notes-scan.yaml'),
      rate: 1000,
      allowDestructive: true,
      only: new Set(['bola']),
    };
    const result = await runScan({
      document: await parseOpenApi(NOTES_OPENAPI, 'notes.yaml'),
      target: api.url,
      config,
    });
    return { result, received: [...api.received] };
  } finally {
    await api.close();
  }
}

describe('bola on objects the identities create (API1)', () => {
  it('each identity creates one note; the other reads and deletes it', async () => {
    const { result, received } = await scanNotes(true);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      received.filter((r) => r.startsWith('POST')),
      ['POST /notes by alice', 'POST /notes by bob'],
    );
    assert.deepEqual(result.findings.map((f) => f.id).sort(), [
      'bola:deleteNote:deleted',
      'bola:getNote:read',
    ]);
    assert.match(
      result.findings.find((f) => f.id === 'bola:getNote:read')?.message ?? '',
      /bob read alice's object|alice read bob's object/,
    );
  });

  it('stays silent when notes are owner-checked', async () => {
    const { result, received } = await scanNotes(false);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings, []);
    assert.ok(
      received.some((r) => /^GET \/notes\/\w+ by bob$/.test(r)),
      'the cross-user read was tried',
    );
  });

  it('createdId: id, data.id, or the Location header', () => {
    const ex = (status: number, body: string, headers: Record<string, string> = {}): Exchange => ({
      request: { method: 'POST', path: '/x' },
      url: 'http://127.0.0.1/x',
      error: undefined,
      response: { status, headers, body, bytes: body.length, truncated: false, elapsedMs: 1 },
    });
    assert.equal(createdId(ex(201, '{"id":7}')), '7');
    assert.equal(createdId(ex(200, '{"data":{"id":"a-b"}}')), 'a-b');
    assert.equal(createdId(ex(201, '', { location: '/notes/n%20x?x=1' })), 'n x');
    assert.equal(createdId(ex(201, '', { location: '/notes/%E0%A4%A' })), undefined);
    assert.equal(createdId(ex(400, '{"id":7}')), undefined);
  });
});
