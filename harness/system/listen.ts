import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { defaults } from '../config/defaults.ts';

/** Listens on a port the OS picks (so two runs at once never collide) and returns it; or on `port`, for the hands-on lab's fixed page. */
export function listenOnFreePort(server: Server, host: string, port = 0): Promise<number> {
  server.keepAliveTimeout = defaults.keepAliveMs;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, drops keep-alive connections the browsers still hold, and resolves when closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Ports freePort has handed out in this process: the OS may offer a just-closed port again, and two servers of one run must not get the same one. */
const handedOut = new Set<number>();

/**
 * A port the OS says is free now, for a server the harness does not start
 * itself (nginx, Apache, `next start`), and never one it handed out before in
 * this process. Another program could still take it before that server binds;
 * spawnListening then sees that the port is not the server's, and says so.
 */
export async function freePort(host: string): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await listenOnFreePort(server, host);
    await closeServer(server);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Resolves once something accepts connections on the port; rejects, saying what was awaited, after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not accept connections on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
