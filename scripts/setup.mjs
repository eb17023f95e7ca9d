#!/usr/bin/env node
// Installs what CORS Lab needs, idempotently, and wastes no time when it is
// all there: `npm start` and `npm test` run it first (prestart / pretest).
//
//   1. npm packages: `npm ci` when node_modules is missing or older than
//      package-lock.json (a stamp file records the lock it was installed from).
//   2. Debian packages for the engines (and later the proxies): installed
//      with apt-get when missing, as root or through password-less sudo;
//      otherwise the command to run is printed and the run goes on (the
//      harness reports a missing engine once and skips it).
//
// Plain Node with no dependencies, since it runs before node_modules exists.
// CORSLAB_SKIP_SETUP=1 skips it entirely.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Debian packages and why each is needed. */
export const DEBIAN_PACKAGES = {
  chromium: 'Chromium, the first engine',
  'firefox-esr': 'Firefox ESR, driven over WebDriver BiDi',
  'webkit2gtk-driver': 'WebKitWebDriver and MiniBrowser, the WebKit engine',
  xvfb: 'a virtual display for WebKitGTK',
  nginx: 'nginx, the reverse proxy in front of the apps',
  'apache2-bin': 'Apache httpd, the other reverse proxy in front of the apps',
  openssl: "openssl, the TLS client the mapping proxy's tests use to see an untrusted certificate refused",
  bubblewrap: 'bubblewrap (bwrap), the mount namespace nginx and Apache run in (servers/runtimes/local/confine.ts)',
};

if (process.env.CORSLAB_SKIP_SETUP === '1') process.exit(0);

function log(message) {
  process.stderr.write(`corslab setup: ${message}\n`);
}

function ensureNodeModules() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.corslab-lock-sha256');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return;
  log('installing npm packages (npm ci)');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    log('npm ci failed; see the output above');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, `${want}\n`);
}

function missingDebianPackages() {
  const names = Object.keys(DEBIAN_PACKAGES);
  const result = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...names], { encoding: 'utf8' });
  if (result.error) return undefined; // not a Debian-like system
  const installed = new Set(
    result.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((name) => !installed.has(name));
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing === undefined) {
    log('not a Debian system: install Chromium, Firefox and WebKit yourself, or `npx playwright install` where downloads work');
    return;
  }
  if (missing.length === 0) return;
  const why = missing.map((name) => `  ${name}: ${DEBIAN_PACKAGES[name]}`).join('\n');
  const isRoot = process.getuid?.() === 0;
  const sudo = !isRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!isRoot && !sudo) {
    log(`missing Debian packages:\n${why}\nInstall them with:\n  sudo apt-get install -y ${missing.join(' ')}\nThe run goes on; engines that are missing are skipped.`);
    return;
  }
  log(`installing Debian packages:\n${why}`);
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => execFileSync(prefix[0] ?? args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1), { stdio: 'inherit', env });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...missing]);
}

ensureNodeModules();
ensureDebianPackages();
