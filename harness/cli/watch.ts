import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** What watching needs to stop. */
export interface ScenarioWatcher {
  close(): void;
}

/**
 * Watches scenario files and folders (`corslab run --watch`) and calls
 * `onChange` with the scenario files (`*.yaml`, `*.yml`) that changed,
 * appeared or were touched, a short while after the last event, so an
 * editor's save (often several events) is one change. One call at a time:
 * what changes during a call is collected for the next. A file is watched
 * through its folder, since editors replace a file when they save it.
 */
export function watchScenarios(paths: readonly string[], onChange: (files: string[]) => Promise<void>, settleMs = 200): ScenarioWatcher {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const flush = async () => {
    timer = undefined;
    if (running || closed || pending.size === 0) return;
    const files = [...pending].filter((f) => existsSync(f)).sort();
    pending.clear();
    if (files.length === 0) return;
    running = onChange(files).finally(() => {
      running = undefined;
      if (pending.size > 0) schedule();
    });
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), settleMs);
  };
  const changed = (file: string) => {
    if (closed || !/\.ya?ml$/.test(file)) return;
    // The loader skips hidden files and folders, and node_modules; so does watching.
    if (file.split(path.sep).some((part) => part.startsWith('.') && part.length > 1 && part !== '..')) return;
    if (file.split(path.sep).includes('node_modules')) return;
    pending.add(path.normalize(file));
    schedule();
  };

  const watchers: FSWatcher[] = paths.map((p) => {
    if (statSync(p).isDirectory()) return watch(p, { recursive: true }, (_event, name) => name && changed(path.join(p, name)));
    const [dir, base] = [path.dirname(p), path.basename(p)];
    return watch(dir, (_event, name) => name === base && changed(p));
  });
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
