#!/usr/bin/env node
// The `corslab` command. The harness is TypeScript, run through tsx's loader
// so there is no build step between editing a file and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
