export { createProgram, runCli, type CliIo } from './program.js';
export { UsageError } from './cli-errors.js';
