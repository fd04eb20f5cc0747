/**
 * The topic configs sluice understands, by their Kafka names: parsing and validation for
 * CreateTopics, AlterConfigs and IncrementalAlterConfigs (one rule for all three), and their
 * current values for DescribeConfigs.
 */
import { KafkaError } from '../protocol/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { COMPRESSION_TYPES, DEFAULT_TOPIC_CONFIG, type TopicConfig } from '../log/index.js';

type NumericField = 'retentionMs' | 'retentionBytes' | 'maxMessageBytes';
type ConfigSpec =
  | { field: NumericField; kind: 'int'; min: number; max: number }
  | { field: 'compressionType'; kind: 'enum'; values: readonly TopicConfig['compressionType'][] };

export const TOPIC_CONFIGS: Readonly<Record<string, ConfigSpec>> = {
  'retention.ms': { field: 'retentionMs', kind: 'int', min: -1, max: Number.MAX_SAFE_INTEGER },
  'retention.bytes': { field: 'retentionBytes', kind: 'int', min: -1, max: Number.MAX_SAFE_INTEGER },
  'max.message.bytes': { field: 'maxMessageBytes', kind: 'int', min: 1, max: 2 ** 31 - 1 },
  // Any codec Kafka has: batches in another codec are recompressed as they are produced.
  'compression.type': { field: 'compressionType', kind: 'enum', values: COMPRESSION_TYPES },
};

/** A config's value as Kafka shows it (DescribeConfigs). */
export function configValue(config: TopicConfig, spec: ConfigSpec): string {
  return String(config[spec.field]);
}

/** True when the topic has the default value of this config. */
export function isDefaultValue(config: TopicConfig, spec: ConfigSpec): boolean {
  return config[spec.field] === DEFAULT_TOPIC_CONFIG[spec.field];
}

/**
 * Topic configs whose value sluice does not let a topic choose: the one value it implements, and
 * why. Admin tools and infrastructure code often set them explicitly (cleanup.policy=delete, say);
 * that value is accepted, any other is refused with INVALID_CONFIG rather than silently ignored.
 */
export const FIXED_TOPIC_CONFIGS: Readonly<Record<string, { value: string; why: string }>> = {
  'cleanup.policy': { value: 'delete', why: 'records are removed by retention only; sluice does not compact by key' },
  'message.timestamp.type': { value: 'CreateTime', why: 'batches are stored as sent, with the producer’s timestamps' },
  'min.insync.replicas': { value: '1', why: 'a partition has one copy, in object storage, which is durable before any acknowledgement' },
  'unclean.leader.election.enable': { value: 'false', why: 'a partition has no replicas to elect from' },
};

/** The list-valued configs (IncrementalAlterConfigs APPEND and SUBTRACT work on these only). */
const LIST_CONFIGS: ReadonlySet<string> = new Set(['cleanup.policy']);

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, message);
}

function unknownConfig(name: string): KafkaError {
  const known = [...Object.keys(TOPIC_CONFIGS), ...Object.keys(FIXED_TOPIC_CONFIGS).map((k) => `${k}=${FIXED_TOPIC_CONFIGS[k]!.value}`)];
  return invalid(`unknown topic config ${name}; supported: ${known.join(', ')}`);
}

/**
 * Checks one `name=value` and returns what it sets, or null for a fixed config given its one
 * value. Throws INVALID_CONFIG naming the key and the reason.
 */
function parseOne(name: string, value: string): Partial<TopicConfig> | null {
  const fixed = FIXED_TOPIC_CONFIGS[name];
  if (fixed !== undefined) {
    if (value.trim().toLowerCase() !== fixed.value.toLowerCase()) throw invalid(`${name}=${value} is not supported (${fixed.why}); only ${fixed.value} is`);
    return null;
  }
  const spec = TOPIC_CONFIGS[name];
  if (spec === undefined) throw unknownConfig(name);
  if (spec.kind === 'enum') {
    const v = value.trim().toLowerCase();
    const found = spec.values.find((x) => x === v);
    if (found === undefined) throw invalid(`${name}: expected one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}`);
    return { [spec.field]: found };
  }
  const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
    throw invalid(`${name}: expected an integer from ${spec.min} to ${spec.max}, got ${JSON.stringify(value)}`);
  }
  return { [spec.field]: n };
}

/** CreateTopics' configs. Throws INVALID_CONFIG naming the key; null values mean "the default" and are skipped. */
export function parseTopicConfigs(configs: readonly { name: string; value: string | null }[]): Partial<TopicConfig> {
  let out: Partial<TopicConfig> = {};
  for (const { name, value } of configs) {
    if (value === null) {
      if (FIXED_TOPIC_CONFIGS[name] === undefined && TOPIC_CONFIGS[name] === undefined) throw unknownConfig(name);
      continue;
    }
    out = { ...out, ...parseOne(name, value) };
  }
  return out;
}

/** AlterConfigs: the configs named, every other back to its default (Kafka replaces a topic's whole set). */
export function replaceTopicConfig(configs: readonly { name: string; value: string | null }[]): TopicConfig {
  return { ...DEFAULT_TOPIC_CONFIG, ...parseTopicConfigs(configs) };
}

/** IncrementalAlterConfigs' operations (its config_operation values). */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** IncrementalAlterConfigs: `current` with each SET, DELETE (back to the default), APPEND or SUBTRACT applied in order. */
export function alterTopicConfig(current: TopicConfig, changes: readonly { name: string; configOperation: number; value: string | null }[]): TopicConfig {
  let next: TopicConfig = { ...current };
  const seen = new Set<string>();
  for (const { name, configOperation, value } of changes) {
    // Kafka refuses a request that names a config twice: the outcome would depend on the order.
    if (seen.has(name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `config ${name} named more than once`);
    seen.add(name);
    const spec = TOPIC_CONFIGS[name];
    switch (configOperation) {
      case ConfigOperation.SET:
        if (value === null) throw invalid(`${name}: SET needs a value`);
        next = { ...next, ...parseOne(name, value) };
        break;
      case ConfigOperation.DELETE:
        if (spec === undefined && FIXED_TOPIC_CONFIGS[name] === undefined) throw unknownConfig(name);
        if (spec !== undefined) next = { ...next, [spec.field]: DEFAULT_TOPIC_CONFIG[spec.field] };
        break;
      case ConfigOperation.APPEND:
      case ConfigOperation.SUBTRACT: {
        if (spec === undefined && FIXED_TOPIC_CONFIGS[name] === undefined) throw unknownConfig(name);
        if (!LIST_CONFIGS.has(name)) throw invalid(`${name} is not a list: APPEND and SUBTRACT apply to list configs only`);
        if (value === null) throw invalid(`${name}: ${configOperation === ConfigOperation.APPEND ? 'APPEND' : 'SUBTRACT'} needs a value`);
        // The only list config is fixed: check the list the operation would leave.
        const items = new Set(FIXED_TOPIC_CONFIGS[name]!.value.split(','));
        for (const v of value.split(',').map((x) => x.trim())) {
          if (configOperation === ConfigOperation.APPEND) items.add(v);
          else items.delete(v);
        }
        parseOne(name, [...items].join(','));
        break;
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `${name}: unknown config operation ${configOperation}`);
    }
  }
  return next;
}
