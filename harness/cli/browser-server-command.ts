import { defaults } from '../config/defaults.ts';
import { engineDriver, engineNames } from '../browsers/catalog.ts';
import { didYouMean } from '../core/text.ts';
import { labAuthority } from '../system/certificates.ts';
import { holdLifeline } from '../system/lifeline.ts';
import { colorEnabled } from '../system/color.ts';
import { UsageError } from './flags.ts';
import { EXIT, say } from './messages.ts';
import { commandHelp, parseBrowserServerArgs } from './options.ts';

/**
 * `corslab browser-server ENGINE`: Playwright's browser server for one
 * engine, launched as a run would launch it, for `corslab run --connect`.
 * A browser server's launch options are fixed when it starts, and the lab's
 * mapping proxy listens on a port each run picks, so the proxy is not here:
 * the run gives it to each browser context it makes. What can be fixed now
 * is: the flags that keep the browser off the network, and (Chromium) trust
 * for the lab's CA, which is kept in .cache/corslab/ca and so is the same
 * for every run of this checkout.
 */
export async function browserServerCommand(args: string[]): Promise<number> {
  const { help, engines, config } = parseBrowserServerArgs(args);
  if (help) {
    process.stdout.write(commandHelp('browser-server', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  if (engines.length !== 1) throw new UsageError(`browser-server takes one engine (${engineNames().join(', ')}), got ${engines.length === 0 ? 'none' : engines.join(' ')}`);
  const name = engines[0]!;
  const driver = engineDriver(name);
  if (!driver) {
    const hint = didYouMean(name, engineNames());
    throw new UsageError(`browser-server: unknown engine "${name}"${hint ? ` (did you mean ${hint}?)` : ''}; known: ${engineNames().join(', ')}`);
  }
  if (!driver.serve) throw new UsageError(`browser-server: ${driver.label} has no Playwright browser server here${driver.remoteProtocols?.includes('webdriver') ? `; start its WebDriver instead (WebKitWebDriver --host=127.0.0.1 --port=4444) and run with --webdriver ${name}=http://127.0.0.1:4444` : ''}`);
  const location = await driver.locate();
  if (!location.available) {
    say(`browser-server: ${location.reason}`, 'error');
    return EXIT.failed;
  }
  const { spkiHashes } = await labAuthority();
  // As a run's browsers: if this process dies (even by SIGKILL), its watchdog ends the browser and removes its profile.
  const lifeline = holdLifeline();
  let clean = false;
  try {
    const server = await driver.serve(location.executable, { host: defaults.bindAddress, ...(config.port !== undefined ? { port: config.port } : {}), spkiHashes });
    process.stdout.write(`${driver.label} (${location.executable}) is served at ${server.wsEndpoint}\nrun with: corslab run --connect ${name}=${server.wsEndpoint}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    clean = true;
  } finally {
    await lifeline.release({ clean });
  }
  return EXIT.ok;
}
