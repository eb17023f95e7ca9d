import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { defaults } from '../../../harness/config/defaults.ts';
import { closeServer, listenOnFreePort } from '../../../harness/system/listen.ts';
import type { HandlerLog } from '../handler-log.ts';
import type { StackStartOptions, StartedStack } from '../app-stack.ts';
import { modulePath } from './index.ts';
import { withoutCellParam, type OwnAppSetup } from './kinds.ts';
import { isHttpServer, loadOwnApp, type LoadedApp } from './load.ts';

/**
 * What every request goes through before the user's app sees it, at the
 * request level (the server's `request` event, before Express, Fastify's
 * onRequest or the handler): it marks the exchange as having reached the app
 * (the app is not the lab's handler, so "reached the handler" means "reached
 * the app"), then takes off what only the lab added: the exchange header the
 * recorder put after the request line, and the cell's parameter in the query.
 * The app gets the request line and headers as the browser sent them,
 * otherwise unchanged (the recorder keeps what was sent, token included).
 */
function admit(log: HandlerLog, req: IncomingMessage): void {
  void log.mark(req.headers);
  const header = defaults.exchangeHeader;
  delete req.headers[header];
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== header) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
  if (req.url) req.url = withoutCellParam(req.url, defaults.cellParam);
}

/** A listener that admits each request, then hands it to the app; an app that throws drops the connection (the lab invents no response). */
function admitted(log: HandlerLog, app: (req: IncomingMessage, res: ServerResponse) => unknown): RequestListener {
  return (req, res) => {
    admit(log, req);
    try {
      const result = app(req, res);
      if (result instanceof Promise) result.catch((error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))));
    } catch (error) {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

interface Listening {
  port: number;
  stop(): Promise<void>;
}

type FastifyLike = { server: Server; listen(o: { port: number; host: string }): Promise<unknown>; close(): Promise<unknown>; register(p: unknown): unknown };

/** Puts the loaded app on a port of its own on `host`, behind `admit`. */
async function serve(app: LoadedApp, log: HandlerLog, host: string, port: number): Promise<Listening> {
  const plain = async (listener: RequestListener): Promise<Listening> => {
    const server = createServer(listener);
    return { port: await listenOnFreePort(server, host, port), stop: () => closeServer(server) };
  };
  const onFastify = async (instance: FastifyLike): Promise<Listening> => {
    // Before Fastify's own `request` listener, which routes by req.url.
    instance.server.prependListener('request', (req: IncomingMessage) => admit(log, req));
    await instance.listen({ port, host });
    const address = instance.server.address();
    if (!address || typeof address === 'string') throw new Error('the Fastify app has no TCP address after listen');
    return {
      port: address.port,
      stop: async () => {
        instance.server.closeAllConnections();
        await instance.close();
      },
    };
  };
  switch (app.kind) {
    case 'express':
    case 'handler':
      return plain(admitted(log, app.value as (req: IncomingMessage, res: ServerResponse) => unknown));
    case 'router': {
      // A router needs an app to run in; the harness's own Express, with nothing else in it.
      const express = (await import('express')).default;
      const root = express();
      root.use(app.value as Parameters<typeof root.use>[0]);
      return plain(admitted(log, root as unknown as (req: IncomingMessage, res: ServerResponse) => unknown));
    }
    case 'fastify':
      return onFastify(app.value as FastifyLike);
    case 'fastify-plugin': {
      const Fastify = (await import('fastify')).default;
      const instance = Fastify({ logger: false, keepAliveTimeout: defaults.keepAliveMs });
      instance.register(app.value as Parameters<typeof instance.register>[0]);
      return onFastify(instance as unknown as FastifyLike);
    }
    case 'server': {
      const server = app.value;
      if (!isHttpServer(server)) throw new Error('the export is not an http.Server');
      if (server.listening) throw new Error(`the app's http.Server already listens (on ${JSON.stringify(server.address())}); export it without calling listen(), and the lab listens on 127.0.0.1`);
      server.prependListener('request', (req: IncomingMessage) => admit(log, req));
      return { port: await listenOnFreePort(server, host, port), stop: () => closeServer(server) };
    }
  }
}

/**
 * One column's app: the module every scenario of the column names (the
 * column is named after it, `app@app.js`), loaded once and served once, on a
 * port of its own. A column with two different modules of the same file name
 * is refused: one port serves one app.
 */
export async function start(options: StackStartOptions): Promise<StartedStack> {
  const wanted = options.mounts.map((mount) => {
    const raw = mount.raw as OwnAppSetup;
    return { mount, raw, file: modulePath(raw, mount.scenarioFile ?? ''), exportName: raw.export ?? 'default' };
  });
  const first = wanted[0];
  if (!first) throw new Error('no scenario names an app module');
  const other = wanted.find((w) => w.file !== first.file || w.exportName !== first.exportName || w.raw.kind !== first.raw.kind);
  if (other) throw new Error(`${first.file} (export ${first.exportName}) and ${other.file} (export ${other.exportName}) share one column by their file name; rename one of the files`);
  const app = await loadOwnApp(first.file, first.exportName, first.raw.kind);
  const listening = await serve(app, options.handlerLog, options.host, options.port ?? 0);
  const note = `// detected: ${app.described}; "reached the handler" here means the request reached the app's request listener`;
  return { port: listening.port, setupErrors: new Map(), notes: new Map(wanted.map((w) => [w.mount.scenarioId, note])), stop: () => listening.stop() };
}
