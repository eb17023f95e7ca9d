/**
 * Every default of a run, in one object. The CLI, the programmatic API and the
 * tests start from here; nothing else hard-codes these values.
 */
export const defaults = {
  /** Where `corslab run` looks for scenario files when no path is given. */
  scenarioDir: 'scenarios',
  /** The course: chapters in reading order and the claims index (loaded with the default scenarios). */
  curriculumDir: 'curriculum',
  /** Where reports are written (`results.json`, `index.html`, `junit.xml`). */
  outputDir: 'reports/latest',
  /** Where `corslab audit` writes its reports when `--output` is not given. */
  auditOutputDir: 'reports/audit',
  /** The lab's stack behind a user's nginx.conf that `corslab audit --nginx-conf` gets without `--app`: one that serves at every path (not only below /s/<id>) and adds no CORS header of its own without a policy. */
  auditLabApp: 'express-manual',
  /** Reporters used when `--reporter` is not given. */
  reporters: ['terminal', 'json', 'html', 'junit'] as const,
  /** Host names of the three origins. `*.localhost` resolves to 127.0.0.1 in every engine without DNS changes. */
  hosts: {
    app: 'app.example.localhost',
    api: 'api.example.localhost',
    evil: 'evil.localhost',
    /** Look-alikes of the app's host that sloppy origin checks accept: the trusted name as a prefix (cross-site) and as a suffix (same-site). */
    lookalikeSuffix: 'app.example.localhost.evil.localhost',
    lookalikePrefix: 'evilapp.example.localhost',
  },
  /** Every server the harness starts binds here and nowhere else. */
  bindAddress: '127.0.0.1',
  /**
   * Probes in flight at once per engine on its shared pages, where an engine
   * has to have a number of its own: the runs that fix it (`-c`), the
   * estimate of a shard's time, the lane through the mapping proxy (capped
   * below).
   */
  concurrencyPerPage: 16,
  /**
   * Probes in flight at once on shared pages in the whole run, split between
   * the engines still starting shared cells (harness/run/in-flight.ts): 16
   * each when three run side by side, all of it for an engine alone.
   * Measured with the benchmark's matrix, one engine alone (Firefox, 320
   * cells): 16 in flight 12.5-14 ms per cell, 32 8.4-8.9 ms, 64 8-8.8 ms.
   */
  concurrencyPerRun: 48,
  /**
   * Probes in flight at once on one shared page for scenarios with declared
   * origins, which every engine reaches through the lab's mapping proxy over
   * HTTP/1.1. Chromium keeps at most 6 connections per origin, and with more
   * than about 8 preflighted requests redirected at once to one origin
   * through a proxy it stopped sending the requests after their second
   * preflight (measured: scenarios/redirects at 16 timed out, at 8 and
   * below passed), so these cells go fewer at a time.
   */
  concurrencyThroughProxy: 6,
  /** Cookie-isolated scenarios (each with a browser context of its own, its cells one after another) in flight at once per engine. */
  isolatedContexts: 4,
  /** How long one probe may take in the page before the cell is an error (never "blocked"). */
  probeTimeoutMs: 10_000,
  /** A server the user runs (`server.url`, `--target`): how long the one connection tried before the cells may take (harness/run/start-servers.ts). */
  targetConnectMs: 2_000,
  /** Whether a missing engine is an error instead of a notice (`--require-engines`, for CI). */
  requireEngines: false,
  /** Whether a missing proxy (nginx, Apache httpd) is an error instead of a notice (`--require-stacks`, for CI). */
  requireStacks: false,
  /**
   * The browsers' CPU priority (nice, 0-19; `CORSLAB_BROWSER_NICE`), for all
   * three engines alike (harness/system/priority.ts). 0: the browsers share
   * the cores with the servers and the harness as equals. At 10 (Chromium and
   * Firefox, WebKitGTK at 0) Next.js started sooner, but on these 2 cores the
   * default suite lost all of Chromium's shared pages in 4 of 8 runs (a page's
   * DevTools set-up took over 15 s); all three at 4 still lost them in 1 of 2.
   * At 0: 0 errors in 5 of 6 runs (the sixth: one WebKit probe late).
   */
  browserNice: 0,
  /** How long a run's stop (Ctrl-C, the end) waits for what is still starting to come up, so that it is stopped too (harness/core/cleanup.ts). */
  startSettleMs: 5_000,
  /** How long to wait for an engine's own CORS message after a probe failed. */
  messageSettleMs: 1_000,
  /** The largest scenario file read (a larger one is refused before it is parsed). */
  maxScenarioBytes: 256 * 1024,
  /** How many times YAML aliases may be expanded in one file (bounds a "billion laughs" file). */
  maxYamlAliases: 200,
  /** How deeply a scenario file's mappings and lists may nest (the format needs about 10; deeper would overflow the reader's stack). */
  maxYamlDepth: 64,
  /** How many problems one file reports before the rest are counted, not listed. */
  maxProblemsPerFile: 20,
  /** How many bytes of a body are kept in the evidence. */
  maxBodyBytes: 4096,
  /** Query parameter that attributes each request on the wire to its cell. */
  cellParam: 'corslab_cell',
  /** Request header the recorder adds on its way upstream, so the app can say which exchange reached its handler. */
  exchangeHeader: 'x-corslab-exchange',
  /**
   * How long every server of the lab keeps an idle connection open. Longer
   * than any run: the recorder reuses connections, and one the server closes
   * just as the recorder sends on it is a reset the cell would count as an
   * error (Node's default is 5 s, Apache's too, nginx's 75 s).
   */
  keepAliveMs: 600_000,
  /** Where stacks run: `local` (this machine's processes) or `docker` (containers through testcontainers). */
  runtime: 'local',
  /** Read from the working directory by `corslab run` when present; command-line options win over it. */
  configFile: 'corslab.config.json',
  /** The config files looked for in the working directory, in this order; two of them at once is refused (harness/config/settings.ts). */
  configFileNames: ['corslab.config.ts', 'corslab.config.mts', 'corslab.config.js', 'corslab.config.mjs', 'corslab.config.json'],
  /**
   * The images of the Docker runtime: the official images a user would pull,
   * pinned to a release line. `node` runs Express, Fastify and Next.js with
   * the project's own server code bind-mounted in; each proxy's image is its
   * own (`image.defaultImage` in servers/proxies/<proxy>/image.ts).
   */
  images: {
    node: 'node:22-bookworm-slim',
  },
  /**
   * How long a container may take to start and listen (an image pull not
   * included). Next.js builds inside its container when its build cache is
   * cold (a fresh clone, or a change to the generated app): over 60 s on this
   * 2-core machine while other runs used it.
   */
  containerStartMs: 180_000,
  /**
   * How long closing one thing may take (a page, a browser context, a
   * browser, a server) before the run says so and moves on; what is left is
   * ended by the process's exit hook and the lifeline (harness/system/lifeline.ts).
   */
  closeMs: 10_000,
  /** How long opening a probe page may take, its navigations included (each has its own 30 s limit), before the cell is an error. */
  pageOpenMs: 75_000,
  /** After Ctrl-C or SIGTERM, how long stopping everything may take before the harness exits anyway (a second signal exits at once). */
  interruptGraceMs: 20_000,
  /** How often the lifeline's watchdog reads the harness's descendants from /proc. */
  lifelineScanMs: 500,
  /**
   * `--shard i/n`: the expected cost of each part of a run, in ms of wall
   * time on a 2-core machine (measured: machine-notes and `npm run bench`),
   * so shards are balanced by what they cost, not by how many cells they
   * hold. Only the ratios matter.
   */
  shardCost: {
    /** A cell on a shared page: many in flight at once (about 6 ms each in the bench). */
    sharedCellMs: 6,
    /** A cookie-isolated cell: one after another in its scenario's context. */
    isolatedCellMs: 60,
    /** A cookie-isolated scenario's browser context, per engine (for WebKitGTK a browser of its own). */
    isolatedContextMs: { default: 300, webkit: 500 } as Record<string, number>,
    /** A proxy process (nginx, Apache), one per scenario and proxy column. */
    proxyProcessMs: 250,
    /** Starting an app stack once per run, when the shard has a cell on it: in-process stacks cost nothing; Next.js is a child process (next start, its build cached). */
    stackStartMs: { next: 4_000 } as Record<string, number>,
  },
  /** How long connecting to a remote browser (`--connect`, `--webdriver`) may take. */
  remoteConnectMs: 30_000,
  /**
   * An app stack that runs a scenario's code (Express, Fastify) runs in a
   * child process of its own (servers/runtimes/local/app-child.ts): how long
   * it may take to load and run every scenario's setup and listen (Node and
   * the framework take 0.5 to 1.5 s here), and how long its event loop may
   * stay blocked (it says it is alive every `appBeatMs`) before it is killed
   * and its cells are errors: an endless loop in a scenario's code.
   */
  appStartMs: 30_000,
  appStallMs: 5_000,
  appBeatMs: 250,
  /** Its JavaScript heap, in MB: code that allocates without end makes that process die (its cells errors), not the machine's memory run out. */
  appHeapMb: 1024,
  /** Request header on requests the harness makes itself (a probe's warm-up), so they are never mistaken for the browser's. */
  setupHeader: 'x-corslab-setup',
} as const;

export type Defaults = typeof defaults;
