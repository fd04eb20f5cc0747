/**
 * DescribeConfigs for topics (the configs sluice keeps per topic) and for the broker (the few
 * settings admin clients look at). Values are strings, as Kafka sends them.
 */
import type {
  DescribeConfigsRequest,
  DescribeConfigsResourceConfig,
  DescribeConfigsResponse,
  DescribeConfigsResult,
} from '../protocol/apis/describe-configs.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { FIXED_TOPIC_CONFIGS, TOPIC_CONFIGS, configValue, isDefaultValue } from './topic-configs.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/** Kafka's ConfigSource values. */
const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

function entry(name: string, value: string, isDefault: boolean, source: number, readOnly: boolean): DescribeConfigsResourceConfig {
  return { name, value, readOnly, isDefault, configSource: source, isSensitive: false, synonyms: [] };
}

function topicConfigs(ctx: HandlerContext, name: string): DescribeConfigsResourceConfig[] | null {
  const topic = ctx.log.getTopic(name);
  if (topic === undefined) return null;
  const out = Object.entries(TOPIC_CONFIGS).map(([key, spec]) => {
    const isDefault = isDefaultValue(topic.config, spec);
    return entry(key, configValue(topic.config, spec), isDefault, isDefault ? SOURCE_DEFAULT : SOURCE_DYNAMIC_TOPIC, false);
  });
  // What sluice does and a topic cannot change (delete by retention, no log compaction, ...).
  for (const [key, fixed] of Object.entries(FIXED_TOPIC_CONFIGS)) out.push(entry(key, fixed.value, true, SOURCE_DEFAULT, true));
  return out;
}

function brokerConfigs(ctx: HandlerContext): DescribeConfigsResourceConfig[] {
  const id = ctx.identity();
  return [
    entry('broker.id', String(id.nodeId), false, SOURCE_STATIC_BROKER, true),
    entry('auto.create.topics.enable', String(ctx.autoCreateTopics), false, SOURCE_STATIC_BROKER, true),
    entry('num.partitions', String(ctx.defaultPartitions), false, SOURCE_STATIC_BROKER, true),
    entry('default.replication.factor', '1', true, SOURCE_DEFAULT, true),
  ];
}

export function handleDescribeConfigs(ctx: HandlerContext, req: DescribeConfigsRequest): DescribeConfigsResponse {
  const nodeId = String(ctx.identity().nodeId);
  const results = req.resources.map((res): DescribeConfigsResult => {
    const base = { resourceType: res.resourceType, resourceName: res.resourceName };
    let configs: DescribeConfigsResourceConfig[] | null;
    if (res.resourceType === RESOURCE_TOPIC) {
      configs = topicConfigs(ctx, res.resourceName);
      if (configs === null) {
        return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `unknown topic ${res.resourceName}`, configs: [] };
      }
    } else if (res.resourceType === RESOURCE_BROKER) {
      if (res.resourceName !== '' && res.resourceName !== nodeId) {
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown broker ${res.resourceName}; this is broker ${nodeId}`, configs: [] };
      }
      configs = brokerConfigs(ctx);
    } else {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unsupported resource type ${res.resourceType}`, configs: [] };
    }
    const keys = res.configurationKeys;
    if (keys !== null) configs = configs.filter((c) => keys.includes(c.name));
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
  });
  return { throttleTimeMs: 0, results };
}
