import { createServer, request } from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeServer, freePort, listenOnFreePort } from '../../../harness/system/listen.ts';
import { proxyDefinition } from '../../proxies/catalog.ts';
import type { ProxyScenarioInput, ProxySetup, StartedProxy } from '../../proxies/proxy.ts';
import { forgetConfinementProbe, probeConfinement } from './confine.ts';
import { localRuntime } from './index.ts';

const confinement = await probeConfinement();
const [nginx, apache] = await Promise.all([proxyDefinition('nginx').locate(), proxyDefinition('apache').locate()]);

function get(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: target, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

// Snippets the lint refuses (root, alias, a document root on /etc): started here through the runtime directly, past the lint, as a bypass would be.
const READS_ETC: Record<'nginx' | 'apache', ProxySetup> = {
  nginx: { server: 'location /etc-files/ {\n    alias /etc/;\n}' },
  apache: { server: 'DocumentRoot /etc\n<Directory /etc>\n    Require all granted\n</Directory>' },
};
const TARGET: Record<'nginx' | 'apache', string> = { nginx: '/etc-files/passwd', apache: '/passwd' };

describe('nginx and Apache httpd run confined (bubblewrap)', () => {
  const started: StartedProxy[] = [];
  const dirs: string[] = [];
  let upstream: ReturnType<typeof createServer> | undefined;

  afterEach(async () => {
    for (const s of started.splice(0)) await s.stop();
    delete process.env.CORSLAB_CONFINE;
    forgetConfinementProbe();
  });
  afterAll(async () => {
    if (upstream) await closeServer(upstream);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function startProxy(proxy: 'nginx' | 'apache', setup: ProxySetup): Promise<{ port: number }> {
    const location = proxy === 'nginx' ? nginx : apache;
    if (!location.available) throw new Error(location.reason);
    upstream ??= createServer((req, res) => res.end(`app saw ${req.url}`));
    const upstreamPort = upstream.listening ? (upstream.address() as { port: number }).port : await listenOnFreePort(upstream, '127.0.0.1');
    const dir = await mkdtemp(path.join(os.tmpdir(), `corslab-confine-${proxy}-`));
    await chmod(dir, 0o755);
    dirs.push(dir);
    const listenPort = await freePort('127.0.0.1');
    const input: ProxyScenarioInput = { scenarioId: 'confine', prefix: '/s/confine', setup, servers: [{ app: 'express-cors', listenPort, upstreamPort }], dir };
    const runtime = localRuntime();
    started.push(await runtime.startProxy(`${proxy}>express-cors`, input, location));
    return { port: listenPort };
  }

  for (const proxy of ['nginx', 'apache'] as const) {
    const location = proxy === 'nginx' ? nginx : apache;
    const skip = !location.available ? `${proxy} is not installed: ${location.reason}` : !confinement.confined ? confinement.reason : '';

    it.skipIf(skip !== '')(`${proxy}: a config that serves /etc gets no /etc/passwd, and the app on 127.0.0.1 is still reached`, async () => {
      const { port } = await startProxy(proxy, READS_ETC[proxy]);
      const passwd = await get(port, TARGET[proxy]);
      expect([403, 404]).toContain(passwd.status);
      expect(passwd.body).not.toMatch(/root:.*:0:0:/);
      const proxied = await get(port, '/s/confine/x');
      expect(proxied).toEqual({ status: 200, body: 'app saw /s/confine/x' });
    });

    // The control: the same config unconfined serves the file, so the test above can fail.
    it.skipIf(skip !== '')(`${proxy}: unconfined (CORSLAB_CONFINE=off), the same config serves /etc/passwd`, async () => {
      process.env.CORSLAB_CONFINE = 'off';
      forgetConfinementProbe();
      const { port } = await startProxy(proxy, READS_ETC[proxy]);
      const passwd = await get(port, TARGET[proxy]);
      expect(passwd.status).toBe(200);
      expect(passwd.body).toMatch(/root:.*:0:0:/);
    });
  }

  it('says why when it cannot confine, and the runtime records it', async () => {
    process.env.CORSLAB_BWRAP_PATH = '/nonexistent/bwrap';
    forgetConfinementProbe();
    try {
      const off = await probeConfinement();
      expect(off).toMatchObject({ confined: false, describe: 'not confined: CORSLAB_BWRAP_PATH is /nonexistent/bwrap, which does not exist' });
      const runtime = localRuntime();
      await runtime.locateProxies([{ server: { nginx: { location: 'add_header X-A 1;' } } } as never]);
      expect(runtime.confinement?.()).toMatchObject({ proxies: 'not confined: CORSLAB_BWRAP_PATH is /nonexistent/bwrap, which does not exist' });
    } finally {
      delete process.env.CORSLAB_BWRAP_PATH;
    }
  });
});
