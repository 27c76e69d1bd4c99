import '../polyfills.js';
import { ConfigError, describeError } from '../core/errors.js';
import { commands } from './commands/index.js';
import { type CommandContext, exitCodes, stderrProgress } from './context.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: drillbook <command> [--config FILE] [--json] [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `drillbook <command> --help` for a command's options.",
    'Exit codes: 0 passed, 1 failed or inconclusive, 2 bad input or configuration.',
  ].join('\n');
}

/** The CLI entry: returns the exit code; never prints a stack trace unless DRILLBOOK_DEBUG is set. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`${text}\n`);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(usage());
    return name ? exitCodes.passed : exitCodes.badInput;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    err(`drillbook: unknown command "${name}"\n\n${usage()}`);
    return exitCodes.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(command.help);
    return exitCodes.passed;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts === 1) {
      err(
        `\ndrillbook: ${signal} received: stopping and tearing down what this run created (press again to force)`,
      );
      controller.abort(new Error(`interrupted by ${signal}`));
    } else {
      err('drillbook: forced exit; staging resources may be left behind');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: CommandContext = { out, err, progress: stderrProgress(), signal: controller.signal };
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (process.env['DRILLBOOK_DEBUG']) err(String((error as Error).stack ?? error));
    if (error instanceof ConfigError) {
      err(`drillbook ${name}: ${error.message}`);
      return exitCodes.badInput;
    }
    err(`drillbook ${name}: ${describeError(error)}`);
    return exitCodes.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
