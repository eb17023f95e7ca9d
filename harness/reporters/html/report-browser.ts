import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_LAUNCH_ARGS, engineDriver } from '../../browsers/catalog.ts';

/**
 * Headless Chromium for looking at a report (the e2e test and the README
 * screenshot), found the way the harness finds it.
 */
export async function launchReportBrowser(): Promise<Browser> {
  const location = await engineDriver('chromium')!.locate();
  if (!location.available) throw new Error(`cannot open the report: ${location.reason}`);
  return chromium.launch({ executablePath: location.executable, args: CHROMIUM_LAUNCH_ARGS, headless: true });
}
