/** Walk a JSON response against its documented schema: undeclared properties and every string with its field. */

type Schema = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 8;
const MAX_ITEMS = 20;
const MAX_OUT = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function declared(schema: Schema): { props: Record<string, Schema>; open: boolean } {
  const props: Record<string, Schema> = {};
  let open = false;
  let closedKnown = false;
  const add = (s: unknown, depth: number): void => {
    if (!isObject(s) || depth > 4) return;
    if (isObject(s.properties)) {
      closedKnown = true;
      for (const [k, v] of Object.entries(s.properties)) if (isObject(v)) props[k] = v;
    }
    if (s.additionalProperties === true || isObject(s.additionalProperties) || isObject(s.patternProperties))
      open = true;
    if (Array.isArray(s.allOf)) for (const part of s.allOf) add(part, depth + 1);
    if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) open = true;
  };
  add(schema, 0);
  return { props, open: open || !closedKnown };
}

/** Dotted paths (`items[].card_number`) of properties the schema does not declare. */
export function undeclaredProperties(value: unknown, schema: Schema | undefined): string[] {
  const out: string[] = [];
  const walk = (v: unknown, s: Schema | undefined, path: string, depth: number): void => {
    if (s === undefined || depth > MAX_DEPTH || out.length >= MAX_OUT) return;
    if (Array.isArray(v)) {
      const items = isObject(s.items) ? s.items : undefined;
      for (const item of v.slice(0, MAX_ITEMS)) walk(item, items, `${path}[]`, depth + 1);
      return;
    }
    if (!isObject(v)) return;
    const { props, open } = declared(s);
    for (const [k, child] of Object.entries(v)) {
      const p = path === '' ? k : `${path}.${k}`;
      const sub = props[k];
      if (sub === undefined) {
        if (!open && !out.includes(p)) out.push(p);
        continue;
      }
      walk(child, sub, p, depth + 1);
    }
  };
  walk(value, schema, '', 0);
  return out;
}

/** Every string (and integer written as digits) in a JSON value, with its property name and path. */
export function stringsOf(value: unknown): { name: string; path: string; value: string }[] {
  const out: { name: string; path: string; value: string }[] = [];
  const walk = (v: unknown, name: string, path: string, depth: number): void => {
    if (depth > MAX_DEPTH || out.length >= 500) return;
    if (typeof v === 'string') out.push({ name, path, value: v.slice(0, 4096) });
    else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 1e11)
      out.push({ name, path, value: String(v) });
    else if (Array.isArray(v))
      for (const item of v.slice(0, MAX_ITEMS)) walk(item, name, `${path}[]`, depth + 1);
    else if (isObject(v))
      for (const [k, c] of Object.entries(v)) walk(c, k, path === '' ? k : `${path}.${k}`, depth + 1);
  };
  walk(value, '', '', 0);
  return out;
}
