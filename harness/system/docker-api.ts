import { existsSync } from 'node:fs';
import http from 'node:http';

/**
 * The few calls of the Docker Engine API that finding and removing a dead
 * run's containers needs, over DOCKER_HOST (unix:// or plain tcp://) or the
 * default socket. No testcontainers here: `corslab clean` must work without
 * loading the Docker runtime, and fast when there is no Docker at all.
 * (harness/system/watchdog.mjs has its own copy: it imports nothing.)
 */
export interface DockerContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** ms since the epoch. */
  created: number;
  state: string;
}

/** Where the engine is, or undefined when there is plainly none (no DOCKER_HOST and no socket). */
function endpoint(): { socketPath: string } | { host: string; port: number } | undefined {
  const host = process.env.DOCKER_HOST;
  if (!host) return existsSync('/var/run/docker.sock') ? { socketPath: '/var/run/docker.sock' } : undefined;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('tcp://') && !process.env.DOCKER_TLS_VERIFY) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port) || 2375 };
  }
  return undefined;
}

function request(method: string, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const target = endpoint();
  if (!target) return Promise.reject(new Error('no Docker engine configured (no DOCKER_HOST, no /var/run/docker.sock)'));
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, method, path, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`the Docker engine did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Whether a Docker engine may be there to ask (DOCKER_HOST is set, or the default socket exists). */
export function dockerConfigured(): boolean {
  return endpoint() !== undefined;
}

/** Every container (running or not) that has the label `key`, whatever its value. */
export async function containersLabelled(key: string): Promise<DockerContainer[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [key] }));
  const { status, body } = await request('GET', `/containers/json?all=1&filters=${filters}`);
  if (status !== 200) throw new Error(`the Docker engine answered ${status}: ${body.slice(0, 200)}`);
  const list = JSON.parse(body) as { Id: string; Names?: string[]; Labels?: Record<string, string>; Created: number; State?: string }[];
  return list.map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''), labels: c.Labels ?? {}, created: c.Created * 1000, state: c.State ?? '' }));
}

/** Removes a container, running or not (and its anonymous volumes). */
export async function removeContainer(id: string): Promise<void> {
  const { status, body } = await request('DELETE', `/containers/${encodeURIComponent(id)}?force=1&v=1`);
  if (status !== 204 && status !== 404) throw new Error(`the Docker engine answered ${status}: ${body.slice(0, 200)}`);
}
