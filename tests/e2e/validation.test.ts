import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { chromiumDriver } from '../../harness/browsers/chromium/chromium-driver.ts';
import { PageServer } from '../../servers/page/page-server.ts';

const EXPECTED_PROBLEMS = [
  'tests/fixtures/invalid/bad-yaml.yaml:2:9  (file)  YAML: Missing closing "quote',
  'tests/fixtures/invalid/unknown-field.yaml:8:5  probes[0].expected  unknown field `expected`; did you mean `expect`?',
  'tests/fixtures/invalid/unknown-stack.yaml:4:3  server.express_cors  unknown stack or field `express_cors`; did you mean `express-cors`?',
  'tests/fixtures/invalid/wrong-type.yaml:4:34  server.policy.maxAge  must be an integer, got string "ten minutes"',
];

describe('malformed scenario files', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('are all reported at once, with file, line, column and field, and nothing starts', async () => {
    const locate = vi.spyOn(chromiumDriver, 'locate');
    const launch = vi.spyOn(chromiumDriver, 'launch');
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const code = await main(['run', 'tests/fixtures/invalid']);
    expect(code).toBe(2);
    for (const line of EXPECTED_PROBLEMS) expect(stderr).toContain(line);
    expect(stderr).toContain('4 problems in scenario files; nothing was started.');
    expect(locate).not.toHaveBeenCalled();
    expect(launch).not.toHaveBeenCalled();
    expect(listen).not.toHaveBeenCalled();
  });

  it('make the corslab command exit 2', () => {
    const result = spawnSync(process.execPath, ['bin/corslab.js', 'run', 'tests/fixtures/invalid/unknown-stack.yaml'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(EXPECTED_PROBLEMS[2]);
    expect(result.stdout).toBe('');
  });

  it('a reports folder that cannot be written is bad input: exit 2, one line, nothing started', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-output-'));
    const file = path.join(dir, 'not-a-folder');
    await writeFile(file, '');
    for (const output of [file, path.join(file, 'below')]) {
      const result = spawnSync(process.execPath, ['bin/corslab.js', 'run', 'tests/fixtures/spine', '--output', output], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr.trim()).toMatch(new RegExp(`^corslab: --output ${output.replaceAll('/', '\\/')}: the reports cannot be written there \\((EEXIST|ENOTDIR)`));
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
  });

  it('says that images in the config file do nothing in the local runtime, instead of ignoring them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-config-'));
    await writeFile(path.join(dir, 'corslab.config.json'), '{ "images": { "nginx": "nginx:1.25" } }');
    const result = spawnSync(process.execPath, [path.resolve('bin/corslab.js'), 'run', path.resolve('tests/fixtures/invalid/unknown-stack.yaml')], { encoding: 'utf8', cwd: dir });
    expect(result.stderr).toContain('corslab: note: "images" in corslab.config.json apply to the Docker runtime only; this run uses the local runtime (the default), so no image is used');
    expect(result.status).toBe(2);
  });

  it('an unknown engine or stack on the command line is bad input too', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['run', '--engine', 'netscape'])).toBe(2);
    expect(await main(['run', '--stack', 'express_cors'])).toBe(2);
  });
});
