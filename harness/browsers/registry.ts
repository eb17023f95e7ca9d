import { chromiumDriver } from './chromium/chromium-driver.ts';
import { firefoxDriver } from './firefox/firefox-driver.ts';
import { webkitDriver } from './webkit/webkit-driver.ts';
import type { EngineDriver, EngineName } from './driver.ts';

/** The one place that knows every engine. */
export const engines: Partial<Record<EngineName, EngineDriver>> = {
  chromium: chromiumDriver,
  firefox: firefoxDriver,
  webkit: webkitDriver,
};
