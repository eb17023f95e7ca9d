import { defaults } from '../config/defaults.ts';
import { labAuthority } from '../system/certificates.ts';
import type { Cleanup } from '../core/cleanup.ts';
import type { Scenario } from '../core/format.ts';
import type { StackName } from '../core/names.ts';
import type { LabNetwork } from '../browsers/driver.ts';
import type { PlannedCell } from '../plan/plan.ts';
import { controlToken, proxyControlToken } from '../probes/fetch-probe.ts';
import { LabGateway, type GatewayRefusal } from '../../servers/gateway/gateway.ts';
import { cellToken } from '../../servers/recorder/recorder.ts';
import { COOKIE_SETUP_PATH } from '../../servers/page/cookies.ts';
import type { Lab } from './start-servers.ts';

/**
 * The lab's network for one run: the mapping proxy every engine goes
 * through for every host but the lab's own `*.localhost` names, and the
 * run-time CA whose certificates it presents for https origins.
 *
 * Every origin a scenario declares (`origins:`) is mapped to the lab's own
 * listeners on 127.0.0.1 without DNS or /etc/hosts: a request that carries
 * a cell's token goes to the recorder in front of that cell's stack (so one
 * declared API origin serves every stack's cells side by side), any other
 * request (the page itself, the cookie visit) to the page server. A host
 * that no scenario declares is refused by the proxy and reported, so nothing
 * a page does can leave the machine.
 */
export interface RunNetwork {
  /** What each engine is launched with. */
  readonly engines: LabNetwork;
  /** Every origin some scenario of the run declared, as the proxy knows them. */
  readonly declared: ReadonlySet<string>;
  /** From now on, requests are routed to this lab's servers and these cells' stacks. */
  connect(lab: Lab, cells: readonly PlannedCell[]): void;
  /** What the proxy refused that carried this cell's token (a request that would have left the lab). */
  refusalsFor(token: string): GatewayRefusal[];
  /** Everything it refused, for the results. */
  refusals(): readonly GatewayRefusal[];
}

/** The origins a run's scenarios declare (their `origins:` after the run's own are merged in). */
export function declaredOrigins(scenarios: readonly Scenario[]): Set<string> {
  return new Set(scenarios.flatMap((s) => Object.values(s.origins ?? {})));
}

export async function startNetwork(scenarios: readonly Scenario[], cleanup: Cleanup): Promise<RunNetwork> {
  const authority = await labAuthority();
  const declared = declaredOrigins(scenarios);
  let route: (origin: string, target: string) => number | undefined = () => undefined;
  const gateway = new LabGateway({
    host: defaults.bindAddress,
    isDeclared: (origin) => declared.has(origin),
    route: (origin, target) => route(origin, target),
    certificates: authority,
  });
  const port = await gateway.listen();
  cleanup.add("the lab's mapping proxy", () => gateway.close());
  return {
    engines: { proxy: `${defaults.bindAddress}:${port}`, direct: Object.values(defaults.hosts), spkiHashes: authority.spkiHashes },
    declared,
    connect(lab, cells) {
      const stackOf = new Map<string, StackName>();
      for (const cell of cells) {
        stackOf.set(cell.token, cell.stack);
        stackOf.set(controlToken(cell.token), cell.stack);
        stackOf.set(proxyControlToken(cell.token), cell.stack);
      }
      const pagePort = Number(new URL(lab.cookieOrigin).port);
      const targets = targetRoutes(lab, cells);
      route = (origin, target) => {
        const token = cellToken(target);
        // A server the user runs is reached by its declared API origin (its URLs carry no token), all but the lab's cookie visit.
        const relay = targets.get(origin);
        if (relay !== undefined && (token === '' || !stackOf.has(token)) && !target.startsWith(COOKIE_SETUP_PATH)) return relay;
        if (token === '') return pagePort;
        const stack = stackOf.get(token);
        const recorder = stack && lab.stacks.get(stack);
        return recorder ? Number(new URL(recorder.origins.apiOrigin).port) : undefined;
      };
    },
    refusalsFor: (token) => gateway.refusals().filter((r) => r.target !== undefined && cellToken(r.target) === token),
    refusals: () => gateway.refusals(),
  };
}

/**
 * The declared API origins of the cells that run against a server the user
 * runs, each to the port of the recorder that relays to it. One origin can
 * lead to one server only (prepare.ts refuses two).
 */
export function targetRoutes(lab: Lab, cells: readonly PlannedCell[]): Map<string, number> {
  const routes = new Map<string, number>();
  for (const cell of cells) {
    const stack = lab.stacks.get(cell.stack);
    const api = cell.scenario.origins?.api;
    if (stack?.target && api !== undefined) routes.set(api, Number(new URL(stack.origins.apiOrigin).port));
  }
  return routes;
}
