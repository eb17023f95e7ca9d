import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarios, schemaPath } from './load.ts';
import { APP_STACK_NAMES, PAGE_ORIGINS, STACK_NAMES } from '../core/names.ts';

const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

describe('the published JSON Schema', () => {
  it('knows the same stacks and pages as the harness (engines: tests/catalogs.test.ts)', () => {
    expect(schema.definitions.stackName.enum).toEqual([...STACK_NAMES]);
    expect(schema.definitions.appStackName.enum).toEqual([...APP_STACK_NAMES]);
    expect(schema.definitions.probe.properties.from.enum).toEqual([...PAGE_ORIGINS]);
    for (const stack of APP_STACK_NAMES) expect(Object.keys(schema.definitions.server.properties)).toContain(stack);
  });

  it('describes every field, so editors can explain them', () => {
    const undocumented: string[] = [];
    for (const [name, definition] of Object.entries<{ properties?: Record<string, { description?: string }> }>({ scenario: schema, ...schema.definitions })) {
      for (const [field, spec] of Object.entries(definition.properties ?? {})) {
        if (!spec.description) {
          undocumented.push(`${name}.${field}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('the scenarios shipped in scenarios/', () => {
  it('are all valid', async () => {
    const scenarios = await loadScenarios(['scenarios'], 'scenarios');
    expect(scenarios.length).toBeGreaterThan(0);
  });
});
