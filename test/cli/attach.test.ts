/**
 * The control commands against a real broker process, with only its address: module
 * create|list|describe|delete, attach, detach, attachment list|status, consume --module, and the
 * one-line error and non-zero exit of every bad request, which changes nothing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { expectRefusals, sluiceAgainst, sluiceOk, type CliRun } from '../helpers/sluice-cli.js';

let dir: string;
let broker: BrokerProcess;

const sluice = (args: string[], input = ''): Promise<CliRun> => sluiceAgainst(broker, args, input);
const ok = (args: string[], input = ''): Promise<string> => sluiceOk(broker, args, input);

const wasm = (name: string): string => path.join(REPO_ROOT, 'modules', name, 'build', `${name}.wasm`);

beforeAll(async () => {
  dir = makeTempDir('cli-attach');
  broker = await BrokerProcess.start({ data: dir });
  await ok(['topic', 'create', 'logs', '--partitions', '2']);
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ level: i % 4 === 0 ? 'error' : 'info', n: i })).join('\n') + '\n';
  await ok(['produce', 'logs', '--partition', '0'], lines);
  for (const m of ['json-filter', 'count-sum', 'json-filter-map']) await ok(['module', 'create', m, wasm(m)]);
});
afterAll(async () => {
  await killAllBrokers();
  removeTempDir(dir);
});

describe('sluice attach, detach and attachment through --bootstrap', () => {
  it('registers, lists and describes modules on the broker', async () => {
    const list = JSON.parse(await ok(['module', 'list', '--output', 'json'])) as { name: string; kind: string }[];
    expect(list.map((m) => [m.name, m.kind])).toEqual([['count-sum', 'aggregate'], ['json-filter', 'filter'], ['json-filter-map', 'filter_map']]);
    expect(await ok(['module', 'describe', 'json-filter'])).toMatch(/^json-filter: filter, \d+ bytes, sha256 [0-9a-f]{64}, ABI v1/);
  });

  it('attaches a view that any client reads, shows its status, and detaches it', async () => {
    expect(await ok(['attach', 'json-filter', '--from', 'logs', '--as', 'errors', '--param', 'field=level', '--param', 'value=error'])).toBe('attached json-filter as view errors of logs\n');
    const consumed = await ok(['consume', 'errors', '-e', '--output', 'json']);
    const records = consumed.trim().split('\n').map((l) => JSON.parse(l) as { offset: string; value: string });
    expect(records.map((r) => r.offset)).toEqual(['0', '4', '8', '12', '16', '20', '24', '28', '32', '36']);
    const status = JSON.parse(await ok(['attachment', 'status', 'errors', '--output', 'json'])) as { state: string; stats: { recordsIn: number; recordsOut: number } };
    expect(status.state).toBe('running');
    expect([status.stats.recordsIn, status.stats.recordsOut]).toEqual([40, 10]);
    expect(await ok(['attachment', 'list'])).toContain('view\terrors\tlogs\tjson-filter\trunning');
    expect(await ok(['module', 'describe', 'json-filter'])).toContain('attached: view errors');
    expect(await ok(['detach', 'errors'])).toBe('detached view errors\n');
    expect(await ok(['attachment', 'list'])).toBe('');
  });

  it('attaches and detaches a produce check', async () => {
    expect(await ok(['attach', 'json-filter', '--on-produce', 'logs', '--param', 'value=error'])).toBe('attached json-filter as produce check on logs\n');
    const refused = await sluice(['produce', 'logs', '--partition', '1'], '{"level":"info"}\n');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^sluice: .*INVALID_RECORD/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    await ok(['produce', 'logs', '--partition', '1'], '{"level":"error"}\n');
    expect(await ok(['attachment', 'status', 'logs', '--on-produce'])).toMatch(/^produce check on logs: running\n/);
    expect(await ok(['detach', '--on-produce', 'logs'])).toBe('detached the produce check of logs\n');
  });

  it('consume --module runs a module over one read without attaching anything', async () => {
    const byName = await ok(['consume', 'logs', '--partition', '0', '-e', '--module', 'json-filter-map', '--param', 'field=n', '--param', 'min=36']);
    expect(byName).toBe('36\n37\n38\n39\n');
    const byFile = await ok(['consume', 'logs', '--partition', '0', '-e', '--max', '2', '--module', wasm('json-filter'), '--param', 'value=error']);
    expect(byFile.trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([0, 4]);
    expect(await ok(['attachment', 'list'])).toBe('');
  });

  it('refuses each bad request with one line and a non-zero exit, changing nothing', async () => {
    await ok(['attach', 'json-filter', '--from', 'logs', '--as', 'kept']);
    const before = await ok(['attachment', 'list', '--output', 'json']);
    const cases: [string[], RegExp][] = [
      [['attach', 'nope', '--from', 'logs', '--as', 'v1'], /^sluice: module "nope" does not exist/],
      [['attach', 'json-filter', '--from', 'nope', '--as', 'v2'], /^sluice: topic "nope" does not exist$/],
      [['attach', 'json-filter', '--from', 'logs', '--as', 'kept'], /^sluice: view kept already exists \(module json-filter\); detach it first or attach with --replace$/],
      [['attach', 'json-filter', '--from', 'logs', '--as', 'logs'], /^sluice: logs is a topic; a view needs a name of its own$/],
      [['attach', 'json-filter-map', '--from', 'logs', '--as', 'v3', '--param', 'min=abc'], /^sluice: module json-filter-map refused its params: .*param min must be a number, not "abc"$/],
      [['attach', 'json-filter', '--from', 'logs', '--as', 'v4', '--param', 'oops'], /^sluice: --param: param "oops" is not key=value$/],
      [['attach', 'count-sum', '--from', 'logs', '--as', 'v5'], /^sluice: module count-sum is an aggregate; a view runs only filter, map, filter_map modules \(an aggregate needs a derived topic/],
      [['attach', 'count-sum', '--on-produce', 'logs'], /^sluice: module count-sum is an aggregate; a produce check runs only/],
      [['attach', 'json-filter', '--from', 'logs'], /^sluice: a view needs --from <topic> and --as <view>/],
      [['attach', 'json-filter', '--from', 'logs', '--as', 'v6', '--on-error', 'retry'], /^sluice: --on-error: expected skip, halt or dead-letter:<topic>/],
      [['detach', 'never-attached'], /^sluice: no view or derived topic named "never-attached" is attached$/],
      [['detach', '--on-produce', 'logs'], /^sluice: topic "logs" has no produce check$/],
      [['module', 'delete', 'json-filter'], /^sluice: module json-filter is attached \(view kept\); detach it first$/],
      [['attachment', 'status', 'nope'], /^sluice: no view named "nope"$/],
      [['topic', 'delete', 'logs'], /^sluice: topic delete logs: POLICY_VIOLATION/],
    ];
    await expectRefusals(broker, cases);
    expect(await ok(['attachment', 'list', '--output', 'json'])).toBe(before);
    expect(await ok(['module', 'list'])).toMatch(/json-filter\t/);
    expect(await ok(['topic', 'list'])).toContain('logs\t2');
  });
});
