import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaults } from './config/defaults.ts';
import { apiOrigin, expandPlaceholders, mountPath, pageOrigins, placeholderValues, type LabOrigins, type PlaceholderValues } from './origins/origins.ts';
import { WireRecorder } from './recorder/recorder.ts';
import { HandlerLog } from '../servers/app/handler-log.ts';
import { PageServer } from '../servers/page/page-server.ts';
import { stacks as stackRegistry } from '../servers/registry.ts';
import { resolveResponse, type ScenarioMount, type StartedStack } from '../servers/stack.ts';
import type { Cleanup } from './cleanup.ts';
import type { Scenario, StackName } from './scenarios/types.ts';
import type { Exchange, StackInfo } from './results/types.ts';

/** A stack as the run uses it: the app, the recorder in front of it, and who reached the handler. */
export interface RunningStack {
  name: StackName;
  origins: LabOrigins;
  recorder: WireRecorder;
  handlerLog: HandlerLog;
  /** The setup code each scenario ran on this stack, as the report shows it. */
  code: Map<string, string>;
  /** Set when the whole stack could not start. */
  startError?: string;
  started?: StartedStack;
}

export interface Lab {
  pageOrigins: { app: string; evil: string };
  /** The API's host on the page server's port: visited top-level to set a scenario's cookies first-party. */
  cookieOrigin: string;
  stacks: Map<StackName, RunningStack>;
}

/**
 * Starts what the cells need, all in parallel: the page server (app and evil
 * origins) and, for each stack, one server for every scenario with a recorder
 * in front. A stack that fails to start is recorded, not thrown: its cells
 * become errors and the others still run.
 */
export async function startLab(
  scenariosByStack: Map<StackName, Scenario[]>,
  cleanup: Cleanup,
  startedAt: number,
): Promise<Lab> {
  const host = defaults.bindAddress;
  const pageServer = new PageServer();
  const pagePort = await pageServer.listen(host);
  cleanup.add('the page server', () => pageServer.close());
  const pages = pageOrigins(pagePort);

  const running = await Promise.all(
    [...scenariosByStack].map(async ([name, scenarios]): Promise<RunningStack> => {
      const recorder = new WireRecorder(host, startedAt);
      const port = await recorder.listen();
      cleanup.add(`the recorder for ${name}`, () => recorder.close());
      const origins: LabOrigins = { ...pages, apiOrigin: apiOrigin(port) };
      const handlerLog = new HandlerLog();
      const stack = stackRegistry[name];
      const code = new Map<string, string>();
      const mounts: ScenarioMount[] = scenarios.map((scenario) => {
        const values = placeholderValues(origins, scenario.id);
        const server = expandDeep(scenario.server, values);
        const rendered = stack.render({ policy: server.policy, raw: server[name] });
        code.set(scenario.id, rendered);
        return { scenarioId: scenario.id, prefix: mountPath(scenario.id), code: rendered, response: resolveResponse(server.response) };
      });
      const entry: RunningStack = { name, origins, recorder, handlerLog, code };
      try {
        entry.started = await stack.start({ host, mounts, handlerLog, origins });
        cleanup.add(`the ${name} server`, () => entry.started!.stop());
        recorder.setUpstream(entry.started.port);
      } catch (error) {
        entry.startError = `${stack.label} did not start: ${error instanceof Error ? error.message : String(error)}`;
      }
      return entry;
    }),
  );
  return { pageOrigins: pages, cookieOrigin: apiOrigin(pagePort), stacks: new Map(running.map((r) => [r.name, r])) };
}

/** The exchanges of a cell, each marked with whether it reached the app's handler. */
export async function cellExchanges(stack: RunningStack, token: string): Promise<Exchange[]> {
  await stack.recorder.settled(token, defaults.messageSettleMs);
  return stack.recorder.exchangesFor(token).map((e) => ({ ...e, reachedHandler: stack.handlerLog.reached(e.seq) }));
}

/** Replaces placeholders in every string of a value (a scenario's server setup). */
export function expandDeep<T>(value: T, values: PlaceholderValues): T {
  if (typeof value === 'string') return expandPlaceholders(value, values) as T;
  if (Array.isArray(value)) return value.map((v) => expandDeep(v, values)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, values)])) as T;
  }
  return value;
}

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The installed version of an npm package of this project. */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${projectRoot}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** This tool's own version, from package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(`${projectRoot}package.json`, 'utf8')) as { version: string }).version;
}

export function stackInfo(name: StackName): StackInfo {
  const stack = stackRegistry[name];
  return { name, label: stack.label, packages: Object.fromEntries(stack.packages.map((p) => [p, packageVersion(p)])) };
}
