/** `sluice topic create|list|describe|delete` against a running broker. */
import type { Command } from 'commander';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../broker/protocol/error-codes.js';
import {
  VERSIONS,
  type ClientFlags,
  outputOf,
  kafkaFailure,
  parseIntFlag,
  withClient,
  topicMetadata,
  requireTopic,
  print,
  listOffsets,
  parseConfigPairs,
} from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

const ADMIN_TIMEOUT_MS = 30_000;
const RESOURCE_TOPIC = 2;

/** `sluice topic create|list|describe|delete`. */
export function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('manage topics on a running broker');
  withBootstrap(topic.command('create <name>'))
    .description('create a topic')
    .option('--partitions <n>', 'number of partitions', '1')
    .option('--config <key=value>', 'topic config (repeatable): retention.ms, retention.bytes, max.message.bytes', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (name: string, flags: ClientFlags & { partitions: string; config: string[] }, cmd: Command) => {
      const out = outputOf(cmd);
      const partitions = parseIntFlag('--partitions', flags.partitions, 1, 2 ** 31 - 1)!;
      const configs = parseConfigPairs(flags.config);
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.CreateTopics, VERSIONS.createTopics, {
          topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
          timeoutMs: ADMIN_TIMEOUT_MS,
          validateOnly: false,
        });
        const r = res.topics[0];
        if (r === undefined || r.errorCode !== ErrorCode.NONE) {
          throw kafkaFailure(`topic create ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage);
        }
        print(out === 'json' ? JSON.stringify({ topic: name, partitions, created: true }) : `created topic ${name} with ${partitions} partition(s)`);
      });
    });

  withBootstrap(topic.command('list'))
    .description('list topics')
    .action(async (flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const topics = (await topicMetadata(client, null)).sort((a, b) => a.name.localeCompare(b.name));
        for (const t of topics) {
          print(out === 'json' ? JSON.stringify({ topic: t.name, partitions: t.partitions.length }) : `${t.name}\t${t.partitions.length}`);
        }
      });
    });

  withBootstrap(topic.command('describe <name>'))
    .description('partitions, offsets and configs of a topic')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const t = await requireTopic(client, name);
        const indexes = t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
        const [earliest, latest] = await Promise.all([
          listOffsets(client, name, indexes, -2n),
          listOffsets(client, name, indexes, -1n),
        ]);
        const cfg = await client.request(ApiKey.DescribeConfigs, VERSIONS.describeConfigs, {
          resources: [{ resourceType: RESOURCE_TOPIC, resourceName: name, configurationKeys: null }],
          includeSynonyms: false,
        });
        const configs = Object.fromEntries((cfg.results[0]?.configs ?? []).map((c) => [c.name, c.value]));
        const partitions = indexes.map((p) => ({
          partition: p,
          logStartOffset: String(earliest.get(p) ?? -1n),
          highWatermark: String(latest.get(p) ?? -1n),
        }));
        if (out === 'json') {
          print(JSON.stringify({ topic: name, partitions, configs }));
          return;
        }
        print(`topic ${name}: ${partitions.length} partition(s)`);
        for (const p of partitions) print(`  partition ${p.partition}\tlog start ${p.logStartOffset}\thigh watermark ${p.highWatermark}`);
        for (const [k, v] of Object.entries(configs)) print(`  ${k}=${v ?? ''}`);
      });
    });

  withBootstrap(topic.command('delete <name>'))
    .description('delete a topic')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.DeleteTopics, VERSIONS.deleteTopics, { topicNames: [name], timeoutMs: ADMIN_TIMEOUT_MS });
        const r = res.responses[0];
        if (r === undefined || r.errorCode !== ErrorCode.NONE) {
          // DeleteTopics before v5 carries no message: say what this broker's policy refusal means.
          const why = r?.errorCode === ErrorCode.POLICY_VIOLATION ? 'views or a produce check are attached to it; detach them first (sluice attachment list)' : null;
          throw kafkaFailure(`topic delete ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, why);
        }
        print(out === 'json' ? JSON.stringify({ topic: name, deleted: true }) : `deleted topic ${name}`);
      });
    });
}
