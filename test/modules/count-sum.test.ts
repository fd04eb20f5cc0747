import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/count-sum', () => {
  itBuildsAndLoadsAs('count-sum', 'aggregate');
  itPassesModuleCases('count-sum');
});
