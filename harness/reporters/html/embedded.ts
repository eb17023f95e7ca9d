/**
 * How the HTML report carries its RunResults: in two parts, so that the
 * matrix can be drawn before the bulk of the evidence is even unpacked
 * (issue 18). The head is everything the matrix, the course and the claims
 * index read (every field of the results but the heavy parts of each cell);
 * the details are those parts, one entry per cell in the same order: the
 * wire exchanges, what JavaScript got, the engine's messages, the model's
 * reasoning and fix, the page's code and the request. Joined again they are
 * the RunResults exactly (tested), so the contract stays
 * harness/results/types.ts. Types and pure functions only: the viewer
 * imports the types (it joins a cell by itself, in the page).
 */
import type { CellExplanation, CellResult, Observation, RunResults } from '../../results/types.ts';

/** The fields of an observation the head keeps: what the matrix shows and the course counts. */
export const HEAD_OBSERVATION = ['result', 'preflight', 'actual', 'reachedHandler', 'cookiesSent', 'durationMs'] as const;
/** The fields of an explanation the head keeps: the matrix's ≠ standard mark and the header's count of documented deviations. */
export const HEAD_EXPLANATION = ['agreesWithModel', 'deviation'] as const;

type HeadObservation = Pick<Observation, (typeof HEAD_OBSERVATION)[number]>;
type HeadExplanation = Pick<CellExplanation, (typeof HEAD_EXPLANATION)[number]>;

/** A cell as the head holds it. */
export type CellHead = Omit<CellResult, 'observed' | 'explanation' | 'pageCode' | 'request'> & {
  observed?: HeadObservation;
  explanation?: HeadExplanation;
};

/** The rest of a cell, in the details. */
export interface CellDetail {
  observed?: Omit<Observation, keyof HeadObservation>;
  explanation?: Omit<CellExplanation, keyof HeadExplanation>;
  pageCode: CellResult['pageCode'];
  request: CellResult['request'];
}

/** The results without the heavy parts of each cell. */
export type ReportHead = Omit<RunResults, 'cells'> & { cells: CellHead[] };

/** Copies `keys` of `from` that it has into one object and the others into another. */
function part<T extends object, K extends keyof T>(from: T, keys: readonly K[]): [Pick<T, K>, Omit<T, K>] {
  const kept: Partial<T> = {};
  const rest: Partial<T> = {};
  for (const key of Object.keys(from) as (keyof T)[]) {
    if ((keys as readonly (keyof T)[]).includes(key)) kept[key] = from[key];
    else rest[key] = from[key];
  }
  return [kept as Pick<T, K>, rest as Omit<T, K>];
}

export function splitResults(results: RunResults): { head: ReportHead; details: CellDetail[] } {
  const details: CellDetail[] = [];
  const cells = results.cells.map((cell): CellHead => {
    const { observed, explanation, pageCode, request, ...rest } = cell;
    const head: CellHead = rest;
    const detail: CellDetail = { pageCode, request };
    if (observed) [head.observed, detail.observed] = part(observed, HEAD_OBSERVATION);
    if (explanation) [head.explanation, detail.explanation] = part(explanation, HEAD_EXPLANATION);
    details.push(detail);
    return head;
  });
  return { head: { ...results, cells }, details };
}

/** A cell whole again: its head and its details. */
export function joinCell(head: CellHead, detail: CellDetail): CellResult {
  const { observed, explanation, ...rest } = head;
  const cell: CellResult = { ...rest, pageCode: detail.pageCode, request: detail.request };
  if (observed && detail.observed) cell.observed = { ...observed, ...detail.observed };
  if (explanation && detail.explanation) cell.explanation = { ...explanation, ...detail.explanation };
  return cell;
}

export function joinResults(head: ReportHead, details: readonly CellDetail[]): RunResults {
  if (details.length !== head.cells.length) throw new Error(`the report's details hold ${details.length} cells, its head ${head.cells.length}`);
  return { ...head, cells: head.cells.map((cell, i) => joinCell(cell, details[i]!)) };
}
