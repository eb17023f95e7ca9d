import { existsSync, readFileSync, statSync } from 'node:fs';
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { isInside, projectFolder } from '../system/project-folder.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { defaults } from '../config/defaults.ts';
import { ScenarioValidationError, fieldPath, type ScenarioProblem } from './errors.ts';
import { ORIGIN_NAME, RESERVED_ORIGIN_NAMES, expandPlaceholders, mountPath, originProblem, sampleValues, staysInLab, unknownPlaceholders, type OriginTable } from '../core/origins.ts';
import { PAGE_ORIGINS } from '../core/names.ts';
import { proxyDefinition, proxyNames } from '../../servers/proxies/catalog.ts';
import { proxiesUsed } from '../../servers/proxies/locate.ts';
import { PROXY_LEVELS, proxySetupOf } from '../../servers/proxies/proxy.ts';
import { appStackNames, stackDefinition } from '../../servers/apps/catalog.ts';
import type { Expectation, HandlerResponse, Scenario, ScenarioFile, WireHeaders } from '../core/format.ts';
import { READ_FIELDS, impliedResult, mergeExpectation } from './expectations.ts';
import { scenarioSchema } from './schema.ts';
import { targetProblems } from './target-checks.ts';
import { didYouMean } from '../core/text.ts';
import { SOURCE_TODO } from './update.ts';

/** The schema as written for editors (`npm run schema`); the loader validates with the one built from the catalogs, which it equals. */
export const schemaPath = fileURLToPath(new URL('../../scenarios/schema.json', import.meta.url));

let validator: { schema: string; validate: ReturnType<Ajv['compile']> } | undefined;
/** The compiled scenario schema, compiled again when the catalogs have changed (a stack registered since). */
async function schemaValidator() {
  const schema = scenarioSchema();
  const text = JSON.stringify(schema);
  if (validator?.schema !== text) validator = { schema: text, validate: new Ajv({ allErrors: true, verbose: true, strict: false }).compile(schema) };
  return validator.validate;
}

/** Every `*.yaml` / `*.yml` file below the given paths, sorted, each once. */
export async function findScenarioFiles(paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const problems: ScenarioProblem[] = [];
  const problem = (file: string, message: string) => problems.push({ file, line: 1, column: 1, field: '', message });
  /** Folders already walked, by device and inode: a link back up the tree is walked once. */
  const walked = new Set<string>();
  async function walk(entry: string, named: boolean): Promise<void> {
    const info = await stat(entry).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      const link = await lstat(entry).catch(() => undefined);
      if (info.code === 'ELOOP') problem(entry, 'is a symbolic link that loops back to itself');
      else if (link?.isSymbolicLink()) problem(entry, 'is a symbolic link to nothing (its target does not exist)');
      else if (named || info.code !== 'ENOENT') problem(entry, info.code === 'ENOENT' ? 'no such file or folder' : `cannot be read: ${info.message}`);
      return;
    }
    if (info.isDirectory()) {
      const key = `${info.dev}:${info.ino}`;
      if (walked.has(key)) return;
      walked.add(key);
      const names = (await readdir(entry)).sort();
      for (const name of names) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        const child = path.join(entry, name);
        const childInfo = await stat(child).catch(() => undefined);
        if (!childInfo || childInfo.isDirectory() || /\.ya?ml$/.test(name)) await walk(child, false);
      }
    } else if (!info.isFile()) {
      // A FIFO or a device named *.yaml would block or never end when read.
      problem(entry, 'is not a regular file (a pipe, socket or device), so it is not read');
    } else if (info.size > defaults.maxScenarioBytes) {
      problem(entry, `is ${info.size} bytes; a scenario file may have at most ${defaults.maxScenarioBytes}`);
    } else {
      found.add(path.normalize(entry));
    }
  }
  for (const p of paths) await walk(p, true);
  if (problems.length > 0) throw new ScenarioValidationError(problems);
  return [...found].sort();
}

/**
 * A scenario file's text, if it is text: UTF-8 (a byte-order mark allowed),
 * with no NUL byte. Anything else is a problem at the first bad byte's line
 * and column, not a file read as something it is not.
 */
export async function readScenarioText(file: string): Promise<{ text?: string; problems: ScenarioProblem[] }> {
  const bytes = await readFile(file);
  const at = (offset: number) => {
    const before = bytes.subarray(0, offset);
    const line = before.filter((b) => b === 0x0a).length + 1;
    return { line, column: offset - before.lastIndexOf(0x0a) };
  };
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { problems: [{ file, ...at(nul), field: '', message: 'has a NUL byte: a scenario file is UTF-8 text' }] };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), problems: [] };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return { problems: [{ file, ...at(bad), field: '', message: `is not UTF-8 text (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}); save it as UTF-8` }] };
  }
}

/** Where the first byte is that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let low = 0;
  let high = bytes.length;
  // The longest valid prefix, by halving: decoding a prefix that ends inside a sequence fails too, so allow 3 bytes of slack.
  while (high - low > 4) {
    const mid = (low + high) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid));
      low = mid;
    } catch {
      high = mid;
    }
  }
  for (let end = low; end <= bytes.length; end++) {
    try {
      decoder.decode(bytes.subarray(0, end));
    } catch {
      // Back up to the start of the sequence that failed.
      let start = end - 1;
      while (start > 0 && (bytes[start]! & 0xc0) === 0x80 && end - start < 4) start--;
      return start;
    }
  }
  return Math.max(0, bytes.length - 1);
}

/**
 * Loads and validates scenario files. Reports every problem in every file at
 * once (file, line, column, field) by throwing one ScenarioValidationError;
 * nothing downstream starts unless this returns.
 */
export async function loadScenarios(paths: readonly string[], scenarioRoot: string, runOrigins: RunOrigins = {}): Promise<Scenario[]> {
  const files = await findScenarioFiles(paths);
  const problems: ScenarioProblem[] = [];
  const scenarios: Scenario[] = [];
  if (files.length === 0) {
    throw new ScenarioValidationError([{ file: paths.join(', '), line: 1, column: 1, field: '', message: 'no scenario files (*.yaml) found' }]);
  }
  for (const file of files) {
    const read = await readScenarioText(file);
    problems.push(...read.problems);
    if (read.text === undefined) continue;
    const result = await parseScenario(read.text, file, scenarioRoot, runOrigins);
    problems.push(...result.problems.slice(0, defaults.maxProblemsPerFile));
    const more = result.problems.length - defaults.maxProblemsPerFile;
    // A file of junk gives a page of problems, not thousands of lines.
    if (more > 0) problems.push({ file, line: result.problems[defaults.maxProblemsPerFile]!.line, column: 1, field: '', message: `and ${more} more problem${more === 1 ? '' : 's'} in this file` });
    if (result.scenario) scenarios.push(result.scenario);
  }
  problems.push(...sharedIdentities(scenarios));
  if (problems.length > 0) throw new ScenarioValidationError(problems);
  return scenarios;
}

/**
 * Two scenarios of one run may not share an id (results, filters and claims
 * name scenarios by it) or the path their apps are mounted at (one would be
 * judged against the other's server).
 */
function sharedIdentities(scenarios: readonly Scenario[]): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  for (const [what, key] of [
    ['id', (s: Scenario) => s.id],
    ['mount path', (s: Scenario) => mountPath(s.id)],
  ] as const) {
    const first = new Map<string, Scenario>();
    for (const scenario of scenarios) {
      const value = key(scenario);
      const earlier = first.get(value);
      if (!earlier) first.set(value, scenario);
      else if (what === 'id' || earlier.id !== scenario.id) {
        problems.push({ file: scenario.file, line: 1, column: 1, field: '', message: `has the scenario ${what} \`${value}\` of ${earlier.file} too; rename one of the files` });
      }
    }
  }
  return problems;
}

/**
 * Origins a run gives every scenario: `under` a scenario's own (the config
 * file's `origins`: the scenario's win), `over` them (`--origin NAME=ORIGIN`:
 * the command line wins). Each was checked where it was written.
 */
export interface RunOrigins {
  under?: OriginTable;
  over?: OriginTable;
}

/** A scenario's origins with the run's around them, or undefined when nobody declares any. */
export function effectiveOrigins(own: OriginTable | undefined, run: RunOrigins): Record<string, string> | undefined {
  const merged = { ...run.under, ...own, ...run.over };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

export interface ParseResult {
  scenario?: Scenario;
  problems: ScenarioProblem[];
}

/** A YAML text checked against a JSON Schema: its value, or every problem located at its line and field. */
export interface CheckedYaml {
  value?: unknown;
  doc: Document;
  problems: ScenarioProblem[];
  at(offset: number | undefined): { line: number; column: number };
  locate(segments: (string | number)[], key?: string): { line: number; column: number };
}

export function checkYaml(text: string, file: string, validate: ReturnType<Ajv['compile']>): CheckedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  const locate = (segments: (string | number)[], key?: string) => at(nodeOffset(doc, segments, key));
  if (doc.errors.length > 0) {
    // The reader's own stack ran out (thousands of nested `[`): said once, in the file's terms; what else it reported follows from it.
    const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(e.message));
    return {
      doc,
      at,
      locate,
      problems: exhausted
        ? [{ file, ...at(exhausted.pos[0]), field: '', message: `YAML: nested too deeply to read (more than ${defaults.maxYamlDepth} levels); a scenario is a few levels deep` }]
        : doc.errors.map((e) => {
            // An unclosed quote is reported where the file ends; the quote that opened it is more use.
            const opened = e.code === 'MISSING_CHAR' ? scalarStartingBefore(doc, e.pos[0]) : undefined;
            return { file, ...at(opened ?? e.pos[0]), field: '', message: `YAML: ${e.message.split('\n')[0]}${opened !== undefined ? ' (opened here)' : ''}` };
          }),
    };
  }
  const deep = tooDeep(doc, defaults.maxYamlDepth);
  if (deep !== undefined) {
    return { doc, at, locate, problems: [{ file, ...at(deep), field: '', message: `YAML: nested more than ${defaults.maxYamlDepth} levels deep here; a scenario is a few levels deep` }] };
  }
  let value: unknown;
  try {
    // maxAliasCount bounds what aliases may expand to (a "billion laughs" file); a missing anchor is an error too.
    value = doc.toJS({ maxAliasCount: defaults.maxYamlAliases });
  } catch (error) {
    const alias = firstAlias(doc);
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { doc, at, locate, problems: [{ file, ...at(alias), field: '', message: `YAML: ${message}` }] };
  }
  const problems: ScenarioProblem[] = [];
  if (!validate(value)) {
    for (const e of simplifyErrors(validate.errors ?? [])) {
      const described = describeError(e);
      problems.push({ file, ...locate(pointerSegments(e.instancePath), described.key), field: fieldPath(described.field), message: described.message });
    }
    return { doc, at, locate, problems };
  }
  return { value, doc, at, locate, problems };
}

/**
 * Where the document first nests deeper than `limit` mappings and lists, or
 * undefined. Walked with a stack of its own, not by recursion: reading a
 * file of 100,000 `[` would otherwise overflow the call stack.
 */
function tooDeep(doc: Document, limit: number): number | undefined {
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > limit) return node.range?.[0] ?? 0;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) stack.push([item.key, depth + 1], [item.value, depth + 1]);
      else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

export async function parseScenario(text: string, file: string, scenarioRoot: string, runOrigins: RunOrigins = {}): Promise<ParseResult> {
  const checked = checkYaml(text, file, await schemaValidator());
  const { doc, at, locate, value } = checked;
  if (checked.problems.length > 0) return { problems: checked.problems };
  const problems: ScenarioProblem[] = [];
  const written = value as ScenarioFile;
  for (const check of declaredOriginProblems(written.origins)) {
    problems.push({ file, ...locate(check.segments), field: fieldPath(check.segments), message: check.message });
  }
  if (problems.length > 0) return { problems };
  const origins = effectiveOrigins(written.origins, runOrigins);
  const data: ScenarioFile = { ...written, ...(origins ? { origins } : {}) };
  // Where each proxy snippet's text starts, so a config error nginx reports points at the scenario's line.
  const fieldLines: Record<string, number> = {};
  for (const proxy of proxyNames()) {
    for (const level of Object.keys(proxySetupOf(data.server, proxy) ?? {})) {
      const node = doc.getIn(['server', proxy, level], true) as Node | undefined;
      if (!isScalar(node) || !node.range) continue;
      const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
      fieldLines[`${proxy}.${level}`] = at(node.range[0]).line + (block ? 1 : 0);
    }
  }
  for (const check of semanticProblems(data, file)) {
    problems.push({ file, ...locate(check.segments), field: fieldPath(check.segments), message: check.message });
  }
  for (const check of targetProblems(data)) {
    problems.push({ file, ...locate(check.segments), field: fieldPath(check.segments), message: check.message });
  }
  for (const check of proxyProblems(data, file)) {
    const start = fieldLines[check.field];
    // A problem inside a user's own config file (server.nginx.conf) is at that file's line.
    const position = check.file !== undefined ? { line: check.line! + 1, column: 1 } : start !== undefined && check.line !== undefined ? { line: start + check.line, column: 1 } : locate(check.segments);
    problems.push({ file: check.file ?? file, ...position, field: fieldPath(check.segments), message: check.message });
  }
  if (problems.length > 0) return { problems };

  const id = scenarioId(file, scenarioRoot);
  const probeLines = data.probes.map((_, i) => locate(['probes', i]).line);
  return {
    problems,
    scenario: { ...data, id, file, chapter: id.includes('/') ? id.split('/')[0]! : 'misc', probeLines, fieldLines },
  };
}

/** Start of the last scalar that begins before `offset` and runs up to it (the one an unclosed quote swallowed). */
function scalarStartingBefore(doc: Document, offset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      if (node.range && node.range[0] < offset && node.range[1] >= offset - 1) start = node.range[0];
    },
  });
  return start;
}

function scenarioId(file: string, scenarioRoot: string): string {
  const rel = path.relative(scenarioRoot, file);
  const inside = !rel.startsWith('..') && !path.isAbsolute(rel);
  const base = inside ? rel : path.join(path.basename(path.dirname(file)), path.basename(file));
  return base.replace(/\.ya?ml$/, '').split(path.sep).join('/');
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Offset of the node at `segments` (or of the key `key` inside it), walking up to the nearest node that exists. */
function nodeOffset(doc: Document, segments: (string | number)[], key?: string): number {
  for (let n = segments.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true)) as Node | undefined;
    if (!node || !('range' in node) || !node.range) continue;
    if (key !== undefined && n === segments.length && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      const keyNode = pair && isPair(pair) ? (pair.key as Node | null) : null;
      if (keyNode?.range) return keyNode.range[0];
    }
    return node.range[0];
  }
  return 0;
}

/** A oneOf reports every branch's failure at its value and below; keep one message for it instead. */
function simplifyErrors(errors: ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  return errors.filter((e) => {
    if (e.keyword === 'oneOf') return true;
    // A bad key is reported by the error of its own check (which carries the key); this one only says that one failed.
    if (e.keyword === 'not' || e.keyword === 'allOf' || e.keyword === 'if' || e.keyword === 'propertyNames') return false;
    return !oneOfs.some((o) => e.instancePath === o.instancePath || e.instancePath.startsWith(`${o.instancePath}/`));
  });
}

function describeError(e: ErrorObject): { field: (string | number)[]; key?: string; message: string } {
  const segments = pointerSegments(e.instancePath);
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  const params = e.params as Record<string, unknown>;
  // A key that fails `propertyNames` (a header name, a path of server.responses): at the key, named.
  if (e.propertyName !== undefined) {
    return { field: [...segments, e.propertyName], key: e.propertyName, message: `invalid key ${JSON.stringify(e.propertyName)}${description ? `: ${description}` : ''}` };
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const isServer = segments.length === 1 && segments[0] === 'server';
      const what = isServer && !allowed.includes(name) ? `unknown stack or field \`${name}\`` : `unknown field \`${name}\``;
      const hint = didYouMean(name, allowed);
      return {
        field: [...segments, name],
        key: name,
        message: `${what}${hint ? `; did you mean \`${hint}\`?` : ''} (allowed: ${allowed.filter((a) => a !== '$schema').join(', ')})`,
      };
    }
    case 'required':
      return { field: [...segments, String(params.missingProperty)], message: `missing required field \`${String(params.missingProperty)}\`` };
    case 'type':
      return { field: segments, message: `must be ${article(String(params.type))}, got ${typeName(e.data)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = didYouMean(String(e.data), allowed);
      return { field: segments, message: `must be one of ${allowed.join(', ')}, got ${JSON.stringify(e.data)}${hint ? `; did you mean \`${hint}\`?` : ''}` };
    }
    case 'const':
      return { field: segments, message: `must be ${JSON.stringify(params.allowedValue)}, got ${typeName(e.data)}${description ? ` (${description})` : ''}` };
    case 'pattern':
      // `corslab run --update` writes this where only the author knows the answer.
      if (e.data === SOURCE_TODO && segments.at(-1) === 'source') return { field: segments, message: `\`${SOURCE_TODO}\` must be replaced with a link to where the difference is documented (a spec issue or an engine bug); \`corslab run --update\` wrote it for you to fill in` };
      return { field: segments, message: `invalid value ${JSON.stringify(e.data)}${description ? `: ${description}` : ''}` };
    case 'oneOf':
      return { field: segments, message: `${JSON.stringify(e.data)} is not accepted here${description ? `: ${description}` : ''}` };
    case 'minProperties':
    case 'maxProperties':
      return { field: segments, message: `${e.message}${description ? ` (${description})` : ''}` };
    default:
      return { field: segments, message: e.message ?? e.keyword };
  }
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

interface ProxyProblem {
  segments: (string | number)[];
  /** `nginx.location`, and the 0-based line within that snippet, when the problem is inside one. */
  field: string;
  line?: number;
  /** A user's own config file the problem is in (`line` is then that file's, 0-based). */
  file?: string;
  message: string;
}

/**
 * A user's whole config file (`server.<proxy>.conf`): a file inside the
 * scenario's project, instead of snippets, in front of the user's own app
 * (server.app: the lab's stacks answer only below their mount, which no
 * user's config routes to). Checked by the proxy's rewriter; once checked,
 * its path and text go into the setup for the run (confFile, confText).
 */
function ownConfProblems(data: ScenarioFile, scenarioFile: string, proxy: string): ProxyProblem[] {
  const setup = proxySetupOf(data.server, proxy)!;
  const at = { segments: ['server', proxy, 'conf'], field: `${proxy}.conf` };
  const definition = proxyDefinition(proxy);
  if (!definition.ownConf) return [{ ...at, message: `${definition.label} does not take a whole config file yet; give snippets (http, server, location)` }];
  const problems: ProxyProblem[] = [];
  for (const level of PROXY_LEVELS) if (setup[level] !== undefined) problems.push({ segments: ['server', proxy, level], field: `${proxy}.${level}`, message: 'cannot be given with `conf`: the whole file is yours' });
  if (data.server.policyAt !== undefined) problems.push({ segments: ['server', 'policyAt'], field: 'policyAt', message: `cannot be given with \`${proxy}.conf\`: the CORS setup is in your file` });
  for (const [i, app] of (setup.apps ?? []).entries()) {
    if (stackDefinition(app).servesAtRoot === false) problems.push({ segments: ['server', proxy, 'apps', i], field: `${proxy}.apps`, message: `${stackDefinition(app).label} serves a scenario only below its mount (/s/<id>), which your config does not route to` });
  }
  // Your config routes your paths: a probe addresses them below {apiOrigin}, as for your own app (which says so itself).
  const ownApp = appStackNames().some((name) => stackDefinition(name).ownApp && data.server[name] !== undefined);
  if (!ownApp) data.probes.forEach((probe, i) => {
    for (const [url, where] of [[probe.fetch.url, ['fetch', 'url']], [probe.again?.url, ['again', 'url']]] as const) {
      if (url !== undefined && /\{(api|mount)\}/.test(url)) problems.push({ segments: ['probes', i, ...where], field: `probes`, message: `your own ${definition.label} config routes its own paths: write \`{apiOrigin}/your/path\`; {api} and {mount} add the lab's mount path (/s/<id>), which your config does not route` });
    }
  });
  const file = path.resolve(path.dirname(scenarioFile), setup.conf!);
  if (!isInside(projectFolder(scenarioFile), file)) return [...problems, { ...at, message: `\`${setup.conf}\` is outside the scenario's project folder ${projectFolder(scenarioFile)}` }];
  if (!existsSync(file) || !statSync(file).isFile()) return [...problems, { ...at, message: `\`${setup.conf}\` is not a file (looked for ${file})` }];
  const text = readFileSync(file, 'utf8');
  const target = { listenPort: 1, upstreamPort: 2, dir: '/tmp/corslab-check', confDir: path.dirname(file) };
  const checked = definition.ownConf.rewrite(text, target);
  const shown = (f: string) => path.relative(process.cwd(), f) || f;
  for (const p of checked.problems) problems.push({ ...at, file: shown(file), line: p.line, message: p.message });
  // An included file runs as it is, from where it is: it may hold nothing the lab would have to rewrite or refuse (its includes neither).
  const pending = checked.includes.map((i) => ({ ...i, from: file }));
  const seen = new Set<string>([file]);
  for (let next = pending.shift(); next; next = pending.shift()) {
    if (seen.has(next.file)) continue;
    seen.add(next.file);
    const where = { ...at, file: shown(next.from), line: next.line };
    if (!existsSync(next.file) || !statSync(next.file).isFile()) {
      problems.push({ ...where, message: `includes ${shown(next.file)}, which is not a file` });
      continue;
    }
    const inner = definition.ownConf.rewrite(readFileSync(next.file, 'utf8'), target);
    const first = inner.problems[0] ?? inner.rewrites.map((r) => ({ line: r.line - 1, message: `\`${r.old}\` would have to be rewritten` }))[0];
    if (first) problems.push({ ...where, message: `includes ${shown(next.file)}, whose line ${first.line + 1} the lab cannot leave as it is (${first.message}); the lab rewrites only the file the scenario names: move that line into it` });
    pending.push(...inner.includes.map((i) => ({ ...i, from: next.file })));
  }
  if (problems.length === 0) Object.assign(setup, { confFile: file, confText: text });
  return problems;
}

/** Proxy setups: only allowed directives in snippets, and no policy value that could break out of its config string. */
function proxyProblems(data: ScenarioFile, scenarioFile: string): ProxyProblem[] {
  const problems: ProxyProblem[] = [];
  const configured = proxiesUsed([data]);
  if (configured.length === 0) {
    for (const field of ['policyAt', 'upstream'] as const) {
      if (data.server[field] !== undefined) problems.push({ segments: ['server', field], field, message: `only means something behind a proxy; add ${proxyNames().map((p) => `\`${p}\``).join(' or ')}` });
    }
    return problems;
  }
  const atProxy = data.server.policyAt === 'proxy' || data.server.policyAt === 'both';
  if (data.server.policyAt && data.server.policyAt !== 'app' && !data.server.policy) {
    problems.push({ segments: ['server', 'policyAt'], field: 'policyAt', message: 'puts the policy at the proxy, but the scenario states no policy' });
  }
  for (const proxy of configured) {
    const setup = proxySetupOf(data.server, proxy)!;
    if (setup.conf !== undefined) {
      problems.push(...ownConfProblems(data, scenarioFile, proxy));
      continue;
    }
    for (const level of PROXY_LEVELS) {
      const snippet = setup[level];
      if (snippet === undefined) continue;
      // Linted as the proxy will read it: with the placeholders in (a `{` of `{api}` is no block).
      for (const p of proxyDefinition(proxy).lint(expandPlaceholders(snippet, sampleValues(data.origins)), level, data.origins)) problems.push({ segments: ['server', proxy, level], field: `${proxy}.${level}`, line: p.line, message: p.message });
    }
    if (atProxy && data.server.policy) {
      // Values are checked as they will be written: placeholders expanded.
      const sample = sampleValues(data.origins);
      const policy = data.server.policy;
      const values: [(string | number)[], string][] = [
        ...[policy.origin].flat().map((o, i): [(string | number)[], string] => [['server', 'policy', 'origin', ...(Array.isArray(policy.origin) ? [i] : [])], o]),
        ...(policy.methods ?? []).map((m, i): [(string | number)[], string] => [['server', 'policy', 'methods', i], m]),
        ...(policy.allowedHeaders ?? []).map((h, i): [(string | number)[], string] => [['server', 'policy', 'allowedHeaders', i], h]),
        ...(policy.exposedHeaders ?? []).map((h, i): [(string | number)[], string] => [['server', 'policy', 'exposedHeaders', i], h]),
      ];
      for (const [segments, raw] of values) {
        const problem = proxyDefinition(proxy).unsafeValue(expandPlaceholders(raw, sample));
        if (problem) problems.push({ segments, field: 'policy', message: `cannot go into the ${proxy} config: it contains ${problem}, which could end the value and add directives` });
      }
    }
  }
  return problems;
}

interface SemanticProblem {
  segments: (string | number)[];
  message: string;
}

/** What is wrong with a scenario's `origins:`: names that are taken, values that are no origin as the browser writes it. */
function declaredOriginProblems(origins: OriginTable | undefined): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const [name, value] of Object.entries(origins ?? {})) {
    if (!ORIGIN_NAME.test(name)) problems.push({ segments: ['origins', name], message: `\`${name}\` cannot name an origin: a name is also its placeholder {${name}}, so letters and digits, starting with a lower-case letter` });
    else if ((RESERVED_ORIGIN_NAMES as readonly string[]).includes(name)) problems.push({ segments: ['origins', name], message: `\`${name}\` is taken: ${name === 'sandboxed' ? 'it is the sandboxed frame inside the evil page' : `{${name}} is a placeholder of its own`}` });
    const problem = originProblem(value);
    if (problem) problems.push({ segments: ['origins', name], message: problem });
  }
  return problems;
}

/** The pages a probe of this scenario may come from: the lab's defaults, and every origin it declares but a declared-less `api`. */
function pageNames(declared: OriginTable | undefined): string[] {
  return [...new Set([...PAGE_ORIGINS, ...Object.keys(declared ?? {})])];
}

/** Rules the schema cannot say: placeholders, contradictions, code that does not compile. */
function semanticProblems(data: ScenarioFile, file: string): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const placeholderCheck = (text: string, segments: (string | number)[]) => {
    for (const name of unknownPlaceholders(text, data.origins)) {
      const declared = Object.keys(data.origins ?? {}).filter((n) => !['app', 'evil', 'api'].includes(n));
      problems.push({ segments, message: `unknown placeholder {${name}}; use {app}, {evil}, {api}, {apiOrigin}, {mount}${declared.map((n) => `, {${n}}`).join('')} or declare \`${name}\` under origins:` });
    }
  };
  // A redirect the app sends is followed by the browser: it may only lead back into the lab, from server.response and from every path of server.responses.
  const answers: [(string | number)[], HandlerResponse | undefined][] = [
    [['server', 'response'], data.server.response],
    ...Object.entries(data.server.responses ?? {}).map(([at, answer]): [(string | number)[], HandlerResponse] => [['server', 'responses', at], answer]),
  ];
  for (const [where, answer] of answers) {
    for (const [name, value] of Object.entries(answer?.headers ?? {})) {
      if (!['location', 'refresh', 'content-location'].includes(name.toLowerCase())) continue;
      const target = name.toLowerCase() === 'refresh' ? value.replace(/^\s*\d+\s*;?\s*(url=)?/i, '') : value;
      const segments = [...where, 'headers', name];
      placeholderCheck(target, segments);
      if (target !== '' && !staysInLab(target, data.origins)) {
        problems.push({ segments, message: `must point into the lab ({api}, {apiOrigin}, {app}, {evil}, an origin declared under origins:, or a path starting with /): the browser follows it, and tests contact nothing but loopback` });
      }
    }
  }
  const origins = data.server.policy?.origin;
  if (typeof origins === 'string') placeholderCheck(origins, ['server', 'policy', 'origin']);
  else origins?.forEach((o, i) => placeholderCheck(o, ['server', 'policy', 'origin', i]));

  // What each stack checks of its own part beyond the schema (Node stacks: that the code compiles).
  for (const stack of appStackNames()) {
    const raw = data.server[stack];
    if (raw === undefined) continue;
    for (const problem of stackDefinition(stack).checkSetup?.(raw, { file }) ?? []) problems.push({ segments: ['server', stack, ...problem.segments], message: problem.message });
  }
  problems.push(...ownAppProblems(data));

  const pages = pageNames(data.origins);
  data.probes.forEach((probe, i) => {
    const base = ['probes', i] as (string | number)[];
    placeholderCheck(probe.fetch.url, [...base, 'fetch', 'url']);
    if (probe.again?.url !== undefined) placeholderCheck(probe.again.url, [...base, 'again', 'url']);
    for (const [from, at] of [[probe.from, 'from'], [probe.warmUp?.from, 'warmUp']] as const) {
      if (from === undefined || pages.includes(from)) continue;
      const hint = didYouMean(from, pages);
      problems.push({ segments: at === 'from' ? [...base, 'from'] : [...base, 'warmUp', 'from'], message: `\`${from}\` is no page of this scenario${hint ? `; did you mean \`${hint}\`?` : ''} (pages: ${pages.join(', ')}; declare others under origins:)` });
    }
    if (probe.warmUp?.from === 'sandboxed') problems.push({ segments: [...base, 'warmUp', 'from'], message: 'a sandboxed frame has no origin to send; warm up from a real page' });
    const method = (probe.fetch.method ?? 'GET').toUpperCase();
    if (probe.fetch.body !== undefined && (method === 'GET' || method === 'HEAD')) {
      problems.push({ segments: [...base, 'fetch', 'body'], message: `a ${method} request cannot have a body: fetch() throws before anything is sent` });
    }
    const consistent = (expect: Expectation, at: (string | number)[]) => {
      problems.push(...sentContradictions(expect, at));
      const result = impliedResult(expect);
      if (result === undefined || result === 'allowed') return;
      for (const field of READ_FIELDS) {
        if (expect[field] !== undefined) {
          problems.push({ segments: [...at, field], message: `JavaScript can only read ${field} when result is allowed, not ${result}${expect.result === undefined ? ' (as `sent: false` implies)' : ''}` });
        }
      }
    };
    consistent(probe.expect, [...base, 'expect']);
    const cookieNames = new Set((data.cookies ?? []).map((c) => c.name));
    const unknownCookie = (expect: Expectation, at: (string | number)[]) => {
      const check = (names: string[] | undefined, where: (string | number)[]) =>
        names?.forEach((name, k) => {
          if (!cookieNames.has(name)) problems.push({ segments: [...where, k], message: `cookie \`${name}\` is not one of the scenario's cookies (${[...cookieNames].join(', ') || 'it sets none'})` });
        });
      check(expect.cookiesSent, [...at, 'cookiesSent']);
      if (expect.sent) check(expect.sent.actual?.cookies, [...at, 'sent', 'actual', 'cookies']);
    };
    const sentValues = (expect: Expectation, at: (string | number)[]) => {
      const hops: [string, 'preflight' | 'actual', { origin?: string | false; headers?: WireHeaders } | undefined][] = (['preflight', 'actual'] as const).flatMap((hop) => [
        ['sent', hop, expect.sent ? expect.sent[hop] : undefined] as const,
        ['answered', hop, expect.answered?.[hop]] as const,
      ]);
      for (const [part, hop, sent] of hops) {
        if (!sent) continue;
        const where = [...at, part, hop];
        if (typeof sent.origin === 'string') placeholderCheck(sent.origin, [...where, 'origin']);
        for (const [name, value] of Object.entries(sent.headers?.values ?? {})) {
          const field = [...where, 'headers', 'values', name];
          if (typeof value === 'string') {
            placeholderCheck(value, field);
            continue;
          }
          placeholderCheck(value.matches, [...field, 'matches']);
          try {
            new RegExp(value.matches);
          } catch (error) {
            problems.push({ segments: [...field, 'matches'], message: `is not a regular expression: ${(error as Error).message}` });
          }
        }
        const present = new Set((sent.headers?.present ?? []).map((n) => n.toLowerCase()));
        const valued = new Set(Object.keys(sent.headers?.values ?? {}).map((n) => n.toLowerCase()));
        sent.headers?.absent?.forEach((name, k) => {
          if (present.has(name.toLowerCase()) || valued.has(name.toLowerCase())) problems.push({ segments: [...where, 'headers', 'absent', k], message: `\`${name}\` cannot be both absent and present` });
        });
      }
    };
    unknownCookie(probe.expect, [...base, 'expect']);
    sentValues(probe.expect, [...base, 'expect']);
    probe.expectFor?.forEach((rule, j) => unknownCookie(rule.expect, [...base, 'expectFor', j, 'expect']));
    probe.expectFor?.forEach((rule, j) => sentValues(rule.expect, [...base, 'expectFor', j, 'expect']));
    probe.expectFor?.forEach((rule, j) => {
      const at = [...base, 'expectFor', j];
      // Engines differing is news: it must be observed and documented, never assumed.
      if (rule.engine !== undefined && rule.source === undefined) {
        problems.push({ segments: [...at, 'source'], message: 'an engine-specific expectation needs a source (a spec issue or an engine bug) that documents the difference' });
      }
      if (rule.stack === undefined && rule.engine === undefined) {
        problems.push({ segments: at, message: 'names neither a stack nor an engine, so it would replace `expect` everywhere' });
      }
      consistent(mergeExpectation(probe.expect, rule.expect), [...at, 'expect']);
    });
  });
  return problems;
}

/**
 * A user's own app (server.app) answers its own paths and carries its own
 * CORS setup: a probe addresses it below {apiOrigin} (the lab's {mount},
 * and so {api}, is no path of it), and a policy or another stack's code
 * would not apply to it.
 */
function ownAppProblems(data: ScenarioFile): SemanticProblem[] {
  const own = appStackNames().filter((name) => stackDefinition(name).ownApp && data.server[name] !== undefined);
  if (own.length === 0) return [];
  const problems: SemanticProblem[] = [];
  if (data.server.policy) problems.push({ segments: ['server', 'policy'], message: `does not apply to your own app (server.${own[0]}), which runs as it is; put the CORS setup in the app` });
  for (const field of ['response', 'responses'] as const) {
    if (data.server[field] !== undefined) problems.push({ segments: ['server', field], message: `is what the lab's handler answers; your own app (server.${own[0]}) answers for itself` });
  }
  data.probes.forEach((probe, i) => {
    for (const [url, at] of [[probe.fetch.url, ['fetch', 'url']], [probe.again?.url, ['again', 'url']]] as const) {
      if (url !== undefined && /\{(api|mount)\}/.test(url)) problems.push({ segments: ['probes', i, ...at], message: `your own app (server.${own[0]}) answers its own paths: write \`{apiOrigin}/your/path\`; {api} and {mount} add the lab's mount path (/s/<id>), which your app does not have` });
    }
  });
  return problems;
}

/** Where the first alias (`*name`) of a document is, for a problem about aliases. */
function firstAlias(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node)) offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** What `sent` says against the rest of the expectation: nothing sent cannot have been preflighted, reached the handler or been read. */
function sentContradictions(expect: Expectation, at: (string | number)[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const { sent } = expect;
  if (sent === false) {
    const because = 'contradicts `sent: false` (the browser refused the request before sending anything)';
    if (expect.result !== undefined && expect.result !== 'blocked') problems.push({ segments: [...at, 'result'], message: `\`${expect.result}\` ${because}: JavaScript gets a TypeError, a blocked result` });
    if (expect.preflight === true) problems.push({ segments: [...at, 'preflight'], message: `\`true\` ${because}` });
    if (expect.reachedHandler === true) problems.push({ segments: [...at, 'reachedHandler'], message: `\`true\` ${because}` });
    if (expect.preflights !== undefined && expect.preflights > 0) problems.push({ segments: [...at, 'preflights'], message: `${expect.preflights} ${because}` });
    if (expect.cookiesSent !== undefined) problems.push({ segments: [...at, 'cookiesSent'], message: `${because}: no request carried any cookie` });
    if (expect.answered !== undefined) problems.push({ segments: [...at, 'answered'], message: `${because}: nothing was sent, so nothing was answered` });
  }
  const nonePreflight = expect.preflight === false || expect.preflights === 0;
  for (const part of ['sent', 'answered'] as const) {
    const hops = expect[part];
    if (nonePreflight && hops && hops.preflight) {
      problems.push({ segments: [...at, part, 'preflight'], message: `describes a preflight, but \`${expect.preflight === false ? 'preflight: false' : 'preflights: 0'}\` says none is sent` });
    }
  }
  return problems;
}
