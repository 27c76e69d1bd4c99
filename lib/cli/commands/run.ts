import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { backupInputSchema, drillInputSchema } from '../../aws/events/stepFunctions.js';
import { parseEvent } from '../../aws/handler.js';
import { InputError } from '../../core/errors.js';
import { type DrillbookConfig, loadConfig } from '../../drillbookConfig.js';
import { replayRequestSchema } from '../../jobs/replay/replayRequest.js';
import {
  definitionPath,
  describeStateMachine,
  type StateMachineName,
  stateMachineNames,
} from '../../local/stateMachineRunner.js';
import { intFlag, parseFlags } from '../args.js';
import { type Command, type CommandContext, exitCodes } from '../context.js';
import { localHandlers } from '../localHandlers.js';

const inputSchemas: Record<StateMachineName, z.ZodType> = {
  backup: backupInputSchema,
  'restore-drill': drillInputSchema,
  'replay-rehearsal': replayRequestSchema,
};

/** The one positional argument: a state machine name. */
export function machineArgument(positionals: string[]): StateMachineName {
  const name = positionals[0];
  if (!name || !(stateMachineNames as readonly string[]).includes(name)) {
    throw new InputError('<state-machine>', `must be one of ${stateMachineNames.join(', ')}`);
  }
  if (positionals.length > 1) throw new InputError('arguments', `unexpected "${positionals[1]}"`);
  return name as StateMachineName;
}

/** --input JSON or @file, parsed and validated; errors name the field. */
export function readInput(raw: string | undefined, machine: StateMachineName): unknown {
  const text = raw === undefined ? '{}' : raw.startsWith('@') ? readInputFile(raw.slice(1)) : raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError('--input', `is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseEvent(inputSchemas[machine], parsed);
  } catch (error) {
    if (error instanceof InputError)
      throw new InputError(`--input.${error.field}`, error.message.replace(/^[^:]*: /, ''));
    throw error;
  }
}

function readInputFile(path: string): string {
  const file = resolve(path);
  if (!existsSync(file)) throw new InputError('--input', `file not found: ${file}`);
  return readFileSync(file, 'utf8');
}

export const runCommand: Command = {
  name: 'run',
  summary:
    'interpret a state machine (backup, restore-drill, replay-rehearsal) on this machine, its Tasks calling AWS APIs in-process',
  help: `usage: drillbook run <backup|restore-drill|replay-rehearsal> --input JSON|@FILE [--dry-run] [--config FILE] [--runbook DIR]
                    [--wait-seconds N] [--json]

The local interpreter, not the deployed workflow: runs the ASL definition from state-machines/
(the file serverless.yml deploys) on this machine with aws-local-stepfunctions, and every Task
calls the same handler the Lambda runs (functions/*.ts) in this process, with the AWS adapters of
the config's systems[].aws section: it calls RDS, Secrets Manager, S3 and CloudWatch in your AWS
account with your credentials (the usual AWS environment), and must reach the databases from
here. No Lambda and no Step Functions execution are involved; to run the deployed state machine
use \`drillbook start --target aws\`.

Reports and manifests go to the configured runbook store: the config's runbook.s3 bucket and
prefix when set (encrypted with reporting.kmsKeyId), else runbook.dir; --runbook DIR writes to
that folder instead (a local trial run).

  --input JSON|@FILE  execution input, validated:
                        backup:        {"system"?: NAME, "backupId"?: SNAPSHOT-ID}
                        restore-drill: {"system"?: NAME, "targetTime"?: ISO, "backupId"?: ID, "mask"?: BOOL}
                        replay-rehearsal: {"stream"?: NAME, "projection"?: NAME, "fromSeq"?: N, "toSeq"?: N,
                                           "expectDigest"?: HEX, "outboxTable"?: TABLE, ...}
                        (replay-rehearsal: the config's systems[].nats, .replay and .streams[]
                         give NATS, Postgres and the defaults; without a nats section it reads
                         DRILLBOOK_NATS_URL and DRILLBOOK_REPLAY_PG_URL)
  --dry-run           print the states in order with what each does; call nothing
  --wait-seconds N    pause N seconds in every Wait state instead of the definition's value
  --json              print the execution output as JSON

Exit codes: 0 the execution succeeded, 1 it failed (the report says why), 2 bad input or configuration.`,
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(
      argv,
      {
        input: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        runbook: { type: 'string' },
        'wait-seconds': { type: 'string' },
      },
      true,
    );
    const machine = machineArgument(positionals);
    const input = readInput(values.input, machine);

    if (values['dry-run']) {
      ctx.out(`dry run: state machine ${machine} (${definitionPath(machine)})`);
      ctx.out(`input: ${JSON.stringify(input)}`);
      ctx.out('states, in the order a run first reaches them (nothing is called):');
      for (const line of describeStateMachine(machine)) ctx.out(line);
      return exitCodes.passed;
    }

    return executeStateMachine(machine, input, values, ctx);
  },
};

/**
 * The runbook folder the handlers publish to, or null for the configured S3 store: --runbook DIR
 * when given, else the config's runbook.s3 (null), else its runbook.dir, else ./runbook.
 */
export function runbookDirFor(flag: string | undefined, config: DrillbookConfig | null): string | null {
  if (flag !== undefined) return resolve(flag);
  if (config?.runbook.s3) return null;
  return resolve(config?.runbook.dir ?? 'runbook');
}

/**
 * Executes a state machine's ASL on this machine with its Tasks bound to the Lambda handlers (AWS
 * adapters from the config). Also what `backup --target aws` and `restore-drill --target aws` run.
 */
export async function executeStateMachine(
  machine: StateMachineName,
  input: unknown,
  options: {
    config?: string | undefined;
    runbook?: string | undefined;
    json?: boolean;
    /** The --wait-seconds flag as given (validated here). */
    'wait-seconds'?: string | undefined;
  },
  ctx: CommandContext,
): Promise<number> {
  const waitSeconds = intFlag(options['wait-seconds'], 'wait-seconds');
  const configFile = options.config ?? process.env['DRILLBOOK_CONFIG'];
  // The RDS workflows need the systems' aws sections; a replay rehearsal needs only NATS (env).
  if (!configFile && machine !== 'replay-rehearsal') {
    throw new InputError(
      '--config',
      'is required: its systems[].aws sections say what to run against (or use --dry-run)',
    );
  }
  const config = configFile ? loadConfig(configFile) : null;
  if (configFile) process.env['DRILLBOOK_CONFIG_JSON'] = readFileSync(resolve(configFile), 'utf8');
  const dir = runbookDirFor(options.runbook, config);
  if (dir) process.env['DRILLBOOK_RUNBOOK_DIR'] = dir;
  else delete process.env['DRILLBOOK_RUNBOOK_DIR'];
  const [{ runStateMachine }, functionHandlers] = await Promise.all([
    import('../../local/stateMachineRunner.js'),
    localHandlers(),
  ]);
  try {
    const run = await runStateMachine(machine, input, {
      handlers: functionHandlers,
      ...(waitSeconds !== undefined ? { waitMs: waitSeconds * 1000 } : {}),
      onState: (state, type) => ctx.progress.step(`${machine}: ${state} (${type})`),
    });
    ctx.out(
      options.json
        ? JSON.stringify(run.output, null, 2)
        : `succeeded: ${JSON.stringify((run.output as { result?: unknown }).result ?? run.output)}`,
    );
    return exitCodes.passed;
  } catch (error) {
    const message = (error as Error).message;
    if (/Execution has failed/.test(message)) {
      ctx.err(`${machine} failed: ${message.replace(/^.*?error: /, '')}`);
      return exitCodes.failed;
    }
    throw error;
  }
}
