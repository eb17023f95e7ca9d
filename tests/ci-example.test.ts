/**
 * docs/ci/github-actions-shards.yml is an example people copy: it must be a
 * workflow (a 4-shard matrix, an upload per shard, a merge job after them)
 * whose corslab command lines the CLI accepts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseMergeArgs, parseRunArgs } from '../harness/cli/options.ts';

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { needs?: string; if?: string; strategy?: { matrix: { shard: number[] } }; steps: Step[] }>;
}

const workflow = parse(readFileSync('docs/ci/github-actions-shards.yml', 'utf8')) as Workflow;

/** A step's `node bin/corslab.js <command> ...` as arguments, with the matrix's value put in. */
function corslabArgs(step: Step, shard: number): string[] | undefined {
  const line = step.run?.replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, String(shard));
  const match = line && /node bin\/corslab\.js (.+)/.exec(line);
  return match ? match[1]!.trim().split(/\s+/) : undefined;
}

describe('the GitHub Actions example of shards', () => {
  it('runs 4 shards as a matrix, each uploading its results, and merges them after, whatever the shards did', () => {
    const { shard, merge } = workflow.jobs;
    expect(shard!.strategy!.matrix.shard).toEqual([1, 2, 3, 4]);
    expect(shard!.steps.some((s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.path?.includes('results.json'))).toBe(true);
    expect(merge!.needs).toBe('shard');
    expect(merge!.if).toBe('always()');
    expect(merge!.steps.some((s) => s.uses?.startsWith('actions/download-artifact'))).toBe(true);
  });

  it("has command lines the CLI accepts: each shard's --shard i/4 and the merge of their folders", () => {
    for (const index of [1, 2, 3, 4]) {
      const run = workflow.jobs.shard!.steps.map((s) => corslabArgs(s, index)).find((a) => a?.[0] === 'run')!;
      const { config } = parseRunArgs(run.slice(1));
      expect(config.shard).toEqual({ index, total: 4 });
      expect(config.reporters).toContain('json');
    }
    const merge = workflow.jobs.merge!.steps.map((s) => corslabArgs(s, 0)).find((a) => a?.[0] === 'merge')!;
    const { dirs, config } = parseMergeArgs(merge.slice(1));
    expect(dirs).toEqual(['reports/corslab-shard-*']);
    expect(config.outputDir).toBe('reports/merged');
  });
});
