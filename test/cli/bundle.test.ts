/**
 * dist/sluice-broker.cjs, the bundle of the broker-side commands, against the ES modules it is
 * made from: the same exit codes, the same lines on stdout and stderr, a broker that finds the
 * checkout (example modules) from the bundle's place, and SIGTERM handled from the listening line on.
 */
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRootAbove } from '../../cli/package-root.js';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { REPO_ROOT, SLUICE_BIN, ensureBuilt } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { runProcess } from '../helpers/tools.js';

const BUNDLE = path.join(REPO_ROOT, 'dist', 'sluice-broker.cjs');
const ENTRY = path.join(REPO_ROOT, 'dist', 'cli', 'index.js');
/** Building the bundle and warming its cache starts one broker; a loaded machine needs a while. */
const BUNDLE_BUILD_TIMEOUT_MS = 120_000;

type Mode = 'on' | 'off';
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function sluice(mode: Mode, args: string[]): Promise<Run> {
  const r = await runProcess(process.execPath, [SLUICE_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, SLUICE_BUNDLE: mode }, timeoutMs: 30_000 });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = makeTempDir('bundle');
  dirs.push(d);
  return d;
}

beforeAll(() => {
  ensureBuilt();
  // A tsc run after `npm run build` leaves the bundle behind dist/ (bin/sluice.js then passes it
  // over); bundle what dist/ holds now so that both sides below run the same code.
  const bundle = statSync(BUNDLE, { throwIfNoEntry: false });
  if (bundle === undefined || bundle.mtimeMs < statSync(ENTRY).mtimeMs) {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-bundle.mjs')], { cwd: REPO_ROOT, stdio: 'pipe', timeout: BUNDLE_BUILD_TIMEOUT_MS });
  }
}, BUNDLE_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await killAllBrokers();
  for (const d of dirs) removeTempDir(d);
});

describe('the broker bundle', () => {
  it('fails, helps and refuses exactly as the ES modules do', async () => {
    const data = tempDir();
    const cases: string[][] = [
      ['broker', 'start', '--port', '99999', '--data', data],
      ['broker', 'start', '--port', '0'],
      ['broker', 'start', '--port', '0', '--data', data, '--bucket', 's3://b/p'],
      ['broker', 'start', '--port', '0', '--data', data, '--log-level', 'loud'],
      ['broker', 'start', '--port', '0', '--data', data, '--config', path.join(data, 'missing.yaml')],
      ['broker', 'start', '--no-such-flag'],
      ['broker', '--help'],
      ['broker', 'nonsense'],
      ['topic', 'list', '--bootstrap', 'nowhere'],
      ['topic', 'list', '--bootstrap', '127.0.0.1:1'],
      ['consume', 'x', '--offset', 'yesterday', '--bootstrap', '127.0.0.1:1'],
    ];
    for (const args of cases) {
      const [esm, bundled] = await Promise.all([sluice('off', args), sluice('on', args)]);
      expect(esm.code, args.join(' ')).not.toBe(null);
      expect(bundled, args.join(' ')).toEqual(esm);
    }
  });

  it('starts a broker that registers the example modules found from its own place, and stops it with exit 0', async () => {
    const data = tempDir();
    const b = await BrokerProcess.start({ data, env: { SLUICE_BUNDLE: 'on' }, extraArgs: ['--register-examples'] });
    // The broker registers the examples after its listening line: wait for the log line (the
    // test's own timeout bounds the wait).
    const registered = /"modules":\[[^\]]*"json-filter"[^\]]*\],"msg":"registered example modules"/;
    while (!registered.test(b.output()) && b.alive) await new Promise((r) => setTimeout(r, 50));
    expect(b.output()).toMatch(registered);
    expect(await b.stop()).toBe(0);
  });

  it('exits 0 after flushing when SIGTERM comes the moment the listening line does', async () => {
    // A race: a few rounds each way give it room to show.
    for (const mode of ['on', 'off', 'on', 'off', 'on'] as const) {
      const data = tempDir();
      const child = spawn(process.execPath, [SLUICE_BIN, 'broker', 'start', '--port', '0', '--data', data], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SLUICE_BUNDLE: mode },
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        if (s.includes('listening on')) child.kill('SIGTERM');
      });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      expect({ mode, code, signal }, stderr).toEqual({ mode, code: 0, signal: null });
      expect(stderr).toMatch(/shutting down/);
    }
  });
});

describe('packageRootAbove', () => {
  it('finds the checkout from any depth below it, and says so when there is none', () => {
    expect(packageRootAbove(path.join(REPO_ROOT, 'dist', 'cli', 'commands', 'broker.js'))).toBe(REPO_ROOT);
    expect(packageRootAbove(BUNDLE)).toBe(REPO_ROOT);
    expect(packageRootAbove(new URL(`file://${path.join(REPO_ROOT, 'scripts', 'build-bundle.mjs')}`))).toBe(REPO_ROOT);
    expect(() => packageRootAbove('/no-package-here/x.js')).toThrow(/no package.json above/);
  });
});
