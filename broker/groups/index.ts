export { GroupCoordinator, type CommittedOffset, type GroupOffsetStore } from './coordinator.js';
export type {
  GroupDescription,
  GroupProtocol,
  GroupState,
  JoinGroupInput,
  JoinGroupResult,
  SyncGroupResult,
} from './group.js';
