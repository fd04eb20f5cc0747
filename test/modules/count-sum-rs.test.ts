import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/count-sum-rs', () => {
  itBuildsAndLoadsAs('count-sum-rs', 'aggregate');
  itPassesModuleCases('count-sum-rs', 'count-sum');
});
