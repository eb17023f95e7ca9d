import { chromiumDriver } from './chromium/chromium-driver.ts';
import { firefoxDriver } from './firefox/firefox-driver.ts';
import { webkitDriver } from './webkit/webkit-driver.ts';
import type { EngineDriver } from './driver.ts';
import { extensionNameProblem } from '../core/format.ts';
import type { EngineName } from '../core/names.ts';

/** Chromium's launch flags (off the network, nothing that touches web security), for looking at a report the way the harness runs it. */
export { CHROMIUM_LAUNCH_ARGS } from './chromium/chromium-driver.ts';

/**
 * The one place that knows every engine, in the order runs and reports list
 * them. An engine is its folder and its entry here.
 */
const drivers = new Map<EngineName, EngineDriver>([chromiumDriver, firefoxDriver, webkitDriver].map((driver) => [driver.name, driver]));

/** Every engine's name, in catalog order. */
export function engineNames(): EngineName[] {
  return [...drivers.keys()];
}

/** The engine of that name, or undefined for a name no engine has. */
export function engineDriver(name: EngineName): EngineDriver | undefined {
  return drivers.get(name);
}

/** Adds an engine after the others (a test's, a plugin's); returns what removes it again. */
export function registerEngine(driver: EngineDriver): () => void {
  const problem = extensionNameProblem(driver.name);
  if (problem) throw new Error(`cannot register the engine: ${problem}`);
  if (drivers.has(driver.name)) throw new Error(`cannot register the engine \`${driver.name}\`: there is one by that name`);
  drivers.set(driver.name, driver);
  return () => {
    if (drivers.get(driver.name) === driver) drivers.delete(driver.name);
  };
}
