import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expandDeep, mountPath, placeholderValues } from '../core/origins.ts';
import { proxyDefinition, proxyNames } from '../../servers/proxies/catalog.ts';
import { appStacksFor } from '../plan/plan.ts';
import { ScenarioValidationError, type ScenarioProblem } from '../scenarios/errors.ts';
import type { ProxyName } from '../core/names.ts';
import type { Scenario } from '../core/format.ts';
import { proxySetupOf, type ProxyLocations } from '../../servers/proxies/proxy.ts';
import type { ConfigTestTarget } from '../../servers/runtimes/runtime.ts';

/**
 * Runs each proxy's own config test (`nginx -t`) on the config every proxy
 * scenario generates, before anything starts. A problem is reported at the
 * scenario's file and line: the line inside the snippet when the proxy names
 * one that came from it.
 */
export async function checkProxyConfigs(
  scenarios: readonly Scenario[],
  locations: ProxyLocations,
  /** Where the test runs (the runtime's say; default: this machine's binary). */
  targetsFor: (proxy: ProxyName) => ConfigTestTarget[] = (proxy) => {
    const location = locations[proxy];
    return location?.available ? [{ where: location.executable, executable: location.executable, input: (base) => base }] : [];
  },
): Promise<void> {
  const problems: ScenarioProblem[] = [];
  // The test never binds or connects, so any ports and origins will do.
  const origins = { app: 'http://app.example.localhost:1', evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:2' };
  for (const scenario of scenarios) {
    for (const proxyName of proxyNames()) {
      const setup = proxySetupOf(scenario.server, proxyName);
      const location = locations[proxyName];
      if (!setup || !location?.available) continue;
      const proxy = proxyDefinition(proxyName);
      const values = placeholderValues(origins, scenario.id, scenario.origins);
      const atProxy = scenario.server.policyAt === 'proxy' || scenario.server.policyAt === 'both';
      const targets = targetsFor(proxyName);
      for (const target of targets) {
        const dir = await mkdtemp(path.join(target.tmpRoot ?? os.tmpdir(), `corslab-${proxyName}-check-`));
        try {
          const lines = proxy.config(
            target.input({
              scenarioId: scenario.id,
              prefix: mountPath(scenario.id),
              setup: expandDeep(setup, values),
              ...(atProxy && scenario.server.policy ? { policy: expandDeep(scenario.server.policy, values) } : {}),
              servers: (setup.apps ?? appStacksFor(scenario)).map((app, i) => ({ app, listenPort: 20000 + i, upstreamPort: 30000 + i })),
              dir,
            }),
          );
          for (const problem of await proxy.test(target.executable, dir, lines, target.run)) {
            const source = lines[problem.line - 1]?.source;
            const start = source ? scenario.fieldLines?.[source.field] : undefined;
            // A line of the user's own config file (server.<proxy>.conf) is that file's line.
            const own = source?.field === `${proxyName}.conf` && setup.confFile ? path.relative(process.cwd(), setup.confFile) : undefined;
            problems.push({
              file: own ?? scenario.file,
              line: own && source ? source.line + 1 : source && start !== undefined ? start + source.line : 1,
              column: 1,
              field: source ? `server.${source.field}` : `server.${proxyName}`,
              message: `${proxy.label}${targets.length > 1 ? ` (${target.where})` : ''} refuses the config: ${problem.message}`,
            });
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }
  if (problems.length > 0) throw new ScenarioValidationError(problems);
}

/**
 * What the lab rewrites in each user's own config file (`server.<proxy>.conf`),
 * line by line, old and new, for the terminal: ports and the run's folder are
 * named, since they are picked when the run starts (the report holds the real ones).
 */
export function ownConfRewrites(scenarios: readonly Scenario[]): string[] {
  const out: string[] = [];
  const [listenPort, upstreamPort] = [65531, 65532];
  const seen = new Set<string>();
  for (const scenario of scenarios) {
    for (const proxyName of proxyNames()) {
      const setup = proxySetupOf(scenario.server, proxyName);
      const own = proxyDefinition(proxyName).ownConf;
      if (!own || setup?.confText === undefined || !setup.confFile || seen.has(setup.confFile)) continue;
      seen.add(setup.confFile);
      const { rewrites } = own.rewrite(setup.confText, { listenPort, upstreamPort, dir: '<run folder>', confDir: path.dirname(setup.confFile) });
      const file = path.relative(process.cwd(), setup.confFile);
      const named = (text: string) => text.replaceAll(`127.0.0.1:${listenPort}`, `127.0.0.1:<${proxyName}'s port>`).replaceAll(`127.0.0.1:${upstreamPort}`, "127.0.0.1:<your app's port>");
      out.push(`${file}: the lab rewrites ${rewrites.length} line${rewrites.length === 1 ? '' : 's'} (the rest runs as written):`);
      for (const r of rewrites) out.push(`  ${file}:${r.line}  ${r.old}  ->  ${named(r.new)}`);
    }
  }
  return out;
}
