/** Baseline files: findings a team has accepted, by stable id, so CI fails only on new ones. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Finding } from './types.ts';

const MAX_BASELINE_BYTES = 4 * 1024 * 1024;
const MAX_ENTRIES = 10_000;

/** One accepted finding. */
export interface BaselineEntry {
  readonly id: string;
  readonly reason?: string;
}

/** A malformed or unreadable baseline file. */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

/** Parse baseline text: `{ "version": 1, "accepted": [{ "id": "...", "reason": "..." }] }`. */
export function parseBaseline(text: string, file: string): ReadonlyMap<string, BaselineEntry> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BaselineError(`${file}: not JSON`);
  }
  const accepted = (value as { accepted?: unknown } | null)?.accepted;
  if (typeof value !== 'object' || value === null || !Array.isArray(accepted)) {
    throw new BaselineError(`${file}: expected { "version": 1, "accepted": [ { "id": ... } ] }`);
  }
  if (accepted.length > MAX_ENTRIES) throw new BaselineError(`${file}: more than ${MAX_ENTRIES} entries`);
  const out = new Map<string, BaselineEntry>();
  accepted.forEach((e: unknown, i) => {
    const id = (e as { id?: unknown } | null)?.id;
    const reason = (e as { reason?: unknown } | null)?.reason;
    if (typeof id !== 'string' || id.length === 0 || id.length > 1000)
      throw new BaselineError(`${file}: accepted[${i}].id must be a string`);
    out.set(id, typeof reason === 'string' ? { id, reason } : { id });
  });
  return out;
}

/** Read a baseline file. Throws BaselineError. */
export async function loadBaseline(file: string): Promise<ReadonlyMap<string, BaselineEntry>> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new BaselineError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (buf.length > MAX_BASELINE_BYTES)
    throw new BaselineError(`${file}: larger than ${MAX_BASELINE_BYTES} bytes`);
  return parseBaseline(buf.toString('utf8'), file);
}

/** Split findings into new ones and ones the baseline accepts. */
export function applyBaseline(
  findings: readonly Finding[],
  baseline: ReadonlyMap<string, BaselineEntry>,
): { findings: Finding[]; accepted: Finding[] } {
  const fresh: Finding[] = [];
  const accepted: Finding[] = [];
  for (const f of findings) (baseline.has(f.id) ? accepted : fresh).push(f);
  return { findings: fresh, accepted };
}

/** The baseline text accepting every given finding (titles kept as reasons to review later). */
export function formatBaseline(findings: readonly Finding[]): string {
  const accepted = [...findings]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((f) => ({ id: f.id, reason: `accepted: ${f.title}` }));
  return `${JSON.stringify({ version: 1, accepted }, null, 2)}\n`;
}

/** Write a baseline file accepting every given finding. */
export async function writeBaseline(file: string, findings: readonly Finding[]): Promise<void> {
  await writeFile(file, formatBaseline(findings));
}
