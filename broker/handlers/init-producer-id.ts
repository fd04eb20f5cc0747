import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/apis/init-producer-id.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';

/** Idempotent producers get a fresh id (durable in the manifest); transactions are not supported. */
export async function handleInitProducerId(ctx: HandlerContext, req: InitProducerIdRequest): Promise<InitProducerIdResponse> {
  const fail = (errorCode: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
  if (req.transactionalId !== null) return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  try {
    const { producerId, producerEpoch } = await ctx.log.allocateProducerId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch };
  } catch (err) {
    const code = errorCodeOf(err, ctx.logger);
    // Clients retry InitProducerId on coordinator errors, not on storage errors.
    return fail(code === ErrorCode.KAFKA_STORAGE_ERROR || code === ErrorCode.NOT_LEADER_OR_FOLLOWER ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code);
  }
}
