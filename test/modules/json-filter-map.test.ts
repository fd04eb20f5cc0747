import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-filter-map', () => {
  itBuildsAndLoadsAs('json-filter-map', 'filter_map');
  itPassesModuleCases('json-filter-map');
});
