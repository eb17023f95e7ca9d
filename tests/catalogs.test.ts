/**
 * What the lower layers cannot check themselves because the catalogs sit
 * above them: the scenario format's lists agree with the catalogs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineNames } from '../harness/browsers/catalog.ts';
import { schemaPath } from '../harness/scenarios/load.ts';

const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

describe('the scenario schema and the catalogs', () => {
  it('names every engine of the engine catalog, and no other', () => {
    expect(schema.definitions.engineName.enum).toEqual(engineNames());
  });
});
