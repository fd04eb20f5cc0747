/** Kafka refuses a resource named twice in one admin request (INVALID_REQUEST): which one wins would depend on the order. */
export function namedMoreThanOnce<T>(items: readonly T[], key: (item: T) => string): (item: T) => boolean {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return (item) => counts.get(key(item))! > 1;
}
