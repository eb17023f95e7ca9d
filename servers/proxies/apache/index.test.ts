import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheProxy } from './index.ts';
import { parseConfigTest } from './process.ts';
import type { ProxyScenarioInput } from '../proxy.ts';

describe('reading what `apache2 -t` says', () => {
  const file = '/tmp/x/httpd.conf';

  it('finds the line of an error reported on two lines', () => {
    const output = `AH00526: Syntax error on line 20 of ${file}:\nInvalid command 'Foo', perhaps misspelled or defined by a module not included in the server configuration\n`;
    expect(parseConfigTest(output, file)).toEqual([{ line: 20, message: "Invalid command 'Foo', perhaps misspelled or defined by a module not included in the server configuration" }]);
  });

  it('finds the line of an error reported on one line', () => {
    expect(parseConfigTest(`apache2: Syntax error on line 22 of ${file}: Expected </If> but saw </Location>\n`, file)).toEqual([{ line: 22, message: 'Expected </If> but saw </Location>' }]);
  });

  it('names no line when the error is in another file, or names none', () => {
    expect(parseConfigTest('AH00526: Syntax error on line 1 of /etc/other.conf:\nboom\n', file)).toEqual([{ line: 0, message: 'boom' }]);
    expect(parseConfigTest('AH00015: Unable to open logs\n', file)).toEqual([{ line: 0, message: 'AH00015: Unable to open logs' }]);
  });
});

// The real binary: a config test takes about 20 ms.
describe('the config test, with the real httpd', () => {
  let dir: string;
  let executable: string;
  beforeAll(async () => {
    const location = await apacheProxy.locate();
    if (!location.available) throw new Error(`Apache httpd is needed for this test: ${location.reason}`);
    executable = location.executable;
    dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-apache-unit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const input = (location: string): ProxyScenarioInput => ({
    scenarioId: 'unit',
    prefix: '/s/unit',
    setup: { location },
    policy: { origin: ['http://app.example.localhost:1'], methods: ['PUT'], credentials: true, maxAge: 60 },
    servers: [{ app: 'express-cors', listenPort: 20001, upstreamPort: 30001 }],
    dir,
  });

  it('accepts the generated config with a policy and a snippet', async () => {
    const lines = apacheProxy.config(input('Header always set X-Snippet 1\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^(.*)$ $1 [R=204,L]'));
    expect(await apacheProxy.test(executable, dir, lines)).toEqual([]);
  });

  it('reports a broken snippet at the config line that came from it', async () => {
    const lines = apacheProxy.config(input('Header always set X-Snippet 1\nHeader always set'));
    const problems = await apacheProxy.test(executable, dir, lines);
    expect(problems).toEqual([{ line: expect.any(Number), message: 'Header requires three arguments' }]);
    expect(lines[problems[0]!.line - 1]!.source).toEqual({ field: 'apache.location', line: 1 });
  });
});
