import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadBrokerConfig, parseBrokerConfig } from '../../broker/config.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir('config');
afterAll(() => removeTempDir(dir));

function yamlFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('broker config', () => {
  it('has defaults: 127.0.0.1:9092, node 1, topics created on first use with one partition', () => {
    const c = parseBrokerConfig({ data: '/d' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 9092, nodeId: 1, autoCreateTopics: true, defaultPartitions: 1, logLevel: 'info' });
  });

  it('turns auto-creation off from the file, the environment or a flag', async () => {
    const file = yamlFile('auto.yaml', 'auto-create-topics: false\ndefault-partitions: 4\n');
    expect(await loadBrokerConfig({ file })).toMatchObject({ autoCreateTopics: false, defaultPartitions: 4 });
    expect(await loadBrokerConfig({ env: { SLUICE_AUTO_CREATE_TOPICS: 'false' }, flags: { data: '/d' } })).toMatchObject({ autoCreateTopics: false });
    expect(await loadBrokerConfig({ flags: { data: '/d', autoCreateTopics: false } })).toMatchObject({ autoCreateTopics: false });
    // A flag beats the environment both ways.
    expect(await loadBrokerConfig({ env: { SLUICE_AUTO_CREATE_TOPICS: 'false' }, flags: { data: '/d', autoCreateTopics: true } })).toMatchObject({ autoCreateTopics: true });
  });

  it('layers file < environment < flags, accepting kebab, snake and camel keys in the file', async () => {
    const file = yamlFile('a.yaml', 'port: 9000\nflush-max-bytes: 1000\nflush_interval_ms: 7\nhost: 0.0.0.0\ndata: /from-file\n');
    const c = await loadBrokerConfig({
      file,
      env: { SLUICE_PORT: '9100', SLUICE_FLUSH_MAX_BYTES: '2000', SLUICE_UNRELATED: 'x', PATH: '/bin' },
      flags: { port: '9200', host: undefined },
    });
    expect(c).toMatchObject({ port: 9200, flushMaxBytes: 2000, flushIntervalMs: 7, host: '0.0.0.0', data: '/from-file' });
  });

  it('a higher layer choosing bucket replaces data from a lower one (and the reverse)', async () => {
    const file = yamlFile('b.yaml', 'data: /from-file\n');
    const s3 = await loadBrokerConfig({ file, env: { SLUICE_BUCKET: 's3://b/p' } });
    expect([s3.data, s3.bucket]).toEqual([undefined, 's3://b/p']);
    const local = await loadBrokerConfig({ env: { SLUICE_BUCKET: 's3://b/p' }, flags: { data: '/flag' } });
    expect([local.data, local.bucket]).toEqual(['/flag', undefined]);
  });

  it.each([
    [{ port: '70000' }, 'config: port: expected a number from 0 to 65535'],
    [{ port: 'abc' }, 'config: port: expected a number from 0 to 65535'],
    [{ flushIntervalMs: '-1' }, 'config: flushIntervalMs: expected a number from 0 to 60000'],
    [{ autoCreateTopics: 'maybe' }, 'config: autoCreateTopics: expected true or false'],
    [{ bucket: 'http://x' }, 'config: bucket: expected s3://bucket/prefix'],
    [{ logLevel: 'loud' }, 'config: logLevel: expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ colour: 'blue' }, 'config: colour: unknown key'],
    [{ data: '/d', bucket: 's3://b/p' }, 'config: bucket: give either data or bucket, not both'],
  ])('refuses %j with one error naming the key', (input, message) => {
    expect(() => parseBrokerConfig(input)).toThrow(new ConfigError(message));
  });

  it('names the key of a bad environment variable and of a bad file', async () => {
    await expect(loadBrokerConfig({ env: { SLUICE_METRICS_PORT: 'x' } })).rejects.toThrow('config: metricsPort: expected a number from 0 to 65535');
    await expect(loadBrokerConfig({ file: yamlFile('c.yaml', 'port: [1, 2]\n') })).rejects.toThrow('config: port: expected a number');
    await expect(loadBrokerConfig({ file: yamlFile('d.yaml', '- a\n- b\n') })).rejects.toThrow(/expected a mapping/);
    await expect(loadBrokerConfig({ file: path.join(dir, 'missing.yaml') })).rejects.toThrow(/config: cannot read/);
  });
});
