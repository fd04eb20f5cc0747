/**
 * The consumer protocol: what members of a group with protocol type "consumer" put in JoinGroup's
 * metadata (their subscription) and what the leader hands out in SyncGroup (assignments). The
 * broker reads these only to describe a group (which topics it reads, who owns which partition).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/*
 * ConsumerProtocolSubscription (Version: 0-3) => version INT16 [topics STRING] user_data NULLABLE_BYTES
 *   Version 1+: [owned_partitions topic STRING [partitions INT32]]; 2+: generation_id INT32; 3+: rack_id NULLABLE_STRING
 * ConsumerProtocolAssignment (Version: 0-3) => version INT16 [assigned_partitions] user_data NULLABLE_BYTES
 *   assigned_partitions => topic STRING [partitions INT32]
 * Only the fields every version starts with are read; what follows them is left alone.
 */

/** The group protocol type of Kafka consumers. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The topics a member subscribes to. Throws ProtocolError on bytes that are not a subscription. */
export function decodeSubscriptionTopics(metadata: Uint8Array): string[] {
  const r = new Reader(metadata);
  r.int16();
  return r.array((r) => r.string());
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** The partitions assigned to a member. Throws ProtocolError on bytes that are not an assignment. */
export function decodeAssignment(assignment: Uint8Array): TopicPartitions[] {
  if (assignment.byteLength === 0) return [];
  const r = new Reader(assignment);
  r.int16();
  return r.array((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) }));
}

/** A version 0 subscription (tests, and clients written against this file). */
export function encodeSubscription(topics: readonly string[], userData: Uint8Array | null = null): Uint8Array {
  return new Writer().int16(0).array(topics, (w, t) => w.string(t)).nullableBytes(userData).toUint8Array();
}

/** A version 0 assignment. */
export function encodeAssignment(assigned: readonly TopicPartitions[], userData: Uint8Array | null = null): Uint8Array {
  return new Writer()
    .int16(0)
    .array(assigned, (w, a) => w.string(a.topic).array(a.partitions, (w, p) => w.int32(p)))
    .nullableBytes(userData)
    .toUint8Array();
}
