/**
 * docker-compose.yml must be a file Compose accepts. Checked with whichever
 * Compose is installed (the v2 plugin, `docker compose`, or Debian 12's v1,
 * `docker-compose`); where there is none, the test says it did not run and why.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function findCompose(): { command: string; args: string[] } | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return { command: 'docker', args: ['compose'] };
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return { command: 'docker-compose', args: [] };
  return undefined;
}

const compose = findCompose();
const reason = 'no Compose found (neither `docker compose` nor `docker-compose`); scripts/docker-setup.sh installs Debian\'s docker-compose';
if (!compose) process.stderr.write(`\ndocker-compose.yml check did NOT run: ${reason}\n\n`);

describe.skipIf(!compose)(compose ? 'docker-compose.yml' : `docker-compose.yml (did not run: ${reason})`, () => {
  it('is accepted by `compose config`, with the official Node image by default and host networking', () => {
    const run = spawnSync(compose!.command, [...compose!.args, 'config'], { encoding: 'utf8', env: { ...process.env, CORSLAB_NODE_IMAGE: '' } });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/image: node:22-bookworm-slim/);
    expect(run.stdout).toMatch(/network_mode: host/);
  });

  it('takes the image from the environment, as a user points it at a local image', () => {
    const run = spawnSync(compose!.command, [...compose!.args, 'config'], { encoding: 'utf8', env: { ...process.env, CORSLAB_NODE_IMAGE: 'corslab-local/node:20-bookworm' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/image: corslab-local\/node:20-bookworm/);
  });
});
