// The lifeline's watchdog (harness/system/lifeline.ts starts it): a small
// process of its own that outlives the harness, so that what a run started
// is ended even when the harness cannot end it itself (SIGKILL, a crash, the
// machine's OOM killer). Plain Node with no imports of the project's: it has
// to start in a few tens of milliseconds and work whatever state the
// harness's code was in.
//
//   node watchdog.mjs <owner pid> <owner start ticks> <run label> <scan ms> [<run folder>]
//
// The run's folder comes on the command line: the owner can die before this
// process has read a line of its pipe (a Ctrl-C right after the run began).
//
// The harness writes lines on stdin, the pipe between the two:
//   group <pgid> <start ticks>     a process group it started (its leader's start time)
//   folder <path>                  a folder to remove
//   containers <key>=<value>       Docker containers with this label are the run's
//   done                           the run stopped everything itself: exit, doing nothing
//
// Every <scan ms> it reads the owner's descendants from /proc (pid and start
// time, so a reused pid is never taken for one of them): Playwright's
// browsers and their helpers are not started through the harness's own
// spawn, and some processes leave their parent (a daemon that forks).
// When the pipe closes without "done", or the owner is gone, it sweeps:
// TERM to every process it saw that still runs, to every process whose
// environment carries the run's label (CORSLAB_RUN), and to the groups whose
// leader still runs; KILL to what is left after a grace; the run's Docker
// containers removed; the folders removed; then it exits.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';

const [ownerPid, ownerStart, label, scanMs] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] ?? '', Number(process.argv[5]) || 500];
const GRACE_MS = 1_500;
const RUN_ENV = 'CORSLAB_RUN';

/** pid -> start ticks of every descendant of the owner seen so far (and not yet seen gone). */
const seen = new Map();
/** pgid -> its leader's start ticks. */
const groups = new Map();
const folders = new Set(process.argv[6] ? [process.argv[6]] : []);
const containerLabels = new Set();
let done = false;
let sweeping = false;

function stat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // A zombie has ended: nothing of it runs, and only its parent can take it away.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), start: Number(fields[19]) };
}

function table() {
  const all = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const info = stat(Number(name));
    if (info) all.push(info);
  }
  return all;
}

function descendants(roots, all) {
  const children = new Map();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = [];
  const stack = [...roots];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()) ?? []) {
      found.push(child);
      stack.push(child.pid);
    }
  }
  return found;
}

function labelled(pid) {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${RUN_ENV}=${label}`);
  } catch {
    return false;
  }
}

const running = (pid, start) => stat(pid)?.start === start;

/**
 * Every process of the machine as last read, by pid. A scan lists /proc and
 * reads the stat of new pids only: a new descendant is always a new pid, and
 * a pid that was missing from one listing is forgotten, so a reused pid is
 * read again. That keeps a scan near a millisecond where reading every stat
 * took ten (270 processes).
 */
const known = new Map();

function scan() {
  if (sweeping) return;
  if (!running(ownerPid, ownerStart)) return void sweep();
  const present = new Set();
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const pid = Number(name);
    present.add(pid);
    if (!known.has(pid)) {
      const info = stat(pid);
      if (info) known.set(pid, info);
    }
  }
  for (const pid of known.keys()) if (!present.has(pid)) known.delete(pid);
  for (const p of descendants([ownerPid], known.values())) if (p.pid !== process.pid) seen.set(p.pid, p.start);
  // Forget the gone, so that the set stays the size of what runs.
  for (const [pid, start] of seen) if (known.get(pid)?.start !== start) seen.delete(pid);
}

/** Every process of the run that still runs: seen, labelled, in a group whose leader still runs, and anything below them. */
function victims() {
  const all = table();
  const found = new Map();
  for (const p of all) {
    if (p.pid === process.pid || p.pid === ownerPid) continue;
    const ours = seen.get(p.pid) === p.start || (groups.has(p.pgrp) && running(p.pgrp, groups.get(p.pgrp))) || labelled(p.pid);
    if (ours) found.set(p.pid, p.start);
  }
  for (const p of descendants([...found.keys()], all)) if (p.pid !== process.pid) found.set(p.pid, p.start);
  return found;
}

function signal(targets, name) {
  for (const [pid, start] of targets) {
    if (!running(pid, start)) continue;
    try {
      process.kill(pid, name);
    } catch {
      // Gone meanwhile.
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the pipe has ended (every line the owner wrote is read by then), or after `ms`. */
function pipeEnded(ms) {
  if (process.stdin.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('error', resolve);
    setTimeout(resolve, ms).unref();
  });
}

async function sweep() {
  if (sweeping || done) return;
  sweeping = true;
  clearInterval(timer);
  // The owner gone, its pipe ends at once: read what it wrote first (groups, folders, containers).
  await pipeEnded(1_000);
  if (done) return;
  const first = victims();
  const removing = removeContainers();
  signal(first, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline && [...first].some(([pid, start]) => running(pid, start))) await sleep(50);
  const left = victims();
  signal(left, 'SIGKILL');
  const killDeadline = Date.now() + 1_000;
  while (Date.now() < killDeadline && [...left].some(([pid, start]) => running(pid, start))) await sleep(20);
  const all = new Set([...first.keys(), ...left.keys()]);
  let removedFolders = 0;
  for (const folder of folders) {
    try {
      rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
      removedFolders++;
    } catch {
      // Another user's, or busy: `corslab clean` finds it later.
    }
  }
  const containers = await removing;
  if (all.size + containers > 0) {
    process.stderr.write(
      `corslab: the harness (pid ${ownerPid}) ended without stopping its run; its lifeline stopped ${all.size} process(es), removed ${containers} container(s) and ${removedFolders} folder(s)\n`,
    );
  }
  process.exit(0);
}

/** The Docker Engine API on DOCKER_HOST (unix:// or tcp://) or the default socket. */
function docker(method, requestPath) {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const target = host.startsWith('unix://') ? { socketPath: host.slice(7) } : { host: new URL(host.replace(/^tcp:/, 'http:')).hostname, port: Number(new URL(host.replace(/^tcp:/, 'http:')).port) || 2375 };
  return new Promise((resolve) => {
    const request = http.request({ ...target, method, path: requestPath, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve({ status: 0, body: '' }));
    request.end();
  });
}

async function removeContainers() {
  let removed = 0;
  for (const containerLabel of containerLabels) {
    const filters = encodeURIComponent(JSON.stringify({ label: [containerLabel] }));
    const list = await docker('GET', `/containers/json?all=1&filters=${filters}`);
    let ids = [];
    try {
      ids = JSON.parse(list.body).map((c) => c.Id);
    } catch {
      continue;
    }
    const results = await Promise.all(ids.map((id) => docker('DELETE', `/containers/${id}?force=1&v=1`)));
    removed += results.filter((r) => r.status >= 200 && r.status < 300).length;
  }
  return removed;
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    const space = line.indexOf(' ');
    const [word, rest] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
    if (word === 'done') {
      done = true;
      process.exit(0);
    } else if (word === 'group') {
      const [pgid, start] = rest.split(' ').map(Number);
      if (pgid > 0) groups.set(pgid, start);
    } else if (word === 'folder' && rest) folders.add(rest);
    else if (word === 'containers' && rest) containerLabels.add(rest);
  }
});
// The harness is gone (or let go of the pipe without "done"): sweep.
process.stdin.on('end', () => void sweep());
process.stdin.on('error', () => void sweep());

const timer = setInterval(scan, scanMs);
scan();
