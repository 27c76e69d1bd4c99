import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { localAccount, localRegion, withLocalFunctionArns } from '../core/aslFunctionArns.js';
import { ConfigError, InputError } from '../core/errors.js';

/**
 * Runs a state machine of state-machines/ on this machine (aws-local-stepfunctions), each Task
 * bound to its in-process Lambda handler: the same ASL file serverless.yml deploys. Task
 * Resources there are `{"Fn::GetAtt": [functionName, "Arn"]}` (serverless-step-functions turns
 * them into ARNs); here they become local ARNs and the function name picks the handler.
 */
export const stateMachineNames = ['backup', 'restore-drill', 'replay-rehearsal'] as const;
export type StateMachineName = (typeof stateMachineNames)[number];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type LocalHandler = (event: unknown, context: object) => Promise<unknown>;

interface AslState {
  Type: string;
  Comment?: string;
  Resource?: unknown;
  Next?: string;
  Default?: string;
  End?: boolean;
  Choices?: { Next: string; Variable?: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Seconds?: number;
}
export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: unknown;
}

export function definitionPath(name: StateMachineName): string {
  return fileURLToPath(new URL(`../../state-machines/${name}.asl.json`, import.meta.url));
}

/** The ASL as deployed (Task Resources still `Fn::GetAtt`). */
export function readDefinition(name: StateMachineName): AslDefinition {
  return JSON.parse(readFileSync(definitionPath(name), 'utf8')) as AslDefinition;
}

/**
 * Loads any ASL file for a local run (asl-validator, aws-local-stepfunctions): each
 * `{"Fn::GetAtt": [LogicalId, "Arn"]}` becomes a fixed local ARN (lib/core/aslFunctionArns.ts),
 * exactly as localDefinition does for the named state machines.
 */
export function loadAslDefinition(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `not a readable JSON state machine: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return withLocalFunctionArns(parsed) as Record<string, unknown>;
}

/** The function a Task state invokes (from its `Fn::GetAtt`), or null for other states. */
export function taskFunction(state: AslState): string | null {
  const resource = state.Resource as { 'Fn::GetAtt'?: [string, string] } | string | undefined;
  if (state.Type !== 'Task' || !resource) return null;
  if (typeof resource === 'string') return resource.split(':').at(-1) ?? null;
  return resource['Fn::GetAtt']?.[0] ?? null;
}

/** The definition with local Lambda ARNs, plus which function each Task state calls. */
export function localDefinition(name: StateMachineName): {
  definition: AslDefinition;
  tasks: Record<string, string>;
} {
  const written = readDefinition(name);
  const tasks: Record<string, string> = {};
  for (const [stateName, state] of Object.entries(written.States)) {
    const fn = taskFunction(state);
    if (fn) tasks[stateName] = fn;
  }
  return { definition: withLocalFunctionArns(written) as AslDefinition, tasks };
}

export interface LocalRunOptions {
  /** Lambda handlers by function name (functions/<name>.ts). */
  handlers: Record<string, LocalHandler>;
  /** Milliseconds every Wait state pauses for (default: as written). */
  waitMs?: number;
  /** Milliseconds before each Retry (default: as written, with jitter). */
  retryMs?: number;
  executionName?: string;
  /**
   * The execution's start time ($$.Execution.StartTime; default: now). Backup ids are per UTC day
   * of it, so runs meant to share "today" pin it instead of racing midnight. The local runner
   * always stamps the real time, so the definition's references to it are given this value.
   */
  startTime?: Date;
  /** Called as each state is entered (for progress). */
  onState?: (stateName: string, type: string) => void;
}

export interface LocalRunResult {
  output: unknown;
  /** The states entered, in order. */
  path: string[];
  /** States retried after an error (state name and error), in order. */
  retries: { state: string; error: string }[];
}

export async function runStateMachine(
  name: StateMachineName,
  input: unknown,
  options: LocalRunOptions,
): Promise<LocalRunResult> {
  const { definition: written, tasks } = localDefinition(name);
  const definition = options.startTime ? withStartTime(written, options.startTime.toISOString()) : written;
  const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [stateName, fn] of Object.entries(tasks)) {
    const handler = options.handlers[fn];
    if (!handler) throw new InputError('handlers', `no handler for function ${fn} (state ${stateName})`);
    taskResourceLocalHandlers[stateName] = async (event) => (await handler(event, {})) as Json;
  }
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait' && options.waitMs !== undefined) waitTimeOverrides[stateName] = options.waitMs;
    if (state.Retry && options.retryMs !== undefined) retryIntervalOverrides[stateName] = options.retryMs;
  }
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const executionName = options.executionName ?? `local-${Date.now().toString(36)}`;
  const startTime = (options.startTime ?? new Date()).toISOString();
  // (aws-local-stepfunctions sets $$.Execution.StartTime itself; withStartTime pins it when asked.)
  const execution = machine.run(input as Json, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: {
        Id: `arn:aws:states:${localRegion}:${localAccount}:execution:drillbook-${name}:${executionName}`,
        Name: executionName,
        StartTime: startTime,
        Input: input as Json,
        RoleArn: `arn:aws:iam::${localAccount}:role/drillbook-local`,
      },
    } as never,
  });
  const path: string[] = [];
  const retries: LocalRunResult['retries'] = [];
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        path.push(event.state.name);
        options.onState?.(event.state.name, definition.States[event.state.name]?.Type ?? '?');
      } else if (event.type === 'StateRetried') {
        retries.push({ state: event.state.name, error: String((event as { error?: string }).error ?? '') });
      }
    }
  })();
  try {
    const output = await execution.result;
    return { output, path, retries };
  } finally {
    await events.catch(() => {});
  }
}

/** What a Choice rule compares, e.g. "$.state.recovered == true". */
function describeRule(rule: Record<string, unknown>): string {
  const op = Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next');
  return `${String(rule['Variable'] ?? 'condition')}${op ? ` ${op} ${JSON.stringify(rule[op])}` : ''}`;
}

/**
 * The states in the order a run reaches them (the main path first, then the error paths), with
 * what each does (for --dry-run).
 */
export function describeStateMachine(name: StateMachineName): string[] {
  const definition = readDefinition(name);
  const order: string[] = [];
  const errorPaths: string[] = [];
  const visit = (stateName: string) => {
    if (order.includes(stateName) || !definition.States[stateName]) return;
    order.push(stateName);
    const state = definition.States[stateName]!;
    for (const c of state.Catch ?? []) errorPaths.push(c.Next);
    for (const c of state.Choices ?? []) visit(c.Next);
    if (state.Default) visit(state.Default);
    if (state.Next) visit(state.Next);
  };
  visit(definition.StartAt);
  while (errorPaths.length > 0) visit(errorPaths.shift()!);
  const lines: string[] = [];
  for (const [i, stateName] of order.entries()) {
    const state = definition.States[stateName]!;
    const fn = taskFunction(state);
    lines.push(
      `${String(i + 1).padStart(2)}. ${stateName} (${state.Type}${fn ? ` -> function ${fn}` : ''}${state.Type === 'Wait' ? ` ${state.Seconds}s` : ''})`,
    );
    if (state.Comment) lines.push(`      ${state.Comment}`);
    const next = [
      ...(state.Choices ?? []).map(
        (c) => `${c.Next} when ${describeRule(c as unknown as Record<string, unknown>)}`,
      ),
      ...(state.Default ? [`${state.Default} otherwise`] : []),
      ...(state.Next ? [state.Next] : []),
    ];
    if (next.length > 0) lines.push(`      next: ${next.join('; ')}`);
    if (state.Retry) {
      lines.push(
        `      retry: ${state.Retry.map((r) => `${r.ErrorEquals.join('/')} up to ${r.MaxAttempts ?? 3}x`).join('; ')}`,
      );
    }
    if (state.Catch) lines.push(`      on error: ${state.Catch.map((c) => c.Next).join(', ')}`);
    if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End) lines.push('      (end)');
  }
  return lines;
}

/** The definition with every `"x.$": "$$.Execution.StartTime"` parameter given `startTime` instead. */
function withStartTime<T>(definition: T, startTime: string): T {
  const pin = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(pin);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) =>
        key.endsWith('.$') && v === '$$.Execution.StartTime' ? [key.slice(0, -2), startTime] : [key, pin(v)],
      ),
    );
  };
  return pin(definition) as T;
}
