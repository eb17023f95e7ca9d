import { planCells, type PlannedCell } from '../plan/plan.ts';
import { resolveSettings } from '../../servers/runtimes/catalog.ts';
import { proxyVariants } from '../../servers/runtimes/runtime.ts';
import type { RunOptions } from './config.ts';
import { RunSetupError, inShard, noCellMessage } from './prepare.ts';

/**
 * The cells a run with these options would execute (`corslab run --list`),
 * planned from the scenarios and the settings alone: no engine, proxy or
 * Docker engine is looked for and nothing starts, so an engine or a proxy
 * that turns out to be missing is skipped only when the run starts, as
 * Playwright's `--list` lists tests whatever browsers are installed.
 */
export function listCells(options: RunOptions): PlannedCell[] {
  const settings = options.runtime ?? resolveSettings(undefined, {});
  const variants = proxyVariants(settings);
  const planned = planCells(options.scenarios, {
    engines: options.engines,
    stacks: options.stacks,
    grep: options.grep,
    variants,
    ...(options.onlyCells ? { only: options.onlyCells } : {}),
  });
  const cells = inShard(options, planned, variants);
  if (cells.length === 0) throw new RunSetupError(noCellMessage(options));
  return cells;
}
