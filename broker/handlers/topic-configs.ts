/**
 * The topic configs sluice understands, by their Kafka names: parsing and validation for
 * CreateTopics, and their current values for DescribeConfigs.
 */
import { KafkaError } from '../protocol/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  TOPIC_MAX_MESSAGE_BYTES_DEFAULT,
  TOPIC_RETENTION_BYTES_DEFAULT,
  TOPIC_RETENTION_MS_DEFAULT,
} from '../constants.js';
import type { TopicConfig } from '../log/types.js';

interface ConfigSpec {
  field: keyof TopicConfig;
  min: number;
  max: number;
  defaultValue: number;
}

export const TOPIC_CONFIGS: Readonly<Record<string, ConfigSpec>> = {
  'retention.ms': { field: 'retentionMs', min: -1, max: Number.MAX_SAFE_INTEGER, defaultValue: TOPIC_RETENTION_MS_DEFAULT },
  'retention.bytes': { field: 'retentionBytes', min: -1, max: Number.MAX_SAFE_INTEGER, defaultValue: TOPIC_RETENTION_BYTES_DEFAULT },
  'max.message.bytes': { field: 'maxMessageBytes', min: 1, max: 2 ** 31 - 1, defaultValue: TOPIC_MAX_MESSAGE_BYTES_DEFAULT },
};

/**
 * Topic configs whose value sluice does not let a topic choose: the one value it implements, and
 * why. Admin tools and infrastructure code often set them explicitly (cleanup.policy=delete, say);
 * that value is accepted, any other is refused with INVALID_CONFIG rather than silently ignored.
 */
export const FIXED_TOPIC_CONFIGS: Readonly<Record<string, { value: string; why: string }>> = {
  'cleanup.policy': { value: 'delete', why: 'records are removed by retention only; sluice does not compact by key' },
  'compression.type': { value: 'producer', why: 'batches are stored as the producer sent them; the broker never recompresses' },
  'message.timestamp.type': { value: 'CreateTime', why: 'batches are stored as sent, with the producer’s timestamps' },
  'min.insync.replicas': { value: '1', why: 'a partition has one copy, in object storage, which is durable before any acknowledgement' },
  'unclean.leader.election.enable': { value: 'false', why: 'a partition has no replicas to elect from' },
};

/** Throws INVALID_CONFIG naming the key; null values mean "the default" and are skipped. */
export function parseTopicConfigs(configs: { name: string; value: string | null }[]): Partial<TopicConfig> {
  const out: Partial<TopicConfig> = {};
  for (const { name, value } of configs) {
    const fixed = FIXED_TOPIC_CONFIGS[name];
    if (fixed !== undefined) {
      if (value !== null && value.trim().toLowerCase() !== fixed.value.toLowerCase()) {
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `${name}=${value} is not supported (${fixed.why}); only ${fixed.value} is`);
      }
      continue;
    }
    const spec = TOPIC_CONFIGS[name];
    if (spec === undefined) {
      const known = [...Object.keys(TOPIC_CONFIGS), ...Object.keys(FIXED_TOPIC_CONFIGS).map((k) => `${k}=${FIXED_TOPIC_CONFIGS[k]!.value}`)];
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config ${name}; supported: ${known.join(', ')}`);
    }
    if (value === null) continue;
    const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `${name}: expected an integer from ${spec.min} to ${spec.max}, got ${JSON.stringify(value)}`);
    }
    out[spec.field] = n;
  }
  return out;
}
