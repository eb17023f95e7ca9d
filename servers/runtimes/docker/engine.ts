import type { ImageInfo } from '../../../harness/results/types.ts';
import { CONTAINER_LABEL } from '../../../harness/system/lifeline.ts';

/**
 * The Docker engine, reached through testcontainers. Imported lazily: the
 * local runtime never loads it, and a machine without Docker never needs it.
 */
export type Testcontainers = typeof import('testcontainers');

/**
 * testcontainers starts a reaper container (Ryuk) that removes containers
 * left by a crashed process; its image comes from Docker Hub, which a machine
 * without a registry cannot pull. The harness removes its containers itself
 * (through the run's Cleanup, on success, failure and Ctrl-C, and a label per
 * run to find them), so the reaper is turned off.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

let loaded: Promise<Testcontainers> | undefined;
export function testcontainers(): Promise<Testcontainers> {
  loaded ??= import('testcontainers');
  return loaded;
}

/** Label on every container a run starts: `docker ps -a --filter label=corslab.run=<id>` finds them (and the lifeline, and `corslab clean`). */
export const RUN_LABEL = CONTAINER_LABEL;

/** Whether an engine answers, and why not when it does not (for the tests' skip reason and the run's error). */
export async function dockerReachable(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await testcontainers();
    const client = await withTimeout(getContainerRuntimeClient(), 15_000, 'the Docker engine did not answer within 15 s');
    return { ok: true, version: String(client.info.containerRuntime.serverVersion) };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { ok: false, reason: `no Docker engine is reachable (${message}); start dockerd, or set DOCKER_HOST` };
  }
}

/**
 * The image as the engine has it: its id, and the registry digest when it came
 * from a registry (RepoDigests). A missing image is pulled once; where no
 * registry is reachable that fails, and the error says which image and where
 * the setting came from.
 */
export async function resolveImage(ref: string, from: string): Promise<ImageInfo> {
  const { getContainerRuntimeClient, ImageName } = await testcontainers();
  const client = await getContainerRuntimeClient();
  const name = ImageName.fromString(ref);
  if (!(await client.image.exists(name))) {
    try {
      await client.image.pull(name);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new Error(`the image ${ref} (${from}) is not on this machine and could not be pulled: ${message}`);
    }
  }
  const info = await client.image.inspect(name);
  const repoDigest = info.RepoDigests?.find((d) => d.startsWith(`${name.image}@`) || d.includes(`/${name.image.split('/').pop()}@`)) ?? info.RepoDigests?.[0];
  return {
    ref,
    id: info.Id,
    ...(repoDigest ? { digest: repoDigest.slice(repoDigest.indexOf('@') + 1) } : {}),
    created: info.Created,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
