import { COMMON_SERVER_FIELDS, type Expectation, type ScenarioFile } from '../core/format.ts';
import { parseTarget } from '../core/target.ts';

/** A problem at a field's path below the scenario's root. */
export interface TargetProblem {
  segments: (string | number)[];
  message: string;
}

/**
 * `server.url`: a server the user runs, which the lab only relays to. What
 * describes a server the lab would start (a policy, the handler's answers,
 * stack code, a proxy) cannot apply to it, so it is refused rather than
 * silently ignored; and whether a request reached the app's handler is not
 * known for a server the lab does not run, so no probe may expect it.
 */
export function targetProblems(data: ScenarioFile): TargetProblem[] {
  const url = data.server.url;
  if (url === undefined) return [];
  const problems: TargetProblem[] = [];
  const parsed = parseTarget(url);
  if (parsed.problem) problems.push({ segments: ['server', 'url'], message: parsed.problem });
  for (const key of Object.keys(data.server)) {
    if (key === 'url') continue;
    const what = (COMMON_SERVER_FIELDS as readonly string[]).includes(key) ? `\`${key}\` describes a server the lab starts` : `\`${key}\` is code for a stack or proxy the lab starts`;
    problems.push({ segments: ['server', key], message: `${what}; with server.url your own server answers, as it is (remove ${key}, or server.url to test the lab's stacks)` });
  }
  data.probes.forEach((probe, i) => {
    const check = (expect: Expectation | undefined, at: (string | number)[]) => {
      if (expect?.reachedHandler !== undefined) {
        problems.push({ segments: [...at, 'reachedHandler'], message: "is not known for a server the lab does not run (server.url): the lab cannot see whether your handler ran; expect what crossed the wire instead (sent, answered)" });
      }
    };
    check(probe.expect, ['probes', i, 'expect']);
    // The warm-up is the harness's own request, marked with the lab's setup header: it would reach the user's server with it.
    if (probe.warmUp !== undefined) problems.push({ segments: ['probes', i, 'warmUp'], message: "is the lab's own request, marked with a header of the lab's (x-corslab-setup), which your server would receive as it is; with server.url, make the other page's request a probe of its own (from: that page)" });
    probe.expectFor?.forEach((rule, j) => check(rule.expect, ['probes', i, 'expectFor', j, 'expect']));
  });
  return problems;
}
