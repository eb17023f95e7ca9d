/**
 * The curriculum: chapters in reading order, and the claims index, every
 * factual claim of the source articles (../shared/sources) with the scenario
 * probes whose real-browser observations decide it.
 */

import type { EngineName } from '../browsers/driver.ts';
import type { Expectation, StackName } from '../scenarios/types.ts';

export interface Chapter {
  /** The scenario folder, e.g. `preflight`. */
  id: string;
  title: string;
  intro: string;
}

/** One probe (or every probe) of a scenario, and what the article says it shows. */
export interface ClaimCheck {
  scenario: string;
  probe?: string;
  stacks?: StackName[];
  /** The article's claim in the scenario expectation vocabulary; judged against what the browser did. */
  says: Expectation;
}

export interface Claim {
  id: string;
  article: string;
  quote: string;
  claim: string;
  chapter: string;
  checks: ClaimCheck[];
  /** Why the claim cannot be observed in real time here; its checks (if any) are what was checked instead. */
  notObservable?: string;
}

export interface Curriculum {
  chapters: Chapter[];
  claims: Claim[];
  /** Where each claim starts in claims.yaml, for the report's links. */
  claimLines: Record<string, number>;
}

/**
 * One engine's answer to a claim, over every cell its checks select:
 * every cell as the article says (confirmed), none (refuted), some but not
 * others: true for one request or stack and not another (partly), or no cell observed (not run).
 */
export type EngineClaimVerdict = 'confirmed' | 'refuted' | 'partly' | 'not run';

/** The claim over all engines. */
export type ClaimVerdict = EngineClaimVerdict | 'engine-dependent' | 'not observable';

export interface EngineClaimResult {
  verdict: EngineClaimVerdict;
  /** Cells whose observation matched what the article says. */
  matched: string[];
  /** Cells whose observation did not, with the first difference. */
  contradicted: { cell: string; field: string; expected: unknown; observed: unknown }[];
  /** Cells that could not be observed (errors): they decide nothing. */
  errors: string[];
}

export interface ClaimResult extends Claim {
  verdict: ClaimVerdict;
  engines: Partial<Record<EngineName, EngineClaimResult>>;
}
