import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-filter-map-rs', () => {
  itBuildsAndLoadsAs('json-filter-map-rs', 'filter_map');
  itPassesModuleCases('json-filter-map-rs', 'json-filter-map');
});
