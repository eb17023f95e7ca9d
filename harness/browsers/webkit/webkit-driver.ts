import { existsSync } from 'node:fs';
import path from 'node:path';
import { webkit } from 'playwright-core';
import { connectPlaywrightWebKit, launchPlaywrightWebKit } from './playwright-webkit.ts';
import { connectWebKitGtk, launchWebKitGtk, WEBKIT_WEBDRIVER } from './webkitgtk.ts';
import { XVFB } from './xvfb.ts';
import type { EngineDriver, EngineLocation, EngineSession, LabNetwork } from '../driver.ts';

/** Where distributions put WebKitGTK's MiniBrowser (Debian/Ubuntu multiarch, then Fedora). */
const SYSTEM_MINIBROWSER = ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0'].flatMap((api) => [
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/${api}/MiniBrowser`,
  `/usr/libexec/${api}/MiniBrowser`,
]);

const isMiniBrowser = (executable: string) => path.basename(executable) === 'MiniBrowser';

/**
 * Playwright's own WebKit where it is installed; otherwise the system's
 * WebKitGTK (MiniBrowser) driven by WebKitWebDriver over classic W3C
 * WebDriver, because Playwright cannot drive a stock WebKitGTK.
 */
export const webkitDriver: EngineDriver = {
  name: 'webkit',
  label: 'WebKit',
  // WebKitGTK's releases are major.minor (2.50); the major alone names years of them.
  shortVersion: (version) => version.split('.').slice(0, 2).join('.'),

  async locate(): Promise<EngineLocation> {
    const configured = process.env.CORSLAB_WEBKIT_PATH;
    if (configured) {
      if (!existsSync(configured)) return { available: false, reason: `CORSLAB_WEBKIT_PATH is ${configured}, which does not exist` };
      if (isMiniBrowser(configured)) {
        const missing = missingForWebKitGtk();
        if (missing) return { available: false, reason: `CORSLAB_WEBKIT_PATH names WebKitGTK's MiniBrowser, but ${missing}` };
      }
      return { available: true, executable: configured, source: 'configured' };
    }
    const bundled = webkit.executablePath();
    if (bundled && existsSync(bundled)) return { available: true, executable: bundled, source: 'playwright' };
    const system = SYSTEM_MINIBROWSER.find((p) => existsSync(p));
    if (!system) {
      return {
        available: false,
        reason: `no WebKit found (looked for Playwright's build and WebKitGTK's MiniBrowser in ${SYSTEM_MINIBROWSER.join(', ')}); install webkit2gtk-driver (apt-get install webkit2gtk-driver xvfb) or set CORSLAB_WEBKIT_PATH`,
      };
    }
    const missing = missingForWebKitGtk();
    return missing ? { available: false, reason: `WebKitGTK's MiniBrowser is at ${system}, but ${missing}` } : { available: true, executable: system, source: 'system' };
  },

  launch(executable: string, source: string, network?: LabNetwork): Promise<EngineSession> {
    return isMiniBrowser(executable) ? launchWebKitGtk(executable, source, network) : launchPlaywrightWebKit(executable, source, network);
  },

  remoteProtocols: ['webdriver', 'playwright'],

  /**
   * `--webdriver webkit=URL`: a WebKitWebDriver (or any W3C WebDriver endpoint
   * that runs WebKitGTK's MiniBrowser) started elsewhere; the session asks for
   * the MiniBrowser this machine has, or CORSLAB_WEBKIT_PATH's, which is where
   * the endpoint's runs when it is on loopback. `--connect webkit=ws://…`:
   * Playwright's own WebKit behind its browser server.
   */
  async connect(remote, network) {
    if (remote.protocol === 'playwright') return connectPlaywrightWebKit(remote, network);
    const miniBrowser = process.env.CORSLAB_WEBKIT_PATH ?? SYSTEM_MINIBROWSER.find((p) => existsSync(p)) ?? SYSTEM_MINIBROWSER[0]!;
    return connectWebKitGtk(remote, miniBrowser, network);
  },
};

function missingForWebKitGtk(): string | undefined {
  if (!existsSync(WEBKIT_WEBDRIVER)) return `${WEBKIT_WEBDRIVER} is missing (apt-get install webkit2gtk-driver)`;
  if (!process.env.DISPLAY && !existsSync(XVFB)) return `DISPLAY is unset and ${XVFB} is missing (apt-get install xvfb)`;
  return undefined;
}
