/**
 * Builds every Lambda in functions/ the way serverless-esbuild does for serverless.yml (bundle,
 * minify, ESM, node22, module-first mainFields, keepNames, the createRequire banner,
 * esbuild.plugins.cjs) and measures each bundle's size and its cold import time: a fresh `node` process importing the built file, median of several runs.
 * Targets (issue 3): <= 1 MB minified, import <= 150 ms.
 *
 *   npm run bench:bundles [-- --runs 7] [--sdk-external] [--only backup,restoreDrill]
 *
 * --sdk-external leaves @aws-sdk/* and @smithy/* out of the bundle (as if the Lambda runtime's
 * SDK were used; they are then imported from node_modules in the timing runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const sdkExternal = process.argv.includes('--sdk-external');
const onlyFlag = process.argv.indexOf('--only');
const only = onlyFlag > 0 ? (process.argv[onlyFlag + 1] ?? '').split(',') : null;
const SIZE_TARGET = 1024 * 1024;
const IMPORT_TARGET_MS = 150;

const functions = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => !only || only.some((prefix) => name.startsWith(prefix)))
  .sort();
/** The same plugins serverless.yml gives serverless-esbuild. */
const plugins = createRequire(import.meta.url)('../esbuild.plugins.cjs');
// Inside the repo (ignored .esbuild/) so that --sdk-external bundles resolve node_modules.
mkdirSync(join(root, '.esbuild'), { recursive: true });
const out = mkdtempSync(join(root, '.esbuild', 'bench-bundles-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function coldImportMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'eu-west-1', NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

try {
  const rows: { name: string; bytes: number; ms: number }[] = [];
  for (const name of functions) {
    const file = join(out, `${name}.mjs`);
    await build({
      entryPoints: [join(root, 'functions', `${name}.ts`)],
      outfile: file,
      bundle: true,
      minify: true,
      sourcemap: false,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      keepNames: true,
      logLevel: 'error',
      plugins,
      ...(sdkExternal ? { external: ['@aws-sdk/*', '@smithy/*'] } : {}),
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    const bytes = statSync(file).size;
    const times = Array.from({ length: runs }, () => coldImportMs(file));
    rows.push({ name, bytes, ms: median(times) });
  }
  console.log(
    `bundle sizes and cold import (median of ${runs} fresh node processes, node ${process.version}${sdkExternal ? ', AWS SDK external' : ''})`,
  );
  console.log('function               size (KiB)  import (ms)  within targets');
  for (const r of rows) {
    const ok = r.bytes <= SIZE_TARGET && r.ms <= IMPORT_TARGET_MS;
    console.log(
      `${r.name.padEnd(22)} ${(r.bytes / 1024).toFixed(1).padStart(10)}  ${r.ms.toFixed(1).padStart(11)}  ${ok ? 'yes' : 'NO'}`,
    );
  }
  const worst = rows.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  console.log(
    `largest: ${worst.name} ${(worst.bytes / 1024).toFixed(1)} KiB; targets: <= 1024 KiB, <= ${IMPORT_TARGET_MS} ms`,
  );
  if (rows.some((r) => r.bytes > SIZE_TARGET || r.ms > IMPORT_TARGET_MS)) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
