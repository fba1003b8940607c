#!/usr/bin/env node
import { runCli } from './program.js';

// exitCode (not exit()) lets stdout drain before the process ends.
process.exitCode = await runCli(process.argv.slice(2));
