import type { ConfigFile, RunConfigKey, RuntimeName } from '../config/settings.ts';
import { SettingsError } from '../config/settings.ts';
import type { RunConfig } from '../run/config.ts';
import { UsageError, type RawValue } from './flags.ts';
import { RUN_FLAGS } from './options.ts';

/**
 * What `corslab.config.ts` (or `.js`, `.mjs`, `.json`) may hold:
 * `export default defineConfig({ ... })`. The run's keys are RunConfig's
 * (their flags override them), with the file's own forms of three:
 * `scenarios` (the paths `corslab run` reads when given none), `images` and
 * `origins` as objects. Checked by harness/config/settings.ts and runConfigOf.
 */
export interface CorslabConfig extends Pick<RunConfig, RunConfigKey> {
  /** Scenario files and folders. Default: defaults.scenarioDir (`scenarios`). */
  scenarios?: string | readonly string[];
  /** Where the stacks run. Default: defaults.runtime (`local`). */
  runtime?: RuntimeName;
  /** Docker runtime: images by key (`nginx`, `apache`, `node`); a proxy may have a list, one column each. Default: each key's pinned image. */
  images?: Readonly<Record<string, string | readonly string[]>>;
  /** Origins by name for every scenario (`{ app: 'https://app.example.com' }`), under each scenario's own. Default: the lab's. */
  origins?: Readonly<Record<string, string>>;
}

/** The file's run settings, each checked by its flag's own conversion; a bad value names the file and the key. */
export function runConfigOf(file: { file: string; config: ConfigFile } | undefined): Pick<RunConfig, RunConfigKey> {
  const config: Partial<Record<RunConfigKey, unknown>> = {};
  for (const [key, value] of Object.entries(file?.config.run ?? {}) as [RunConfigKey, unknown][]) {
    const spec = RUN_FLAGS[key];
    const where = `${file!.file} ${key}`;
    const expected = spec.value.type === 'boolean' ? 'true or false' : spec.value.multiple ? 'a list of names' : 'a number or a string';
    const raw = rawOf(value, spec.value.type, spec.value.multiple);
    if (raw === undefined) throw new SettingsError(`${where}: must be ${expected}, got ${JSON.stringify(value)}`);
    try {
      config[key] = spec.value.convert(raw, spec.flag);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      // The flag's message, said of the file's key: `--engine` -> `engines`.
      throw new SettingsError(`${where}: ${error.message.replace(`--${spec.flag} `, '')}`);
    }
  }
  return config as Pick<RunConfig, RunConfigKey>;
}

/** A file's value as the flag's parser would have read it, or undefined when its type cannot be one. */
function rawOf(value: unknown, type: 'string' | 'boolean', multiple: boolean): RawValue | undefined {
  if (type === 'boolean') return typeof value === 'boolean' ? value : undefined;
  if (multiple) {
    const list = typeof value === 'string' ? [value] : value;
    return Array.isArray(list) && list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
  }
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : undefined;
}
