import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnListening } from './server-process.ts';
import { freePort } from './listen.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const listenFor = (port: number) => `require('net').createServer().listen(${port}, '127.0.0.1'); setInterval(() => {}, 1000)`;

describe('starting a server process', () => {
  it('resolves once the process itself listens on the port', async () => {
    const port = await freePort('127.0.0.1');
    const child = await spawnListening(process.execPath, ['-e', listenFor(port)], { what: 'a test server', ports: [port], timeoutMs: 5_000 });
    stops.push(() => child.stop());
    expect(child.process.exitCode).toBeNull();
  });

  it('does not mistake another program on the port for the server it started', async () => {
    const port = await freePort('127.0.0.1');
    const squatter = createServer().listen(port, '127.0.0.1');
    stops.push(() => new Promise((r) => squatter.close(() => r())));
    // The child fails to bind (EADDRINUSE) and exits; the port still accepts connections, from the squatter.
    await expect(spawnListening(process.execPath, ['-e', listenFor(port)], { what: 'a test server', ports: [port], timeoutMs: 2_000 })).rejects.toThrow(/a test server exited/);
  });

  it('never hands out the same free port twice in a run', async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort('127.0.0.1')));
    expect(new Set(ports).size).toBe(50);
  });
});
