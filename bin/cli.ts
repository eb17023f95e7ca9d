#!/usr/bin/env node
// The `corslab` command of the published package: compiled to dist/bin/cli.js
// (npm run build), so it runs on plain Node. In this repository bin/corslab.js
// runs the same main() from the TypeScript sources through tsx.
import { main } from '../harness/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
