import { describe, expect, it } from 'vitest';
import type { EngineSession, ProbePage } from '../browsers/driver.ts';
import { EngineProfiler } from './profile.ts';

const page = (): ProbePage => ({ run: async () => ({ js: { kind: 'error', name: 'TypeError', message: '' }, messages: [] }) as never, messageSupport: '', close: async () => {} });
const session = (): EngineSession => ({
  name: 'chromium',
  version: '1',
  executable: '/bin/true',
  source: 'test',
  openPage: async () => page(),
  openContext: async () => ({ openPage: async () => page(), close: async () => {} }),
  close: async () => {},
});

describe('EngineProfiler', () => {
  it('counts the pages and contexts a schedule opens, and passes each call through', async () => {
    const profiler = new EngineProfiler();
    const s = profiler.session(session());
    expect(s.name).toBe('chromium');
    await s.openPage('http://a.localhost', { freshContext: false });
    await s.openPage('http://a.localhost', { freshContext: true });
    const context = await s.openContext({});
    await context.openPage('http://b.localhost');
    await context.openPage('http://c.localhost');
    expect(profiler.figures.pagesOpened).toBe(4);
    // A fresh-context page is a context too.
    expect(profiler.figures.contextsOpened).toBe(2);
  });

  it('times a lane from its start to its end, and keeps the slowest cell and the longest wait', async () => {
    const profiler = new EngineProfiler();
    await profiler.lane('shared', 3, () => new Promise((resolve) => setTimeout(resolve, 30)));
    profiler.cell('a', 10, 0);
    profiler.cell('b', 50, 2000);
    profiler.cell('c', 20, 500);
    const f = profiler.figures;
    expect(f.lanes.shared.cells).toBe(3);
    expect(f.lanes.shared.ms).toBeGreaterThanOrEqual(25);
    expect(f.cellMs).toBe(80);
    expect(f.waitMs).toBe(2500);
    expect(f.longestWaitMs).toBe(2000);
    expect(f.slowestCell).toEqual({ id: 'b', ms: 50 });
  });
});
