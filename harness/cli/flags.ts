/**
 * Command-line flags as data, in the spirit of Vitest's cli-config.ts: each
 * key of a configuration type has one flag, declared with how its text
 * becomes the key's value, so a key without a flag, a flag without a key, or
 * a flag whose value has the wrong type does not compile. Parsing, checking
 * and `--help` all read the same declarations.
 */

import { parseArgs } from 'node:util';
import { didYouMean } from '../core/text.ts';

/** Bad input on the command line (exit code 2): the message names the flag. */
export class UsageError extends Error {}

/** What node:util's parseArgs read for one flag. */
export type RawValue = string | boolean | (string | boolean)[];

/** How a flag's text becomes a configuration value of type T. */
export interface FlagValue<T> {
  /** parseArgs' type: a flag that takes a value, or a switch. */
  readonly type: 'string' | 'boolean';
  /** The flag may be repeated; each time adds to a list. */
  readonly multiple: boolean;
  /** The value, checked; a bad one throws UsageError naming `--flag`. */
  convert(raw: RawValue, flag: string): T;
}

export interface FlagSpec<T> {
  /** The long name, without `--`. */
  flag: string;
  short?: string;
  value: FlagValue<T>;
  /** What --help calls the value: `--timeout <ms>`. Default: value. */
  valueName?: string;
  /** One line for --help, without the default. */
  help: string;
  /** What --help says the default is, built from harness/config/defaults.ts. */
  default?: string;
}

/** One flag for every key of a configuration, and no other: the value's type is the key's. */
export type FlagsFor<Config> = { [K in keyof Config]-?: FlagSpec<NonNullable<Config[K]>> };

const strings = (raw: RawValue): string[] => (Array.isArray(raw) ? raw : [raw]).map(String);
const one = (raw: RawValue): string => String(Array.isArray(raw) ? raw.at(-1) : raw);

/** Names from a catalog's list (read when the flag is converted, so one registered since counts), repeated or comma-separated: `-e chromium,firefox -e webkit`. */
export function names<T extends string>(list: () => readonly T[], what: string): FlagValue<T[]> {
  return {
    type: 'string',
    multiple: true,
    convert(raw) {
      const allowed = list();
      const items = strings(raw).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      const unknown = items.filter((v) => !allowed.includes(v as T));
      if (unknown.length > 0) throw new UsageError(`unknown ${what} ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${allowed.join(', ')}`);
      // `-e chromium,chromium` names one engine once: a name twice would plan every cell twice under one id.
      return [...new Set(items)] as T[];
    },
  };
}

/** One name from a list: `--runtime docker`. */
export function oneOf<T extends string>(allowed: readonly T[]): FlagValue<T> {
  return {
    type: 'string',
    multiple: false,
    convert(raw, flag) {
      const value = one(raw);
      if (!allowed.includes(value as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
      return value as T;
    },
  };
}

/** A whole number of at least `min`: `-c 4`. */
export function wholeNumber(min: number): FlagValue<number> {
  return {
    type: 'string',
    multiple: false,
    convert(raw, flag) {
      const text = one(raw);
      const value = Number(text);
      if (!(Number.isInteger(value) && value >= min)) throw new UsageError(`--${flag} must be a whole number of at least ${min}, got "${text}"`);
      return value;
    },
  };
}

/** A regular expression, matched case-insensitively; kept as its source text. */
export function pattern(): FlagValue<string> {
  return {
    type: 'string',
    multiple: false,
    convert(raw, flag) {
      const value = one(raw);
      try {
        new RegExp(value, 'i');
      } catch (error) {
        throw new UsageError(`--${flag} is not a valid regular expression: ${(error as Error).message}`);
      }
      return value;
    },
  };
}

/** Any text: `-o reports/ci`. */
export function text(): FlagValue<string> {
  return { type: 'string', multiple: false, convert: one };
}

/** Any texts, one per time the flag is given: `--image nginx=a --image apache=b`. */
export function texts(): FlagValue<string[]> {
  return { type: 'string', multiple: true, convert: strings };
}

/** A switch: `--require-engines`. */
export function toggle(): FlagValue<boolean> {
  return { type: 'boolean', multiple: false, convert: (raw) => raw === true };
}

/** The declarations as node:util parseArgs options, keyed by flag name. */
export function parseArgsOptions(flags: Record<string, FlagSpec<unknown>>): Record<string, { type: 'string' | 'boolean'; multiple: boolean; short?: string }> {
  return Object.fromEntries(
    Object.values(flags).map(({ flag, short, value }) => [flag, { type: value.type, multiple: value.multiple, ...(short ? { short } : {}) }]),
  );
}

/** The configuration the parsed flags give: only keys whose flag was there, each converted and checked. */
export function configFrom<Config>(flags: FlagsFor<Config>, values: Record<string, RawValue | undefined>): Config {
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const key of Object.keys(flags) as (keyof Config)[]) {
    const spec: FlagSpec<unknown> = flags[key];
    const raw = values[spec.flag];
    if (raw !== undefined) config[key] = spec.value.convert(raw, spec.flag);
  }
  return config as Config;
}

/** One --help line: `  -c, --concurrency <value>      probes in flight per engine on its shared pages. Default: …`. */
export function flagLine(flag: string, short: string | undefined, valueName: string | undefined, help: string): string {
  const left = `${short ? `-${short}, ` : '    '}--${flag}${valueName ? ` <${valueName}>` : ''}`;
  return `  ${left.padEnd(30)} ${help}`;
}

/** A declaration's --help line, its default last. */
export function specLine(spec: FlagSpec<unknown>): string {
  return flagLine(spec.flag, spec.short, spec.value.type === 'string' ? (spec.valueName ?? 'value') : undefined, spec.default === undefined ? spec.help : `${spec.help}. Default: ${spec.default}`);
}

/** node:util parseArgs options, keyed by flag name. */
export type ParseOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Every command takes `-h, --help`. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * A command's arguments, read by node:util parseArgs, with the problems said
 * in the CLI's own words before parseArgs' (`Unknown option '--engin'. To
 * specify a positional argument starting with a '-', place it at the end of
 * the command after '--', as in '-- "--engin"`): an unknown flag with the
 * nearest known one, a flag without its value, a switch given one. The
 * arguments are read leniently first to find them; `help` is true when
 * `-h`/`--help` was there, whatever else was (then nothing else is checked).
 */
export function parseCommand(command: string, args: string[], options: ParseOptions, allowPositionals: boolean): { help: boolean; values: Record<string, RawValue | undefined>; positionals: string[] } {
  const all: ParseOptions = { ...options, ...HELP_OPTION };
  const { tokens } = parseArgs({ args, options: all, allowPositionals: true, strict: false, tokens: true });
  const help = `see \`corslab ${command} --help\``;
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true, values: {}, positionals: [] };
  for (const token of tokens) {
    if (token.kind === 'positional' && !allowPositionals) throw new UsageError(`${command} takes no paths or other arguments, got "${token.value}"; ${help}`);
    if (token.kind !== 'option') continue;
    const spec = all[token.name];
    if (!spec) {
      const longNames = Object.keys(all).map((n) => `--${n}`);
      const shortNames = Object.values(all).flatMap((o) => (o.short ? [`-${o.short}`] : []));
      const hint = token.rawName.startsWith('--') ? didYouMean(token.rawName, longNames) : undefined;
      const known = token.rawName.startsWith('--') ? '' : ` (short options: ${shortNames.join(', ')})`;
      throw new UsageError(`unknown option ${token.rawName} for ${command}${hint ? ` (did you mean ${hint}?)` : ''}${known}; ${help}`);
    }
    const name = `--${token.name}`;
    if (spec.type === 'string') {
      if (token.value === undefined) throw new UsageError(`${name} needs a value; ${help}`);
      // `--engine --grep x`: parseArgs would take `--grep` as the engine's name.
      if (!token.inlineValue && token.value.startsWith('-')) throw new UsageError(`${name} needs a value, got the option ${token.value} (write ${name}=${token.value} if that is the value); ${help}`);
    } else if (token.value !== undefined) {
      throw new UsageError(`${name} is a switch and takes no value, got "${token.value}"; ${help}`);
    }
  }
  const { values, positionals } = parseArgs({ args, options: all, allowPositionals, strict: true });
  const { help: _help, ...rest } = values as Record<string, RawValue | undefined>;
  return { help: false, values: rest, positionals };
}
