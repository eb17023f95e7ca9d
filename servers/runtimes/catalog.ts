import type { RuntimeName, RuntimeSettings } from '../../harness/config/settings.ts';
import type { Cleanup } from '../../harness/core/cleanup.ts';
import { localRuntime } from './local/index.ts';
import type { StackRuntime } from './runtime.ts';

/** Makes a runtime for a run; throws RuntimeSetupError when it cannot work here. */
export type RuntimeFactory = (settings: RuntimeSettings, cleanup: Cleanup) => Promise<StackRuntime>;

/** The one place that knows every runtime. */
export const runtimes: Record<RuntimeName, RuntimeFactory> = {
  local: async () => localRuntime(),
  // Loaded only when asked for: the local runtime never imports testcontainers.
  docker: async (settings, cleanup) => (await import('./docker/runtime.ts')).dockerRuntime(settings, cleanup),
};

/** The runtime a run uses when it says nothing: this machine's processes. */
export const defaultRuntime = localRuntime;
