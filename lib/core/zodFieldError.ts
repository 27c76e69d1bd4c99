import { z } from 'zod';
import { didYouMean } from './closestName.js';
import { ConfigError, InputError } from './errors.js';

/**
 * The one converter from a zod error to an error naming the offending field ("systems.0.name",
 * "event.detail.state.value", "--store secrets.x"). Callers differ only in how they name fields,
 * which these options say; the wording of each caller's messages is kept as it has always been.
 */
export interface FieldNaming {
  /** Put before the issue's path, e.g. "event" or "--store". */
  prefix?: string;
  /** Between the prefix and the path ("." unless said; the store file uses " "). */
  joiner?: string;
  /** Stands for an empty path: nothing after a prefix, "(root)" without one, unless said. */
  root?: string;
  /**
   * Unknown fields: "explain" reports one before anything else (it usually explains the rest: a
   * typo leaves the real field missing) as "unknown field", with the closest known name from
   * `schema`, and looks inside unions at the option that came closest (the config's rule);
   * "name" names the unknown key in the field and keeps zod's message (step events); "parent"
   * (default) names the object holding it.
   */
  unknown?: 'explain' | 'name' | 'parent';
  schema?: z.ZodType;
  /**
   * The parsed input, when given (even as undefined): a field absent from it "is required" (zod's
   * own wording, "Invalid option" or "expected string, received undefined", reads as if a wrong
   * value had been given).
   */
  input?: unknown;
  /** Reason when zod gave no issue. */
  fallback?: string;
}

export interface FieldProblem {
  field: string;
  /** The issue's path joined with "." ('' for the root), without the prefix. */
  path: string;
  reason: string;
  /** zod's issue code ("invalid_type"...), for messages that must not quote zod's text. */
  code: string;
}

/** The field and reason a zod error is about. */
export function fieldProblem(error: z.ZodError, naming: FieldNaming = {}): FieldProblem {
  const explain = naming.unknown === 'explain';
  const issue = explain ? mostTelling(error.issues) : error.issues[0];
  const reason0 = naming.fallback ?? 'invalid';
  if (!issue) return { field: fieldName([], naming), path: '', reason: reason0, code: 'invalid' };
  if (issue.code === 'unrecognized_keys' && naming.unknown && naming.unknown !== 'parent') {
    if (naming.unknown === 'name')
      return problem([...issue.path, ...issue.keys.slice(0, 1)], issue.message, issue.code, naming);
    const key = issue.keys[0] ?? '';
    const path = [...issue.path, key];
    const known = naming.schema ? knownKeysAt(naming.schema, issue.path) : [];
    const more = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : '';
    return problem(path, `unknown field${more}${didYouMean(key, known)}`, issue.code, naming);
  }
  const missing =
    'input' in naming && issue.path.length > 0 && valueAt(naming.input, issue.path) === undefined;
  return problem(issue.path, missing ? 'is required' : issue.message, issue.code, naming);
}

/** A zod error as an InputError (bad command-line or event input) naming the field. */
export function zodInputError(error: z.ZodError, naming: FieldNaming = {}, cause = true): InputError {
  const p = fieldProblem(error, naming);
  return new InputError(p.field, p.reason, cause ? { cause: error } : undefined);
}

/** A zod error as a ConfigError (bad configuration) naming the field. */
export function zodConfigError(error: z.ZodError, naming: FieldNaming = {}, cause = true): ConfigError {
  const p = fieldProblem(error, naming);
  return new ConfigError(p.field, p.reason, cause ? { cause: error } : undefined);
}

function problem(
  path: readonly PropertyKey[],
  reason: string,
  code: string,
  naming: FieldNaming,
): FieldProblem {
  return { field: fieldName(path, naming), path: path.map(String).join('.'), reason, code };
}

function fieldName(path: readonly PropertyKey[], naming: FieldNaming): string {
  const prefix = naming.prefix ?? '';
  const joined = path.map(String).join('.') || (naming.root ?? (prefix ? '' : '(root)'));
  if (!prefix) return joined;
  return joined ? `${prefix}${naming.joiner ?? '.'}${joined}` : prefix;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

type Issue = z.core.$ZodIssue;

/**
 * The issue that explains the most: an unknown field first; inside a union none of whose options
 * matched, the issues of the option that came closest (fewest issues), with their full path.
 */
function mostTelling(issues: readonly Issue[]): Issue | undefined {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue?.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
  const inner = mostTelling(closest);
  return inner ? { ...inner, path: [...issue.path, ...inner.path] } : issue;
}

/** The field names the object schema at `path` knows (empty when it is not an object). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at: z.ZodType | undefined = schema;
  for (const segment of path) {
    at = at ? child(unwrap(at), segment) : undefined;
  }
  const target = at ? unwrap(at) : undefined;
  if (target instanceof z.ZodObject) return Object.keys(target.shape);
  if (target instanceof z.ZodUnion)
    return [...new Set(objectOptions(target).flatMap((o) => Object.keys(o.shape)))];
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 20; i++) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodReadonly ||
      s instanceof z.ZodCatch
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else if (s instanceof z.ZodLazy) {
      s = s.unwrap() as z.ZodType;
    } else break;
  }
  return s;
}

function child(schema: z.ZodType, segment: PropertyKey): z.ZodType | undefined {
  if (schema instanceof z.ZodObject) return (schema.shape as Record<string, z.ZodType>)[String(segment)];
  if (schema instanceof z.ZodArray) return schema.element as z.ZodType;
  if (schema instanceof z.ZodRecord) return schema.valueType as z.ZodType;
  if (schema instanceof z.ZodUnion) {
    return objectOptions(schema)
      .map((o) => (o.shape as Record<string, z.ZodType>)[String(segment)])
      .find((s) => s !== undefined);
  }
  return undefined;
}

function objectOptions(union: z.ZodUnion): z.ZodObject[] {
  return (union.options as z.ZodType[]).map(unwrap).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
}
