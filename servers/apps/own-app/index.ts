import { existsSync, statSync } from 'node:fs';
import { isInside, projectFolder } from '../../../harness/system/project-folder.ts';
import path from 'node:path';
import { jsLiteral } from '../../../harness/core/js-literal.ts';
import type { SetupProblem } from '../../../harness/core/format.ts';
import type { StackName } from '../../../harness/core/names.ts';
import { corsLibraryOptions, type StackDefinition, type StackSetup } from '../app-stack.ts';
import { OWN_APP_KINDS, type OwnAppSetup } from './kinds.ts';

/** The extensions of a module Node (with tsx) imports: JavaScript in either module system, or TypeScript. */
const MODULE_FILE = '^[A-Za-z0-9._/-]+\\.(?:js|mjs|cjs|ts|mts|cts)$';

/**
 * Your app, as it is (`server.app: { module: ./app.js, export: default }`):
 * the user's own Express app or router, Fastify instance or plugin, Node
 * request handler or http.Server, loaded from its file and mounted unchanged
 * behind the recorder, on a port of its own. Its column is named after the
 * file (`app@app.js`). This definition is pure: the module is imported only
 * when the stack starts (server.ts, through load.ts).
 */
export const ownAppStack: StackDefinition<OwnAppSetup> = {
  name: 'app',
  label: 'Your app',
  packages: [],
  setupSchema: {
    property: {
      type: 'object',
      additionalProperties: false,
      required: ['module'],
      description: 'Your own app, mounted as it is: `module` (a .js, .mjs, .cjs or .ts file, relative to the scenario file), `export` (default: `default`), `kind` (default: detected).',
      properties: {
        module: { type: 'string', pattern: MODULE_FILE, description: 'the file, relative to the scenario file: letters, digits, `._/-`, ending in .js, .mjs, .cjs or .ts' },
        export: { type: 'string', pattern: '^[A-Za-z_$][A-Za-z0-9_$]*$', description: 'the export that is the app (default: `default`)' },
        kind: { enum: [...OWN_APP_KINDS], description: 'what the export is, when detection guesses wrong' },
      },
    },
  },
  checkSetup: (raw, { file }) => moduleProblems(raw, file),
  ownApp: {
    column: ownAppColumn,
    check: async (raw, scenarioFile) => (await (await import('./load.ts')).loadOwnApp(modulePath(raw, scenarioFile), raw.export ?? 'default', raw.kind)).described,
  },
  render({ raw }: StackSetup<OwnAppSetup>): string {
    if (!raw) return '// your app: no module';
    return `// Your app, as it is: ${raw.module}, export ${raw.export ?? 'default'}${raw.kind ? ` (${raw.kind})` : ''}; the lab's handler is not in it`;
  },
  // A fix names the headers in the most common idiom; the app is the user's, so the lab cannot rewrite it.
  renderPolicy: (policy) => `// in your app; with Express and the cors package:\napp.use(cors(${jsLiteral(corsLibraryOptions(policy))}))`,
  preflightFirst: '// in your app: answer OPTIONS (the preflight) before authentication, e.g. app.use(cors()) before app.use(requireAuth)',
  start: async (options) => (await import('./server.ts')).start(options),
};

/** The column of a scenario's app: `app@<file name>`, with `:<export>` for a named export. */
export function ownAppColumn(raw: OwnAppSetup): StackName {
  const exported = raw.export && raw.export !== 'default' ? `:${raw.export}` : '';
  return `app@${path.basename(raw.module)}${exported}`;
}

/** The module's absolute path: relative to the scenario file. */
export function modulePath(raw: OwnAppSetup, scenarioFile: string): string {
  return path.resolve(path.dirname(scenarioFile), raw.module);
}

/** What is wrong with `server.app.module` before anything starts: a file that is not there, not a file, or outside the project. */
function moduleProblems(raw: OwnAppSetup, scenarioFile: string): SetupProblem[] {
  const file = modulePath(raw, scenarioFile);
  const root = projectFolder(scenarioFile);
  if (!isInside(root, file)) return [{ segments: ['module'], message: `\`${raw.module}\` is outside the scenario's project folder ${root}; the app's module must be inside it` }];
  if (!existsSync(file)) return [{ segments: ['module'], message: `\`${raw.module}\` does not exist (looked for ${file})` }];
  if (!statSync(file).isFile()) return [{ segments: ['module'], message: `\`${raw.module}\` is not a file (${file})` }];
  return [];
}
