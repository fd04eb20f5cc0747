/**
 * AlterConfigs (the configs given replace the topic's whole set) and IncrementalAlterConfigs (SET,
 * DELETE, APPEND, SUBTRACT one config at a time) for topics, validated as CreateTopics validates
 * (topic-configs.ts: INVALID_CONFIG with the reason). validate_only checks and changes nothing.
 * Broker configs are static (config file, environment, flags), and a view has no configs of its own.
 */
import type { AlterConfigsRequest, AlterConfigsResourceResponse, AlterConfigsResponse } from '../protocol/apis/alter-configs.js';
import { ConfigResourceType } from '../protocol/apis/describe-configs.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/apis/incremental-alter-configs.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { TopicConfig } from '../log/index.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { namedMoreThanOnce } from './named-twice.js';
import { alterTopicConfig, replaceTopicConfig } from './topic-configs.js';
import { resolveTopic } from './views.js';

interface Resource {
  resourceType: number;
  resourceName: string;
}

async function alterResource(ctx: HandlerContext, res: Resource, duplicate: boolean, validateOnly: boolean, change: (current: TopicConfig) => TopicConfig): Promise<AlterConfigsResourceResponse> {
  const answer = (errorCode: number, errorMessage: string | null) => ({ errorCode, errorMessage, resourceType: res.resourceType, resourceName: res.resourceName });
  if (duplicate) return answer(ErrorCode.INVALID_REQUEST, 'resource named more than once in the request');
  if (res.resourceType === ConfigResourceType.broker) {
    return answer(ErrorCode.INVALID_REQUEST, 'broker configs are static in sluice: set them in the config file, SLUICE_* variables or flags');
  }
  if (res.resourceType !== ConfigResourceType.topic) return answer(ErrorCode.INVALID_REQUEST, `unsupported resource type ${res.resourceType}`);
  const resolved = resolveTopic(ctx, res.resourceName);
  if (resolved === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${res.resourceName}`);
  if (resolved.view !== undefined) {
    return answer(ErrorCode.INVALID_TOPIC_EXCEPTION, `${res.resourceName} is a view of ${resolved.source}: it has no configs of its own; alter ${resolved.source}`);
  }
  try {
    if (validateOnly) change(resolved.info.config);
    else {
      const info = await ctx.log.alterTopicConfig(res.resourceName, change);
      ctx.logger.info({ topic: res.resourceName, config: info.config }, 'topic configs altered');
    }
    return answer(ErrorCode.NONE, null);
  } catch (err) {
    return answer(errorCodeOf(err, ctx.logger), err instanceof Error ? err.message : String(err));
  }
}

const resourceKey = (r: Resource) => `${r.resourceType}\u0000${r.resourceName}`;

export async function handleAlterConfigs(ctx: HandlerContext, req: AlterConfigsRequest): Promise<AlterConfigsResponse> {
  const isDuplicate = namedMoreThanOnce(req.resources, resourceKey);
  const responses = await Promise.all(req.resources.map((res) => alterResource(ctx, res, isDuplicate(res), req.validateOnly, () => replaceTopicConfig(res.configs))));
  return { throttleTimeMs: 0, responses };
}

export async function handleIncrementalAlterConfigs(ctx: HandlerContext, req: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse> {
  const isDuplicate = namedMoreThanOnce(req.resources, resourceKey);
  const responses = await Promise.all(
    req.resources.map((res) => alterResource(ctx, res, isDuplicate(res), req.validateOnly, (current) => alterTopicConfig(current, res.configs))),
  );
  return { throttleTimeMs: 0, responses };
}
