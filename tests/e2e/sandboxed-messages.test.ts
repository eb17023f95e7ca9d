import { beforeAll, describe, expect, it } from 'vitest';
import { cell, runFixtures } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';

/**
 * Chromium isolates sandboxed iframes in a process of their own, so a
 * `from: sandboxed` probe's requests belong to another DevTools target than
 * the page's (an out-of-process iframe). The engine's CORS message must
 * reach the cell all the same: the console text and the structured reason
 * (Network.loadingFailed corsErrorStatus) of the frame's own request.
 */
describe('the CORS message of a request made by a sandboxed frame, in Chromium', () => {
  let results: RunResults;
  beforeAll(async () => {
    results = await runFixtures('sandboxed', { probeTimeoutMs: 5_000, stacks: ['express-cors'] });
  });

  it('carries the console text and the DevTools reason of a simple GET the server does not allow for `null`', () => {
    const get = cell(results, 'sandboxed-blocked', 0, 'express-cors');
    expect(get.verdict).toBe('pass');
    expect(get.observed!.messages.some((m) => m.source === 'console' && m.text.includes("from origin 'null' has been blocked by CORS policy"))).toBe(true);
    expect(get.observed!.messages).toContainEqual(expect.objectContaining({ source: 'devtools', corsError: 'AllowOriginMismatch' }));
  });

  it('carries the DevTools reason of a preflight that fails for `null`', () => {
    const put = cell(results, 'sandboxed-blocked', 1, 'express-cors');
    expect(put.verdict).toBe('pass');
    expect(put.observed!.messages).toContainEqual(expect.objectContaining({ source: 'devtools', corsError: 'PreflightAllowOriginMismatch' }));
  });

  it('still attributes the page\'s own requests to their cells', () => {
    const get = cell(results, 'sandboxed-blocked', 2, 'express-cors');
    expect(get.observed!.messages).toContainEqual(expect.objectContaining({ source: 'devtools', corsError: 'AllowOriginMismatch' }));
    expect(get.observed!.messages.filter((m) => m.source === 'devtools')).toHaveLength(1);
  });
});
