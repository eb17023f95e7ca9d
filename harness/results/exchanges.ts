import type { Exchange, Observation } from './types.ts';

/**
 * The exchange an observation names as its preflight or its actual request
 * (stored as an index into `exchanges`, so each exchange is in the results
 * once), or null when there was none.
 */
export function exchangeAt(observation: Pick<Observation, 'exchanges' | 'preflight' | 'actual'> | undefined, hop: 'preflight' | 'actual'): Exchange | null {
  const index = observation ? observation[hop] : null;
  return index === null || !observation ? null : (observation.exchanges[index] ?? null);
}
