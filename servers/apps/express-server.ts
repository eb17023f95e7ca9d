import { createServer, type RequestListener } from 'node:http';
import express, { type Request, type Response } from 'express';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';
import { stackCodeFunction } from './code.ts';
import type { HandlerLog } from './handler-log.ts';
import { answerForTarget, type ScenarioMount, type StackStartOptions, type StartedStack } from './app-stack.ts';

function expressHandler(log: HandlerLog, mount: ScenarioMount) {
  return async (req: Request, res: Response): Promise<void> => {
    await log.mark(req.headers);
    // originalUrl: the whole request target, whatever routers the scenario's code mounted the handler under.
    const response = answerForTarget(mount, req.originalUrl);
    res.status(response.status);
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    res.end(response.body);
  };
}

/**
 * One Express server for every scenario of the run: each scenario's app is a
 * sub-app mounted at its own path, set up by the scenario's code.
 */
export async function startExpress(options: StackStartOptions, corsLibrary: unknown): Promise<StartedStack> {
  const root = express();
  // Express's final handler prints every error's stack to stderr unless env is `test`; a scenario whose
  // origin callback throws would fill the harness's terminal. Responses stay as they are (only
  // `production` changes the error page).
  root.set('env', 'test');
  const setupErrors = new Map<string, string>();
  for (const mount of options.mounts) {
    const app = express();
    try {
      const handler = expressHandler(options.handlerLog, mount);
      await stackCodeFunction(mount.code)(app, corsLibrary, handler, mount.origins ?? options.origins);
      // No prefix: the scenario's app at the root (behind a user's own proxy config, which sends the user's paths).
      if (mount.prefix) root.use(mount.prefix, app);
      else root.use(app);
    } catch (error) {
      setupErrors.set(mount.scenarioId, error instanceof Error ? error.message : String(error));
    }
  }
  const server = createServer(root as RequestListener);
  const port = await listenOnFreePort(server, options.host, options.port);
  return { port, setupErrors, stop: () => closeServer(server) };
}
