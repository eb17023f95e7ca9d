import { chromiumDriver } from './chromium/chromium-driver.ts';
import { firefoxDriver } from './firefox/firefox-driver.ts';
import { webkitDriver } from './webkit/webkit-driver.ts';
import type { EngineDriver } from './driver.ts';
import type { EngineName } from '../core/names.ts';

/** Chromium's launch flags (off the network, nothing that touches web security), for looking at a report the way the harness runs it. */
export { CHROMIUM_LAUNCH_ARGS } from './chromium/chromium-driver.ts';

/** The one place that knows every engine, in the order runs and reports list them. */
export const engines: Record<EngineName, EngineDriver> = {
  chromium: chromiumDriver,
  firefox: firefoxDriver,
  webkit: webkitDriver,
};

/** The engines' names, in catalog order. */
export const ENGINE_NAMES: readonly EngineName[] = Object.keys(engines);
