/**
 * The direction of imports, enforced (in the spirit of Playwright's DEPS.list
 * files): each folder may import only itself and the folders below it, and an
 * extension's folder (one engine, one stack, one proxy, one runtime, one
 * reporter) only through its catalog. Type imports count: a type that flows
 * the wrong way is a layer that does not own its types.
 *
 * The table is the README's "Project layout", bottom first.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Bottom first: a folder may import the folders above it in this list, never those below. */
export const LAYERS = [
  'harness/config', // defaults and settings files
  'harness/core', // names, the scenario format's types, origins, cleanup
  'harness/system', // processes, ports, the project's folder and versions, certificates
  'harness/model', // the Fetch standard's CORS rules, pure
  'harness/results', // the results contract every report reads
  'servers', // app stacks, proxies, runtimes, recorder, page server
  'harness/scenarios', // loading and validating scenario files
  'harness/plan', // scenario x probe x stack x engine
  'harness/probes', // the page code of a probe
  'harness/browsers', // engines
  'harness/observations', // evidence -> observation
  'harness/verdicts', // observation vs expectation
  'harness/explanations', // the model's reason, fixes, security findings
  'harness/curriculum', // chapters and the claims index
  'harness/reporters', // terminal, JSON, HTML, JUnit
  'harness/run', // a run in small parts
  'harness/cli', // the command line
  'harness/api', // the package's programmatic API and its Vitest integration (corslab, corslab/vitest)
] as const;

/** Folders of extensions: each member is imported only by its catalog (`<folder>/catalog.ts`). */
export const CATALOGS = ['harness/browsers', 'servers/apps', 'servers/proxies', 'servers/runtimes', 'harness/reporters'] as const;

function layerOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((layer, i) => {
    if ((file === layer || file.startsWith(`${layer}/`)) && layer.length > bestLength) {
      best = i;
      bestLength = layer.length;
    }
  });
  return best;
}

/** The extension a file belongs to (`servers/apps/next`), if it is inside one. */
function memberOf(file: string): string | undefined {
  for (const catalog of CATALOGS) {
    const rest = file.startsWith(`${catalog}/`) ? file.slice(catalog.length + 1) : undefined;
    if (rest?.includes('/')) return `${catalog}/${rest.split('/')[0]}`;
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'template') return [];
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|js)$/.test(name) ? [rel] : [];
  });
}

interface Import {
  file: string;
  line: number;
  specifier: string;
  target: string;
}

/** Every relative import of a file: static, type-only, re-exports, dynamic `import()` and `import('…')` types. */
function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (node: ts.Node, specifier: string) => {
    if (!specifier.startsWith('.')) return;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, specifier, target });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      add(node, node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // JSDoc types (`import('…')`, `@import … from '…'`) are not in the syntax tree of a .js file's comments; read them as text.
  for (const match of text.matchAll(/import\('(\.[^']+)'\)|@import\s[^'\n]*'(\.[^']+)'/g)) {
    const specifier = (match[1] ?? match[2])!;
    const line = text.slice(0, match.index).split('\n').length;
    if (!found.some((f) => f.line === line && f.specifier === specifier)) {
      found.push({ file, line, specifier, target: path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) });
    }
  }
  return found;
}

/** Why an import breaks the layering, or undefined when it is fine. */
export function violation(imp: Pick<Import, 'file' | 'target'>): string | undefined {
  const from = layerOf(imp.file);
  const to = layerOf(imp.target);
  if (from === -1) return undefined; // bin/, scripts/, tests/: on top of everything
  if (to === -1) return `imports ${imp.target}, which is outside every layer`;
  if (to > from) return `${LAYERS[from]} may not import ${LAYERS[to]} (a layer above it)`;
  const member = memberOf(imp.target);
  if (member && memberOf(imp.file) !== member && !imp.file.endsWith('.test.ts')) {
    const catalog = `${path.posix.dirname(member)}/catalog.ts`;
    if (imp.file !== catalog) return `${member} is an extension: only ${catalog} imports it`;
  }
  return undefined;
}

const files = ['harness', 'servers'].flatMap(sourceFiles);

describe('the layering', () => {
  it('puts every file of harness/ and servers/ in a layer', () => {
    expect(files.filter((f) => layerOf(f) === -1)).toEqual([]);
  });

  it('has no import that goes up a layer or into an extension past its catalog', () => {
    const problems = files.flatMap(importsOf).flatMap((imp) => {
      const why = violation(imp);
      return why ? [`${imp.file}:${imp.line} imports '${imp.specifier}': ${why}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('catches a wrong-way import, a type import included', () => {
    expect(violation({ file: 'harness/core/format.ts', target: 'harness/browsers/driver.ts' })).toMatch(/harness\/core may not import harness\/browsers/);
    expect(violation({ file: 'servers/apps/next/app.ts', target: 'harness/scenarios/load.ts' })).toMatch(/servers may not import harness\/scenarios/);
    expect(violation({ file: 'harness/run/run.ts', target: 'servers/apps/next/index.ts' })).toMatch(/only servers\/apps\/catalog.ts imports it/);
    expect(violation({ file: 'harness/run/run.ts', target: 'servers/apps/catalog.ts' })).toBeUndefined();
    // The report viewer's JSDoc types are imports too.
    expect(importsOf('harness/reporters/html/viewer.js').map((i) => i.target)).toContain('harness/results/types.ts');
  });
});
