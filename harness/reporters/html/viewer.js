// @ts-check
// CORS Lab report viewer: plain browser JavaScript, no framework, no build.
// html-reporter.ts inlines this file into index.html beside the run's
// RunResults (harness/results/types.ts), the only contract between the two.
// tsc checks the file against that contract (./tsconfig.json); the types are
// JSDoc comments, so what the browser runs is this file as it is.
//
// Security rule for this file: every string that comes from the results
// (titles, lessons, header values, bodies, code, messages) reaches the page as
// text, through h() below, which only ever creates text nodes. Nothing here
// assigns innerHTML, and only safeLink() (http and https) and fileLink() (the
// report's own files, by a fixed list of names) set an href.

// The contract's types, in JSDoc only; written as import() types, which tests/architecture.test.ts checks against the layering.
/** @typedef {import('../../results/types.ts').RunResults} RunResults */
/** @typedef {import('../../results/types.ts').ScenarioInfo} ScenarioInfo */
/** @typedef {import('../../results/types.ts').StackInfo} StackInfo */
/** @typedef {import('../../results/types.ts').ImageInfo} ImageInfo */
/** @typedef {import('../../results/types.ts').CellResult} CellResult */
/** @typedef {import('./embedded.ts').ReportHead} ReportHead */
/** @typedef {import('./embedded.ts').CellHead} CellHead */
/** @typedef {import('./embedded.ts').CellDetail} CellDetail */
/** @typedef {import('../../results/types.ts').Verdict} Verdict */
/** @typedef {import('../../results/types.ts').Difference} Difference */
/** @typedef {import('../../results/types.ts').Exchange} Exchange */
/** @typedef {import('../../results/types.ts').RawHeader} RawHeader */
/** @typedef {import('../../results/types.ts').SecurityFinding} SecurityFinding */
/** @typedef {import('../../results/types.ts').ClaimResult} ClaimResult */
/** @typedef {import('../../results/types.ts').ClaimVerdict} ClaimVerdict */
/** @typedef {import('../../core/names.ts').EngineName} EngineName */
/** @typedef {import('../../core/names.ts').StackName} StackName */
/** @typedef {import('../../core/format.ts').ResultKind} ResultKind */

/**
 * What h() may be given as a child: text, a node, nothing (null, undefined,
 * false), or an array of children, at any depth.
 * @typedef {Node | string | number | boolean | null | undefined | ChildArray} Child
 */
/**
 * An array of children: `Child[]`, written so because a JSDoc type may refer
 * to itself only through an object type.
 * @typedef {unknown[] & { [index: number]: Child }} ChildArray
 */

/**
 * What h() sets on an element of type E: `class`, `dataset`, a listener per
 * `on<event>` (its currentTarget is the element), and any other attribute by
 * name (true: present and empty; null, undefined or false: left out).
 * @template {HTMLElement} E
 * @typedef {{ class?: string | null, dataset?: Record<string, string> }
 *   & { [T in keyof HTMLElementEventMap as `on${T}`]?: (event: HTMLElementEventMap[T] & { currentTarget: E }) => void }
 *   & { [attribute: string]: unknown }} Props
 */

/**
 * A scenario as a row shows it: from the results, or made up for a cell
 * whose scenario the results lack (then without `stacks` and `response`).
 * @typedef {Omit<ScenarioInfo, 'stacks' | 'response'> & Partial<Pick<ScenarioInfo, 'stacks' | 'response'>>} RowScenario
 */

/**
 * One row of the matrix: a scenario's probe, with its cells by `stack/engine`.
 * @typedef {{
 *   key: string,
 *   scenario: RowScenario,
 *   chapter: string,
 *   probeIndex: number,
 *   probe: ScenarioInfo['probes'][number] | undefined,
 *   probeName: string,
 *   cells: Map<string, CellHead>,
 *   disagree: StackName[],
 * }} Row
 */

/** @typedef {{ stack: StackName, engine: EngineName, key: string }} Column */
/** @typedef {'matrix' | 'course' | 'claims'} View */

/**
 * A part of the run's results from one of the page's data blocks: JSON,
 * gzipped, in base64 (html-reporter.ts, encodePart; the parts: embedded.ts).
 * DecompressionStream needs no network, so this works from file:// too,
 * under a policy that allows no fetch.
 * @param {HTMLElement} element
 * @returns {Promise<unknown>}
 */
async function readPart(element) {
  const text = (element.textContent || '').trim();
  if (element.dataset.encoding !== 'gzip+base64') throw new Error(`the report's data is in an encoding this viewer does not read (${element.dataset.encoding || 'none'})`);
  if (typeof DecompressionStream !== 'function') throw new Error('this browser has no DecompressionStream, which the report needs to read its data; open it in a current Chromium, Firefox or Safari, or read results.json');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text());
}

(async function () {
  'use strict';

  const dataElement = document.getElementById('corslab-results');
  const detailsElement = document.getElementById('corslab-details');
  const app = document.getElementById('app');
  if (!app || !dataElement || !detailsElement) return;
  /** @type {ReportHead} */
  let data;
  try {
    // The head: what the matrix, the course and the claims index need. The details wait (loadDetails).
    data = /** @type {ReportHead} */ (await readPart(dataElement));
  } catch (error) {
    const message = document.createElement('p');
    message.className = 'empty-state';
    message.textContent = `The report could not read its data: ${error instanceof Error ? error.message : String(error)}`;
    app.replaceChildren(message);
    document.documentElement.dataset.ready = 'error';
    return;
  }
  // Function declarations are hoisted, so the type checker does not carry the assignment above into them: they read this copy.
  const results = data;
  const detailsBlock = detailsElement;
  // The files beside index.html this run wrote, for download links (html-reporter.ts).
  const downloadNames = (app.dataset.downloads || '').split(' ').filter(Boolean);

  // ---------------------------------------------------------------- helpers

  /**
   * Creates an element; children that are not nodes become text nodes, never markup.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Props<HTMLElementTagNameMap[K]> | null} [props]
   * @param {...Child} children
   * @returns {HTMLElementTagNameMap[K]}
   */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'href' || key === 'src') throw new Error('use safeLink() for links');
      if (key === 'class') el.className = String(value);
      else if (key === 'dataset') Object.assign(el.dataset, value);
      // Props types each on<event> as a listener for that event; Object.entries() no longer knows which key had which type.
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    add(el, children);
    return el;
  }

  /**
   * @template {Node} N
   * @param {N} el
   * @param {Child[]} children
   * @returns {N}
   */
  function add(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /**
   * A link only for http(s) URLs; anything else (javascript:, data:) is shown as plain text.
   * @param {string} url
   * @param {string} [text]
   */
  function safeLink(url, text) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return h('span', null, text || url);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return h('span', null, text || url);
    const a = h('a', { target: '_blank', rel: 'noopener noreferrer' }, text || url);
    a.href = parsed.href;
    return a;
  }

  /**
   * The report's own files beside index.html (results.json, junit.xml), by a
   * relative link, so the folder can be published as it is. Only names on
   * this list: html-reporter.ts writes the list, never the results' text.
   */
  const DOWNLOADS = ['results.json', 'junit.xml'];
  /** @param {string} name */
  function fileLink(name) {
    if (!DOWNLOADS.includes(name)) return null;
    const a = h('a', { download: name, 'data-download': name }, name);
    a.setAttribute('href', name);
    return a;
  }

  /**
   * A table in a box of its own that scrolls sideways on a phone (viewer.css: .table-scroll).
   * @param {Parameters<typeof h<'table'>>} args
   */
  const scrollable = (...args) => h('div', { class: 'table-scroll' }, h(...args));

  /** @type {<T>(items: T[]) => T[]} */
  const unique = (items) => [...new Set(items)];
  /**
   * Explanations put values in `backticks`: show those as code, the rest as text (never markup).
   * @param {string} text
   */
  const withCode = (text) => String(text).split('`').map((part, i) => (i % 2 ? h('code', null, part) : part));
  /** @param {string} s */
  const lower = (s) => String(s).toLowerCase();
  /** @type {(n: number, word: string) => string} */
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  /**
   * list.includes(value), as a type guard (includes() accepts only the list's own item type).
   * @template {string} T
   * @param {readonly T[]} list
   * @param {string | null} value
   * @returns {value is T}
   */
  const isOneOf = (list, value) => list.some((item) => item === value);

  /** @param {number} ms */
  function formatMs(ms) {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  }

  /**
   * UTC, so every reader sees the same text whatever their locale.
   * @param {string} iso
   */
  function formatDate(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  }

  const VERDICT = {
    pass: { symbol: '\u2713', label: 'pass' },
    fail: { symbol: '\u2717', label: 'fail' },
    error: { symbol: '!', label: 'error' },
  };
  /** @type {Verdict[]} */
  const VERDICTS = ['pass', 'fail', 'error'];
  /** @type {Record<ResultKind, string>} */
  const RESULT_MEANING = {
    allowed: 'JavaScript could read the response.',
    blocked: 'fetch() rejected: the browser kept the response from JavaScript.',
    opaque: 'JavaScript got an opaque response (no-cors): no status, no headers, no body.',
  };
  const NOT_SENT_MEANING = 'fetch() rejected: the browser refused the request before sending anything.';

  /**
   * The exchange an observation names as its preflight or actual request:
   * stored as an index into `exchanges` since results schema 4.
   * @param {CellResult['observed']} observed
   * @param {'preflight' | 'actual'} hop
   * @returns {Exchange | undefined}
   */
  const exchangeAt = (observed, hop) => {
    const index = observed ? observed[hop] : null;
    return observed && index !== null ? observed.exchanges[index] : undefined;
  };

  /**
   * Headers a CORS reader looks for first.
   * @param {string} name
   */
  const isCorsHeader = (name) => {
    const n = lower(name);
    return n.startsWith('access-control-') || n === 'origin' || n === 'vary';
  };

  // ---------------------------------------------------------------- model

  const env = results.environment;
  const cells = results.cells;
  const cellById = new Map(cells.map((c) => [c.id, c]));
  const cellIndex = new Map(cells.map((c, i) => [c.id, i]));
  // Cells planned but never started (the run stopped early: --max-failures); shown as not run, with the reason.
  const notRunIds = new Set(results.notRun ? results.notRun.cells.map((c) => c.id) : []);

  /**
   * Every cell's evidence (embedded.ts: the details), unpacked once: after
   * the matrix is built, or at once when a cell is opened before that.
   * @type {Promise<CellDetail[]> | null}
   */
  let detailsPromise = null;
  /** @type {CellDetail[] | null} */
  let details = null;
  function loadDetails() {
    detailsPromise ??= readPart(detailsBlock).then((value) => {
      const list = /** @type {CellDetail[]} */ (value);
      if (list.length !== cells.length) throw new Error(`the report's details hold ${list.length} cells, its head ${cells.length}`);
      details = list;
      return list;
    });
    return detailsPromise;
  }
  /** @type {Map<string, CellResult>} */
  const fullCells = new Map();
  /**
   * A cell with all its evidence, once the details are unpacked (else null).
   * @param {string} id
   * @returns {CellResult | null}
   */
  function fullCell(id) {
    const known = fullCells.get(id);
    if (known) return known;
    const index = cellIndex.get(id);
    const head = cellById.get(id);
    const detail = details && index !== undefined ? details[index] : undefined;
    if (!head || !detail) return null;
    // As embedded.ts joinCell: the head's fields, the details' fields, and the two halves of the observation and the explanation.
    const { observed, explanation, ...rest } = head;
    /** @type {CellResult} */
    const cell = { ...rest, pageCode: detail.pageCode, request: detail.request };
    if (observed && detail.observed) cell.observed = { ...observed, ...detail.observed };
    if (explanation && detail.explanation) cell.explanation = { ...explanation, ...detail.explanation };
    fullCells.set(id, cell);
    return cell;
  }
  const engineInfo = new Map(env.engines.map((e) => [e.name, e]));
  // Keyed by any string, not only StackName: Object.entries() of a per-stack record gives its stacks as strings.
  /** @type {Map<string, StackInfo>} */
  const stackInfo = new Map(env.stacks.map((s) => [s.name, s]));
  // Columns come from the environment first (its order is the run's order),
  // then from the cells, so an engine that failed to launch still has a column
  // for its error cells.
  const allEngines = unique([...env.engines.map((e) => e.name), ...cells.map((c) => c.engine)]);
  const allStacks = unique([...env.stacks.map((s) => s.name), ...cells.map((c) => c.stack)]);
  /** @param {string} name */
  const stackLabel = (name) => {
    const info = stackInfo.get(name);
    return info ? info.label : name;
  };
  /** @param {EngineName} name */
  const engineLabel = (name) => {
    const info = engineInfo.get(name);
    return info ? `${name} ${info.shortVersion}` : name;
  };

  const SEVERITY = ['high', 'medium', 'low', 'info'];
  /** Who gave the answer, in words (Exchange.answeredBy). */
  const ANSWERED_BY = { handler: 'the scenario\u2019s handler', app: 'the app\u2019s server, before any handler', proxy: 'the proxy, by itself' };
  /** @type {Map<string, RowScenario>} */
  const scenarioById = new Map(results.scenarios.map((s) => [s.id, s]));
  /**
   * One row per scenario x probe, in the run's order.
   * @type {Row[]}
   */
  const rows = [];
  /** @type {Map<string, Row>} */
  const rowByKey = new Map();
  /**
   * @param {string} scenarioId
   * @param {number} probeIndex
   * @param {string} probeName
   * @returns {Row}
   */
  function rowFor(scenarioId, probeIndex, probeName) {
    const key = `${scenarioId}#${probeIndex}`;
    let row = rowByKey.get(key);
    if (!row) {
      let scenario = scenarioById.get(scenarioId);
      if (!scenario) {
        // A cell without its scenario in the results: still show it.
        scenario = { id: scenarioId, file: '', chapter: scenarioId.split('/')[0] || '', title: scenarioId, lesson: '', sources: [], tags: [], serverCode: {}, probes: [] };
        scenarioById.set(scenarioId, scenario);
      }
      const probe = scenario.probes[probeIndex];
      row = { key, scenario, chapter: scenario.chapter, probeIndex, probe, probeName: probe ? probe.name : probeName, cells: new Map(), disagree: [] };
      rows.push(row);
      rowByKey.set(key, row);
    }
    return row;
  }
  for (const scenario of results.scenarios) scenario.probes.forEach((p, i) => rowFor(scenario.id, i, p.name));
  for (const cell of cells) {
    const row = rowFor(cell.scenario, cell.probe, cell.probeName);
    row.cells.set(`${cell.stack}/${cell.engine}`, cell);
    if (row.probeName === undefined) row.probeName = cell.probeName;
  }

  // The harness works out where engines disagree (results.engineDisagreements); the viewer only shows it.
  for (const d of results.engineDisagreements || []) {
    const row = rowByKey.get(`${d.scenario}#${d.probe}`);
    if (row && !row.disagree.includes(d.stack)) row.disagree.push(d.stack);
  }
  const chapters = unique(rows.map((r) => r.chapter));
  // Each chapter's rows together under one heading, chapters in the order they first appear (sort is stable).
  rows.sort((a, b) => chapters.indexOf(a.chapter) - chapters.indexOf(b.chapter));

  // ---------------------------------------------------------------- state (kept in location.hash)

  /** @type {View[]} */
  const VIEWS = ['matrix', 'course', 'claims'];
  /**
   * @type {{
   *   view: View,
   *   chapter: string,
   *   stacks: Set<StackName> | null,
   *   engines: Set<EngineName> | null,
   *   verdicts: Set<Verdict> | null,
   *   q: string,
   *   disagree: boolean,
   *   cell: string,
   * }}
   */
  const state = { view: 'matrix', chapter: '', stacks: null, engines: null, verdicts: null, q: '', disagree: false, cell: '' };

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    /**
     * @template {string} T
     * @param {string} name
     * @param {readonly T[]} allowed
     * @returns {Set<T> | null}
     */
    const list = (name, allowed) => {
      const value = p.get(name);
      if (value === null) return null;
      const items = value.split(',').filter((v) => isOneOf(allowed, v));
      return new Set(items);
    };
    const view = p.get('view');
    state.view = isOneOf(VIEWS, view) ? view : 'matrix';
    const chapter = p.get('chapter');
    state.chapter = isOneOf(chapters, chapter) ? chapter : '';
    state.stacks = list('stack', allStacks);
    state.engines = list('engine', allEngines);
    state.verdicts = list('verdict', VERDICTS);
    state.q = p.get('q') || '';
    state.disagree = p.get('disagree') === '1';
    const cell = p.get('cell');
    state.cell = cell !== null && cellById.has(cell) ? cell : '';
  }

  function writeHash() {
    const p = new URLSearchParams();
    if (state.view !== 'matrix') p.set('view', state.view);
    if (state.chapter) p.set('chapter', state.chapter);
    if (state.stacks) p.set('stack', [...state.stacks].join(','));
    if (state.engines) p.set('engine', [...state.engines].join(','));
    if (state.verdicts) p.set('verdict', [...state.verdicts].join(','));
    if (state.q) p.set('q', state.q);
    if (state.disagree) p.set('disagree', '1');
    if (state.cell) p.set('cell', state.cell);
    const text = p.toString();
    const url = text ? `#${text}` : location.pathname + location.search;
    // replaceState: filter changes should not fill the Back button's history.
    try {
      history.replaceState(null, '', url);
    } catch {
      location.hash = text;
    }
  }

  const shownStacks = () => allStacks.filter((s) => !state.stacks || state.stacks.has(s));
  const shownEngines = () => allEngines.filter((e) => !state.engines || state.engines.has(e));
  /** @returns {Column[]} */
  const columns = () => shownStacks().flatMap((stack) => shownEngines().map((engine) => ({ stack, engine, key: `${stack}/${engine}` })));

  /**
   * @param {Row} row
   * @param {Column[]} cols
   */
  function rowShown(row, cols) {
    if (state.chapter && row.chapter !== state.chapter) return false;
    if (state.disagree && row.disagree.length === 0) return false;
    if (state.q) {
      const text = lower(`${row.scenario.id} ${row.scenario.title} ${row.probeName}`);
      if (!text.includes(lower(state.q))) return false;
    }
    const present = cols.map((c) => row.cells.get(c.key)).filter((c) => c !== undefined);
    // A row with nothing in the shown columns (a stack-specific scenario whose stack is hidden) says nothing.
    if (present.length === 0) return false;
    const verdicts = state.verdicts;
    return !verdicts || present.some((c) => verdicts.has(c.verdict));
  }

  // ---------------------------------------------------------------- header

  function renderHeader() {
    const s = results.summary;
    const files = downloadNames.map(fileLink).filter((a) => a !== null);
    const summary = h(
      'p',
      { class: 'summary', 'aria-label': 'Summary' },
      h('span', { class: 'chip total' }, plural(s.total, 'cell')),
      VERDICTS.map((v) => h('span', { class: `chip v-${v}` }, `${VERDICT[v].symbol} ${s[v]} ${VERDICT[v].label}`)),
      results.notRun ? h('span', { class: 'chip not-run', title: results.notRun.reason }, `${plural(results.notRun.cells.length, 'cell')} not run: ${results.notRun.reason}`) : null,
      files.length ? h('span', { class: 'downloads' }, 'Download', files) : null,
    );
    const engines = h(
      'ul',
      { class: 'inline' },
      env.engines.map((e) => h('li', { 'data-engine': e.name }, h('strong', null, e.name), ' ', h('span', { class: 'version' }, e.version), h('span', { class: 'muted' }, ` (${e.source}: ${e.executable})`))),
      env.engines.length === 0 ? h('li', { class: 'muted' }, 'none launched') : null,
    );
    const missing = env.missingEngines.length
      ? h('ul', { class: 'inline' }, env.missingEngines.map((m) => h('li', { class: 'missing' }, h('strong', null, m.name), `: ${m.reason}`)))
      : null;
    const stacks = h(
      'ul',
      { class: 'inline' },
      env.stacks.map((st) =>
        h(
          'li',
          null,
          h('strong', null, st.label),
          ' ',
          h('span', { class: 'muted' }, Object.entries(st.packages).map(([name, version]) => `${name} ${version}`).join(', ') || 'no packages'),
        ),
      ),
    );
    // Docker runtime: each image once, with the digest that pins it (the registry's, else the engine's image id).
    /** @type {Map<string, ImageInfo>} */
    const imageList = new Map();
    for (const st of env.stacks) for (const im of st.images || []) imageList.set(im.ref, im);
    const images = imageList.size
      ? h(
          'ul',
          { class: 'images' },
          [...imageList.values()].map((im) =>
            h(
              'li',
              { 'data-image': im.ref },
              h('strong', { class: 'mono' }, im.ref),
              ' ',
              h('span', { class: 'mono version' }, im.digest ? `digest ${im.digest}` : `image id ${im.id}`),
              h('span', { class: 'muted' }, im.digest ? '' : ' (built locally: no registry digest)'),
            ),
          ),
        )
      : null;
    const apiOrigins = Object.entries(env.origins.api || {});
    const origins = h(
      'ul',
      { class: 'inline mono' },
      h('li', null, h('span', { class: 'muted' }, 'app '), env.origins.app),
      h('li', null, h('span', { class: 'muted' }, 'evil '), env.origins.evil),
      apiOrigins.map(([stack, origin]) => h('li', null, h('span', { class: 'muted' }, `api (${stack}) `), origin)),
    );
    // How each engine reached the lab, and what the mapping proxy refused (nothing of it left the machine).
    const net = env.network;
    const network = net
      ? h(
          'div',
          { class: 'network' },
          h('p', null, h('span', { class: 'muted' }, 'mapping proxy '), h('span', { class: 'mono' }, net.proxy), net.declared.length ? h('span', { class: 'muted' }, ' \u00b7 declared origins ') : null, net.declared.length ? h('span', { class: 'mono' }, net.declared.join(', ')) : null),
          h('ul', null, env.engines.filter((e) => e.network).map((e) => h('li', { 'data-engine-network': e.name }, e.network))),
          net.refused.length
            ? h(
                'details',
                { class: 'refused' },
                h('summary', null, `It refused ${plural(net.refused.reduce((n, r) => n + r.count, 0), 'request')} to hosts outside the lab (nothing of it left the machine)`),
                h('ul', null, net.refused.map((r) => h('li', null, h('span', { class: 'mono' }, `${r.method ? `${r.method} ` : ''}${(r.target || r.origin).split('?')[0]}`), ` (${r.count}\u00d7): ${r.reason}`))),
              )
            : h('p', { class: 'muted' }, 'It refused nothing: no page tried to reach a host outside the lab.'),
        )
      : null;
    const dl = h('dl', { class: 'env' });
    /**
     * @param {string} term
     * @param {Child} value
     */
    const row = (term, value) => value && add(dl, [h('dt', null, term), h('dd', null, value)]);
    row('Engines', engines);
    row('Missing engines', missing);
    row('Stacks', stacks);
    row('Images (Docker runtime)', images);
    row('Runtime', `Node ${env.node} \u00b7 Playwright ${env.playwright} \u00b7 ${env.platform}`);
    row('Origins', origins);
    row('Network', network);
    return h(
      'header',
      { class: 'run' },
      h('div', { class: 'title' }, h('h1', null, 'CORS Lab report'), h('span', { class: 'tool' }, `${results.tool.name} ${results.tool.version}`)),
      h(
        'p',
        { class: 'meta' },
        'Started ',
        h('time', { datetime: results.startedAt, title: new Date(results.startedAt).toString() }, formatDate(results.startedAt)),
        ` \u00b7 took ${formatMs(results.durationMs)} \u00b7 ${plural(results.scenarios.length, 'scenario')}`,
      ),
      summary,
      // The run's whole environment is long (every engine's path, every stack's packages, every origin): one line of it in view, the rest a click away.
      h(
        'details',
        { class: 'environment' },
        h(
          'summary',
          null,
          h('strong', null, 'Environment'),
          ' ',
          h('span', { class: 'muted' }, [
            env.engines.map((e) => engineLabel(e.name)).join(' \u00b7 ') || 'no engine launched',
            env.missingEngines.length ? ` (missing: ${env.missingEngines.map((m) => m.name).join(', ')})` : '',
            ` \u00b7 ${plural(env.stacks.length, 'stack')} \u00b7 Node ${env.node}`,
          ]),
        ),
        dl,
      ),
      findingsPart(),
    );
  }

  /** Unsafe configurations, apart from pass/fail; "exploitable" only where the attacker's page really read the data. */
  function findingsPart() {
    const findings = (results.securityFindings || []).slice().sort((a, b) => SEVERITY.indexOf(a.severity) - SEVERITY.indexOf(b.severity));
    const differing = results.cells.filter((c) => c.explanation && c.explanation.agreesWithModel === false);
    if (findings.length === 0 && differing.length === 0) return null;
    return h(
      'div',
      { class: 'findings' },
      differing.length
        ? h(
            'p',
            null,
            h('strong', null, `${plural(differing.length, 'cell')} where an engine differs from the Fetch standard model`),
            ` (${plural(differing.filter((c) => c.explanation && c.explanation.deviation).length, 'documented deviation')}); they are marked \u2260 standard in the matrix.`,
          )
        : null,
      findings.length
        ? h(
            'details',
            { class: 'security' },
            h('summary', null, h('strong', null, `${plural(findings.length, 'security finding')}`), ` (${plural(findings.filter((f) => f.exploitedIn.length).length, 'exploited by the attacker page')})`),
            h(
              'ul',
              null,
              findings.map((f) =>
                h(
                  'li',
                  { class: `sev-${f.severity}` },
                  h('span', { class: `badge sev sev-${f.severity}` }, f.severity),
                  ' ',
                  f.exploitedIn.length ? h('span', { class: 'badge exploited' }, `exploitable: the attacker page read the user's data in ${f.exploitedIn.join(', ')}`) : null,
                  ' ',
                  (f.readWithoutCookieIn || []).length
                    ? h('span', { class: 'badge' }, `read without the user's cookie in ${f.readWithoutCookieIn.join(', ')} (the engine sent none)`)
                    : null,
                  ' ',
                  h('span', { class: 'mono' }, `${f.scenario} \u00b7 ${stackLabel(f.stack)}`),
                  ': ',
                  withCode(f.text),
                ),
              ),
            ),
          )
        : null,
    );
  }

  // ---------------------------------------------------------------- filters

  const toolbar = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() });
  const shownCount = h('span', { class: 'shown', 'aria-live': 'polite' });

  /**
   * @template {string} T
   * @param {string} legend
   * @param {string} name
   * @param {T[]} values
   * @param {(value: T) => string} labelOf
   * @param {() => Set<T> | null} get
   * @param {(chosen: Set<T> | null) => void} set
   */
  function checkboxGroup(legend, name, values, labelOf, get, set) {
    return h(
      'fieldset',
      { 'data-filter': name },
      h('legend', null, legend),
      values.map((value) =>
        h(
          'label',
          { class: name === 'verdict' ? `v-${value}` : null },
          h('input', {
            type: 'checkbox',
            name,
            value,
            onchange: (e) => {
              const chosen = new Set(get() || values);
              if (e.currentTarget.checked) chosen.add(value);
              else chosen.delete(value);
              set(chosen.size === values.length ? null : chosen);
              update();
            },
          }),
          ' ',
          labelOf(value),
        ),
      ),
    );
  }

  function renderToolbar() {
    const chapterSelect = h(
      'select',
      { name: 'chapter', onchange: (e) => ((state.chapter = e.currentTarget.value), update()) },
      h('option', { value: '' }, `All chapters (${chapters.length})`),
      chapters.map((c) => h('option', { value: c }, c)),
    );
    const search = h('input', {
      type: 'search',
      name: 'q',
      placeholder: 'scenario id, title or probe',
      oninput: (e) => ((state.q = e.currentTarget.value.trim()), update()),
    });
    /** @param {Verdict} v */
    const counts = (v) => cells.filter((c) => c.verdict === v).length;
    add(toolbar, [
      h('label', { class: 'field' }, h('span', null, 'Chapter'), chapterSelect),
      h('label', { class: 'field grow' }, h('span', null, 'Search'), search),
      checkboxGroup('Verdict', 'verdict', VERDICTS, (v) => `${VERDICT[v].symbol} ${v} (${counts(v)})`, () => state.verdicts, (s) => (state.verdicts = s)),
      checkboxGroup('Stack', 'stack', allStacks, stackLabel, () => state.stacks, (s) => (state.stacks = s)),
      checkboxGroup('Engine', 'engine', allEngines, engineLabel, () => state.engines, (s) => (state.engines = s)),
      allEngines.length > 1
        ? h('label', { class: 'field check' }, h('input', { type: 'checkbox', name: 'disagree', onchange: (e) => ((state.disagree = e.currentTarget.checked), update()) }), ' only where engines disagree')
        : null,
      h('button', { type: 'button', class: 'reset', onclick: () => (Object.assign(state, { chapter: '', stacks: null, engines: null, verdicts: null, q: '', disagree: false }), update()) }, 'Reset'),
      shownCount,
    ]);
  }

  /** Puts the state into the controls (after reading the hash, or a reset). */
  function syncToolbar() {
    const chapter = toolbar.elements.namedItem('chapter');
    if (chapter instanceof HTMLSelectElement) chapter.value = state.chapter;
    const q = toolbar.elements.namedItem('q');
    if (q instanceof HTMLInputElement && q.value.trim() !== state.q) q.value = state.q;
    /** @type {Record<string, Set<string> | null>} */
    const sets = { verdict: state.verdicts, stack: state.stacks, engine: state.engines };
    for (const input of toolbar.querySelectorAll('input[type=checkbox]')) {
      if (!(input instanceof HTMLInputElement)) continue;
      if (input.name === 'disagree') input.checked = state.disagree;
      else {
        const chosen = sets[input.name];
        input.checked = !chosen || chosen.has(input.value);
      }
    }
  }

  // ---------------------------------------------------------------- matrix

  const matrixHolder = h('div', { class: 'matrix-holder' });

  /** What the symbols and colours of the matrix mean, in words (colour is never the only sign). */
  function renderLegend() {
    /**
     * @param {Child} sign
     * @param {string} text
     */
    const key = (sign, text) => h('span', { class: 'key' }, sign, text);
    return h(
      'div',
      { class: 'legend-bar', role: 'note', 'aria-label': 'Legend' },
      h('strong', null, 'Legend'),
      key(h('span', { class: 'swatch v-pass' }, VERDICT.pass.symbol), 'pass: as the scenario expects'),
      key(h('span', { class: 'swatch v-fail' }, VERDICT.fail.symbol), 'fail: not as expected'),
      key(h('span', { class: 'swatch v-error' }, VERDICT.error.symbol), 'error: could not be observed (not a CORS outcome)'),
      key(h('span', { class: 'swatch empty' }, '\u00b7'), 'not run here'),
      key(h('span', { class: 'mono' }, 'allowed \u00b7 blocked \u00b7 opaque'), ': what JavaScript got'),
      key(h('span', { class: 'swatch flag' }, '\u2260 standard'), 'the engine differs from the Fetch standard model'),
      key(h('span', { class: 'badge disagree' }, '\u2260 engines disagree'), ''),
      key(h('span', { class: 'badge from-evil' }, 'from evil'), 'run from the cross-site page'),
    );
  }
  const legend = renderLegend();

  /**
   * @param {CellHead} cell
   * @param {Row} row
   */
  function cellButton(cell, row) {
    const v = VERDICT[cell.verdict];
    const observed = cell.observed && cell.observed.result;
    const expected = cell.expected && cell.expected.result;
    const label = `${v.label}, ${observed || 'not observed'}${expected && expected !== observed ? ` (expected ${expected})` : ''}: ${row.probeName} on ${stackLabel(cell.stack)}, ${cell.engine}`;
    const tip = `${v.label}: observed ${observed || 'nothing (could not observe)'}${expected ? `, expected ${expected}` : ''}`;
    // Thousands of these: made with the DOM's own calls rather than h(), the same way (attributes and text nodes, never markup).
    const button = el('button', 'cellbtn');
    button.type = 'button';
    button.dataset.open = cell.id;
    button.setAttribute('aria-label', label);
    button.title = tip;
    const verdict = button.appendChild(el('span', 'verdict'));
    verdict.appendChild(el('span', 'sym', v.symbol)).setAttribute('aria-hidden', 'true');
    verdict.appendChild(document.createTextNode(` ${v.label}`));
    // What was expected stays in the tooltip and the detail: with 30 columns a third line does not fit.
    button.appendChild(el('span', 'result', observed || '\u2014'));
    if (cell.explanation && cell.explanation.agreesWithModel === false) {
      button.appendChild(el('span', 'model-flag', '\u2260 standard')).title = `${engineLabel(cell.engine)} differs from the Fetch standard model${cell.explanation.deviation ? ' (documented)' : ''}`;
    }
    return button;
  }

  /**
   * An element with a class and, optionally, a text node: h()'s fast path for the matrix's cells.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {string} className
   * @param {string} [text]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, className, text) {
    const element = document.createElement(tag);
    element.className = className;
    if (text !== undefined) element.appendChild(document.createTextNode(text));
    return element;
  }

  /**
   * The matrix: one header table that sticks to the top of the matrix's own
   * scroll box, then a small table per chapter heading and per scenario,
   * all with the same fixed column widths. Each scenario is a block with
   * `content-visibility: auto`, so the browser lays out and paints only the
   * scenarios near the view: the default suite's matrix has some 9,000
   * cells, and laying them all out took over a second (issue 18). The first
   * screenful is built at once, the rest in short tasks after it is painted;
   * then every cell is in the document, so find-in-page and the keyboard
   * reach every one.
   */
  function renderMatrix() {
    const cols = columns();
    const engines = shownEngines();
    const stacks = shownStacks();
    const shown = rows.filter((r) => rowShown(r, cols));
    shownCount.textContent = `${shown.length} of ${plural(rows.length, 'row')} shown`;
    if (cols.length === 0 || shown.length === 0) {
      matrixHolder.replaceChildren(h('p', { class: 'empty-state' }, cols.length === 0 ? 'No stack or engine is selected.' : 'No row matches the filters.'));
      return;
    }
    const width = cols.length + 1;
    const colgroup = () => h('colgroup', null, h('col', { class: 'first' }), cols.map(() => h('col', { class: 'c' })));
    const head = h(
      'table',
      { class: 'matrix matrix-head' },
      colgroup(),
      h(
        'thead',
        null,
        h(
          'tr',
          { class: 'stacks' },
          h('th', { rowspan: 2, class: 'corner', scope: 'col' }, 'Scenario \u00b7 probe'),
          stacks.map((s) => {
            const info = stackInfo.get(s);
            const packages = info ? Object.entries(info.packages).map(([n, ver]) => `${n} ${ver}`).join(', ') : '';
            return h('th', { colspan: engines.length, scope: 'colgroup', class: 'stack', title: packages }, stackLabel(s));
          }),
        ),
        h(
          'tr',
          { class: 'engines' },
          stacks.map((s) =>
            engines.map((e, i) => {
              const info = engineInfo.get(e);
              return h(
                'th',
                { scope: 'col', class: `engine${i === 0 ? ' first' : ''}`, title: info ? `${e} ${info.version}` : `${e} (not launched)` },
                e,
                h('span', { class: 'ever' }, info ? info.shortVersion : 'not launched'),
              );
            }),
          ),
        ),
      ),
    );
    /** @type {Map<string, Row[]>} */
    const byChapter = new Map();
    for (const row of shown) {
      const list = byChapter.get(row.chapter) || [];
      list.push(row);
      byChapter.set(row.chapter, list);
    }
    /** @type {Map<string, Record<Verdict, number>>} */
    const tallies = new Map();
    for (const c of cells) {
      const cellRow = rowByKey.get(`${c.scenario}#${c.probe}`);
      if (!cellRow) continue;
      const tally = tallies.get(cellRow.chapter) || { pass: 0, fail: 0, error: 0 };
      tally[c.verdict] += 1;
      tallies.set(cellRow.chapter, tally);
    }
    // One block per chapter heading and one per scenario: the browser lays out and paints only those near the view.
    /** @type {{ rows: number, make: () => HTMLElement }[]} */
    const builders = [];
    for (const [chapter, chapterRows] of byChapter) {
      const tally = tallies.get(chapter) || { pass: 0, fail: 0, error: 0 };
      builders.push({
        rows: 1,
        make: () => {
          const heading = h(
            'tr',
            { class: 'chapter' },
            h(
              'th',
              { colspan: width, scope: 'rowgroup' },
              h('div', { class: 'spanning' }, h('h2', null, chapter), h('span', { class: 'tally' }, VERDICTS.filter((v) => tally[v] > 0).map((v) => h('span', { class: `t-${v}` }, `${VERDICT[v].symbol} ${tally[v]} ${v}`)))),
            ),
          );
          return h('div', { class: 'chapter-head', 'data-chapter': chapter }, h('table', { class: 'matrix' }, colgroup(), h('tbody', null, heading)));
        },
      });
      /** @type {Row[][]} */
      const byScenario = [];
      for (const row of chapterRows) {
        const last = byScenario[byScenario.length - 1];
        if (last && last[0] && last[0].scenario === row.scenario) last.push(row);
        else byScenario.push([row]);
      }
      for (const scenarioRows of byScenario) {
        const scenario = scenarioRows[0] ? scenarioRows[0].scenario : null;
        if (!scenario) continue;
        builders.push({
          rows: scenarioRows.length,
          make: () => {
            const tbody = h(
              'tbody',
              null,
              h('tr', { class: 'scenario' }, h('th', { colspan: width, scope: 'rowgroup' }, h('div', { class: 'spanning' }, h('span', { class: 'stitle' }, scenario.title), ' ', h('span', { class: 'sid' }, scenario.id)))),
              scenarioRows.map((row) => probeRow(row, cols, engines.length)),
            );
            const block = h('div', { class: 'scenario-block', 'data-scenario': scenario.id }, h('table', { class: 'matrix' }, colgroup(), tbody));
            // Until the browser lays a scenario out, it takes about this much room (so the scroll bar is about right); CSSOM, which the CSP allows.
            block.style.setProperty('contain-intrinsic-size', `auto ${scenarioRows.length * 47 + 36}px`);
            return block;
          },
        });
      }
    }
    const box = h('div', { class: 'matrix-scroll', tabindex: -1, onclick: onMatrixClick, onkeydown: onMatrixKey }, head);
    // The stylesheet sizes the columns from their number (a CSSOM property, which the CSP allows).
    box.style.setProperty('--cols', String(cols.length));
    matrixHolder.replaceChildren(box);
    // The first screenful now, the rest in short tasks after it is painted (flushMatrix() finishes at once when something needs every cell).
    const job = { box, builders, next: 0 };
    matrixJob = job;
    buildMatrix(job, (rows) => rows < FIRST_ROWS);
    if (job.next < builders.length) {
      document.documentElement.dataset.matrix = 'partial';
      // After the next frame: a timer set now could run before the browser paints the first rows.
      requestAnimationFrame(() => setTimeout(() => continueMatrix(job), 0));
    } else finishMatrix();
  }

  /** How many rows the matrix draws before the page is first painted: more than a tall screen shows. */
  const FIRST_ROWS = 24;
  /**
   * A matrix being built: its box, what makes each block, and the next block to make.
   * @typedef {{ box: HTMLElement, builders: { rows: number, make: () => HTMLElement }[], next: number }} MatrixJob
   */
  /** @type {MatrixJob | null} The matrix still being built, if any. */
  let matrixJob = null;
  /** @type {(() => void)[]} */
  const onMatrixComplete = [];

  /**
   * Appends blocks while `more(rows appended so far)` says so.
   * @param {MatrixJob} job
   * @param {(rows: number) => boolean} more
   */
  function buildMatrix(job, more) {
    let rows = 0;
    while (job.next < job.builders.length && more(rows)) {
      const builder = job.builders[job.next++];
      if (!builder) break;
      job.box.appendChild(builder.make());
      rows += builder.rows;
    }
  }

  /**
   * Builds for a frame's worth of time, then yields to the browser (input, painting) and goes on.
   * @param {MatrixJob} job
   */
  function continueMatrix(job) {
    if (matrixJob !== job) return; // filters changed: a newer matrix replaced this one
    const until = performance.now() + 12;
    buildMatrix(job, () => performance.now() < until);
    if (job.next < job.builders.length) setTimeout(() => continueMatrix(job), 0);
    else finishMatrix();
  }

  /** Builds what is left of the matrix at once: for whatever needs every cell (the drawer's previous / next, arrow keys, a cell named in the address). */
  function flushMatrix() {
    if (!matrixJob) return;
    buildMatrix(matrixJob, () => true);
    finishMatrix();
  }

  function finishMatrix() {
    matrixJob = null;
    document.documentElement.dataset.matrix = 'complete';
    markCurrent();
    for (const callback of onMatrixComplete.splice(0)) callback();
  }

  /**
   * @param {Row} row
   * @param {Column[]} cols
   * @param {number} perStack
   */
  function probeRow(row, cols, perStack) {
    const tr = h(
      'tr',
      { class: 'probe', 'data-row': row.key, 'data-disagree': row.disagree.length ? row.disagree.join(' ') : null },
      h(
        'th',
        { scope: 'row', class: 'probe-name' },
        h('span', { class: 'pname' }, row.probeName),
        row.probe && row.probe.from === 'evil' ? h('span', { class: 'badge from-evil', title: 'This probe runs in the cross-site "evil" page' }, 'from evil') : null,
        row.disagree.length
          ? h('span', { class: 'badge disagree', title: `On ${row.disagree.map(stackLabel).join(', ')}, the engines observed different results, preflights or handler runs` }, '\u2260 engines disagree')
          : null,
      ),
    );
    cols.forEach((col, i) => {
      const cell = row.cells.get(col.key);
      const first = i % perStack === 0 ? ' first' : '';
      if (!cell) {
        const applies = row.scenario && row.scenario.stacks ? row.scenario.stacks.includes(col.stack) : false;
        const stopped = notRunIds.has(`${row.scenario.id}#${row.probeIndex}@${col.key}`);
        const why = stopped && results.notRun
          ? `Not run: the run stopped before this cell (${results.notRun.reason})`
          : applies
          ? `Not run: ${stackLabel(col.stack)} with ${col.engine} was left out of this run (filters)`
          : `Not run: this scenario has no setup for ${stackLabel(col.stack)}`;
        const td = tr.appendChild(el('td', `cell empty${first}`));
        td.title = why;
        td.appendChild(el('span', 'sr', 'not run'));
        td.appendChild(el('span', '', '\u00b7')).setAttribute('aria-hidden', 'true');
        return;
      }
      const dim = state.verdicts && !state.verdicts.has(cell.verdict) ? ' dim' : '';
      const td = tr.appendChild(el('td', `cell v-${cell.verdict}${first}${dim}`));
      td.dataset.cellId = cell.id;
      td.dataset.verdict = cell.verdict;
      td.appendChild(cellButton(cell, row));
    });
    return tr;
  }

  /** @param {MouseEvent} e */
  function onMatrixClick(e) {
    const button = e.target instanceof Element ? e.target.closest('button[data-open]') : null;
    if (button instanceof HTMLElement && button.dataset.open !== undefined) openCell(button.dataset.open);
  }

  /**
   * Arrow keys move between cells, so a large matrix needs no long Tab walk.
   * @param {KeyboardEvent} e
   */
  function onMatrixKey(e) {
    /** @type {Record<string, [rows: number, columns: number]>} */
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    const td = e.target instanceof Element ? e.target.closest('td.cell') : null;
    if (!move || !td) return;
    flushMatrix();
    const grid = [...matrixHolder.querySelectorAll('tr.probe')].map((tr) => [...tr.querySelectorAll('td.cell')]);
    let r = grid.findIndex((tds) => tds.includes(td));
    const tds = grid[r];
    if (!tds) return;
    let c = tds.indexOf(td);
    for (;;) {
      r += move[0];
      c += move[1];
      const nextRow = grid[r];
      const next = nextRow && nextRow[c];
      if (!next) return;
      const button = next.querySelector('button');
      if (button) {
        e.preventDefault();
        button.focus();
        return;
      }
    }
  }

  // ---------------------------------------------------------------- detail

  const dialog = h('dialog', { class: 'detail', 'aria-labelledby': 'detail-title' });
  dialog.addEventListener('close', () => {
    const id = state.cell;
    state.cell = '';
    writeHash();
    document.documentElement.classList.remove('detail-open');
    markCurrent();
    const button = matrixHolder.querySelector(`button[data-open="${CSS.escape(id)}"]`);
    if (button instanceof HTMLElement) button.focus();
  });

  /**
   * Outlines the cell whose detail is open. With the drawer open the matrix
   * narrows its first column (html.detail-open), so the cells stay visible
   * beside the drawer and the reader keeps their place.
   */
  function markCurrent() {
    for (const td of matrixHolder.querySelectorAll('td.current')) td.classList.remove('current');
    const td = state.cell ? matrixHolder.querySelector(`td[data-cell-id="${CSS.escape(state.cell)}"]`) : null;
    if (td) td.classList.add('current');
    return td;
  }
  // A click on the backdrop (outside the panel) closes it, as people expect of a drawer.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) {
      const r = dialog.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) dialog.close();
    }
  });

  /**
   * @param {string} title
   * @param {...Child} body
   */
  const section = (title, ...body) => h('section', { class: 'part' }, h('h3', null, title), body);
  /**
   * @param {string | undefined} text undefined only in the type: Object.entries() of a Partial record allows it
   * @param {string} [cls]
   */
  const pre = (text, cls) => h('pre', { class: cls || 'code' }, h('code', null, text));
  /** @param {boolean | null | undefined} value null: cannot be known (a server the user runs) */
  const yesNo = (value) => (value === undefined ? '\u2014' : value === null ? 'unknown' : value ? 'yes' : 'no');

  /** Cells in the order the matrix shows them, for previous / next. */
  function shownCellIds() {
    flushMatrix();
    // Dimmed cells are the ones the verdict filter leaves out; stepping skips them too.
    return [...matrixHolder.querySelectorAll('td.cell:not(.dim) button[data-open]')].map((b) => (b instanceof HTMLElement ? b.dataset.open : undefined));
  }

  /** @param {string} id */
  function openCell(id) {
    const head = cellById.get(id);
    const row = head && rowByKey.get(`${head.scenario}#${head.probe}`);
    if (!head || !row) return;
    state.cell = id;
    writeHash();
    flushMatrix();
    const cell = fullCell(id);
    if (!cell) {
      // Opened before the details were unpacked (a cell in the address, a quick click): a moment's wait, then the same.
      dialog.replaceChildren(h('div', { class: 'detail-inner' }, h('div', { class: 'detail-head' }, h('span', { class: 'muted' }, 'Unpacking the evidence\u2026')), h('div', { class: 'detail-body' }, h('h2', { id: 'detail-title', tabindex: -1 }, row.scenario.title))));
      if (!dialog.open) dialog.showModal();
      loadDetails().then(
        () => {
          if (state.cell === id && dialog.open) openCell(id);
        },
        (error) => dialog.replaceChildren(h('p', { class: 'empty-state' }, `The report could not read the evidence: ${error instanceof Error ? error.message : String(error)}`)),
      );
      return;
    }
    dialog.replaceChildren(renderDetail(cell, row));
    document.documentElement.classList.add('detail-open');
    if (!dialog.open) dialog.showModal();
    const td = markCurrent();
    if (td) td.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    const body = dialog.querySelector('.detail-body');
    if (body) body.scrollTop = 0;
    const heading = dialog.querySelector('h2');
    if (heading) heading.focus();
  }

  /**
   * @param {CellResult} cell
   * @param {Row} row
   */
  function renderDetail(cell, row) {
    const scenario = row.scenario;
    const v = VERDICT[cell.verdict];
    const ids = shownCellIds();
    const at = ids.indexOf(cell.id);
    /**
     * @param {number} offset
     * @param {string} text
     */
    const nav = (offset, text) => {
      const next = ids[at + offset];
      return h('button', { type: 'button', class: 'nav', disabled: at < 0 || !next, onclick: () => next && openCell(next) }, text);
    };
    const top = h(
      'div',
      { class: 'detail-head' },
      h(
        'div',
        { class: 'where' },
        h('span', { class: `badge verdict v-${cell.verdict}` }, `${v.symbol} ${v.label}`),
        ' ',
        h('span', null, `${stackLabel(cell.stack)} \u00b7 ${engineLabel(cell.engine)} \u00b7 probe ${cell.probe + 1}: `),
        h('span', { class: 'mono' }, cell.probeName),
        row.disagree.includes(cell.stack) ? h('span', { class: 'badge disagree' }, '\u2260 engines disagree') : null,
      ),
      h('div', { class: 'actions' }, nav(-1, '\u2190 previous'), nav(1, 'next \u2192'), h('button', { type: 'button', class: 'close', onclick: () => dialog.close(), 'aria-label': 'Close details' }, '\u00d7 close')),
    );
    const body = h(
      'div',
      { class: 'detail-body' },
      h('h2', { id: 'detail-title', tabindex: -1 }, scenario.title),
      outcomeBanner(cell),
      whyPart(cell),
      fixPart(cell),
      lessonPart(scenario, cell),
      pagePart(cell),
      serverPart(scenario, cell),
      wirePart(cell),
      jsPart(cell),
      messagesPart(cell),
      expectationPart(cell),
      enginesPart(cell, row),
      ranWherePart(cell),
    );
    return h('div', { class: 'detail-inner' }, top, body);
  }

  /**
   * Where the cell ran: in merged results (corslab merge) its source's shard,
   * machine and folder, with the engine's and its stack's versions as they
   * were there; in a shard's own results, the shard and the machine.
   * @param {CellResult} cell
   */
  function ranWherePart(cell) {
    const sources = results.merged ? results.merged.sources : undefined;
    const source = sources && cell.source !== undefined ? sources[cell.source] : undefined;
    const shard = source ? source.shard : results.shard;
    const machine = source ? source.machine : env.machine;
    if (!source && !shard) return null;
    const engine = (source ? source.engines : env.engines).find((e) => e.name === cell.engine);
    const stack = (source ? source.stacks : env.stacks).find((s) => s.name === cell.stack);
    const versions = [
      engine ? `${engine.name} ${engine.version}${engine.remote ? ` (remote, ${engine.remote.protocol} at ${engine.remote.endpoint})` : ''}` : '',
      stack ? Object.entries(stack.packages).map(([name, version]) => `${name} ${version}`).join(', ') : '',
      stack && stack.images ? stack.images.map((i) => `${i.ref} (${i.digest || i.id})`).join(', ') : '',
    ].filter(Boolean);
    return h(
      'p',
      { class: 'muted ran-where' },
      `Ran ${shard ? `in shard ${shard.index}/${shard.total} ` : ''}${machine ? `on ${machine.hostname} (${machine.os}, ${machine.cpus} CPUs)` : ''}${source ? `, from ${source.dir}` : ''}${versions.length ? `; there: ${versions.join('; ')}` : ''}.`,
    );
  }

  /**
   * The one-line answer first: what differed, or why nothing could be observed.
   * @param {CellResult} cell
   */
  function outcomeBanner(cell) {
    if (cell.error !== undefined || cell.verdict === 'error') {
      return h(
        'div',
        { class: 'banner v-error', role: 'note' },
        h('strong', null, 'Could not observe. '),
        h('span', { class: 'error-message' }, cell.error || 'The harness could not complete this observation.'),
        h('div', { class: 'muted' }, 'This is a harness error, not a CORS outcome: the request was not shown to be blocked or allowed.'),
      );
    }
    if (cell.verdict === 'fail') {
      return h(
        'div',
        { class: 'banner v-fail', role: 'note' },
        h('strong', null, `Observed behaviour differs from the expectation (${plural(cell.differences.length, 'difference')}): `),
        cell.differences.map((d, i) => [i ? '; ' : '', h('span', { class: 'mono' }, d.field), ` expected ${show(d.expected)}, observed ${show(d.observed)}`]),
      );
    }
    const result = cell.observed ? cell.observed.result : undefined;
    const meaning = cell.observed && cell.observed.notSent ? NOT_SENT_MEANING : (result && RESULT_MEANING[result]) || '';
    return h('div', { class: 'banner v-pass', role: 'note' }, h('strong', null, `As expected: ${result}. `), meaning);
  }

  /**
   * The model's one-sentence reason, and where the engine differs from the Fetch standard.
   * @param {CellResult} cell
   */
  function whyPart(cell) {
    const x = cell.explanation;
    const o = cell.observed;
    // The harness explains only what it observed, so an explanation comes with an observation.
    if (!x || !o) return null;
    const m = x.model;
    const anchors = unique(m.failures.map((f) => f.anchor));
    const count = (/** @type {string} */ kind) => o.exchanges.filter((e) => e.kind === kind).length;
    const read = o.js.kind === 'response' ? o.js : null;
    /** @typedef {[label: string, field: string, fromModel: unknown, fromEngine: unknown]} ModelRow */
    /** @type {ModelRow[]} */
    const rows = [['preflight sent', 'preflight', m.preflight, o.preflight !== null]];
    // With `again`, the model predicts both requests: how many preflights and actual requests went out.
    if (m.preflights !== undefined) rows.push(['preflights (both requests)', 'preflights', m.preflights, count('preflight')]);
    rows.push(['request sent', 'actualSent', m.actualSent, o.actual !== null]);
    if (m.actuals !== undefined) rows.push(['requests sent (both)', 'actuals', m.actuals, count('actual')]);
    rows.push(['result', 'result', m.result, o.result]);
    if (m.result === 'allowed' && read) {
      rows.push(['status', 'status', m.status, read.status]);
      rows.push(['readable headers', 'readable', [...m.readable].sort(), read.headers.map(([n]) => n.toLowerCase()).sort()]);
    }
    const differs = new Set(x.modelDifferences.map((d) => d.field));
    return section(
      'Why',
      h('p', { class: `reason${x.agreesWithModel === false ? ' model-differs' : ''}` }, withCode(x.reason)),
      anchors.length ? h('ul', { class: 'sources' }, anchors.map((a) => h('li', null, safeLink(a)))) : null,
      h(
        'div',
        { class: 'table-scroll' },
        h(
        'table',
        { class: 'expect model' },
        h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'the Fetch standard (model)'), h('th', null, engineLabel(cell.engine)))),
        h(
          'tbody',
          null,
          rows.map(([label, field, fromModel, fromEngine]) =>
            h('tr', { class: differs.has(field) ? 'differs' : null }, h('th', { scope: 'row' }, label), h('td', { class: 'mono' }, show(fromModel)), h('td', { class: 'mono' }, show(fromEngine))),
          ),
        ),
        ),
      ),
      x.agreesWithModel === false
        ? h(
            'p',
            { class: `banner ${x.deviation ? 'v-pass' : 'v-fail'}` },
            h('strong', null, `${engineLabel(cell.engine)} differs from the model. `),
            x.deviation ? ['Documented: ', x.deviation.why, ' ', safeLink(x.deviation.source)] : 'Not documented yet: either the model is wrong or the engine deviates from the standard; investigate and record which.',
          )
        : null,
      m.notes.length ? h('ul', { class: 'notes muted' }, m.notes.map((n) => h('li', null, n.text))) : null,
    );
  }

  /**
   * The smallest server change that lets the site's own page through, in the idiom of this cell's stack.
   * @param {CellResult} cell
   */
  function fixPart(cell) {
    const fix = cell.explanation && cell.explanation.fix;
    if (!fix) return null;
    const code = fix.perStack[cell.stack];
    const others = Object.entries(fix.perStack).filter(([stack]) => stack !== cell.stack);
    return section(
      'Fix',
      h('p', null, withCode(fix.summary)),
      code !== undefined ? [h('p', { class: 'muted' }, `${stackLabel(cell.stack)}:`), pre(code)] : null,
      others.length
        ? h('details', null, h('summary', null, 'The same fix on the other stacks'), others.map(([stack, text]) => [h('p', { class: 'muted' }, `${stackLabel(stack)}:`), pre(text)]))
        : null,
    );
  }

  /** @param {unknown} value */
  function show(value) {
    if (value === undefined) return 'nothing';
    if (typeof value === 'boolean') return yesNo(value);
    if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /**
   * @param {RowScenario} scenario
   * @param {CellResult} cell
   */
  function lessonPart(scenario, cell) {
    const paragraphs = String(scenario.lesson || '').split(/\n\s*\n/).filter((p) => p.trim());
    const probe = scenario.probes[cell.probe];
    return section(
      'Lesson',
      paragraphs.map((p) => h('p', { class: 'lesson' }, withCode(p.trim()))),
      scenario.sources && scenario.sources.length ? h('ul', { class: 'sources' }, scenario.sources.map((s) => h('li', null, safeLink(s)))) : null,
      h(
        'p',
        { class: 'file mono' },
        `${scenario.file || scenario.id}${probe ? `:${probe.line}` : ''}`,
        h('span', { class: 'muted' }, ` \u00b7 scenario ${scenario.id} \u00b7 probe ${cell.probe + 1}`),
        scenario.tags && scenario.tags.length ? h('span', { class: 'muted' }, ` \u00b7 tags: ${scenario.tags.join(', ')}`) : null,
      ),
    );
  }

  /** @param {CellResult} cell */
  function pagePart(cell) {
    return section(
      'The page',
      h('p', null, `This code runs in a page at `, h('span', { class: 'mono' }, cell.pageOrigin), ` (the ${cell.from === 'evil' ? 'cross-site "evil"' : `"${cell.from}"`} page):`),
      pre(cell.pageCode),
    );
  }

  /**
   * @param {RowScenario} scenario
   * @param {CellResult} cell
   */
  function serverPart(scenario, cell) {
    const code = scenario.serverCode ? scenario.serverCode[cell.stack] : undefined;
    const info = stackInfo.get(cell.stack);
    const api = env.origins.api ? env.origins.api[cell.stack] : undefined;
    return section(
      'The server',
      h(
        'p',
        null,
        `${stackLabel(cell.stack)}`,
        // A server the user runs has no packages the lab knows of.
        info && Object.keys(info.packages).length > 0 ? h('span', { class: 'muted' }, ` (${Object.entries(info.packages).map(([n, ver]) => `${n} ${ver}`).join(', ')})`) : null,
        api ? [' at ', h('span', { class: 'mono' }, api)] : null,
        ', set up with:',
      ),
      code !== undefined ? pre(code) : h('p', { class: 'muted' }, 'No setup code was recorded for this stack.'),
    );
  }

  // --- the wire

  /** @param {RawHeader[]} headers */
  function headerLines(headers) {
    return headers.map(([name, value]) =>
      h('span', { class: `hdr${isCorsHeader(name) ? ' cors' : ''}` }, h('span', { class: 'hn' }, name), ': ', h('span', { class: 'hv' }, value), '\n'),
    );
  }

  /**
   * `message` is an exchange's request or response: body, and bodyBytes when the recorder counted it.
   * @param {{ body?: string, bodyBytes?: number, bodyTruncated?: boolean }} message
   */
  function bodyBlock(message) {
    const body = message.body;
    if (body === undefined) return null;
    const kept = new TextEncoder().encode(body).length;
    const truncated = message.bodyTruncated || (message.bodyBytes !== undefined && message.bodyBytes > kept);
    return [
      h('span', { class: 'blank' }, '\n'),
      body === '' ? h('span', { class: 'muted' }, '(empty body)') : h('span', { class: 'body' }, body),
      truncated
        ? h('span', { class: 'truncated' }, message.bodyBytes !== undefined ? `\n\u2026 body truncated: the first ${kept} of ${message.bodyBytes} bytes` : '\n\u2026 body truncated: the harness kept only its beginning')
        : null,
    ];
  }

  /**
   * @param {string} cls
   * @param {string} startLine
   * @param {{ headers: RawHeader[], body?: string, bodyBytes?: number, bodyTruncated?: boolean }} message
   */
  function httpPre(cls, startLine, message) {
    return h('pre', { class: `http ${cls}` }, h('code', null, h('span', { class: 'start' }, startLine), '\n', headerLines(message.headers), bodyBlock(message)));
  }

  /**
   * Behind a proxy: the same request between the proxy and the app, and what the app answered before the proxy changed it.
   * @param {Exchange} ex
   * @param {boolean} proxied
   */
  function hopBlock(ex, proxied) {
    if (!proxied) return null;
    const hop = ex.appHop;
    if (!hop) {
      return h('p', { class: 'hop muted' }, 'The proxy answered this itself: nothing went on to the app (a preflight it handles, a cached copy, or an app that is down).');
    }
    return h(
      'details',
      { class: 'hop', open: true },
      h('summary', null, 'Between the proxy and the app'),
      h('div', { class: 'dir' }, 'proxy \u2192 app'),
      httpPre('request', `${hop.request.method} ${hop.request.target} HTTP/${hop.request.httpVersion}`, hop.request),
      h('div', { class: 'dir' }, 'app \u2192 proxy'),
      hop.response
        ? httpPre('response', `HTTP/${hop.response.httpVersion} ${hop.response.status} ${hop.response.statusText}`, hop.response)
        : h('p', { class: 'muted' }, hop.upstreamError ? `No answer: ${hop.upstreamError}` : 'No response.'),
    );
  }

  /**
   * @param {Exchange} ex
   * @param {number} index
   * @param {boolean} proxied
   */
  function exchangeCard(ex, index, proxied) {
    const title = ex.kind === 'preflight' ? 'Preflight' : ex.kind === 'setup' ? 'Warm-up (made by the harness, not the browser)' : 'Actual request';
    const req = ex.request;
    const res = ex.response;
    return h(
      'li',
      { class: `exchange kind-${ex.kind}` },
      h(
        'div',
        { class: 'ex-head' },
        h('span', { class: 'step' }, String(index + 1)),
        h('strong', null, title),
        h('span', { class: 'muted' }, ` at +${formatMs(ex.at)} (#${ex.seq} at this stack's recorder)`),
        h(
          'span',
          { class: `badge handler ${ex.reachedHandler === null ? 'not-reached' : ex.reachedHandler ? 'reached' : 'not-reached'}` },
          // null: a server the user runs, whose handler the lab cannot see.
          ex.reachedHandler === null ? '? handler unknown (a server you run)' : ex.reachedHandler ? '\u25cf reached the app\u2019s handler' : '\u25cb did not reach the app\u2019s handler',
        ),
        ex.answeredBy ? h('span', { class: 'badge answered-by' }, `answered by ${ANSWERED_BY[ex.answeredBy]}`) : null,
      ),
      h('div', { class: 'dir' }, ex.kind === 'setup' ? 'harness \u2192 server' : 'browser \u2192 server'),
      httpPre('request', `${req.method} ${req.target} HTTP/${req.httpVersion}`, req),
      hopBlock(ex, proxied),
      h('div', { class: 'dir' }, proxied ? 'proxy \u2192 browser (what the browser got)' : 'server \u2192 browser'),
      res ? httpPre('response', `HTTP/${res.httpVersion || req.httpVersion} ${res.status} ${res.statusText}`, res) : h('p', { class: 'muted' }, 'No response crossed the wire.'),
      res && !res.complete ? h('p', { class: 'warn' }, 'The response was cut off: its last byte never reached the browser.') : null,
      ex.upstreamError ? h('p', { class: 'warn' }, h('strong', null, 'The app could not be reached: '), ex.upstreamError) : null,
    );
  }

  /** @param {CellResult} cell */
  function wirePart(cell) {
    const o = cell.observed;
    if (!o) return section('On the wire', h('p', { class: 'muted' }, 'Not observed: the cell did not run.'));
    const exchanges = [...o.exchanges].sort((a, b) => a.seq - b.seq);
    // A proxied stack's name is "proxy>app"; its recorders see both hops.
    const proxied = cell.stack.includes('>');
    return section(
      'On the wire',
      h(
        'p',
        { class: 'muted' },
        'As the recorder in front of the API saw it: headers in their original order and case, duplicates kept. ',
        h('span', { class: 'legend-cors' }, 'Highlighted'),
        ' headers are the ones CORS reads (Access-Control-*, Origin, Vary).',
      ),
      exchanges.length
        ? h('ol', { class: 'exchanges' }, exchanges.map((ex, i) => exchangeCard(ex, i, proxied)))
        : o.notSent
          ? notSentPart(o.notSent)
          : h('p', { class: 'warn' }, 'Nothing reached the server: the browser sent no request for this probe.'),
    );
  }

  /**
   * Nothing was sent, and how the harness knows the browser refused it (rather than a connection that failed).
   * @param {import('../../results/types.ts').NotSent} notSent
   */
  function notSentPart(notSent) {
    return [
      h('p', { class: 'not-sent' }, h('strong', null, 'Not sent: '), withCode(`the browser refused the request before sending it (${notSent.reason}).`)),
      h('p', { class: 'muted' }, 'How the harness knows, besides the empty wire:'),
      h('ul', { class: 'evidence' }, notSent.evidence.map((line) => h('li', null, withCode(line)))),
    ];
  }

  /** @param {CellResult} cell */
  function jsPart(cell) {
    const o = cell.observed;
    if (!o) return null;
    const js = o.js;
    let content;
    if (js.kind === 'response') {
      content = [
        h('p', null, `fetch() resolved: a Response of type `, h('span', { class: 'mono' }, js.type), ', status ', h('span', { class: 'mono' }, `${js.status} ${js.statusText}`), '.'),
        h('div', { class: 'dir' }, 'headers JavaScript could read'),
        js.headers.length ? h('pre', { class: 'http' }, h('code', null, headerLines(js.headers))) : h('p', { class: 'muted' }, 'none'),
        h('div', { class: 'dir' }, 'body JavaScript read'),
        h('pre', { class: 'http' }, h('code', null, js.body === '' ? h('span', { class: 'muted' }, '(empty body)') : js.body, js.bodyTruncated ? h('span', { class: 'truncated' }, '\n\u2026 body truncated: the harness kept only its beginning') : null)),
      ];
    } else if (js.kind === 'error') {
      content = [
        h('p', null, js.atOnce ? 'fetch() rejected at once, before it even returned (so before any network activity), with:' : 'fetch() rejected with:'),
        pre(`${js.name}: ${js.message}`, 'code error-text'),
      ];
    } else {
      content = [h('p', { class: 'warn' }, `No answer within ${formatMs(js.afterMs)}. A timeout says nothing about CORS.`)];
    }
    return section('What JavaScript got', content);
  }

  /** @param {CellResult} cell */
  function messagesPart(cell) {
    const o = cell.observed;
    if (!o) return null;
    const messages = o.messages || [];
    return section(
      'What the browser said',
      messages.length
        ? h(
            'ul',
            { class: 'messages' },
            messages.map((m) =>
              h(
                'li',
                null,
                h('span', { class: 'badge source' }, m.source === 'devtools' ? 'DevTools' : 'console'),
                ' ',
                h('span', { class: 'mtext' }, m.text),
                m.corsError ? h('div', { class: 'mono small' }, `corsError: ${m.corsError}`, m.failedParameter ? `  failedParameter: ${m.failedParameter}` : '') : null,
              ),
            ),
          )
        : h('p', null, 'No message from the engine for this request.'),
      h('p', { class: 'muted small' }, o.messageSupport),
    );
  }

  /** @param {CellResult} cell */
  function expectationRows(cell) {
    const e = cell.expected || {};
    const o = cell.observed;
    const js = o && o.js;
    const readable = js && js.kind === 'response' ? js.headers.map(([n]) => lower(n)) : [];
    /** @type {{ key: string, label: string, expected: string, observed: string | undefined, diff?: Difference }[]} */
    const rowsOut = [];
    /**
     * @param {string} key
     * @param {string} label
     * @param {string} expected
     * @param {string | undefined} observed
     */
    const push = (key, label, expected, observed) => rowsOut.push({ key, label, expected, observed });
    if (e.preflight !== undefined) push('preflight', 'preflight sent', yesNo(e.preflight), o ? yesNo(o.preflight !== null) : undefined);
    if (e.reachedHandler !== undefined) push('reachedHandler', 'reached the handler', yesNo(e.reachedHandler), o ? yesNo(o.reachedHandler) : undefined);
    if (e.result !== undefined) push('result', 'result', e.result, o ? o.result : undefined);
    if (e.status !== undefined) push('status', 'status', String(e.status), js ? (js.kind === 'response' ? String(js.status) : 'no response') : undefined);
    for (const name of e.readable || []) push(`readable ${lower(name)}`, `header ${name}`, 'readable', js ? (readable.includes(lower(name)) ? 'readable' : 'not readable') : undefined);
    for (const name of e.unreadable || []) push(`unreadable ${lower(name)}`, `header ${name}`, 'sent but not readable', js ? (readable.includes(lower(name)) ? 'readable' : 'not readable') : undefined);
    if (e.cookiesSent !== undefined) {
      /** @param {string[]} list */
      const names = (list) => (list.length ? [...list].sort().join(', ') : 'none');
      push('cookiesSent', 'cookies sent', names(e.cookiesSent), o ? (o.cookiesSent ? names(o.cookiesSent) : 'no actual request') : undefined);
    }
    if (e.bodyContains !== undefined) push('body', 'body', `contains ${JSON.stringify(e.bodyContains)}`, js ? (js.kind === 'response' && js.body.includes(e.bodyContains) ? `contains ${JSON.stringify(e.bodyContains)}` : 'does not contain it') : undefined);
    for (const row of wireRows(e, o)) push(row.key, row.label, row.expected, row.observed);
    // The judge's differences are the authority: they decide which rows differ and what was observed.
    const byKey = new Map(cell.differences.map((d) => [d.field, d]));
    for (const r of rowsOut) {
      const d = byKey.get(r.key);
      if (d) {
        r.diff = d;
        r.observed = show(d.observed);
        byKey.delete(r.key);
      }
    }
    for (const d of byKey.values()) rowsOut.push({ key: d.field, label: d.field, expected: show(d.expected), observed: show(d.observed), diff: d });
    return rowsOut;
  }

  /**
   * The rows of `sent` and `answered`: what the browser sent and what the
   * server answered, hop by hop, with what the recorder kept. Their keys are
   * the judge's difference fields, so a row that differs shows the judge's word.
   * @param {CellResult['expected']} e
   * @param {CellResult['observed']} o
   */
  function wireRows(e, o) {
    /** @type {{ key: string, label: string, expected: string, observed: string | undefined }[]} */
    const out = [];
    /**
     * A header's value as sent, its lines joined with ", "; null when absent.
     * @param {RawHeader[]} headers
     * @param {string} name
     */
    const valueOf = (headers, name) => {
      const lines = headers.filter(([n]) => lower(n) === lower(name)).map(([, v]) => v);
      return lines.length ? lines.join(', ') : null;
    };
    /** @param {string | null} v */
    const shown = (v) => (v === null ? 'absent' : JSON.stringify(v));
    /**
     * @param {string} at
     * @param {string} label
     * @param {import('../../core/format.ts').WireHeaders | undefined} want
     * @param {RawHeader[] | undefined} headers
     */
    const headerRows = (at, label, want, headers) => {
      if (!want) return;
      for (const name of want.present || []) out.push({ key: `${at}.${name}`, label: `${label} ${name}`, expected: 'present', observed: headers && (valueOf(headers, name) === null ? 'absent' : 'present') });
      for (const name of want.absent || []) out.push({ key: `${at}.${name}`, label: `${label} ${name}`, expected: 'absent', observed: headers && shown(valueOf(headers, name)) });
      for (const [name, value] of Object.entries(want.values || {})) {
        out.push({ key: `${at}.${name}`, label: `${label} ${name}`, expected: typeof value === 'string' ? JSON.stringify(value) : `matches /${value.matches}/`, observed: headers && shown(valueOf(headers, name)) });
      }
    };
    if (e.sent === false) {
      out.push({ key: 'sent', label: 'sent', expected: 'nothing: refused before sending', observed: o ? (o.notSent ? 'nothing: refused before sending' : 'something was sent') : undefined });
    } else if (e.sent) {
      for (const hop of /** @type {const} */ (['preflight', 'actual'])) {
        const want = e.sent[hop];
        if (!want) continue;
        const ex = exchangeAt(o, hop);
        const req = ex ? ex.request : undefined;
        const label = hop === 'preflight' ? 'preflight sent:' : 'request sent:';
        const field = (/** @type {string} */ name) => `sent.${hop}.${name}`;
        if (o && !ex) {
          out.push({ key: `sent.${hop}`, label: `${label.slice(0, -1)}`, expected: 'on the wire', observed: 'not sent' });
          continue;
        }
        if (want.method !== undefined) out.push({ key: field('method'), label: `${label} method`, expected: want.method, observed: req && req.method });
        /**
         * @param {string} key
         * @param {string} name
         * @param {string | false | undefined} value
         */
        const one = (key, name, value) => {
          if (value === undefined) return;
          out.push({ key: field(key), label: `${label} ${name}`, expected: value === false ? 'absent' : value, observed: req && (valueOf(req.headers, name) ?? 'absent') });
        };
        one('origin', 'Origin', want.origin);
        if ('requestMethod' in want) one('requestMethod', 'Access-Control-Request-Method', want.requestMethod);
        if ('requestHeaders' in want) one('requestHeaders', 'Access-Control-Request-Headers', want.requestHeaders);
        headerRows(field('headers'), `${label} header`, want.headers, req && req.headers);
        if ('cookies' in want && want.cookies) {
          const got = req ? req.headers.filter(([n]) => lower(n) === 'cookie').flatMap(([, v]) => v.split(';')).map((p) => p.trim().split('=')[0]).filter(Boolean).sort() : undefined;
          out.push({ key: field('cookies'), label: `${label} cookies`, expected: [...want.cookies].sort().join(', ') || 'none', observed: got && (got.join(', ') || 'none') });
        }
      }
    }
    for (const hop of /** @type {const} */ (['preflight', 'actual'])) {
      const want = e.answered ? e.answered[hop] : undefined;
      if (!want) continue;
      const ex = exchangeAt(o, hop);
      const res = ex ? ex.response : undefined;
      const label = hop === 'preflight' ? 'preflight answered:' : 'request answered:';
      if (o && !res) {
        out.push({ key: `answered.${hop}`, label: label.slice(0, -1), expected: 'an answer on the wire', observed: 'no answer' });
        continue;
      }
      if (want.status !== undefined) out.push({ key: `answered.${hop}.status`, label: `${label} status`, expected: String(want.status), observed: res && String(res.status) });
      headerRows(`answered.${hop}.headers`, `${label} header`, want.headers, res && res.headers);
      if (want.bodyContains !== undefined) out.push({ key: `answered.${hop}.body`, label: `${label} body`, expected: `contains ${JSON.stringify(want.bodyContains)}`, observed: res && ((res.body || '').includes(want.bodyContains) ? `contains ${JSON.stringify(want.bodyContains)}` : 'does not contain it') });
    }
    return out;
  }

  /** @param {CellResult} cell */
  function expectationPart(cell) {
    const list = expectationRows(cell);
    const table = h(
      'table',
      { class: 'expect' },
      h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'expected'), h('th', null, 'observed'), h('th', null, ''))),
      h(
        'tbody',
        null,
        list.map((r) => {
          const verdict = !cell.observed || cell.error !== undefined ? 'unknown' : r.diff ? 'differs' : 'ok';
          return h(
            'tr',
            { class: r.diff ? 'differs' : null, 'data-field': r.key },
            h('th', { scope: 'row' }, r.label),
            h('td', { class: 'mono' }, r.expected),
            h('td', { class: 'mono' }, r.observed === undefined ? 'not observed' : r.observed, r.diff && r.diff.note ? h('div', { class: 'note' }, r.diff.note) : null),
            h('td', { class: `mark ${verdict}` }, verdict === 'ok' ? '\u2713 as expected' : verdict === 'differs' ? '\u2717 differs' : '? unknown'),
          );
        }),
      ),
    );
    return section(
      'Expected vs observed',
      list.length ? h('div', { class: 'table-scroll' }, table) : h('p', { class: 'muted' }, 'The probe states no expectation.'),
      cell.expectedBecause ? h('p', { class: 'because' }, h('strong', null, `Expected differently on ${stackLabel(cell.stack)} / ${cell.engine}: `), cell.expectedBecause) : null,
      cell.error !== undefined ? h('p', { class: 'banner v-error' }, h('strong', null, 'Could not observe: '), h('span', { class: 'error-message' }, cell.error)) : null,
    );
  }

  /**
   * The same probe and stack in the other engines, side by side.
   * @param {CellResult} cell
   * @param {Row} row
   */
  function enginesPart(cell, row) {
    const others = allEngines.map((e) => row.cells.get(`${cell.stack}/${e}`)).filter((c) => c !== undefined);
    if (others.length < 2) return null;
    const disagree = row.disagree.includes(cell.stack);
    const found = (results.engineDisagreements || []).find((d) => d.scenario === cell.scenario && d.probe === cell.probe && d.stack === cell.stack);
    // Fields beyond the three fixed columns that differ between engines (cookies sent, status, readable headers).
    const extra = found ? found.fields.filter((f) => !['result', 'preflight', 'reachedHandler'].includes(f)) : [];
    /** @param {unknown} value */
    const show = (value) => (value === undefined ? '\u2014' : Array.isArray(value) ? value.join(', ') || '(none)' : value === null ? 'no request' : String(value));
    return section(
      disagree ? 'Engines disagree' : 'Other engines',
      h(
        'div',
        { class: 'table-scroll' },
        h(
        'table',
        { class: 'expect engines-cmp' },
        h('thead', null, h('tr', null, h('th', null, 'engine'), h('th', null, 'verdict'), h('th', null, 'result'), h('th', null, 'preflight sent'), h('th', null, 'reached the handler'), extra.map((f) => h('th', { class: 'differs' }, f)))),
        h(
          'tbody',
          null,
          others.map((c) =>
            h(
              'tr',
              { class: c.id === cell.id ? 'current' : null },
              h('th', { scope: 'row' }, c.id === cell.id ? engineLabel(c.engine) : h('button', { type: 'button', class: 'linkish', onclick: () => openCell(c.id) }, engineLabel(c.engine))),
              h('td', { class: `v-${c.verdict}` }, `${VERDICT[c.verdict].symbol} ${c.verdict}`),
              h('td', { class: 'mono' }, c.observed && c.observed.result ? c.observed.result : 'not observed'),
              h('td', null, c.observed ? yesNo(c.observed.preflight !== null) : '\u2014'),
              h('td', null, c.observed ? yesNo(c.observed.reachedHandler) : '\u2014'),
              extra.map((f) => {
                const outcome = found && found.byEngine[c.engine];
                return h('td', { class: 'mono differs' }, show(outcome ? outcome[f] : undefined));
              }),
            ),
          ),
        ),
        ),
      ),
    );
  }


  // ---------------------------------------------------------------- reading view: the course and the claims index

  const curriculum = results.curriculum || null;
  /** @type {Record<ClaimVerdict, { symbol: string, text: string }>} */
  const CLAIM_VERDICT = {
    confirmed: { symbol: '\u2713', text: 'confirmed' },
    refuted: { symbol: '\u2717', text: 'refuted' },
    partly: { symbol: '\u00bd', text: 'partly true' },
    'engine-dependent': { symbol: '\u2260', text: 'engine-dependent' },
    'not observable': { symbol: '\u2205', text: 'not observable in real time' },
    'not run': { symbol: '\u2014', text: 'not run' },
  };
  /** @type {Record<ResultKind, string>} */
  const RESULT_SYMBOL = { allowed: '\u2713', blocked: '\u2717', opaque: '\u25cc' };
  /**
   * @param {ClaimVerdict} verdict
   * @param {string} [prefix]
   */
  const claimBadge = (verdict, prefix) =>
    h('span', { class: `badge claim claim-${verdict.replace(/ /g, '-')}`, title: CLAIM_VERDICT[verdict].text }, `${CLAIM_VERDICT[verdict].symbol} ${prefix ? `${prefix}: ` : ''}${CLAIM_VERDICT[verdict].text}`);
  // Chapters in the curriculum's reading order; a chapter only the scenarios know comes after them.
  const courseChapters = (() => {
    const listed = curriculum ? curriculum.chapters : [];
    const ids = listed.map((c) => c.id);
    const extra = unique(results.scenarios.map((s) => s.chapter)).filter((c) => !ids.includes(c)).map((id) => ({ id, title: id, intro: '' }));
    return [...listed, ...extra];
  })();
  /** @type {Map<string, ClaimResult[]>} */
  const claimsByScenario = new Map();
  for (const claim of curriculum ? curriculum.claims : []) {
    for (const check of claim.checks) {
      const list = claimsByScenario.get(check.scenario) || [];
      if (!list.includes(claim)) list.push(claim);
      claimsByScenario.set(check.scenario, list);
    }
  }
  /** @param {string} id */
  const lessonAnchor = (id) => `lesson-${id.replace(/[^a-z0-9-]/gi, '-')}`;
  /** @param {string} id */
  const claimAnchor = (id) => `claim-${id}`;

  /**
   * @param {View} view
   * @param {string} anchor
   */
  function goTo(view, anchor) {
    state.view = view;
    update();
    const target = anchor && document.getElementById(anchor);
    if (target) {
      target.scrollIntoView({ block: 'start' });
      target.classList.add('flash');
      setTimeout(() => target.classList.remove('flash'), 1200);
    }
  }

  const courseHolder = h('div', { class: 'course', hidden: '' });
  const claimsHolder = h('div', { class: 'claims', hidden: '' });

  /**
   * One scenario's probes across engines and stacks: a small square per stack, opening the cell's detail.
   * @param {ScenarioInfo} scenario
   */
  function lessonResults(scenario) {
    const probeRows = rows.filter((r) => r.scenario.id === scenario.id);
    if (probeRows.length === 0) return h('p', { class: 'muted' }, 'Not run in this report (filtered out).');
    return scrollable(
      'table',
      { class: 'lesson-results' },
      h('thead', null, h('tr', null, h('th', null, 'probe'), allEngines.map((e) => h('th', null, engineLabel(e))))),
      h(
        'tbody',
        null,
        probeRows.map((row) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, row.probeName, row.disagree.length ? h('span', { class: 'badge disagree', title: 'engines disagree on this probe' }, 'engines disagree') : null),
            allEngines.map((engine) =>
              h(
                'td',
                null,
                allStacks
                  .map((stack) => row.cells.get(`${stack}/${engine}`))
                  .filter((cell) => cell !== undefined)
                  .map((cell) => {
                    const observed = cell.observed && cell.observed.result;
                    const text = `${stackLabel(cell.stack)}: ${observed || 'not observed'} (${VERDICT[cell.verdict].label})`;
                    return h('button', { type: 'button', class: `dot v-${cell.verdict}`, title: text, 'aria-label': `${row.probeName}, ${engine}, ${text}`, onclick: () => openCell(cell.id) }, observed ? RESULT_SYMBOL[observed] : '?');
                  }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /**
   * A scenario's security findings, one line per finding over the stacks that
   * share it: "exploitable" only where the attacker's page read the user's
   * data (the harness decides; see harness/explanations/security.ts).
   * @param {ScenarioInfo} scenario
   */
  function lessonFindings(scenario) {
    /** @type {Map<string, { finding: SecurityFinding, stacks: StackName[], exploitedIn: Set<string>, readWithoutCookieIn: Set<string> }>} */
    const groups = new Map();
    for (const f of results.securityFindings || []) {
      if (f.scenario !== scenario.id) continue;
      const key = `${f.id}\u0000${f.text}`;
      const g = groups.get(key) || { finding: f, stacks: [], exploitedIn: new Set(), readWithoutCookieIn: new Set() };
      g.stacks.push(f.stack);
      f.exploitedIn.forEach((e) => g.exploitedIn.add(e));
      (f.readWithoutCookieIn || []).forEach((e) => g.readWithoutCookieIn.add(e));
      groups.set(key, g);
    }
    if (groups.size === 0) return null;
    const list = [...groups.values()].sort((a, b) => SEVERITY.indexOf(a.finding.severity) - SEVERITY.indexOf(b.finding.severity));
    return h(
      'ul',
      { class: 'lesson-findings' },
      list.map((g) =>
        h(
          'li',
          null,
          h('span', { class: `badge sev sev-${g.finding.severity}` }, g.finding.severity),
          ' ',
          g.exploitedIn.size
            ? h('span', { class: 'badge exploited' }, `exploitable: the attacker page read the user's data in ${[...g.exploitedIn].join(', ')}`)
            : h('span', { class: 'badge' }, g.finding.cells.length ? 'not exploited here' : 'found in the code'),
          g.readWithoutCookieIn.size ? h('span', { class: 'badge' }, `read without the user's cookie in ${[...g.readWithoutCookieIn].join(', ')}`) : null,
          ' ',
          withCode(g.finding.text),
          h('span', { class: 'muted small' }, ` (${g.stacks.map(stackLabel).join(', ')})`),
        ),
      ),
    );
  }

  function renderCourse() {
    const toc = h(
      'nav',
      { class: 'toc', 'aria-label': 'Chapters' },
      h('ol', null, courseChapters.map((c) => h('li', null, h('button', { type: 'button', class: 'linkish', onclick: () => goTo('course', `chapter-${c.id}`) }, c.title)))),
    );
    const parts = courseChapters.map((chapter, index) => {
      const scenarios = results.scenarios.filter((s) => s.chapter === chapter.id);
      return h(
        'section',
        { class: 'chapter', id: `chapter-${chapter.id}` },
        h('h2', null, `${index + 1}. ${chapter.title}`),
        chapter.intro ? h('p', { class: 'intro' }, withCode(chapter.intro.trim())) : null,
        scenarios.length === 0 ? h('p', { class: 'muted' }, 'No scenario of this chapter is in this report.') : null,
        scenarios.map((scenario) => {
          const claims = claimsByScenario.get(scenario.id) || [];
          return h(
            'article',
            { class: 'lesson', id: lessonAnchor(scenario.id) },
            h('h3', null, withCode(scenario.title)),
            h('p', { class: 'mono muted small' }, scenario.file),
            h('p', { class: 'lesson-text' }, withCode(scenario.lesson.trim())),
            claims.length
              ? h(
                  'p',
                  { class: 'claims-checked' },
                  'Checks ',
                  claims.map((claim) => h('span', { class: 'claim-ref' }, h('button', { type: 'button', class: 'linkish mono', onclick: () => goTo('claims', claimAnchor(claim.id)) }, claim.id), ' ', claimBadge(claim.verdict))),
                )
              : null,
            scenario.sources.length ? h('p', { class: 'sources small' }, 'Sources: ', scenario.sources.map((u, i) => [i ? ', ' : '', safeLink(u, u)])) : null,
            lessonResults(scenario),
            lessonFindings(scenario),
          );
        }),
      );
    });
    courseHolder.replaceChildren(
      h('p', { class: 'legend small muted' }, 'Each square is one stack in one engine: \u2713 JavaScript read the response, \u2717 blocked, \u25cc opaque; green as the scenario expected, red not, purple could not be observed. Click a square for its wire exchange and explanation.'),
      toc,
      ...parts,
    );
  }

  /**
   * Whether this run could decide a claim: some cell its checks select was
   * observed in some engine. A run of part of the suite (--grep, --stack,
   * --engine) leaves the other claims undecided, which the index says
   * rather than looking empty (issue 18).
   * @param {ClaimResult} claim
   */
  const decided = (claim) => Object.values(claim.engines).some((r) => r.matched.length + r.contradicted.length > 0);

  /**
   * Why this run could not decide a claim, in words.
   * @param {ClaimResult} claim
   */
  function undecidedWhy(claim) {
    if (claim.checks.length === 0) return 'Nothing checks it: it cannot be observed in real time.';
    const ran = new Set(cells.map((c) => c.scenario));
    const absent = unique(claim.checks.map((c) => c.scenario).filter((id) => !ran.has(id)));
    const errors = Object.values(claim.engines).reduce((n, r) => n + r.errors.length, 0);
    const parts = [];
    if (absent.length) parts.push(`${absent.length === 1 ? 'its scenario' : 'its scenarios'} ${absent.join(', ')} did not run`);
    if (absent.length < unique(claim.checks.map((c) => c.scenario)).length) parts.push(errors ? `${plural(errors, 'cell')} it selects could not be observed` : 'the probes or stacks it checks were filtered out');
    return `Not decided by this run: ${parts.join('; ')}.`;
  }

  function renderClaims() {
    if (!curriculum) {
      claimsHolder.replaceChildren(
        h('h2', null, 'Claims index'),
        h(
          'p',
          { class: 'empty-state' },
          'This run decided no claim: the claims index goes with the project\u2019s own scenario folder (scenarios/), and is checked when a run reads it, all of it or a chapter or file inside it, not a folder of its own.',
        ),
      );
      return;
    }
    const counts = curriculum.counts;
    // Object.keys() is typed string[] whatever the object; these are CLAIM_VERDICT's own keys.
    const verdicts = /** @type {ClaimVerdict[]} */ (Object.keys(CLAIM_VERDICT));
    const inRun = curriculum.claims.filter(decided);
    // A claim no scenario can check, and that nothing checked instead, is neither: it is listed with the decided ones, as not observable.
    const unobservable = curriculum.claims.filter((c) => !decided(c) && c.checks.length === 0);
    const notInRun = curriculum.claims.filter((c) => !decided(c) && c.checks.length > 0);
    const summary = h(
      'p',
      { class: 'summary' },
      h('span', { class: 'chip total' }, plural(curriculum.claims.length, 'claim')),
      verdicts.filter((v) => counts[v]).map((v) => h('span', { class: `chip claim-${v.replace(/ /g, '-')}` }, `${CLAIM_VERDICT[v].symbol} ${counts[v]} ${CLAIM_VERDICT[v].text}`)),
    );
    const partial = notInRun.length
      ? h(
          'p',
          { class: 'banner partial', 'data-decided': String(inRun.length), 'data-undecided': String(notInRun.length) },
          h('strong', null, `This run decided ${inRun.length} of ${plural(curriculum.claims.length, 'claim')}`),
          unobservable.length ? ` (and ${unobservable.length} cannot be observed in real time)` : '',
          `. ${notInRun.length} could not be decided here: the scenarios that check them were left out of this run (${[results.filters.grep ? `--grep ${results.filters.grep}` : '', results.filters.stacks ? `--stack ${results.filters.stacks.join(',')}` : '', `--engine ${results.filters.engines.join(',')}`].filter(Boolean).join(', ')}), or their cells could not be observed. They are listed last; a run of the whole suite decides them.`,
        )
      : null;
    const width = 4 + allEngines.length;
    /**
     * @param {string} text
     * @param {string} note
     */
    const group = (text, note) => h('tr', { class: 'group' }, h('th', { colspan: width, scope: 'rowgroup' }, text, ' ', h('span', { class: 'muted' }, note)));
    const table = scrollable(
      'table',
      { class: 'claims-index' },
      h('thead', null, h('tr', null, h('th', null, 'claim'), h('th', null, 'the article says'), h('th', null, 'checked by'), allEngines.map((e) => h('th', null, engineLabel(e))), h('th', null, 'verdict'))),
      h(
        'tbody',
        null,
        notInRun.length ? group(`Decided by this run (${inRun.length + unobservable.length})`, 'what the browsers did in the cells that check each claim') : null,
        [...inRun, ...unobservable].map((claim) => claimRow(claim, false)),
        notInRun.length ? group(`Not decided by this run (${notInRun.length})`, 'the cells that check them were not in this run') : null,
        notInRun.map((claim) => claimRow(claim, true)),
      ),
    );
    claimsHolder.replaceChildren(
      h('h2', null, 'Claims index'),
      h('p', { class: 'intro' }, 'Every factual claim of the four source articles, each decided by what real browsers did in the scenarios that check it. Per engine: confirmed (every checked cell as the article says), refuted (none), partly true (some: true for one request or stack, not for another). Overall: engine-dependent when the engines answer differently.'),
      summary,
      ...(partial ? [partial] : []),
      table,
    );
  }

  /**
   * @param {ClaimResult} claim
   * @param {boolean} undecided
   */
  function claimRow(claim, undecided) {
    const articles = curriculum ? curriculum.articles : {};
    return h(
      'tr',
      { id: claimAnchor(claim.id), class: `claim-row claim-${claim.verdict.replace(/ /g, '-')}${undecided ? ' undecided' : ''}` },
      h('th', { scope: 'row', class: 'mono' }, claim.id, h('div', { class: 'muted small', title: (articles && articles[claim.article]) || '' }, `article ${claim.article}`)),
      h(
        'td',
        null,
        h('blockquote', null, claim.quote),
        h('p', null, withCode(claim.claim)),
        claim.notObservable ? h('p', { class: 'not-observable' }, h('strong', null, 'Not observable here: '), withCode(claim.notObservable), claim.checks.length ? ' Checked instead:' : '') : null,
        undecided ? h('p', { class: 'undecided-why muted' }, undecidedWhy(claim)) : null,
      ),
      h(
        'td',
        { class: 'small' },
        claim.checks.map((check) =>
          h(
            'div',
            null,
            h('button', { type: 'button', class: 'linkish mono', onclick: () => goTo('course', lessonAnchor(check.scenario)) }, check.scenario),
            check.probe ? h('span', { class: 'muted' }, ` \u203a ${check.probe}`) : null,
            check.stacks ? h('span', { class: 'muted' }, ` on ${check.stacks.map(stackLabel).join(', ')}`) : null,
            h('div', { class: 'mono muted' }, `says ${Object.entries(check.says).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : v}`).join(', ')}`),
          ),
        ),
      ),
      allEngines.map((engine) => {
        const r = claim.engines[engine];
        if (!r) return h('td', { class: 'muted' }, '\u2014');
        const tip = `${r.matched.length} cells as the article says, ${r.contradicted.length} not${r.errors.length ? `, ${r.errors.length} not observed` : ''}`;
        const first = r.contradicted[0];
        return h(
          'td',
          { title: tip },
          claimBadge(r.verdict),
          first ? h('div', { class: 'small mono muted' }, h('button', { type: 'button', class: 'linkish', onclick: () => openCell(first.cell) }, `${first.field}: ${show(first.observed)}`)) : null,
        );
      }),
      h('td', null, claimBadge(claim.verdict)),
    );
  }

  const tabs = h('nav', { class: 'views', 'aria-label': 'Views' });
  /** The claims tab says how many claims this run decided, when it could not decide them all. */
  function claimsTabLabel() {
    if (!curriculum) return 'Claims index';
    const count = curriculum.claims.filter((c) => decided(c) || c.checks.length === 0).length;
    return count === curriculum.claims.length ? `Claims index (${count})` : `Claims index (${count} of ${curriculum.claims.length} decided)`;
  }
  function renderTabs() {
    /**
     * @param {View} view
     * @param {string} text
     */
    const tab = (view, text) => h('button', { type: 'button', class: 'tab', 'aria-pressed': String(state.view === view), onclick: () => { state.view = view; update(); window.scrollTo(0, 0); } }, text);
    tabs.replaceChildren(tab('matrix', 'Matrix'), tab('course', 'Course'), tab('claims', claimsTabLabel()));
  }
  let courseDrawn = false;
  let claimsDrawn = false;
  function showView() {
    renderTabs();
    toolbar.hidden = state.view !== 'matrix';
    matrixHolder.hidden = state.view !== 'matrix';
    legend.hidden = state.view !== 'matrix';
    courseHolder.hidden = state.view !== 'course';
    claimsHolder.hidden = state.view !== 'claims';
    if (state.view === 'course' && !courseDrawn) {
      renderCourse();
      courseDrawn = true;
    }
    if (state.view === 'claims' && !claimsDrawn) {
      renderClaims();
      claimsDrawn = true;
    }
  }

  // ---------------------------------------------------------------- wiring

  function update() {
    syncToolbar();
    writeHash();
    showView();
    if (state.view === 'matrix') renderMatrix();
  }

  add(app, [renderHeader(), tabs, toolbar, legend, matrixHolder, courseHolder, claimsHolder, dialog]);
  renderToolbar();
  readHash();
  syncToolbar();
  showView();
  renderMatrix();
  if (state.cell) openCell(state.cell);
  // User Timing marks for the benchmark (scripts/bench.ts) and for anyone profiling the report: the first
  // rows painted (a timer set in a frame callback runs after that frame is painted), and the whole matrix built.
  requestAnimationFrame(() => setTimeout(() => performance.mark('corslab:matrix-usable'), 0));

  // Someone edited or pasted the address: follow it.
  window.addEventListener('hashchange', () => {
    readHash();
    syncToolbar();
    showView();
    renderMatrix();
    if (state.cell) openCell(state.cell);
    else if (dialog.open) dialog.close();
  });
  // Ready when the whole matrix is in the document (tests and scripts wait for it; a reader can use the first rows before).
  // Then the details, so that opening a cell needs no wait. Ready when both are in (tests and scripts wait for it; a reader can use the first rows long before).
  const ready = () => {
    performance.mark('corslab:matrix-complete');
    loadDetails().then(
      () => {
        performance.mark('corslab:details-unpacked');
        document.documentElement.dataset.ready = 'true';
      },
      (error) => {
        console.error(`The report could not read the evidence: ${error instanceof Error ? error.message : String(error)}`);
        document.documentElement.dataset.ready = 'error';
      },
    );
  };
  if (matrixJob) onMatrixComplete.push(ready);
  else ready();
})();
