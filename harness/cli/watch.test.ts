import { mkdtemp, mkdir, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchScenarios } from './watch.ts';

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe('watching scenario files', () => {
  it('reports each changed, new or touched scenario file once per save, below a folder and as a file, and nothing else', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-watch-'));
    await mkdir(path.join(dir, 'chapter'));
    const [a, b, lone] = [path.join(dir, 'chapter', 'a.yaml'), path.join(dir, 'b.yml'), path.join(os.tmpdir(), `corslab-watch-lone-${process.pid}.yaml`)];
    for (const f of [a, b, lone]) await writeFile(f, 'title: x\n');
    const calls: string[][] = [];
    const watcher = watchScenarios([dir, lone], async (files) => void calls.push(files), 50);
    try {
      await writeFile(a, 'title: y\n');
      await writeFile(a, 'title: z\n');
      await writeFile(path.join(dir, 'notes.txt'), 'not a scenario');
      await utimes(b, new Date(), new Date());
      await until(() => calls.flat().length >= 2);
      expect(calls.flat().sort()).toEqual([a, b].sort());
      await utimes(lone, new Date(), new Date());
      await until(() => calls.flat().includes(lone));
      expect(calls.at(-1)).toEqual([lone]);
    } finally {
      watcher.close();
    }
  });
});
