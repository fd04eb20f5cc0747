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

/** Throws INVALID_CONFIG naming the key; null values mean "the default" and are skipped. */
export function parseTopicConfigs(configs: { name: string; value: string | null }[]): Partial<TopicConfig> {
  const out: Partial<TopicConfig> = {};
  for (const { name, value } of configs) {
    const spec = TOPIC_CONFIGS[name];
    if (spec === undefined) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config ${name}; supported: ${Object.keys(TOPIC_CONFIGS).join(', ')}`);
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
