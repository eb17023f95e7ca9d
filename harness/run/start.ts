import type { EngineName } from '../core/names.ts';
import type { EngineSession } from '../browsers/driver.ts';
import type { EngineInfo, Timings } from '../results/types.ts';
import { openLab, type Lab } from './start-servers.ts';
import type { PreparedRun } from './prepare.ts';
import { startNetwork, type RunNetwork } from './network.ts';
import type { LabNetwork } from '../browsers/driver.ts';
import { controlToken, proxyControlToken } from '../probes/fetch-probe.ts';

/** One engine of a started run: its browser, or why it did not launch (its cells become errors). */
export type LaunchedEngine = { name: EngineName; session: EngineSession } | { name: EngineName; launchError: string };

/**
 * A run whose engines are launched and whose servers listen: every origin is
 * fixed, while stacks may still be starting (each stack's `ready`; a cell
 * waits for its own stack). Only `timings.serversMs` is filled in later, once
 * every stack is up.
 */
export interface StartedRun {
  readonly lab: Lab;
  /** Settles once every stack is up or failed (openLab): what a run waits for before its results. */
  readonly serversStarted: Promise<void>;
  /** The mapping proxy and the run's CA (harness/run/network.ts). */
  readonly network: RunNetwork;
  /** Every engine that was found, in the order of the options. */
  readonly engines: readonly LaunchedEngine[];
  /** The engines that launched, as the results describe them, in the order of the options. */
  readonly engineInfos: readonly EngineInfo[];
  /** What starting took: the servers (every stack up, set when they are), and each engine's launch (in parallel with the servers). */
  readonly timings: Pick<Timings, 'serversMs' | 'engineLaunchMs'>;
}

/**
 * Starts the servers (start-servers.ts) and launches the engines, all in
 * parallel. An engine that does not launch, or a stack that does not start,
 * is said once and its cells become errors; the rest still run. If anything
 * throws, the caller stops what was started (everything is in the run's cleanup).
 */
export async function startRun(run: PreparedRun, notice: (text: string) => void): Promise<StartedRun> {
  // First, because the engines are launched through it (a few milliseconds: a listener and the CA from the cache).
  const network = await startNetwork([...new Set([...run.scenariosByStack.values()].flat())], run.cleanup);
  const [servers, engines] = await Promise.all([openServers(run), launchEngines(run, network.engines, notice)]);
  const timings: StartedRun['timings'] = { serversMs: 0, engineLaunchMs: engines.launchMs };
  for (const stack of servers.lab.stacks.values()) void stack.ready.then(() => stack.startError && notice(stack.startError));
  void servers.allStarted.then(() => {
    timings.serversMs = Date.now() - run.startedAt;
    // Said once, never silently (issue 17): a server that runs a scenario's config or code with no confinement.
    for (const [what, how] of Object.entries(run.runtime.confinement?.() ?? {})) if (how.startsWith('not confined')) notice(`${CONFINED[what as keyof typeof CONFINED]} run ${how}`);
  });
  network.connect(servers.lab, run.cells);
  const lab: Lab = {
    ...servers.lab,
    mappingProxy: network.engines.proxy,
    leftTheLab: (token) => network.refusalsFor(token).map((r) => `${r.method ?? 'a request'} ${r.target ?? r.origin}: ${r.reason}`),
  };
  return {
    lab,
    serversStarted: servers.allStarted,
    network,
    engines: engines.launched,
    engineInfos: engines.launched.flatMap(({ name, ...l }) => {
      if (!('session' in l)) return [];
      const { version, executable, source, network: routing, remote } = l.session;
      const driver = run.engines.find((e) => e.name === name)!.driver;
      return [{ name, version, shortVersion: driver.shortVersion(version), executable, source, ...(routing ? { network: routing } : {}), ...(remote ? { remote: { ...remote } } : {}) }];
    }),
    timings,
  };
}

const CONFINED = { proxies: 'nginx and Apache httpd', apps: "the app stacks (a scenario's code)" } as const;

function openServers(run: PreparedRun): ReturnType<typeof openLab> {
  const scenarioOf = new Map<string, string>();
  for (const cell of run.cells) for (const token of [cell.token, controlToken(cell.token), proxyControlToken(cell.token)]) scenarioOf.set(token, cell.scenario.id);
  return openLab(run.scenariosByStack, run.cleanup, run.startedAt, run.proxyLocations, run.runtime, {}, (token) => scenarioOf.get(token));
}

/** Each found engine's browser, launched once for the whole run; the launch times in the order the launches ended. */
async function launchEngines(run: PreparedRun, network: LabNetwork, notice: (text: string) => void): Promise<{ launched: LaunchedEngine[]; launchMs: Timings['engineLaunchMs'] }> {
  const launchMs: Timings['engineLaunchMs'] = {};
  const launched = await Promise.all(
    run.engines.map(async ({ name, driver, executable, source, remote }): Promise<LaunchedEngine> => {
      const launchStarted = Date.now();
      try {
        const session = remote ? await driver.connect!(remote, network) : await driver.launch(executable, source, network);
        run.cleanup.add(`the ${name} browser`, () => session.close());
        launchMs[name] = Date.now() - launchStarted;
        return { name, session };
      } catch (error) {
        const reason = `${name} ${remote ? `could not be connected to at ${remote.endpoint}` : 'did not launch'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
        notice(reason);
        return { name, launchError: reason };
      }
    }),
  );
  return { launched, launchMs };
}
