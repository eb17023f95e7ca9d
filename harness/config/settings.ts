import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaults } from './defaults.ts';

/**
 * Where the stacks run and, in the Docker runtime, from which images: the
 * defaults (harness/config/defaults.ts), then the config file in the working
 * directory (defaults.configFile), then the command line, which wins. Every
 * value is checked before anything starts, and an error names where the value
 * came from.
 */

export const RUNTIMES = ['local', 'docker'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** What an image is for: a proxy (`nginx`), or `node` for the app stacks. */
export type ImageKey = string;

/**
 * The images a run can be given, as the catalogs have them
 * (servers/runtimes/catalog.ts: each proxy's, and Node for the app stacks):
 * this layer sits below them, so they come in as data.
 */
export interface ImageKeys {
  /** Each key's pinned default, in the order messages and --help list the keys. */
  defaults: Readonly<Record<ImageKey, string>>;
  /** Keys whose images can run side by side, one matrix column each (the proxies). */
  sideBySide: readonly ImageKey[];
}

export interface ImageSetting {
  /** As the user wrote it: `nginx:1.27`, `corslab-local/nginx:1.22-bookworm`, `nginx@sha256:...`. */
  ref: string;
  /** Where it was set, for error messages: "the default", "corslab.config.json images.nginx", "--image nginx=nginx:1.27". */
  from: string;
  /** Set when the key has several images: the tag, which names the column (`nginx@1.27>express-cors`). */
  variant?: string;
}

export interface RuntimeSettings {
  runtime: RuntimeName;
  /** Docker runtime: the images per key, at least one each; a proxy may have several. */
  images: Record<ImageKey, ImageSetting[]>;
  /** Where `runtime` was set. */
  runtimeFrom: string;
}

/** A setting that cannot be used; the message names the file, flag or field it came from. Nothing has started. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/**
 * A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest], as
 * the distribution spec's grammar has it (lower-case path components, tags of
 * word characters, dots and dashes). Anything else is refused: the value goes
 * to the Docker API and into the report, and nothing odd should ride along.
 */
const IMAGE_REF =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function checkImageRef(ref: string, where: string): string {
  if (ref.length > 255 || !IMAGE_REF.test(ref)) {
    throw new SettingsError(`${where}: ${JSON.stringify(ref)} is not an image reference (expected something like nginx:1.27 or registry.example.com/team/nginx:1.27)`);
  }
  return ref;
}

/** The tag of a reference (`latest` when it has none; the digest's start when it has only a digest). */
export function imageTag(ref: string): string {
  const [name, digest] = ref.split('@') as [string, string | undefined];
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  if (colon !== -1) return lastPart.slice(colon + 1);
  return digest ? digest.replace('sha256:', '').slice(0, 12) : 'latest';
}

/**
 * The keys of a run's settings (harness/run/config.ts RunConfig) a config
 * file may set too; their values are checked by the same conversions as
 * their flags, above this layer (harness/cli/config-file.ts). What one
 * invocation does (--list, --watch, --update, --last-failed) is not among them.
 */
export const RUN_CONFIG_KEYS = ['engines', 'stacks', 'grep', 'reporters', 'outputDir', 'concurrencyPerPage', 'isolatedContexts', 'probeTimeoutMs', 'requireEngines', 'requireStacks', 'maxFailures'] as const;
export type RunConfigKey = (typeof RUN_CONFIG_KEYS)[number];

/** Every key a config file may have. */
export const CONFIG_KEYS = ['scenarios', 'runtime', 'images', 'origins', ...RUN_CONFIG_KEYS] as const;

export interface ConfigFile {
  /** The scenario files and folders `corslab run` reads when given none. */
  scenarios?: string[];
  /** RunConfig's keys as the file has them, checked above this layer. */
  run?: Partial<Record<RunConfigKey, unknown>>;
  runtime?: RuntimeName;
  images?: Partial<Record<ImageKey, string | string[]>>;
  /** Origins by name for every scenario of a run (a scenario's own win); checked as origins by harness/run/config.ts. */
  origins?: Record<string, string>;
}

/** The nearest known key to a mistyped one, or undefined (harness/core/text.ts didYouMean, handed down: this layer imports none above it). */
export type Suggest = (input: string, options: readonly string[]) => string | undefined;

/** The config file of the working directory (the first of defaults.configFileNames there), or undefined. Two at once is refused: which one counts would be a guess. */
export function findConfigFile(dir = process.cwd()): string | undefined {
  const found = defaults.configFileNames.filter((name) => existsSync(path.join(dir, name)));
  if (found.length > 1) throw new SettingsError(`${found.join(' and ')} are both in ${dir}; keep one`);
  return found[0] === undefined ? undefined : path.join(dir, found[0]);
}

/**
 * Reads and checks the config file (`file`, else the one findConfigFile finds);
 * undefined when there is none. JSON is parsed; `.js` and `.mjs` are
 * imported and their default export read (`export default defineConfig({...})`);
 * `.ts` and `.mts` are imported through tsx's loader (`tsx/esm/api` tsImport),
 * which comes with CORS Lab.
 */
export async function readConfigFileFor(keys: ImageKeys, file = findConfigFile(), suggest?: Suggest): Promise<{ file: string; config: ConfigFile } | undefined> {
  if (file === undefined) return undefined;
  file = path.resolve(file);
  const name = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) return undefined;
  const data = /\.json$/.test(file) ? await readJson(file, name) : await importConfig(file, name);
  return { file: name, config: checkConfig(data, name, keys, suggest) };
}

async function readJson(file: string, name: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SettingsError(`${name}: cannot read it: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${name}: not valid JSON: ${(error as Error).message}`);
  }
}

async function importConfig(file: string, name: string): Promise<unknown> {
  // Modules are cached by URL: a file changed since it was last imported (by --watch, or a test) is read again.
  const url = `${pathToFileURL(file).href}?mtime=${statSync(file).mtimeMs}`;
  let module: { default?: unknown };
  try {
    if (/\.m?ts$/.test(file)) {
      let tsImport: (specifier: string, parent: string) => Promise<unknown>;
      try {
        ({ tsImport } = await import('tsx/esm/api'));
      } catch {
        throw new SettingsError(`${name}: a TypeScript config needs tsx to load, and it does not resolve here; write corslab.config.js or corslab.config.mjs instead`);
      }
      module = (await tsImport(url, import.meta.url)) as { default?: unknown };
    } else {
      module = (await import(url)) as { default?: unknown };
    }
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(`${name}: could not be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  // A .ts file outside a `"type": "module"` package is compiled to CommonJS: its exports arrive as the default's properties.
  if (isObject(module.default) && Object.keys(module.default).every((k) => k === 'default' || k === '__esModule') && 'default' in module.default) module = module.default as { default?: unknown };
  if (module.default === undefined) throw new SettingsError(`${name}: has no default export; write \`export default defineConfig({ ... })\` (defineConfig from 'corslab')`);
  return module.default;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export function checkConfig(data: unknown, name: string, keys: ImageKeys, suggest?: Suggest): ConfigFile {
  const known = Object.keys(keys.defaults);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new SettingsError(`${name}: must be an object such as {"runtime": "docker"} (a JSON object, or the default export of a .js/.ts config)`);
  const config: ConfigFile = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === '$schema' || key === '$comment') continue;
    if (key === 'runtime') {
      if (!RUNTIMES.includes(value as RuntimeName)) throw new SettingsError(`${name}: runtime must be one of ${RUNTIMES.join(', ')}, got ${JSON.stringify(value)}`);
      config.runtime = value as RuntimeName;
    } else if (key === 'images') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SettingsError(`${name}: images must be an object such as {"nginx": "nginx:1.27"}`);
      config.images = {};
      for (const [imageKey, ref] of Object.entries(value)) {
        const where = `${name} images.${imageKey}`;
        if (!known.includes(imageKey)) throw new SettingsError(`${where}: unknown image key \`${imageKey}\` (known: ${known.join(', ')})`);
        const refs = Array.isArray(ref) ? ref : [ref];
        if (refs.length === 0 || refs.some((r) => typeof r !== 'string')) throw new SettingsError(`${where}: must be an image reference or a list of them`);
        for (const r of refs as string[]) checkImageRef(r, where);
        config.images[imageKey] = ref as string | string[];
      }
    } else if (key === 'origins') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw new SettingsError(`${name}: origins must be an object of names and origins such as {"app": "https://app.example.com"}`);
      }
      config.origins = value as Record<string, string>;
    } else if (key === 'scenarios') {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) throw new SettingsError(`${name}: scenarios must be a folder or file, or a list of them, such as ["scenarios/"]`);
      config.scenarios = list as string[];
    } else if ((RUN_CONFIG_KEYS as readonly string[]).includes(key)) {
      (config.run ??= {})[key as RunConfigKey] = value;
    } else {
      const hint = suggest?.(key, CONFIG_KEYS);
      throw new SettingsError(`${name}: unknown field \`${key}\`${hint ? `; did you mean \`${hint}\`?` : ''} (allowed: ${CONFIG_KEYS.join(', ')})`);
    }
  }
  return config;
}

/** `--image nginx=nginx:1.27` (repeatable) -> key and reference. */
export function parseImageOption(value: string, keys: ImageKeys): { key: ImageKey; ref: string } {
  const where = `--image ${value}`;
  const known = Object.keys(keys.defaults);
  const eq = value.indexOf('=');
  if (eq <= 0) throw new SettingsError(`${where}: expected KEY=IMAGE, e.g. --image nginx=nginx:1.27 (keys: ${known.join(', ')})`);
  const key = value.slice(0, eq);
  if (!known.includes(key)) throw new SettingsError(`${where}: unknown image key \`${key}\` (known: ${known.join(', ')})`);
  return { key, ref: checkImageRef(value.slice(eq + 1), where) };
}

/** Defaults, then the config file, then the command line. */
export function resolveSettingsFor(keys: ImageKeys, file: { file: string; config: ConfigFile } | undefined, cli: { runtime?: string; image?: string[] }): RuntimeSettings {
  const known = Object.keys(keys.defaults);
  let runtime: RuntimeName = defaults.runtime;
  let runtimeFrom = 'the default';
  if (file?.config.runtime) {
    runtime = file.config.runtime;
    runtimeFrom = `${file.file} runtime`;
  }
  if (cli.runtime !== undefined) {
    if (!RUNTIMES.includes(cli.runtime as RuntimeName)) throw new SettingsError(`--runtime must be one of ${RUNTIMES.join(', ')}, got "${cli.runtime}"`);
    runtime = cli.runtime as RuntimeName;
    runtimeFrom = `--runtime ${cli.runtime}`;
  }
  const images: Record<ImageKey, ImageSetting[]> = Object.fromEntries(known.map((key) => [key, [{ ref: keys.defaults[key]!, from: 'the default' }]]));
  for (const key of known) {
    const fromFile = file?.config.images?.[key];
    if (fromFile !== undefined) images[key] = (Array.isArray(fromFile) ? fromFile : [fromFile]).map((ref) => ({ ref, from: `${file!.file} images.${key}` }));
  }
  const fromCli = (cli.image ?? []).map((value) => parseImageOption(value, keys));
  if (fromCli.length > 0 && runtime !== 'docker') {
    throw new SettingsError(`--image only applies to the Docker runtime, and the runtime is ${runtime} (${runtimeFrom}); add --runtime docker`);
  }
  for (const key of known) {
    const given = fromCli.filter((c) => c.key === key);
    // The command line replaces the file's list for a key: `--image nginx=a --image nginx=b` is the whole list.
    if (given.length > 0) images[key] = given.map((c) => ({ ref: c.ref, from: `--image ${key}=${c.ref}` }));
  }
  for (const key of known) {
    const list = images[key]!;
    if (list.length === 1) continue;
    if (!keys.sideBySide.includes(key)) throw new SettingsError(`${list[1]!.from}: ${key} takes one image (side by side works for ${keys.sideBySide.join(' and ')}); got ${list.map((i) => i.ref).join(', ')}`);
    const seen = new Map<string, ImageSetting>();
    for (const image of list) {
      const variant = imageTag(image.ref);
      const other = seen.get(variant);
      if (other) throw new SettingsError(`${image.from}: ${other.ref} and ${image.ref} have the same tag \`${variant}\`, which names their columns; give them different tags (docker tag)`);
      seen.set(variant, image);
      image.variant = variant;
    }
  }
  return { runtime, images, runtimeFrom };
}
