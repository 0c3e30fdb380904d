/** The JSON report: the whole model (also what `--baseline` reads back). */
import type { PostureReport } from '../types.ts';

/** Render the report as indented JSON. */
export function formatJson(report: PostureReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
