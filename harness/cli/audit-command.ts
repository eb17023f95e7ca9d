import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import { Cleanup } from '../core/cleanup.ts';
import type { Scenario } from '../core/format.ts';
import type { CellResult, RunResults, SecurityFinding } from '../results/types.ts';
import { parseScenario } from '../scenarios/load.ts';
import { ScenarioValidationError } from '../scenarios/errors.ts';
import { auditProblem, auditScenarioText, type AuditRequest } from '../scenarios/audit-scenario.ts';
import { isTrustedPage } from '../explanations/security.ts';
import { runOptions, runtimeSettings } from '../run/config.ts';
import { ReportsNotWrittenError, runLab } from '../run/run.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';
import { isInside, projectFolder } from '../system/project-folder.ts';
import { colorEnabled, styled, STYLE } from '../system/color.ts';
import { UsageError } from './flags.ts';
import { EXIT, say } from './messages.ts';
import { commandHelp, parseAuditArgs, type AuditConfig } from './options.ts';

/**
 * `corslab audit`: a server the user runs, checked in real browsers with no
 * YAML to write. The scenario is built in memory (harness/scenarios/audit-scenario.ts)
 * and loaded through the same validation as a file, so `--save` writes
 * exactly what ran; it runs through the normal run path (`server.url`:
 * the recorder relays to the user's server) and writes the usual reports.
 * Then the terminal gets the audit's own summary: the declared requests,
 * what the attacker battery read, and the findings.
 */
export async function auditCommand(args: string[]): Promise<number> {
  const { help, config } = parseAuditArgs(args);
  if (help) {
    process.stdout.write(commandHelp('audit', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  const file = config.save ?? 'corslab-audit.yaml';
  const request = auditRequest(config, file);
  const text = auditScenarioText(request);
  const parsed = await parseScenario(text, file, path.dirname(file));
  // The builder's own output must be a valid scenario; if it is not, the input made it so.
  if (!parsed.scenario) throw new ScenarioValidationError(parsed.problems);
  if (config.save) {
    await mkdir(path.dirname(path.resolve(config.save)), { recursive: true });
    await writeFile(config.save, text);
    say(`wrote ${config.save}: \`corslab run ${config.save}\` runs this audit again`);
  }
  const scenario = parsed.scenario;
  const cleanup = new Cleanup();
  const stop = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping every server and browser this audit started`);
    void cleanup.stopAll({ exiting: true }).finally(() => process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let results: RunResults;
  try {
    const runtime = runtimeSettings({}, await readConfigFile());
    results = await runLab(runOptions({ ...(config.engines ? { engines: config.engines } : {}), outputDir: config.outputDir ?? defaults.auditOutputDir }, { scenarios: [scenario], runtime, cleanup }));
  } catch (error) {
    // The app module is loaded before anything starts: one that throws or lacks the export is the --app flag's problem.
    const appProblem = error instanceof ScenarioValidationError ? error.problems.find((p) => p.field.startsWith('server.app.')) : undefined;
    if (appProblem && config.app !== undefined) throw new UsageError(`--app ${config.app}: ${appProblem.message}`);
    if (!(error instanceof ReportsNotWrittenError)) throw error;
    results = error.results;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const summary = auditSummary(scenario, results, auditedThing(config));
  process.stdout.write(summaryText(summary, colorEnabled(process.stdout)));
  return summary.declaredFailed.length > 0 || summary.exploitable.length > 0 ? EXIT.failed : EXIT.ok;
}

function auditRequest(config: AuditConfig, scenarioFile: string): AuditRequest {
  const app = config.app !== undefined ? appFlag(config.app) : undefined;
  const request: AuditRequest = {
    ...(config.target !== undefined ? { target: config.target } : {}),
    ...(app ? { app: { module: fileFromScenario('--app', app.file, scenarioFile), ...(app.export !== undefined ? { export: app.export } : {}) } } : {}),
    ...(config.nginxConf !== undefined ? { nginxConf: fileFromScenario('--nginx-conf', config.nginxConf, scenarioFile) } : {}),
    ...(config.path !== undefined ? { path: config.path } : {}),
    origins: [...(config.origins ?? [])],
    ...(config.apiOrigin !== undefined ? { apiOrigin: config.apiOrigin } : {}),
    credentials: config.credentials ?? false,
    methods: [...(config.methods ?? [])],
    headers: [...(config.headers ?? [])],
    read: [...(config.read ?? [])],
  };
  const problem = auditProblem(request);
  if (problem) throw new UsageError(problem);
  return request;
}

/** `./app.js:name` -> the file and the export; a `:` followed by a JavaScript name ends the file's path. */
function appFlag(value: string): { file: string; export?: string } {
  const match = /^(.*):([A-Za-z_$][\w$]*)$/.exec(value);
  return match && match[1] ? { file: match[1], export: match[2]! } : { file: value };
}

/**
 * A file the user names on the command line (relative to the working
 * folder), as the scenario names it: relative to the scenario file's folder,
 * so a `--save`d file still finds it when run from elsewhere. It must exist
 * and stay inside the scenario's project folder, the rule own-app and
 * own-conf enforce on a scenario file (checked here so the error names the flag).
 */
function fileFromScenario(flag: string, value: string, scenarioFile: string): string {
  const file = path.resolve(value);
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${flag} ${value}: not a file (looked for ${file})`);
  const root = projectFolder(path.resolve(scenarioFile));
  if (!isInside(root, file)) throw new UsageError(`${flag} ${value}: is outside the project folder ${root} of ${scenarioFile}; ${flag === '--app' ? 'the app module' : 'the config'} must be inside it (save the audit inside your project)`);
  const relative = path.relative(path.dirname(path.resolve(scenarioFile)), file).split(path.sep).join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}

/** What the audit audits, as its summary names it: the server's URL, or the user's files as the flags named them. */
function auditedThing(config: AuditConfig): string | undefined {
  if (config.target !== undefined) return undefined;
  const shown = (file: string) => (path.isAbsolute(file) || file.startsWith('.') ? file : `./${file}`);
  const names = [config.nginxConf !== undefined ? `nginx.conf ${shown(config.nginxConf)}` : '', config.app !== undefined ? `app ${shown(config.app)}` : ''].filter(Boolean);
  return names.join(' in front of ') + (config.app !== undefined ? '' : " in front of the lab's handler");
}

/** What an audit found, from the run's results. */
export interface AuditSummary {
  target: string;
  declared: CellResult[];
  declaredFailed: CellResult[];
  attackers: CellResult[];
  /** Attacker cells whose page read the response (allowed), with or without a cookie. */
  attackerReads: CellResult[];
  exploitable: SecurityFinding[];
  findings: SecurityFinding[];
}

export function auditSummary(scenario: Scenario, results: RunResults, audited?: string): AuditSummary {
  const cells = results.cells.filter((c) => c.scenario === scenario.id);
  const declared = cells.filter((c) => isTrustedPage(c.from));
  const attackers = cells.filter((c) => !isTrustedPage(c.from));
  const findings = results.securityFindings.filter((f) => f.scenario === scenario.id);
  return {
    target: audited ?? scenario.server.url ?? '',
    declared,
    declaredFailed: declared.filter((c) => c.verdict !== 'pass'),
    attackers,
    attackerReads: attackers.filter((c) => c.observed?.result === 'allowed'),
    exploitable: findings.filter((f) => f.exploitedIn.length > 0),
    findings,
  };
}

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2, info: 3 } as const;

/** The audit's part of the terminal output, after the run's own summary. */
export function summaryText(summary: AuditSummary, color: boolean): string {
  const bold = (t: string) => styled(color, STYLE.bold, t);
  const red = (t: string) => styled(color, STYLE.red, t);
  const green = (t: string) => styled(color, STYLE.green, t);
  const lines = ['', bold(`Audit of ${summary.target}`)];
  const passed = summary.declared.length - summary.declaredFailed.length;
  lines.push(`  declared requests: ${passed} of ${summary.declared.length} cells allowed and readable as asked${summary.declaredFailed.length > 0 ? red(`, ${summary.declaredFailed.length} not`) : ''}`);
  for (const cell of summary.declaredFailed) lines.push(`    ${red(cell.verdict === 'error' ? 'ERROR' : 'FAIL')} ${cell.probeName} [${cell.engine}]: ${cell.error ?? cell.explanation?.reason ?? cell.differences.map((d) => `${d.field}: expected ${String(d.expected)}, got ${String(d.observed)}`).join('; ')}`);
  const pages = new Set(summary.attackers.map((c) => c.from)).size;
  lines.push(`  attacker battery: ${pages} pages, ${summary.attackers.length} cells; ${summary.attackerReads.length === 0 ? green('no attacker page could read a response') : red(`${summary.attackerReads.length} cells where an attacker page read the response`)}`);
  for (const cell of summary.attackerReads) {
    const cookie = (cell.observed?.cookiesSent?.length ?? 0) > 0 ? 'with the session cookie' : 'but the browser sent no cookie';
    lines.push(`    ${red('read')} ${cell.pageOrigin} [${cell.engine}], ${cookie}`);
  }
  const attackerErrors = summary.attackers.filter((c) => c.verdict === 'error');
  if (attackerErrors.length > 0) lines.push(`    ${attackerErrors.length} attacker cells could not be observed (errors, never counted as blocked): ${[...new Set(attackerErrors.map((c) => c.error))].join('; ')}`);
  lines.push(`  findings: ${summary.findings.length === 0 ? green('none') : `${summary.findings.length}${summary.exploitable.length > 0 ? red(`, ${summary.exploitable.length} exploitable`) : ', none exploitable'}`}`);
  const sorted = [...summary.findings].sort((a, b) => Number(b.exploitedIn.length > 0) - Number(a.exploitedIn.length > 0) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  for (const finding of sorted) {
    const where = finding.exploitedIn.length > 0
      ? red(`EXPLOITABLE in ${finding.exploitedIn.join(', ')}: an attacker page read a credentialed response`)
      : finding.readWithoutCookieIn.length > 0
        ? `read without a cookie in ${finding.readWithoutCookieIn.join(', ')}`
        : 'not exploited here';
    lines.push(`    ${finding.text} (${where})`);
  }
  lines.push(`  exit code ${summary.declaredFailed.length > 0 || summary.exploitable.length > 0 ? 1 : 0}: 1 when a declared request fails or a finding is exploitable`, '');
  return lines.join('\n');
}
