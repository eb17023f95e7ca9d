/**
 * `npm run schema`: writes scenarios/schema.json, the scenario format's JSON
 * Schema for editors, from its common part and what the catalogs' app stacks
 * and proxies say of their own parts (harness/scenarios/schema.ts). Run it
 * after adding or changing a stack or a proxy; a test fails until then.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { schemaPath } from '../harness/scenarios/load.ts';
import { schemaText } from '../harness/scenarios/schema.ts';

const text = schemaText();
const before = await readFile(schemaPath, 'utf8').catch(() => '');
const name = path.relative(process.cwd(), schemaPath);
if (before === text) {
  process.stdout.write(`${name} is up to date\n`);
} else {
  await writeFile(schemaPath, text);
  process.stdout.write(`wrote ${name}\n`);
}
