/**
 * `node --import ./tests/helpers/import-log.mjs ...`: a resolve hook
 * (https://nodejs.org/api/module.html#customization-hooks) that writes every
 * module URL the process resolves to stderr, one `corslab-import: <url>` line
 * each, so a test can say which packages a command loaded.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Imported once on the main thread (--import), where it registers itself; the hooks run on their own thread.
if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  process.stderr.write(`corslab-import: ${resolved.url}\n`);
  return resolved;
}
