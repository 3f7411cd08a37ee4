#!/usr/bin/env node
// Entry point of the browser tests (registered with ctest by tests/browser.cmake).
// Installs the npm dependencies (playwright-core, axe-core, ws; exact versions
// from package-lock.json) when they are missing, then runs suite.mjs.
//
//   node tests/browser/run.mjs --server build/server/screener-server \
//        [--source .] [--scripts DIR] [--artifacts build/browser-artifacts] [--only name,name] [--chromium /usr/bin/chromium]
//
// Without --server only the tests against the fake server run (the others are
// reported as skipped).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const need = ['playwright-core', 'axe-core', 'ws'];
if (need.some((p) => !existsSync(join(here, 'node_modules', p, 'package.json')))) {
  console.log('browser tests: installing npm dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('browser tests: npm ci failed; cannot run the browser tests');
    process.exit(1);
  }
}
const { main } = await import('./suite.mjs');
process.exit(await main(process.argv.slice(2)));
