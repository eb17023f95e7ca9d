import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../../harness/system/project.ts';
import { dockerReachable } from './engine.ts';

/**
 * The images scripts/build-images.sh builds from Debian packages where no
 * registry is reachable (this project's machines and CI). Each stands in for
 * an official image and holds the same versions as this machine's Debian
 * packages, so a run in either runtime runs the same servers.
 */
export const LOCAL_IMAGES = {
  /** Debian 12's nginx-light 1.22, like the local runtime's nginx; stands in for nginx:1.27. */
  nginx: 'corslab-local/nginx:1.22-bookworm',
  /** Debian 13's nginx-light 1.26: the second nginx, side by side. */
  nginxTrixie: 'corslab-local/nginx:1.26-trixie',
  /** Debian 12's apache2-bin 2.4, like the local runtime's; stands in for httpd:2.4. */
  apache: 'corslab-local/httpd:2.4-bookworm',
  /** Debian 12 with this machine's Node 20 copied in; stands in for node:22-bookworm-slim. */
  node: 'corslab-local/node:20-bookworm',
} as const;

/** `--image` values that point the Docker runtime at the local images, as a user would. */
export const LOCAL_IMAGE_OPTIONS = [`nginx=${LOCAL_IMAGES.nginx}`, `apache=${LOCAL_IMAGES.apache}`, `node=${LOCAL_IMAGES.node}`];

const script = `${projectRoot}scripts/build-images.sh`;

/**
 * For the Docker runtime's tests: an engine, and the local images (built
 * when missing, which needs root and debootstrap). Resolves with why not
 * when either is missing, so the tests can say they did not run and why.
 */
export async function dockerTestSetup(): Promise<{ ready: true } | { ready: false; reason: string }> {
  const engine = await dockerReachable();
  if (!engine.ok) return { ready: false, reason: engine.reason };
  const missing = Object.values(LOCAL_IMAGES).filter((image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return { ready: true };
  const started = Date.now();
  const build = spawnSync('bash', [script], { encoding: 'utf8' });
  if (build.status !== 0) return { ready: false, reason: `the local images (${missing.join(', ')}) are missing and scripts/build-images.sh failed: ${(build.stderr || build.stdout || String(build.error)).trim().split('\n').slice(-3).join(' ')}` };
  process.stderr.write(`corslab: built the local images in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return { ready: true };
}
