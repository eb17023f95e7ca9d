/**
 * nginx and Apache httpd in a mount namespace of their own (bubblewrap), so
 * that a proxy config which gets past the lint (or a proxy bug) can read
 * nothing of this machine but the proxy's binaries, libraries and modules
 * (/usr, read-only) and write nothing but the scenario's own folder (its
 * config, logs, pid, temp files). There is no /etc, /home, /root, /work or
 * project folder inside: `alias /etc/;` finds no passwd (issue 17).
 *
 * The network namespace stays the host's: the proxy must reach the app's
 * port on 127.0.0.1, and a namespace of its own would have a loopback of its
 * own. So the OS does not stop a proxy from connecting elsewhere; what a
 * scenario can write refuses non-loopback upstreams (the lint), and the
 * machines this runs on have only loopback.
 *
 * Inside, the proxy runs as uid/gid 65534 in a user namespace: as root, nginx
 * would look up its worker user in /etc/passwd, which is not there; it and
 * httpd then start their workers as the same unprivileged user.
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { locateExecutable } from '../../../harness/system/locate.ts';

export type Confinement = { confined: true; bwrap: string; describe: string } | { confined: false; reason: string; describe: string };

/** The top-level entries a dynamically linked binary needs: /usr, and the merged-/usr links to it (or the folders, where they are folders). */
const SYSTEM_PATHS = ['/usr', '/lib', '/lib64', '/lib32', '/bin', '/sbin'];
const UNPRIVILEGED_ID = '65534';

let probed: Promise<Confinement> | undefined;

/**
 * Whether bubblewrap works here, tried once per process by running `true`
 * in the same sandbox the proxies get (a machine without user namespaces,
 * or a container that forbids them, fails here). CORSLAB_CONFINE=off turns
 * it off; CORSLAB_BWRAP_PATH points at another bwrap.
 */
export function probeConfinement(): Promise<Confinement> {
  probed ??= (async (): Promise<Confinement> => {
    const off = (reason: string): Confinement => ({ confined: false, reason, describe: `not confined: ${reason}` });
    if (process.env.CORSLAB_CONFINE === 'off') return off('CORSLAB_CONFINE=off');
    if (process.platform !== 'linux') return off(`bubblewrap needs Linux (this is ${process.platform})`);
    const found = locateExecutable({ what: 'bubblewrap (bwrap)', envVar: 'CORSLAB_BWRAP_PATH', candidates: ['/usr/bin/bwrap', '/usr/local/bin/bwrap'], install: 'install it (apt-get install bubblewrap)' });
    if (!found.available) return off(found.reason);
    const trueBinary = ['/usr/bin/true', '/bin/true'].find((p) => existsSync(p)) ?? 'true';
    try {
      await promisify(execFile)(found.executable, confinedArgv(found.executable, [trueBinary], { writable: [], readOnly: [] }).slice(1), { timeout: 5_000 });
    } catch (error) {
      const e = error as { stderr?: string; message?: string };
      return off(`${found.executable} does not work here: ${(e.stderr || e.message || String(error)).trim().split('\n')[0]}`);
    }
    return { confined: true, bwrap: found.executable, describe: `bubblewrap (${found.executable}): a mount namespace with /usr read-only and the scenario's folder, as uid ${UNPRIVILEGED_ID}; the host's network` };
  })();
  return probed;
}

/** For tests: forget the probe, so that a changed environment is probed again. */
export function forgetConfinementProbe(): void {
  probed = undefined;
}

/**
 * The command that runs `argv` under bubblewrap: a new root with /usr
 * read-only (and the merged-/usr links), `readOnly` paths outside it bound
 * read-only at the same place, `writable` folders read-write, a minimal /dev
 * and an empty /tmp; new user, IPC and UTS namespaces; the host's network;
 * the same process group (so a group kill still reaches the proxy; the
 * run's lifeline sees its processes in /proc by their pids here), a pid
 * namespace of its own, and death with its parent.
 */
export function confinedArgv(bwrap: string, argv: readonly string[], paths: { writable: readonly string[]; readOnly: readonly string[] }): string[] {
  // A pid namespace of its own: when bubblewrap goes (it dies with its parent, the harness, even after SIGKILL), the kernel ends every
  // process in it, nginx's workers too, which would otherwise outlive their master and keep the ports.
  const args = [bwrap, '--unshare-user', '--uid', UNPRIVILEGED_ID, '--gid', UNPRIVILEGED_ID, '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent'];
  for (const entry of SYSTEM_PATHS) {
    const stat = lstatOrUndefined(entry);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(entry), entry);
    else args.push('--ro-bind', entry, entry);
  }
  args.push('--dev', '/dev', '--tmpfs', '/tmp');
  const bound = [...SYSTEM_PATHS];
  for (const wanted of paths.readOnly) {
    const real = realOrUndefined(wanted);
    if (!real || bound.some((b) => real === b || real.startsWith(`${b}/`))) continue;
    args.push('--ro-bind', real, real);
    bound.push(real);
  }
  for (const dir of paths.writable) args.push('--bind', dir, dir);
  return [...args, '--', ...argv];
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(path.resolve(p));
  } catch {
    return undefined;
  }
}
