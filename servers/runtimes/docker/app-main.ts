/**
 * An app stack (Express, Fastify, Next.js) in a Node container: the Docker
 * runtime's counterpart of the local runtime's in-process start. The project
 * is bind-mounted read-only at the same path as on the host, so this is the
 * same server code the local runtime runs; only the Node that runs it is the
 * image's. Run as `node --import tsx servers/runtimes/docker/app-main.ts SPEC.json`.
 *
 * The container shares the host's network. The app listens on 127.0.0.1 on a
 * port the OS picks, and talks to the harness through its side channel
 * (servers/runtimes/docker/channel.ts): each request that reaches the handler is
 * marked there before the response leaves, and the start report says which
 * port the app took, or why it did not start.
 */
import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { defaults } from '../../../harness/config/defaults.ts';
import { HandlerLog } from '../../apps/handler-log.ts';
import { stackDefinition } from '../../apps/catalog.ts';
import type { LabOrigins } from '../../../harness/core/origins.ts';
import type { AppStackName } from '../../../harness/core/names.ts';
import type { ScenarioMount, StartedStack } from '../../apps/app-stack.ts';
import type { StartReport } from './channel.ts';

export interface AppContainerSpec {
  app: AppStackName;
  host: string;
  mounts: ScenarioMount[];
  origins: LabOrigins;
  /** The side channel on the host: `${channel}/mark`, `${channel}/started`. */
  channel: string;
  /** The port to listen on, handed out by the harness (see StackStartOptions.port). */
  port: number;
}

/** HandlerLog whose marks go to the harness on the host, and are in before the handler answers. */
class RemoteHandlerLog extends HandlerLog {
  constructor(private readonly channel: string) {
    super();
  }

  override mark(headers: IncomingHttpHeaders): Promise<void> {
    const exchange = headers[defaults.exchangeHeader];
    if (typeof exchange !== 'string') return Promise.resolve();
    return post(`${this.channel}/mark`, '', { [defaults.exchangeHeader]: exchange });
  }

  /** Next.js marks from its own process: it posts straight to the host's channel. */
  override async listen(): Promise<{ url: string; close(): Promise<void> }> {
    return { url: `${this.channel}/mark`, close: async () => {} };
  }
}

// A connection of its own per post: a kept-alive one can be closed by the other side just as it is reused.
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as AppContainerSpec;
  const report = (value: StartReport) => post(`${spec.channel}/started`, JSON.stringify(value));
  let started: StartedStack | undefined;
  // PID 1 in a container gets no default signal handling: without these, `docker stop` would wait and then kill.
  const stop = async () => {
    await started?.stop().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  try {
    started = await stackDefinition(spec.app).start({ host: spec.host, port: spec.port, mounts: spec.mounts, handlerLog: new RemoteHandlerLog(spec.channel), origins: spec.origins });
    process.stdout.write(`corslab: ${spec.app} listens on ${spec.host}:${started.port} (Node ${process.version})\n`);
    await report({ port: started.port, setupErrors: Object.fromEntries(started.setupErrors) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`corslab: ${spec.app} did not start: ${message}\n`);
    await report({ error: message }).catch(() => {});
    process.exit(1);
  }
}

const [specFile] = process.argv.slice(2);
if (!specFile) {
  process.stderr.write('usage: node --import tsx servers/runtimes/docker/app-main.ts SPEC.json\n');
  process.exit(2);
}
void main(specFile);
