import { Server as HttpServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { KIND_LABELS, describeValue, detectKind, type OwnAppKind } from './kinds.ts';

/** A user's app as loaded from its module: the export, and what it is. */
export interface LoadedApp {
  value: unknown;
  kind: Exclude<OwnAppKind, 'factory'>;
  /** How it was found: "an Express app", "a factory (called with no arguments) that returned a Fastify instance". */
  described: string;
}

export const isHttpServer = (value: unknown): value is HttpServer => value instanceof HttpServer;

/**
 * The one place a user's module is imported. Importing it runs the user's
 * code in this process, with the harness's rights (files, network, the
 * environment): the module is the user's own, named by their scenario file.
 * Everything that loads user code goes through here, so that it can move into
 * a process of its own. `kind` overrides detection (kinds.ts).
 */
export function loadOwnApp(file: string, exportName: string, kind?: OwnAppKind): Promise<LoadedApp> {
  // Once per run and module: the check before anything starts and the start share it (a factory is called once; Node caches the module anyway).
  const key = JSON.stringify([file, exportName, kind]);
  let loading = loaded.get(key);
  if (!loading) {
    loading = importApp(file, exportName, kind);
    loaded.set(key, loading);
    loading.catch(() => loaded.delete(key));
  }
  return loading;
}

const loaded = new Map<string, Promise<LoadedApp>>();

async function importApp(file: string, exportName: string, kind?: OwnAppKind): Promise<LoadedApp> {
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // A CommonJS module's named exports may be only on module.exports (the default) when Node's static analysis misses them.
  const fromDefault = module.default !== null && typeof module.default === 'object' ? (module.default as Record<string, unknown>)[exportName] : undefined;
  const value = Object.hasOwn(module, exportName) ? module[exportName] : fromDefault;
  if (value === undefined) {
    const names = Object.keys(module);
    throw new Error(`${file} has no export \`${exportName}\` (it exports ${names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : 'nothing'})`);
  }
  const found = kind ?? detectKind(value, isHttpServer);
  if (found === undefined) throw new Error(`the export \`${exportName}\` of ${file} is ${describeValue(value)}, which is none of: ${Object.values(KIND_LABELS).join(', ')}`);
  if (found !== 'factory') return { value, kind: found, described: KIND_LABELS[found] };
  if (typeof value !== 'function') throw new Error(`the export \`${exportName}\` of ${file} is ${describeValue(value)}, not a factory function`);
  const made = await (value as () => unknown)();
  const madeKind = detectKind(made, isHttpServer);
  if (madeKind === undefined || madeKind === 'factory') throw new Error(`the factory \`${exportName}\` of ${file} returned ${describeValue(made)}, which is none of: ${Object.values(KIND_LABELS).filter((_, i) => i < 6).join(', ')}`);
  return { value: made, kind: madeKind, described: `${KIND_LABELS.factory} that returned ${KIND_LABELS[madeKind]}` };
}
