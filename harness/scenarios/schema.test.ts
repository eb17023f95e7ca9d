import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarios, schemaPath } from './load.ts';
import { schemaText } from './schema.ts';
import { PAGE_ORIGINS } from '../core/names.ts';
import { appStackNames } from '../../servers/apps/catalog.ts';
import { proxyNames } from '../../servers/proxies/catalog.ts';
import { stackNames } from '../../servers/labels.ts';

const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

describe('the published JSON Schema', () => {
  it('is the one built from the catalogs (run `npm run schema` after changing a stack or a proxy)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(schemaText());
  });

  it('knows the same stacks and pages as the harness (engines: tests/catalogs.test.ts)', () => {
    expect(schema.definitions.stackName.enum).toEqual(stackNames());
    expect(schema.definitions.appStackName.enum).toEqual(appStackNames());
    // `from` takes any declared origin's name too, so it is a pattern every default page matches.
    const from = new RegExp(schema.definitions.probe.properties.from.pattern);
    for (const page of PAGE_ORIGINS) expect(from.test(page)).toBe(true);
    // The order of server's keys is the order an unknown key's error lists them in.
    expect(Object.keys(schema.definitions.server.properties)).toEqual(['policy', 'response', 'responses', 'url', ...appStackNames(), 'policyAt', 'upstream', ...proxyNames()]);
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
