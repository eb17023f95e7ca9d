import os from 'node:os';
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import { defaults } from '../../../harness/config/defaults.ts';
import type { CommandRunner } from '../../proxies/proxy.ts';
import { RUN_LABEL, type Testcontainers } from './engine.ts';
import { HOST_LABEL } from '../../../harness/system/lifeline.ts';

export interface BindMount {
  source: string;
  target: string;
  mode?: 'ro' | 'rw';
}

export interface ContainerOptions {
  mounts: BindMount[];
  wait: WaitStrategy;
  env?: Record<string, string>;
  workdir?: string;
}

/**
 * Every container of one run: on the host's network (every address stays
 * 127.0.0.1, no traffic to the bridge's private addresses), labelled with the
 * run (RUN_LABEL), and stopped and removed together by stopAll(). One started
 * after the run began stopping (a Ctrl-C during start-up) is stopped as soon
 * as it is up.
 */
export class RunContainers {
  private readonly started = new Set<StartedTestContainer>();
  /** Starts under way: stopAll() waits for them (a failed start removes its own container). */
  private readonly starting = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly tc: Testcontainers,
    readonly runId: string,
  ) {}

  /** Runs `argv` (not the image's entrypoint: the official nginx image has a script there that is not wanted) and waits as `options.wait` says. */
  async start(what: string, image: string, argv: string[], options: ContainerOptions): Promise<StartedTestContainer> {
    const container = new this.tc.GenericContainer(image)
      .withNetworkMode('host')
      .withEntrypoint([argv[0]!])
      .withCommand(argv.slice(1))
      .withBindMounts(options.mounts)
      .withLabels({ [RUN_LABEL]: this.runId, [HOST_LABEL]: os.hostname(), 'corslab.what': what.slice(0, 200) })
      .withEnvironment(options.env ?? {})
      .withWaitStrategy(options.wait)
      .withStartupTimeout(defaults.containerStartMs);
    if (options.workdir) container.withWorkingDir(options.workdir);
    if (this.stopping) throw new Error(`${what}: not started, the run is stopping`);
    const starts = container.start().then((started) => {
      this.started.add(started);
      return started;
    });
    this.starting.add(starts);
    try {
      const started = await starts;
      if (this.stopping) throw new Error(`${what}: the run is stopping`);
      return started;
    } finally {
      this.starting.delete(starts);
    }
  }

  /** Stops and removes every container of the run, in parallel (one by one, 45 containers took 20 s). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + defaults.containerStartMs;
    while (this.starting.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.starting]), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    }
    const remove = (c: StartedTestContainer) => c.stop({ timeout: 1_000, remove: true }).then(() => undefined);
    const failures = (await Promise.allSettled([...this.started].map(remove))).filter((r) => r.status === 'rejected');
    if (failures.length > 0) {
      throw new Error(`${failures.length} container(s) could not be removed (docker ps -a --filter label=${RUN_LABEL}=${this.runId}): ${(failures[0] as PromiseRejectedResult).reason}`);
    }
  }
}

/** Runs a command in a running container, as `CommandRunner` wants it. */
export function execIn(container: StartedTestContainer): CommandRunner {
  return async (argv) => {
    const result = await container.exec(argv);
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
}
