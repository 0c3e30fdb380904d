import { classifyText } from '../../../src/detect/sensitive/index.ts';
import type { SensitiveType } from '../../../src/detect/sensitive/types.ts';

/** The substrings of text classified as type (default confidence threshold). */
export function found(text: string, type: SensitiveType): string[] {
  return classifyText(text)
    .filter((m) => m.type === type)
    .map((m) => text.slice(m.start, m.end));
}
