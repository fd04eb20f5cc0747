/** Which topics a consumer group reads, from its members' subscriptions (the consumer protocol). */
import { decodeSubscriptionTopics } from '../protocol/consumer-protocol.js';
import type { GroupDescription } from './types.js';

/**
 * Every topic some member subscribes to, or 'all' when a member's subscription cannot be read
 * (then the group may read anything, and nothing it reads is taken from under it).
 */
export function subscribedTopics(group: GroupDescription): ReadonlySet<string> | 'all' {
  const topics = new Set<string>();
  for (const m of group.members) {
    try {
      for (const t of decodeSubscriptionTopics(m.metadata)) topics.add(t);
    } catch {
      return 'all';
    }
  }
  return topics;
}
