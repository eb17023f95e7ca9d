import type { ProxyImage } from '../proxy.ts';

/** The version in what `apache2 -v` printed: "Server version: Apache/2.4.62 (Debian)" (on stdout). */
export function apacheVersion(output: string): string | undefined {
  return /Apache\/(\S+)/.exec(output)?.[1];
}

/** Where images keep httpd's modules: Debian's, the official image's, then Red Hat's two. */
const MODULE_DIRS = ['/usr/lib/apache2/modules', '/usr/local/apache2/modules', '/usr/lib/httpd/modules', '/usr/lib64/httpd/modules'];

/**
 * httpd in a container image. Debian installs it as apache2, the official
 * image as httpd (on its PATH, in /usr/local/apache2/bin); the generated
 * config loads its modules from the image's own folder of them.
 */
export const apacheImage: ProxyImage = {
  defaultImage: 'httpd:2.4',
  findExecutable: 'command -v apache2 || command -v httpd',
  executableNames: 'apache2 or httpd',
  version: ({ stdout, stderr }) => apacheVersion(stdout + stderr),
  async layout(run, { executable, what }) {
    const dirs = await run(['sh', '-c', `for d in ${MODULE_DIRS.join(' ')}; do if [ -d "$d" ]; then echo "$d"; break; fi; done`]);
    const modulesDir = dirs.stdout.trim() || undefined;
    if (!modulesDir) throw new Error(`${what}: found ${executable} but no folder of httpd modules`);
    return { modulesDir };
  },
};
