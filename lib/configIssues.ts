import { z } from 'zod';
import { didYouMean } from './core/closestName.js';
import { ConfigError } from './core/errors.js';

/**
 * Zod issues as one-line ConfigErrors naming the full field path. An unknown field (every config
 * object is strict) is reported before anything else, since it usually explains the rest (a typo
 * leaves the real field missing), with the closest known field name when there is one.
 */
export function issueToConfigError(error: z.ZodError, schema?: z.ZodType, prefix = ''): ConfigError {
  const issue = mostTelling(error.issues);
  if (!issue) return new ConfigError(prefix || '(root)', 'invalid', { cause: error });
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const known = schema ? knownKeysAt(schema, issue.path) : [];
    const more = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : '';
    return new ConfigError(
      fieldName([...issue.path, key], prefix),
      `unknown field${more}${didYouMean(key, known)}`,
      { cause: error },
    );
  }
  return new ConfigError(fieldName(issue.path, prefix), issue.message, { cause: error });
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

function fieldName(path: readonly PropertyKey[], prefix: string): string {
  const joined = path.map(String).join('.');
  if (!prefix) return joined || '(root)';
  return joined ? `${prefix}.${joined}` : prefix;
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
