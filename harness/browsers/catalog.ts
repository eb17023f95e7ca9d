import { chromiumDriver } from './chromium/chromium-driver.ts';
import { firefoxDriver } from './firefox/firefox-driver.ts';
import { webkitDriver } from './webkit/webkit-driver.ts';
import type { EngineDriver } from './driver.ts';
import { Catalog } from '../core/catalog.ts';
import type { EngineName } from '../core/names.ts';

/** Chromium's launch flags (off the network, nothing that touches web security), for looking at a report the way the harness runs it. */
export { CHROMIUM_LAUNCH_ARGS } from './chromium/chromium-driver.ts';

/**
 * The one place that knows every engine, in the order runs and reports list
 * them. An engine is its folder and its entry here.
 */
const drivers = new Catalog<EngineDriver>('engine', [chromiumDriver, firefoxDriver, webkitDriver]);

/** Every engine's name, in catalog order. */
export const engineNames = (): EngineName[] => drivers.names();

/** The engine of that name, or undefined for a name no engine has. */
export const engineDriver = (name: EngineName): EngineDriver | undefined => drivers.find(name);

/** Adds an engine after the others (a test's, a plugin's); returns what removes it again. */
export const registerEngine = (driver: EngineDriver): (() => void) => drivers.register(driver);
