/** `sluice topic create|list|describe|alter|delete-records|delete` against a running broker. */
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
import { CliError } from '../cli-error.js';
import { withBootstrap } from './bootstrap-option.js';

const ADMIN_TIMEOUT_MS = 30_000;
const RESOURCE_TOPIC = 2;

const repeatable = (v: string, acc: string[]) => [...acc, v];
/** IncrementalAlterConfigs' operations. */
const CONFIG_SET = 0;
const CONFIG_DELETE = 1;

/** `sluice topic create|list|describe|alter|delete-records|delete`. */
export function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('manage topics on a running broker');
  withBootstrap(topic.command('create <name>'))
    .description('create a topic')
    .option('--partitions <n>', 'number of partitions', '1')
    .option('--config <key=value>', 'topic config (repeatable): retention.ms, retention.bytes, max.message.bytes, compression.type', repeatable, [] as string[])
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

  withBootstrap(topic.command('alter <name>'))
    .description('grow a topic and change its configs')
    .option('--partitions <n>', 'the new partition count (partitions only grow)')
    .option('--config <key=value>', 'set a topic config (repeatable)', repeatable, [] as string[])
    .option('--delete-config <key>', 'return a topic config to its default (repeatable)', repeatable, [] as string[])
    .action(async (name: string, flags: ClientFlags & { partitions?: string; config: string[]; deleteConfig: string[] }, cmd: Command) => {
      const out = outputOf(cmd);
      const partitions = parseIntFlag('--partitions', flags.partitions, 1, 2 ** 31 - 1);
      const set = parseConfigPairs(flags.config);
      if (partitions === undefined && set.length === 0 && flags.deleteConfig.length === 0) {
        throw new CliError('topic alter: give --partitions, --config or --delete-config', 2);
      }
      await withClient(flags.bootstrap, async (client) => {
        // Configs first: a refused value leaves the partitions as they were too.
        if (set.length > 0 || flags.deleteConfig.length > 0) {
          const configs = [
            ...set.map((c) => ({ name: c.name, configOperation: CONFIG_SET, value: c.value })),
            ...flags.deleteConfig.map((n) => ({ name: n, configOperation: CONFIG_DELETE, value: null })),
          ];
          const res = await client.request(ApiKey.IncrementalAlterConfigs, VERSIONS.incrementalAlterConfigs, {
            resources: [{ resourceType: RESOURCE_TOPIC, resourceName: name, configs }],
            validateOnly: false,
          });
          const r = res.responses[0];
          if (r === undefined || r.errorCode !== ErrorCode.NONE) throw kafkaFailure(`topic alter ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage);
        }
        if (partitions !== undefined) {
          const res = await client.request(ApiKey.CreatePartitions, VERSIONS.createPartitions, {
            topics: [{ name, count: partitions, assignments: null }],
            timeoutMs: ADMIN_TIMEOUT_MS,
            validateOnly: false,
          });
          const r = res.results[0];
          if (r === undefined || r.errorCode !== ErrorCode.NONE) throw kafkaFailure(`topic alter ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage);
        }
        const changes = {
          ...(partitions !== undefined ? { partitions } : {}),
          set: Object.fromEntries(set.map((c) => [c.name, c.value])),
          deleted: flags.deleteConfig,
        };
        if (out === 'json') print(JSON.stringify({ topic: name, altered: true, ...changes }));
        else {
          const parts = [
            ...(partitions !== undefined ? [`${partitions} partition(s)`] : []),
            ...set.map((c) => `${c.name}=${c.value}`),
            ...flags.deleteConfig.map((k) => `${k} back to its default`),
          ];
          print(`altered topic ${name}: ${parts.join(', ')}`);
        }
      });
    });

  withBootstrap(topic.command('delete-records <name>'))
    .description("delete a partition's records before an offset (its log start moves there)")
    .requiredOption('--partition <n>', 'the partition')
    .requiredOption('--before <offset>', 'records below this offset are deleted; -1 for everything up to the end')
    .action(async (name: string, flags: ClientFlags & { partition: string; before: string }, cmd: Command) => {
      const out = outputOf(cmd);
      const partition = parseIntFlag('--partition', flags.partition, 0, 2 ** 31 - 1)!;
      const before = parseIntFlag('--before', flags.before, -1)!;
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.DeleteRecords, VERSIONS.deleteRecords, {
          topics: [{ name, partitions: [{ partitionIndex: partition, offset: BigInt(before) }] }],
          timeoutMs: ADMIN_TIMEOUT_MS,
        });
        const r = res.topics[0]?.partitions[0];
        if (r === undefined || r.errorCode !== ErrorCode.NONE) {
          const why = r?.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE ? `offset ${before} is past the partition's end` : r?.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION ? `${name} is a view: delete records of its source topic` : null;
          throw kafkaFailure(`topic delete-records ${name}-${partition}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, why);
        }
        print(out === 'json' ? JSON.stringify({ topic: name, partition, logStartOffset: String(r.lowWatermark) }) : `${name}-${partition}: log start offset now ${r.lowWatermark}`);
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
