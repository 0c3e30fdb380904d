/** One original source embedded in a source map's `sourcesContent`. */
export interface EmbeddedSource {
  readonly source: string;
  readonly text: string;
}

/** Most embedded sources read from one map (index maps included). */
const MAX_SOURCES = 50_000;

function collect(map: unknown, out: EmbeddedSource[], depth: number): void {
  if (typeof map !== 'object' || map === null || depth > 2) return;
  const m = map as Record<string, unknown>;
  const contents = m.sourcesContent;
  const sources = Array.isArray(m.sources) ? (m.sources as unknown[]) : [];
  if (Array.isArray(contents)) {
    contents.forEach((text, i) => {
      if (typeof text !== 'string' || out.length >= MAX_SOURCES) return;
      const name = sources[i];
      out.push({ source: typeof name === 'string' ? name : `sourcesContent[${i}]`, text });
    });
  }
  // Index maps (`sections`) nest whole maps.
  if (Array.isArray(m.sections)) {
    for (const section of m.sections as unknown[]) {
      if (typeof section === 'object' && section !== null) {
        collect((section as Record<string, unknown>).map, out, depth + 1);
      }
    }
  }
}

/**
 * The original sources a source map embeds, scanned in place of the map itself: inside the map they are
 * JSON-escaped on one line (`\n` runs into the next token), so positions and boundaries would be wrong.
 * Null when the text is not a source map with `sourcesContent`, in which case the raw text is scanned.
 */
export function embeddedSources(mapText: string): EmbeddedSource[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(mapText);
  } catch {
    return null;
  }
  const out: EmbeddedSource[] = [];
  collect(parsed, out, 0);
  return out.length > 0 ? out : null;
}
