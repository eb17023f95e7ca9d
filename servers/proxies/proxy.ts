import type { CommandRunner } from '../../harness/system/server-process.ts';
import type { OriginTable } from '../../harness/core/origins.ts';
import type { AppStackName, ProxyName } from '../../harness/core/names.ts';
import type { JsonSchema, Policy, ServerSetup, SetupSchema } from '../../harness/core/format.ts';

/**
 * A proxy's part of a scenario (`server.nginx`, `server.apache`): snippets of
 * its own configuration at three levels (the whole server: `http` in nginx,
 * the main config in Apache; the virtual server; the scenario's location,
 * which proxies to the app), and the app stacks to put behind it.
 */
export interface ProxySetup {
  http?: string;
  server?: string;
  location?: string;
  /** The app stacks to put behind it (default: every app stack the scenario's app setup applies to). */
  apps?: AppStackName[];
  /** The user's whole config file instead of snippets, relative to the scenario file (`./nginx.conf`). */
  conf?: string;
  /** Set by the loader once `conf` is checked: the file's absolute path and its text (what runs, rewritten; what the report shows). */
  confFile?: string;
  confText?: string;
}

export const PROXY_LEVELS = ['http', 'server', 'location'] as const;
export type ProxyLevel = (typeof PROXY_LEVELS)[number];

/** A snippet of a proxy's configuration in the scenario schema: every proxy's setup schema refers to it. */
const SNIPPET_SCHEMA: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'Proxy configuration, as a user would write it. Only directives that shape responses are allowed (no include, load_module, listen, root, file paths, ...).',
};

/** What a proxy's setup schema tells editors, in the proxy's own terms: the whole part, and each level's snippet. */
export interface ProxySetupText {
  description: string;
  http: string;
  server: string;
  location: string;
}

/** The schema of a proxy's part of a scenario (a ProxySetup), described in its own terms. */
export function proxySetupSchema(proxy: { name: ProxyName; label: string }, text: ProxySetupText): SetupSchema {
  const levels = Object.fromEntries(PROXY_LEVELS.map((level) => [level, { $ref: '#/definitions/snippet', description: text[level] }]));
  return {
    property: { $ref: `#/definitions/${proxy.name}`, description: text.description },
    definitions: {
      snippet: SNIPPET_SCHEMA,
      [proxy.name]: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          ...levels,
          conf: {
            type: 'string',
            pattern: '^[A-Za-z0-9._/-]+$',
            description: `Your whole ${proxy.label} config file, relative to the scenario file, run as it is but for its listen lines, upstreams and the paths it writes (which the lab rewrites and says so). Instead of the snippets.`,
          },
          apps: {
            type: 'array',
            minItems: 1,
            items: { $ref: '#/definitions/appStackName' },
            description: `The app stacks to put behind ${proxy.label} (default: every app stack the app setup applies to).`,
          },
        },
      },
    },
  };
}

/** A scenario's setup for this proxy, if it configures it (the scenario schema has checked its shape). */
export function proxySetupOf(server: ServerSetup, proxy: ProxyName): ProxySetup | undefined {
  return server[proxy] as ProxySetup | undefined;
}

/** One line of generated config and where it came from, so that a config test's errors point back into the scenario file. */
export interface ConfigLine {
  text: string;
  /** The scenario field the line came from (`nginx.location`), and its 0-based line within that field. */
  source?: { field: string; line: number };
}

export interface ConfigProblem {
  /** 1-based line in the generated config (0 when the proxy named none). */
  line: number;
  message: string;
}

export interface LintProblem {
  /** 0-based line within the snippet. */
  line: number;
  message: string;
}

export type ProxyLocation = { available: true; executable: string; version: string } | { available: false; reason: string };

/** Where the proxies of a run are, looked up once before anything starts: those it uses, by name. */
export type ProxyLocations = Record<ProxyName, ProxyLocation>;

/** Everything a proxy needs to serve one scenario: one virtual server per app stack behind it. */
export interface ProxyScenarioInput {
  scenarioId: string;
  /** The path the scenario's app is mounted at; the proxy's location for it. */
  prefix: string;
  setup: ProxySetup;
  /** The policy to render at the proxy, when the scenario puts it there (placeholders expanded). */
  policy?: Policy;
  /** Per app stack: the port the proxy listens on for it, and the port it forwards to (where nothing may listen: upstream down). */
  servers: { app: AppStackName; listenPort: number; upstreamPort: number }[];
  /** A folder of the run's own for the proxy's pid, logs, temp files and cache. */
  dir: string;
  /** Where the proxy runs, when not from this machine's files (a container image): see ProxyLayout. */
  layout?: ProxyLayout;
}

/**
 * What a generated config depends on in the proxy's own installation, for a
 * proxy that runs from an image rather than this machine: where httpd's
 * modules are (Debian: /usr/lib/apache2/modules; the official httpd image:
 * /usr/local/apache2/modules), and whether it starts as root (it does in a
 * container), which decides httpd's `User`.
 */
export interface ProxyLayout {
  modulesDir?: string;
  asRoot?: boolean;
}


export type { CommandRunner };

/**
 * What the Docker runtime needs to know to run the proxy from a container
 * image rather than this machine's files: where the binary is, what version
 * it says it is, and what else the generated config depends on in the image.
 */
export interface ProxyImage {
  /** The image it runs from unless corslab.config.json or --image say otherwise: the official image a user would pull, pinned to a release line. */
  defaultImage: string;
  /** A shell command that prints the binary's absolute path, run in a container of the image. */
  findExecutable: string;
  /** The binary's names, for the error when the image has none: "nginx", "apache2 or httpd". */
  executableNames: string;
  /** The version in what `<binary> -v` printed. */
  version(output: { stdout: string; stderr: string }): string | undefined;
  /** The rest of the layout the config needs (httpd's modules folder), looked up with `run` in a container of the image; throws when the image lacks it. */
  layout?(run: CommandRunner, found: { executable: string; what: string }): Promise<ProxyLayout>;
}

/** How the local runtime wants a proxy's process run. */
export interface ProxyStartOptions {
  /**
   * Wraps the proxy's command to run it confined (servers/runtimes/local/confine.ts),
   * given what it must read outside /usr (its binary, httpd's modules); the
   * scenario's folder is the only place it may write.
   */
  confine?(argv: string[], readOnly: string[]): string[];
}

export interface StartedProxy {
  stop(): Promise<void>;
  /** Set once the proxy's process exited during the run without being stopped: what died, for its cells' errors. */
  died?(): string | undefined;
}

/**
 * A reverse proxy, with the same shape for each: find the binary, check what
 * a scenario may write, generate a config, test it, start it. Everything but
 * the processes is pure; locate, test, foreground and start load the proxy's
 * process code only when called.
 */
export interface ProxyDefinition {
  name: ProxyName;
  /** For column headers: "nginx", "Apache httpd". */
  label: string;
  /** What it adds to the scenario schema: the schema of `server.<name>` (proxySetupSchema), and the definitions it refers to. */
  setupSchema: SetupSchema;
  locate(): Promise<ProxyLocation>;
  /** Problems with a snippet a scenario gives at a level: directives that are not allowed, unbalanced blocks, redirects out of the lab (whose origins are the defaults and `origins`, the scenario's declared ones). */
  lint(snippet: string, level: ProxyLevel, origins?: OriginTable): LintProblem[];
  /** Why a value (an origin, a method) cannot be written into this proxy's config, or undefined when it can. */
  unsafeValue(value: string): string | undefined;
  config(input: ProxyScenarioInput): ConfigLine[];
  /**
   * A user's whole config file (`server.<proxy>.conf`): what the lab rewrites
   * in it for a run (`target`'s ports and folder) and what it refuses, and
   * the user's lines as the report shows them. Absent: the proxy takes
   * snippets only.
   */
  ownConf?: {
    rewrite(
      text: string,
      target: { listenPort: number; upstreamPort: number; dir: string; confDir: string },
    ): { text: string; rewrites: { line: number; old: string; new: string }[]; problems: LintProblem[]; includes: { line: number; file: string }[] };
    display(text: string, rewrites: readonly { line: number; old: string; new: string }[], file: string): string;
  };
  /** What the report shows: the scenario's part of the config, for one app behind the proxy. */
  display(input: ProxyScenarioInput): string;
  /** A policy in this proxy's idiom, for fixes. */
  renderPolicy(policy: Policy): string;
  /** The fix when something at the proxy refuses preflights (auth, access rules): answer OPTIONS first, in this proxy's idiom. */
  preflightFirst: string;
  /** How to find and run it in a container image (Docker runtime). */
  image: ProxyImage;
  /** The proxy's own config test (`nginx -t`, `apachectl -t`), run here or, given a runner, in a container. */
  test(executable: string, dir: string, lines: ConfigLine[], run?: CommandRunner): Promise<ConfigProblem[]>;
  /** Writes the config into `dir` and returns the command that runs the proxy in the foreground on it (for a container). */
  foreground(executable: string, dir: string, lines: ConfigLine[]): Promise<string[]>;
  /** Starts it and resolves once every listen port accepts connections. */
  start(executable: string, dir: string, lines: ConfigLine[], ports: number[], options?: ProxyStartOptions): Promise<StartedProxy>;
}

/** The user's file as the report shows it: their lines, each rewritten one followed by what the lab ran instead. */
export function displayOwnConf(text: string, rewrites: readonly { line: number; new: string }[], file: string): string {
  const byLine = new Map(rewrites.map((r) => [r.line, r]));
  const out = [`# ${file}, as written; the lines marked "corslab ran" are what the lab changed`];
  text.replace(/\n$/, '').split('\n').forEach((line, i) => {
    out.push(line);
    const rewrite = byLine.get(i + 1);
    if (rewrite) out.push(`${line.match(/^\s*/)![0]}#   ^ corslab ran (line ${rewrite.line}): ${rewrite.new}`);
  });
  return out.join('\n');
}
