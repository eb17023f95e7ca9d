import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot as projectFolder } from '../../../harness/system/project.ts';
import { defaults } from '../../../harness/config/defaults.ts';
import { runLabel, watchContainers } from '../../../harness/system/lifeline.ts';
import { splitStack, type AppStackName, type ProxyName, type StackName } from '../../../harness/core/names.ts';
import type { Scenario } from '../../../harness/core/format.ts';
import { proxyDefinition } from '../../proxies/catalog.ts';
import { proxiesUsed } from '../../proxies/locate.ts';
import { freePort } from '../../../harness/system/listen.ts';
import { stackDefinition } from '../../apps/catalog.ts';
import { openChannel, type StartReport } from './channel.ts';
import { RUN_LABEL, dockerReachable, resolveImage, testcontainers } from './engine.ts';
import { PortsListening, Reported } from './wait.ts';
import type { Cleanup } from '../../../harness/core/cleanup.ts';
import type { ImageInfo } from '../../../harness/results/types.ts';
import type { ImageSetting, RuntimeSettings } from '../../../harness/config/settings.ts';
import type { ProxyLayout, ProxyLocations } from '../../proxies/proxy.ts';
import { RuntimeSetupError, proxyVariants, type ConfigTestTarget, type StackRuntime } from '../runtime.ts';
import type { AppContainerSpec } from './app-main.ts';
import type { StartedTestContainer } from 'testcontainers';
import { RunContainers, execIn, type BindMount } from './containers.ts';
import type { StackStartOptions, StartedStack } from '../../apps/app-stack.ts';

const projectRoot = projectFolder.replace(/\/$/, '');
/** The container's entry: from the sources through tsx, or compiled (the installed package, dist/) on plain Node. */
const APP_MAIN = import.meta.url.endsWith('.ts') ? ['--import', 'tsx', fileURLToPath(new URL('./app-main.ts', import.meta.url))] : [fileURLToPath(new URL('./app-main.js', import.meta.url))];

/** A proxy image, looked into once per run: where its binary is, its version, its layout (what the proxy definition says to look for, ProxyImage). */
interface InspectedImage {
  setting: ImageSetting;
  info: ImageInfo;
  executable: string;
  version: string;
  layout: ProxyLayout;
  /** A container of this image kept running while the configs are tested (`nginx -t` through exec), stopped after. */
  tool: StartedTestContainer;
}

/** Why the Docker runtime cannot be used; the run stops before anything starts, like any bad input. */
export class DockerRuntimeError extends RuntimeSetupError {
  override name = 'DockerRuntimeError';
}

/**
 * The Docker runtime: every server of the lab in a container started through
 * testcontainers, on the host's network so every address stays 127.0.0.1
 * (no traffic to the bridge's private addresses), each labelled with the run
 * (RUN_LABEL) and stopped and removed through the run's Cleanup, on success,
 * failure and Ctrl-C.
 *
 *   nginx, Apache httpd   the configured image, with the run's generated config bind-mounted at the same path
 *   Express, Fastify,     the Node image, with the project bind-mounted read-only at the same path,
 *   Next.js               running servers/runtimes/docker/app-main.ts (Next's build cache read-write)
 *
 * The recorders, the page server and the handler log stay in the harness, on
 * the host: they are the lab's instruments, not the stack under test.
 */
export async function dockerRuntime(settings: RuntimeSettings, cleanup: Cleanup): Promise<StackRuntime> {
  const reachable = await dockerReachable();
  if (!reachable.ok) throw new DockerRuntimeError(`the Docker runtime (${settings.runtimeFrom}) needs a Docker engine: ${reachable.reason}`);
  // The run's label, whose value starts with this process's pid: the lifeline removes the containers if the harness dies, `corslab clean` if both did.
  const runId = runLabel();
  watchContainers(runId);
  const tc = await testcontainers();
  const [node] = settings.images.node ?? [];
  const nodeImage = await resolveImage(node!.ref, node!.from).catch((error: Error) => {
    throw new DockerRuntimeError(error.message);
  });
  const proxyImages = new Map<string, InspectedImage>();
  // Folders the containers read (configs, app specs): one per run, removed at the end.
  const shared = await mkdtemp(path.join(os.tmpdir(), 'corslab-docker-'));
  await chmod(shared, 0o755);
  cleanup.add('the Docker runtime folder', () => rm(shared, { recursive: true, force: true }));

  const containers = new RunContainers(tc, runId);
  // Waits for starts under way (up to containerStartMs), then removes every container in parallel.
  cleanup.add(`the run's containers (label ${RUN_LABEL}=${runId})`, () => containers.stopAll(), { timeoutMs: defaults.containerStartMs + 30_000 });

  /** The images configured for a proxy (resolveSettings gives every proxy at least one). */
  const imagesOf = (proxy: ProxyName): ImageSetting[] => settings.images[proxy] ?? [];
  const variants = proxyVariants(settings);
  const imageFor = (stack: StackName): InspectedImage | undefined => {
    const { proxy, variant } = splitStack(stack);
    if (!proxy) return undefined;
    const setting = imagesOf(proxy).find((i) => i.variant === variant) ?? imagesOf(proxy)[0];
    return setting && proxyImages.get(setting.ref);
  };

  return {
    name: 'docker',
    variants,

    async locateProxies(scenarios: readonly Scenario[]): Promise<ProxyLocations> {
      const locations: ProxyLocations = {};
      await Promise.all(
        proxiesUsed(scenarios).map(async (proxy) => {
          try {
            const images = await Promise.all(imagesOf(proxy).map((setting) => inspectProxyImage(containers, shared, proxy, setting)));
            for (const image of images) proxyImages.set(image.setting.ref, image);
            locations[proxy] = { available: true, executable: images[0]!.executable, version: images.map((i) => i.version).join(' / ') };
          } catch (error) {
            locations[proxy] = { available: false, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
          }
        }),
      );
      return locations;
    },

    configTests(proxy): ConfigTestTarget[] {
      return imagesOf(proxy).flatMap((setting) => {
        const image = proxyImages.get(setting.ref);
        if (!image) return [];
        return [{ where: setting.ref, executable: image.executable, input: (base) => ({ ...base, layout: image.layout }), run: execIn(image.tool), tmpRoot: shared }];
      });
    },

    startApp: (stack, app, options) => startAppContainer(containers, cleanup, { stack, app, options, image: node!.ref, shared }),

    async startProxy(stack, input) {
      const { proxy: name } = splitStack(stack);
      const image = imageFor(stack);
      if (!image || !name) throw new Error(`no image was looked into for ${stack}`);
      const proxy = proxyDefinition(name);
      const withLayout = { ...input, layout: image.layout };
      const argv = await proxy.foreground(image.executable, input.dir, proxy.config(withLayout));
      const what = `${proxy.label} (${path.basename(input.dir)}) in ${image.setting.ref}`;
      await containers.start(what, image.setting.ref, argv, {
        mounts: [{ source: input.dir, target: input.dir, mode: 'rw' }],
        wait: new PortsListening(what, input.servers.map((s) => s.listenPort)),
      });
      // Stopped and removed with the run's containers (RunContainers.stopAll).
      return { stop: async () => {} };
    },

    describe(stack) {
      const image = imageFor(stack);
      const images = [...(image ? [image.info] : []), nodeImage];
      return { ...(image ? { proxyVersion: image.version } : {}), images };
    },
  };
}

/** Looks into a proxy image once per run, with a container of it kept running for the config tests: its binary, version and layout, as the proxy definition says to find them. */
async function inspectProxyImage(containers: RunContainers, shared: string, proxy: ProxyName, setting: ImageSetting): Promise<InspectedImage> {
  const info = await resolveImage(setting.ref, setting.from);
  const what = `${proxy} image ${setting.ref}`;
  const tool = await containers.start(`the ${what} (config tests)`, setting.ref, ['sleep', '86400'], {
    mounts: [{ source: shared, target: shared, mode: 'rw' }],
    wait: new PortsListening(`the ${what} (config tests)`, []),
  });
  const run = execIn(tool);
  const image = proxyDefinition(proxy).image;
  const found = await run(['sh', '-c', image.findExecutable]);
  const executable = found.stdout.trim().split('\n')[0] ?? '';
  if (found.code !== 0 || !executable.startsWith('/')) throw new Error(`${what} has no ${image.executableNames} on its PATH`);
  const version = image.version(await run([executable, '-v'])) ?? 'unknown';
  const layout: ProxyLayout = { asRoot: true, ...(await image.layout?.(run, { executable, what })) };
  return { setting, info, executable, version, layout, tool };
}

/**
 * An app stack in the Node image, running app-main.ts with the project
 * bind-mounted read-only (and the stack's writable folders read-write); it
 * says on a side channel when it listens and marks handled requests there.
 */
async function startAppContainer(
  containers: RunContainers,
  cleanup: Cleanup,
  { stack, app, options, image, shared }: { stack: StackName; app: AppStackName; options: StackStartOptions; image: string; shared: string },
): Promise<StartedStack> {
  const channel = await openChannel(options.host, options.handlerLog);
  cleanup.add(`the side channel of ${stack}`, () => channel.close());
  const dir = await mkdtemp(path.join(shared, 'app-'));
  await chmod(dir, 0o755);
  const spec: AppContainerSpec = { app, host: options.host, port: await freePort(options.host), mounts: options.mounts, origins: options.origins, channel: channel.url };
  const specFile = path.join(dir, 'spec.json');
  await writeFile(specFile, JSON.stringify(spec));
  const mounts: BindMount[] = [
    { source: projectRoot, target: projectRoot, mode: 'ro' },
    { source: dir, target: dir, mode: 'ro' },
  ];
  for (const writable of stackDefinition(app).writableDirs ?? []) {
    await mkdir(writable, { recursive: true });
    mounts.push({ source: writable, target: writable, mode: 'rw' });
  }
  const what = `${stack} in ${image}`;
  const wait = new Reported<StartReport>(what, 'its report on the side channel that it listens', channel.started);
  await containers.start(what, image, ['node', ...APP_MAIN, specFile], {
    mounts,
    wait,
    workdir: projectRoot,
    env: { CORSLAB_OWNER_PID: String(process.pid), NEXT_TELEMETRY_DISABLED: '1', HOME: '/tmp' },
  });
  const report = wait.result();
  if ('error' in report) throw new Error(`${what}: ${report.error}`);
  // Stopped and removed with the run's containers (RunContainers.stopAll).
  return { port: report.port, setupErrors: new Map(Object.entries(report.setupErrors)), stop: async () => {} };
}
