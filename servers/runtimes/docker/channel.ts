import { createServer } from 'node:http';
import { closeServer, listenOnFreePort } from '../../../harness/system/listen.ts';
import type { HandlerLog } from '../../apps/handler-log.ts';

/** What an app in a container reports once it listens (servers/runtimes/docker/app-main.ts). */
export type StartReport = { port: number; setupErrors: Record<string, string> } | { error: string };

/**
 * The host's end of an app container's side channel, on 127.0.0.1 (the
 * container shares the host's network): `POST /mark` marks an exchange as
 * having reached the handler, as HandlerLog.listen does for Next.js, and
 * `POST /started` carries the app's start report: its port, or why it failed.
 */
export async function openChannel(host: string, handlerLog: HandlerLog): Promise<{ url: string; started: Promise<StartReport>; close(): Promise<void> }> {
  let report: (value: StartReport) => void = () => {};
  const started = new Promise<StartReport>((resolve) => (report = resolve));
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/mark') {
      handlerLog.mark(req.headers);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && req.url === '/started') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        try {
          report(JSON.parse(body) as StartReport);
        } catch {
          report({ error: `the app sent a start report that is not JSON: ${body.slice(0, 200)}` });
        }
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  const port = await listenOnFreePort(server, host);
  return { url: `http://${host}:${port}`, started, close: () => closeServer(server) };
}
