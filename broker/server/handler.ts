/**
 * What the server hands a request handler, and the shape of the handler table it dispatches on.
 */
import type { ImplementedApiKey, RequestOf, ResponseOf } from '../protocol/apis/index.js';

export interface RequestContext {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Remote address of the connection, as Kafka reports it in group member descriptions. */
  clientHost: string;
  /** Aborted when the broker shuts down: long polls answer at once with what they have. */
  signal: AbortSignal;
}

/** A response, or null for a request that gets none (produce with acks=0). */
export type Handler<K extends ImplementedApiKey> = (
  request: RequestOf<K>,
  ctx: RequestContext,
) => Promise<ResponseOf<K> | null> | ResponseOf<K> | null;

export type HandlerTable = { [K in ImplementedApiKey]?: Handler<K> };
