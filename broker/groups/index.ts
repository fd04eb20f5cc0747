export { GroupCoordinator } from './coordinator.js';
export { GroupOffsets, type CommittedOffset, type GroupOffsetLog } from './offsets.js';
export type {
  GroupDescription,
  GroupProtocol,
  GroupState,
  JoinGroupInput,
  JoinGroupResult,
  SyncGroupResult,
} from './types.js';
