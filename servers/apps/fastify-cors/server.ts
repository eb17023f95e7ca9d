import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { stackCodeFunction } from '../code.ts';
import { defaults } from '../../../harness/config/defaults.ts';
import type { HandlerLog } from '../handler-log.ts';
import { answerForTarget, type ScenarioMount, type StartedStack, type StackStartOptions } from '../app-stack.ts';

function fastifyHandler(log: HandlerLog, mount: ScenarioMount) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await log.mark(request.headers);
    // request.url: the whole request target, the plugin's prefix included.
    const response = answerForTarget(mount, request.url);
    reply.code(response.status).headers(response.headers);
    return reply.send(response.body);
  };
}

/**
 * One Fastify server for every scenario of the run. Each scenario is an
 * encapsulated plugin registered with its own prefix, so its @fastify/cors
 * hooks apply to its routes only.
 */
export async function start(options: StackStartOptions): Promise<StartedStack> {
  const root = Fastify({ logger: false, keepAliveTimeout: defaults.keepAliveMs });
  const setupErrors = new Map<string, string>();
  for (const mount of options.mounts) {
    const handler = fastifyHandler(options.handlerLog, mount);
    root.register(
      async (app) => {
        try {
          await stackCodeFunction(mount.code)(app, fastifyCors, handler, mount.origins ?? options.origins);
        } catch (error) {
          setupErrors.set(mount.scenarioId, error instanceof Error ? error.message : String(error));
        }
      },
      { prefix: mount.prefix },
    );
  }
  await root.listen({ port: options.port ?? 0, host: options.host });
  const address = root.server.address();
  if (!address || typeof address === 'string') throw new Error('fastify: no TCP address after listen');
  return {
    port: address.port,
    setupErrors,
    stop: async () => {
      root.server.closeAllConnections();
      await root.close();
    },
  };
}
