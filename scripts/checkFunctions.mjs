#!/usr/bin/env node
// The shape of functions/, checked by `npm test` before vitest (Biome's import rules cannot say
// it): every file there is a deployed handler: it exports `handler` and nothing else, and the
// Serverless template names it (serverless.yml or config/*.serverless.cjs, by its function key).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const templates = [
  'serverless.yml',
  ...readdirSync(join(root, 'config')).filter((f) => f.endsWith('.serverless.cjs')),
]
  .map((f) => readFileSync(join(root, f === 'serverless.yml' ? f : join('config', f)), 'utf8'))
  .join('\n');

const problems = [];
for (const file of readdirSync(join(root, 'functions')).sort()) {
  const where = `functions/${file}`;
  if (!file.endsWith('.ts')) {
    problems.push(`${where}: only handler .ts files belong in functions/`);
    continue;
  }
  const name = file.slice(0, -'.ts'.length);
  const source = readFileSync(join(root, 'functions', file), 'utf8');
  const exports = source.match(/^export\b.*$/gm) ?? [];
  if (exports.length !== 1 || !/^export const handler\b/.test(exports[0])) {
    problems.push(
      `${where}: must export only \`export const handler\` (found: ${exports.join(' | ') || 'none'})`,
    );
  }
  const named =
    templates.includes(`functions/${name}.handler`) ||
    new RegExp(`^\\s*${name}:\\s*hook\\(`, 'm').test(templates);
  if (!named)
    problems.push(
      `${where}: no function in serverless.yml (or config/*.serverless.cjs) has handler functions/${name}.handler`,
    );
}

if (problems.length > 0) {
  process.stderr.write(`functions/ layout check failed:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
