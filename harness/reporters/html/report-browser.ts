import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_LAUNCH_ARGS, chromiumDriver } from '../../browsers/chromium/chromium-driver.ts';

/**
 * The same flags chromium-driver.ts launches with (its LAUNCH_ARGS is not
 * exported): off the network, quiet, and nothing that touches web security.
 * Keep the two lists alike.
 */
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Headless Chromium for looking at a report (the e2e test and the README
 * screenshot), found the way the harness finds it.
 */
export async function launchReportBrowser(): Promise<Browser> {
  const location = await chromiumDriver.locate();
  if (!location.available) throw new Error(`cannot open the report: ${location.reason}`);
  return chromium.launch({ executablePath: location.executable, args: CHROMIUM_LAUNCH_ARGS, headless: true });
}
