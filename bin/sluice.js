#!/usr/bin/env node
// The `sluice` command. `npm run build` produces dist/: the ES modules of every command
// (dist/cli/index.js), and dist/sluice-broker.cjs, one CommonJS bundle of the broker-side commands
// (scripts/build-bundle.mjs) that starts several times faster. bin/bundle-loader.cjs runs the
// bundle when it is there and not older than dist/cli/index.js; everything else, and every command
// when it is not, goes to the ES modules. SLUICE_BUNDLE=off never uses the bundle; SLUICE_BUNDLE=on
// always does (tests that compare the two), and fails when it is missing.
import { createRequire } from 'node:module';

// Built-ins through require: importing them as ES modules costs a wrapper per module.
const require = createRequire(import.meta.url);
const { statSync } = require('node:fs');
const { fileURLToPath } = require('node:url');

const entry = new URL('../dist/cli/index.js', import.meta.url);
const entryStat = statSync(entry, { throwIfNoEntry: false });
if (entryStat === undefined) {
  process.stderr.write('sluice: not built yet; run `npm run build` first\n');
  process.exit(1);
}

const mode = process.env.SLUICE_BUNDLE;
let bundle = null;
if (mode !== 'off') {
  const bundlePath = fileURLToPath(new URL('../dist/sluice-broker.cjs', import.meta.url));
  const { loadBundle } = require('./bundle-loader.cjs');
  bundle = loadBundle({ bundlePath, notOlderThanMs: entryStat.mtimeMs, ignoreAge: mode === 'on' });
  if (bundle === null && mode === 'on') {
    process.stderr.write(`sluice: SLUICE_BUNDLE=on but ${bundlePath} is missing; run \`npm run build\`\n`);
    process.exit(1);
  }
}

if (bundle !== null && bundle.exports.serves(process.argv)) {
  process.once('exit', () => bundle.saveCache());
  await bundle.exports.run(process.argv);
} else {
  await import(entry.href);
}
