/**
 * The curriculum: chapters in reading order, and the claims index, every
 * factual claim of the source articles (../shared/sources) with the scenario
 * probes whose real-browser observations decide it.
 */

import type { Chapter, Claim } from '../results/types.ts';

export interface Curriculum {
  chapters: Chapter[];
  claims: Claim[];
  /** Where each claim starts in claims.yaml, for the report's links. */
  claimLines: Record<string, number>;
}
