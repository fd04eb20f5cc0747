import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-filter-rs', () => {
  itBuildsAndLoadsAs('json-filter-rs', 'filter');
  itPassesModuleCases('json-filter-rs', 'json-filter');
});
