// Writes schema/rampart.schema.json from the TypeBox schema, for editors (yaml-language-server, VS Code).
import { writeFileSync } from 'node:fs';
import { editorSchema } from '../src/config/schema.ts';

const out = new URL('../schema/rampart.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(editorSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
