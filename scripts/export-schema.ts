// Writes schema/rampart.schema.json from the TypeBox schema, for editors (yaml-language-server, VS Code).
import { writeFileSync } from 'node:fs';
import { RampartConfig } from '../src/config/schema.ts';

const out = new URL('../schema/rampart.schema.json', import.meta.url);
const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(RampartConfig)) };
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
