/**
 * The extension points, proved through their catalogs alone: a throwaway
 * engine and a throwaway reporter are added to the catalog objects at run
 * time, and a real run uses them with no other file knowing their names.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { engineDriver, registerEngine } from '../../harness/browsers/catalog.ts';
import type { EngineDriver } from '../../harness/browsers/driver.ts';
import { createReporters, registerReporter } from '../../harness/reporters/catalog.ts';
import type { Reporter } from '../../harness/reporters/reporter.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { ReportsNotWrittenError } from '../../harness/run/run.ts';
import { ReportWriteError } from '../../harness/reporters/write-report.ts';
import { runFixtures } from './helpers.ts';

const THROWAWAY_ENGINE = 'throwaway-chromium';
const THROWAWAY_REPORTER = 'throwaway-counter';

describe('a throwaway engine and reporter, added through their catalogs', () => {
  const seen: { cells: number; ended?: RunResults } = { cells: 0 };
  let results: RunResults;
  const unregister: (() => void)[] = [];

  beforeAll(async () => {
    // A second engine: Chromium under another name and label, as a new engine folder would give it.
    const chromium = engineDriver('chromium')!;
    const throwaway: EngineDriver = { ...chromium, name: THROWAWAY_ENGINE, label: 'Throwaway', shortVersion: (v) => `t${v.split('.')[0]}` };
    unregister.push(registerEngine(throwaway));
    // A reporter that counts: its factory is all the catalog knows of it.
    const counter = (): Reporter => ({
      onCellEnd: () => void seen.cells++,
      onRunEnd: (r) => void (seen.ended = r),
    });
    unregister.push(registerReporter(THROWAWAY_REPORTER, counter));
    results = await runFixtures('spine', {
      engines: [THROWAWAY_ENGINE],
      stacks: ['express-cors'],
      grep: /evidence/,
      reporters: createReporters([THROWAWAY_REPORTER], '/nonexistent'),
    });
  });

  afterAll(() => {
    for (const remove of unregister) remove();
  });

  it('fails the run, with its results, when a report it asked for was not written', async () => {
    const unwritable: Reporter = { onRunEnd: () => Promise.reject(new ReportWriteError('/nowhere/results.json was not written: EACCES')) };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const failure = runFixtures('spine', { stacks: ['express-cors'], grep: /evidence/, reporters: [unwritable] });
    await expect(failure).rejects.toBeInstanceOf(ReportsNotWrittenError);
    const error = (await failure.catch((e: unknown) => e)) as ReportsNotWrittenError;
    expect(error.results.summary.total).toBeGreaterThan(0);
    expect(error.failures).toEqual(['reporter Object failed: /nowhere/results.json was not written: EACCES']);
    stderr.mockRestore();
  });

  it('refuses a second engine or reporter of the same name', () => {
    expect(() => registerEngine({ ...engineDriver('chromium')!, name: THROWAWAY_ENGINE })).toThrow(/there is one by that name/);
    expect(() => registerReporter(THROWAWAY_REPORTER, () => ({}))).toThrow(/there is one by that name/);
  });

  it('runs cells in the new engine and records it with its own short version', () => {
    expect(results.cells.length).toBeGreaterThan(0);
    expect(new Set(results.cells.map((c) => c.engine))).toEqual(new Set([THROWAWAY_ENGINE]));
    expect(results.cells.every((c) => c.verdict === 'pass')).toBe(true);
    const info = results.environment.engines.find((e) => e.name === THROWAWAY_ENGINE)!;
    expect(info.shortVersion).toMatch(/^t\d+$/);
  });

  it('calls the new reporter for every cell and at the end', () => {
    expect(seen.cells).toBe(results.cells.length);
    expect(seen.ended?.summary.total).toBe(results.cells.length);
  });
});
