#!/usr/bin/env node
import { BackendError } from '../errors.js';
import { parseCommandLine, UsageError, usage } from './parse-args.js';
import { releaseVanishedTerminal, terminalHungUp } from './cli-io.js';
import { runSupervisor, SetupError } from './run.js';
import { terminalSafe } from '../report/terminal-text.js';
import { runSystem } from './up.js';

async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCommandLine(argv);
    if (!command) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    return command.verb === 'up' ? await runSystem(command) : await runSupervisor(command);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`backend-lifecycle: ${terminalSafe(error.message)}\nRun "backend-lifecycle --help" for usage.\n`);
      return 2;
    }
    if (error instanceof SetupError) {
      process.stderr.write(`backend-lifecycle: ${terminalSafe(error.message)}\n`);
      return 2;
    }
    if (error instanceof BackendError) {
      process.stderr.write(`backend-lifecycle: ${error.code}: ${terminalSafe(error.message)}\n`);
      return error.code === 'INVALID_OPTIONS' ? 2 : 1;
    }
    // a defect: one line that says so, not a stack trace in the user's terminal
    process.stderr.write(`backend-lifecycle: unexpected failure: ${terminalSafe(error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
if (terminalHungUp()) {
  // the terminal is gone: nobody reads what is left, and Node's exit must not touch the dead tty
  releaseVanishedTerminal();
  process.exit();
}
// nothing should keep the loop alive after a stop; if a stray handle does, it must not hang the terminal
setTimeout(() => process.exit(), 1_000).unref();
