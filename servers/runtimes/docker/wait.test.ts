import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PortsListening, Reported } from './wait.ts';

/** Just what the strategies read of a container: that it runs (pid 0: /proc cannot tell whose socket a port is). */
const running = { id: 'c1', inspect: async () => ({ State: { Running: true, ExitCode: 0, Pid: 0 } }), logs: async () => Buffer.from('') };
const exited = { id: 'c2', inspect: async () => ({ State: { Running: false, ExitCode: 1, Pid: 0 } }), logs: async () => Buffer.from('nginx: [emerg] unknown directive "foo"\n') };

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('wait strategies for containers on the host network', () => {
  it('say what was awaited when they time out: the container, the address and the time', async () => {
    const port = await unusedPort();
    const strategy = new PortsListening('nginx (corslab-nginx-x1) in corslab-local/nginx:1.22-bookworm', [port]).withStartupTimeout(200);
    await expect(strategy.waitUntilReady(running)).rejects.toThrow(`nginx (corslab-nginx-x1) in corslab-local/nginx:1.22-bookworm did not listen on 127.0.0.1:${port} within 200 ms`);
  });

  it('fail at once, with its output, when the container exits first', async () => {
    const strategy = new PortsListening('nginx in nginx:1.27', [1]).withStartupTimeout(10_000);
    await expect(strategy.waitUntilReady(exited)).rejects.toThrow('nginx in nginx:1.27 exited (1) before it was ready: nginx: [emerg] unknown directive "foo"');
  });

  it('wait for a port that starts listening', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new PortsListening('a server', [port]).withStartupTimeout(2_000).waitUntilReady(running);
    server.close();
  });

  it('name the report an app container never sent', async () => {
    const strategy = new Reported('express-cors in node:22-bookworm-slim', 'its report on the side channel that it listens', new Promise(() => {})).withStartupTimeout(150);
    await expect(strategy.waitUntilReady(running)).rejects.toThrow('express-cors in node:22-bookworm-slim: its report on the side channel that it listens did not come within 150 ms');
    const ok = new Reported('app', 'its report', Promise.resolve({ port: 5 }));
    await ok.waitUntilReady(running);
    expect(ok.result()).toEqual({ port: 5 });
  });
});
