import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageVersion } from '../system/project.ts';
import { defaults } from '../config/defaults.ts';
import { connect } from 'node:net';
import { apiOrigin, expandDeep, hostPageOf, mountPath, originTable, pageOrigins, placeholderValues, type LabOrigins, type OriginTable, type PageOrigins, type PlaceholderValues } from '../core/origins.ts';
import { isTargetStack, parseTarget, targetStackOrigin, type TargetServer } from '../core/target.ts';
import { WireRecorder, cellToken, type RecordedExchange } from '../../servers/recorder/recorder.ts';
import { originFormOf } from '../../servers/recorder/http1.ts';
import { HandlerLog } from '../../servers/apps/handler-log.ts';
import { PageServer } from '../../servers/page/page-server.ts';
import { stackDefinition } from '../../servers/apps/catalog.ts';
import { proxyDefinition } from '../../servers/proxies/catalog.ts';
import { stackLabel } from '../../servers/labels.ts';
import { freePort } from '../system/listen.ts';
import { resolveAnswers, type ScenarioMount, type StartedStack } from '../../servers/apps/app-stack.ts';
import { proxySetupOf, type ProxyLocation, type ProxyLocations, type ProxyScenarioInput } from '../../servers/proxies/proxy.ts';
import { splitStack, type AppStackName, type ProxyName, type StackName, type ProxyVariants } from '../core/names.ts';
import type { Policy, Scenario } from '../core/format.ts';
import type { Cleanup } from '../core/cleanup.ts';
import type { Exchange, StackInfo } from '../results/types.ts';
import type { StackRuntime } from '../../servers/runtimes/runtime.ts';
import { defaultRuntime } from '../../servers/runtimes/catalog.ts';

/** A stack as the run uses it: the app (and the proxy in front), the recorders, and who reached the handler. */
export interface RunningStack {
  name: StackName;
  origins: LabOrigins;
  /** In front of the first server the browser talks to. */
  recorder: WireRecorder;
  /** Behind a proxy: taps the hop between the proxy and the app. */
  appHop?: WireRecorder;
  handlerLog: HandlerLog;
  /** The setup each scenario ran on this stack, as the report shows it. */
  code: Map<string, string>;
  /** Set when the whole stack could not start. */
  startError?: string;
  /** Set per scenario when its setup could not start (setup code that threw, a proxy that did not start). */
  setupErrors: Map<string, string>;
  /** Servers in processes of their own (Next.js, a scenario's proxy) say here what died during the run: by scenario id, '' for the whole stack's app. */
  deaths?: Map<string, () => string | undefined>;
  /** What starting the stack took (the run's profile): its time, and the proxies it started (one per scenario). */
  started?: { ms: number; proxies: number };
  /**
   * A server the user runs (`server.url`, `--target`): the recorder relays to
   * it and attributes exchanges by claim, so its cells run one at a time
   * (`oneAtATime`), whatever the engine; its handler is not marked.
   */
  target?: { server: TargetServer; oneAtATime: OneAtATime };
  /** Settles once the stack is up or failed to start (openLab); never rejects. */
  ready: Promise<void>;
  /** Whether `ready` has settled. */
  isReady: boolean;
}

/** Runs one task at a time, in the order they asked. */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.last.then(task, task);
    this.last = next.catch(() => undefined);
    return next;
  }
}

/** The placeholders of a scenario on a stack: its mount there, or the base path of the server the user runs. */
export function scenarioValues(stack: RunningStack, scenario: Scenario): PlaceholderValues {
  const own = stack.target && scenario.server.url ? parseTarget(scenario.server.url).target : undefined;
  return placeholderValues(stack.origins, scenario.id, scenario.origins, own ? own.basePath : undefined);
}

/** What of a scenario's servers on this stack exited during the run (its app, its proxy), or undefined while they run. */
export function serverDeath(stack: RunningStack, scenarioId: string): string | undefined {
  return stack.deaths?.get('')?.() ?? stack.deaths?.get(scenarioId)?.();
}

export interface Lab {
  pageOrigins: PageOrigins;
  /** The API's host on the page server's port: visited top-level to set a scenario's cookies first-party. */
  cookieOrigin: string;
  stacks: Map<StackName, RunningStack>;
  /** Proxies with several images (Docker runtime): one column per image. */
  variants: ProxyVariants;
  /** What the lab's mapping proxy refused of a cell's (by its token): requests that would have left the lab. Absent without the proxy (the hands-on lab). */
  leftTheLab?(token: string): string[];
  /** The lab's mapping proxy, `127.0.0.1:PORT` (harness/run/network.ts); absent without it (the hands-on lab). */
  mappingProxy?: string;
}

/**
 * Starts what the cells need, all in parallel: the page server (app and evil
 * origins) and, for each stack, one app server for every scenario with a
 * recorder in front; for a proxied stack, one proxy per scenario in front of
 * the app, with a second recorder on the hop between them. A stack that fails
 * to start is recorded, not thrown: its cells become errors and the others
 * still run. Resolves once every stack is up (or failed): see openLab for a
 * lab whose cells may start on each stack as soon as it is up.
 */
export async function startLab(...args: Parameters<typeof openLab>): Promise<Lab> {
  const { lab, allStarted } = await openLab(...args);
  await allStarted;
  return lab;
}

/**
 * The lab as soon as its addresses are known: the page server and every
 * stack's recorder listen (so every origin and URL of every cell is fixed),
 * while the stacks behind them go on starting. Each stack's `ready` settles
 * when it is up or failed (then `startError` says why); a cell waits for its
 * stack's, so the cells of the stacks that are up run while the slow ones
 * (Next.js) still start (issue 20). `allStarted` settles when every stack did.
 */
export async function openLab(
  scenariosByStack: Map<StackName, Scenario[]>,
  cleanup: Cleanup,
  startedAt: number,
  proxyLocations: ProxyLocations = {},
  runtime: StackRuntime = defaultRuntime(),
  /** The hands-on lab (docker-compose.yml) serves its page on a fixed port; a run lets the OS pick. */
  page: { port?: number; server?: PageServer } = {},
  /** The scenario a cell's token (or its control's) belongs to: routes a request to a user's own proxy config, which serves the user's paths, not the scenario's mount. */
  scenarioOfToken: (token: string) => string | undefined = () => undefined,
): Promise<{ lab: Lab; allStarted: Promise<void> }> {
  const host = defaults.bindAddress;
  const pageServer = page.server ?? new PageServer();
  const pagePort = await pageServer.listen(host, page.port);
  cleanup.add('the page server', () => pageServer.close());
  const pages = pageOrigins(pagePort);

  const running = await Promise.all(
    [...scenariosByStack].map(async ([name, scenarios]): Promise<RunningStack> => {
      // A server the user runs gets a recorder that relays to it (startTarget).
      const target = isTargetStack(name) ? parseTarget(scenarios[0]!.server.url!).target! : undefined;
      const recorder = new WireRecorder(host, startedAt, target ? { relay: { upstreamHost: target.host } } : {});
      const port = await recorder.listen();
      cleanup.add(`the recorder for ${name}`, () => recorder.close());
      const origins: LabOrigins = { app: pages.app, evil: pages.evil, apiOrigin: apiOrigin(port) };
      const entry: RunningStack = { name, origins, recorder, handlerLog: new HandlerLog(), code: new Map(), setupErrors: new Map(), deaths: new Map(), ready: Promise.resolve(), isReady: false };
      if (target) entry.target = { server: target, oneAtATime: new OneAtATime() };
      return entry;
    }),
  );
  for (const entry of running) {
    entry.ready = startStack(entry, scenariosByStack.get(entry.name)!, cleanup, startedAt, proxyLocations, runtime, scenarioOfToken).finally(() => (entry.isReady = true));
  }
  const lab: Lab = { pageOrigins: pages, cookieOrigin: apiOrigin(pagePort), stacks: new Map(running.map((r) => [r.name, r])), variants: runtime.variants };
  const allStarted = Promise.all(running.map((r) => r.ready)).then(() => undefined);
  cleanup.starting(allStarted);
  return { lab, allStarted };
}

/** Starts one stack behind its recorder; never throws (a stack that did not start has `startError`). */
async function startStack(
  entry: RunningStack,
  scenarios: Scenario[],
  cleanup: Cleanup,
  startedAt: number,
  proxyLocations: ProxyLocations,
  runtime: StackRuntime,
  scenarioOfToken: (token: string) => string | undefined,
): Promise<void> {
  const begun = Date.now();
  const { proxy, app } = splitStack(entry.name);
  try {
    if (entry.target) {
      await startTarget(entry, entry.target.server, scenarios);
    } else if (!proxy) {
      const started = await startApp(app, scenarios, entry, 'alone', cleanup, runtime);
      entry.recorder.setUpstream(started.port);
    } else {
      await startProxied(proxy, app, scenarios, entry, proxyLocations[proxy], cleanup, startedAt, runtime, scenarioOfToken);
    }
  } catch (error) {
    // The lab does not start a server the user runs: it only found nothing answering there.
    entry.startError = `${stackLabel(entry.name)} ${entry.target ? 'cannot be reached' : 'did not start'}: ${error instanceof Error ? error.message : String(error)}`;
  }
  entry.started = { ms: Date.now() - begun, proxies: entry.started?.proxies ?? 0 };
}

/**
 * A server the user runs, behind a recorder that relays to it byte for
 * byte. It must already be up: a TCP connection to it is tried once, before
 * any cell, and when nothing answers the whole column is an error that says
 * so (never "blocked"). The lab does not start it, stop it or mark its
 * handler.
 */
async function startTarget(entry: RunningStack, server: TargetServer, scenarios: Scenario[]): Promise<void> {
  entry.recorder.setUpstream(server.port);
  for (const scenario of scenarios) entry.code.set(scenario.id, `// ${scenario.server.url}: a server you run; the lab relays to it and does not know its code`);
  const refused = await nobodyListens(server.host, server.port, defaults.targetConnectMs);
  if (refused) throw new Error(`nothing answers at ${targetStackOrigin(entry.name)} (${refused}): start your server first, then run again`);
}

/** Why a TCP connection to host:port could not be made within timeoutMs, or undefined when it could. */
function nobodyListens(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** One scenario's origins on one stack, by name: the lab's defaults with the scenario's own over them. */
export function scenarioOrigins(lab: Lab, stack: StackName, scenario: Scenario): OriginTable {
  return originTable(lab.stacks.get(stack)!.origins, lab.pageOrigins, scenario.origins);
}

/** The origin of the page a probe runs in (a sandboxed frame's host page for `sandboxed`). */
export function hostPageOrigin(lab: Lab, stack: StackName, scenario: Scenario, from: string): string {
  return scenarioOrigins(lab, stack, scenario)[hostPageOf(from)]!;
}

/**
 * Where a scenario's cookies are set first-party: the API's host, on a
 * port the page server answers. Cookies are scoped to a host, not a port
 * (RFC 6265 section 8.5), so the API receives them. A declared API origin
 * is visited itself: the lab's mapping proxy sends the visit to the page
 * server (it carries no cell's token).
 */
export function cookieOriginFor(lab: Lab, scenario: Scenario): string {
  return scenario.origins?.api ?? lab.cookieOrigin;
}

/** The app's part of a scenario: alone, everything; behind a proxy, the policy only where the scenario puts it at the app. */
function appPolicy(scenario: Scenario, layer: 'alone' | 'behind-proxy'): Policy | undefined {
  if (layer === 'behind-proxy' && scenario.server.policyAt === 'proxy') return undefined;
  return scenario.server.policy;
}

/** One app server for the stack's scenarios, each mounted at its own path. */
async function startApp(app: AppStackName, scenarios: Scenario[], entry: RunningStack, layer: 'alone' | 'behind-proxy', cleanup: Cleanup, runtime: StackRuntime, atRoot = false): Promise<StartedStack> {
  const stack = stackDefinition(app);
  const mounts: ScenarioMount[] = scenarios.map((scenario) => {
    const values = placeholderValues(entry.origins, scenario.id, scenario.origins);
    const policy = appPolicy(scenario, layer);
    const rendered = stack.render({ policy: policy && expandDeep(policy, values), raw: expandDeep(scenario.server[app], values) });
    entry.code.set(scenario.id, rendered);
    const answers = resolveAnswers(expandDeep(scenario.server.response, values), expandDeep(scenario.server.responses, values));
    // The scenario's code reads its declared origins from `origins` as well (`origins.cdn`), the API's as `apiOrigin`.
    const origins = scenario.origins && { ...entry.origins, ...scenario.origins, apiOrigin: values.apiOrigin! };
    const own = stack.ownApp ? { raw: expandDeep(scenario.server[app], values), scenarioFile: scenario.file } : {};
    // At the root: behind a user's own proxy config, which routes the user's paths, not the scenario's mount.
    return { scenarioId: scenario.id, prefix: atRoot ? '' : mountPath(scenario.id), code: rendered, ...answers, ...(origins ? { origins } : {}), ...own };
  });
  const started = await runtime.startApp(entry.name, app, { host: defaults.bindAddress, mounts, handlerLog: entry.handlerLog, origins: entry.origins });
  cleanup.add(`the ${app} server`, () => started.stop());
  if (started.died) entry.deaths?.set('', started.died);
  for (const [id, error] of started.setupErrors) entry.setupErrors.set(id, `the scenario's ${app} setup threw: ${error}`);
  for (const [id, note] of started.notes ?? []) entry.code.set(id, `${entry.code.get(id) ?? ''}\n${note}`);
  return started;
}

/**
 * A proxy in front of an app: browser -> recorder -> proxy -> recorder (tap)
 * -> app. One proxy process per scenario (its http-level snippets, such as a
 * `map`, must not clash with another scenario's), routed to by path.
 */
async function startProxied(
  proxyName: ProxyName,
  app: AppStackName,
  scenarios: Scenario[],
  entry: RunningStack,
  location: ProxyLocation | undefined,
  cleanup: Cleanup,
  startedAt: number,
  runtime: StackRuntime,
  scenarioOfToken: (token: string) => string | undefined,
): Promise<void> {
  if (!location?.available) throw new Error(location ? location.reason : `${proxyName} was not looked up`);
  const proxy = proxyDefinition(proxyName);
  const host = defaults.bindAddress;
  const hop = new WireRecorder(host, startedAt, { tap: true });
  const hopPort = await hop.listen();
  cleanup.add(`the ${proxyName}>${app} hop recorder`, () => hop.close());
  entry.appHop = hop;
  // A user's own config (server.<proxy>.conf) in front of one of the lab's stacks gets an app of its own, at the root:
  // the config sends the user's paths. The hop goes to it by the cell's scenario.
  const ownConf = (s: Scenario) => proxySetupOf(s.server, proxyName)?.confText !== undefined && !stackDefinition(app).ownApp;
  const shared = scenarios.filter((s) => !ownConf(s));
  const sharedPort = shared.length > 0 ? (await startApp(app, shared, entry, 'behind-proxy', cleanup, runtime)).port : undefined;
  const atRoot = new Map<string, number>();
  for (const scenario of scenarios.filter(ownConf)) atRoot.set(scenario.id, (await startApp(app, [scenario], entry, 'behind-proxy', cleanup, runtime, true)).port);
  hop.setUpstream(atRoot.size === 0 ? sharedPort! : (target) => atRoot.get(scenarioOfToken(cellToken(originFormOf(target))) ?? '') ?? sharedPort);

  const routes = new Map<string, number>();
  // A user's own config (server.<proxy>.conf) serves the user's paths: its requests go by their cell's scenario.
  const ownConfs = new Map<string, number>();
  entry.recorder.setUpstream((target) => {
    for (const [prefix, port] of routes) if (target.startsWith(`${prefix}/`)) return port;
    const scenario = ownConfs.size > 0 ? scenarioOfToken(cellToken(originFormOf(target))) : undefined;
    return scenario === undefined ? undefined : ownConfs.get(scenario);
  });
  await Promise.all(
    scenarios.map(async (scenario) => {
      const values = placeholderValues(entry.origins, scenario.id, scenario.origins);
      const atProxy = scenario.server.policyAt === 'proxy' || scenario.server.policyAt === 'both';
      const dir = await mkdtemp(path.join(os.tmpdir(), `corslab-${proxyName}-`));
      // mkdtemp makes it 0700; a proxy's workers may run as another user (nginx's as nobody when started by root).
      await chmod(dir, 0o755);
      cleanup.add(`${proxyName}'s folder for ${scenario.id}`, () => rm(dir, { recursive: true, force: true }));
      const input: ProxyScenarioInput = {
        scenarioId: scenario.id,
        prefix: mountPath(scenario.id),
        setup: expandDeep(proxySetupOf(scenario.server, proxyName)!, values),
        ...(atProxy && scenario.server.policy ? { policy: expandDeep(scenario.server.policy, values) } : {}),
        // Upstream down: a port the OS just handed out and nothing listens on.
        servers: [{ app, listenPort: await freePort(host), upstreamPort: scenario.server.upstream === 'down' ? await freePort(host) : hopPort }],
        dir,
      };
      const appCode = entry.code.get(scenario.id) ?? '';
      const showCode = () => entry.code.set(scenario.id, `# ${proxy.label}, in front${input.setup.confText !== undefined ? ' (your own file)' : ''}\n${proxy.display(input)}\n\n// ${stackDefinition(app).label}, behind it${scenario.server.upstream === 'down' ? ' (down: not listening)' : ''}\n${appCode}`);
      showCode();
      try {
        const running = await startProxyOnFreePort(() => runtime.startProxy(entry.name, input, location), input, host);
        // The config as it ran: on the port it was started on at last.
        showCode();
        cleanup.add(`${proxyName} for ${scenario.id}`, () => running.stop());
        if (running.died) entry.deaths?.set(scenario.id, running.died);
        if (input.setup.confText !== undefined) ownConfs.set(scenario.id, input.servers[0]!.listenPort);
        else routes.set(input.prefix, input.servers[0]!.listenPort);
      } catch (error) {
        entry.setupErrors.set(scenario.id, `${proxy.label} did not start: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  entry.started = { ms: 0, proxies: routes.size };
}

/**
 * A port the OS said was free can be taken before the proxy binds it: by
 * then the run's browsers and cells open connections of their own, whose
 * local ports come from the same range. Such a start ("Address already in
 * use", errno 98, in nginx's and httpd's words) is tried again on a new
 * port, up to three times; any other failure stands.
 */
async function startProxyOnFreePort<T>(start: () => Promise<T>, input: ProxyScenarioInput, host: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const taken = error instanceof Error && /Address already in use/.test(error.message);
      if (!taken || attempt >= 3) throw error;
      input.servers[0]!.listenPort = await freePort(host);
    }
  }
}

/**
 * The exchanges of a cell, each marked with whether it reached the app's
 * handler and, behind a proxy, with what crossed the hop to the app.
 */
export async function cellExchanges(stack: RunningStack, token: string): Promise<Exchange[]> {
  await stack.recorder.settled(token, defaults.messageSettleMs);
  let hops: RecordedExchange[] = [];
  if (stack.appHop) {
    await stack.appHop.settled(token, defaults.messageSettleMs);
    hops = stack.appHop.exchangesFor(token);
  }
  return stack.recorder.exchangesFor(token).map((e) => {
    const hop = hops.find((h) => exchangeHeader(h) === String(e.seq));
    // A server the user runs is not the lab's: whether its handler ran is not known.
    const reachedHandler = stack.target ? null : stack.handlerLog.reached(e.seq);
    // A server the user runs answers by itself, layers unknown: no `answeredBy`.
    const answeredBy = !e.response || stack.target ? undefined : reachedHandler ? 'handler' : stack.appHop && !hop?.response ? 'proxy' : 'app';
    return { ...e, reachedHandler, ...(answeredBy ? { answeredBy } : {}), ...(hop ? { appHop: hopPart(hop) } : {}) };
  });
}

function exchangeHeader(e: RecordedExchange): string | undefined {
  return e.request.headers.find(([n]) => n.toLowerCase() === defaults.exchangeHeader)?.[1];
}

function hopPart(e: RecordedExchange): NonNullable<Exchange['appHop']> {
  return { request: e.request, ...(e.response ? { response: e.response } : {}), ...(e.upstreamError ? { upstreamError: e.upstreamError } : {}) };
}

export function stackInfo(name: StackName, proxyLocations: ProxyLocations = {}, runtime: StackRuntime = defaultRuntime()): StackInfo {
  if (isTargetStack(name)) return { name, label: stackLabel(name), packages: {} };
  const { proxy, app } = splitStack(name);
  const packages: Record<string, string> = {};
  const { proxyVersion, images } = runtime.describe(name, proxyLocations);
  if (proxy) packages[proxy] = proxyVersion ?? 'not available';
  for (const p of stackDefinition(app).packages) packages[p] = packageVersion(p);
  return { name, label: stackLabel(name), packages, ...(images ? { images } : {}) };
}
