// esbuild plugins for the Lambda bundles (serverless-esbuild `custom.esbuild.plugins`, and
// bench/bundles.ts). `import { z } from 'zod'` keeps the whole namespace, including every
// locale's error messages (~300 KB minified); drillbook reports errors in English only, so the
// locales module is replaced by one that exports just `en` (zod's default).
const { dirname, join } = require('node:path');

const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/]/.test(args.importer)) return undefined;
      return { path: join(dirname(args.importer), '..', 'locales'), namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

// @aws-sdk/core's browser user-agent provider imports bowser (a browser UA parser, ~33 KB); in
// Node the SDK uses its Node user-agent provider and never calls it. The stub parses nothing.
const noBrowserUserAgentParser = {
  name: 'no-browser-user-agent-parser',
  setup(build) {
    build.onResolve({ filter: /^bowser$/ }, () => ({ path: 'bowser', namespace: 'no-bowser' }));
    build.onLoad({ filter: /.*/, namespace: 'no-bowser' }, () => ({
      contents: 'export const parse = () => undefined;\nexport default { parse };\n',
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishOnly, noBrowserUserAgentParser];
