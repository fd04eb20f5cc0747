import { AGGREGATE_STATE_MAX_BYTES } from '../constants.js';
import { atMostOnePerInput, type KindRules } from './kind.js';

/**
 * aggregate: at most one output record per input record, and a new accumulator after every
 * batch. The host owns the accumulator: it passes it into each call and keeps what comes back,
 * so a replaced worker or instance continues exactly where the last successful batch ended.
 */
export const aggregateKind: KindRules = {
  kind: 'aggregate',
  code: 5,
  usesState: true,
  checkOutputCount: atMostOnePerInput('aggregate'),
};

/** Why a state length read back from the guest is unacceptable, or null. */
export function checkStateLength(len: number): string | null {
  if (len < 0) return `aggregate returned no state (length ${len})`;
  if (len > AGGREGATE_STATE_MAX_BYTES) return `aggregate state of ${len} bytes exceeds ${AGGREGATE_STATE_MAX_BYTES}`;
  return null;
}
