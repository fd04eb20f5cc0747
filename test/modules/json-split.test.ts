import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-split', () => {
  itBuildsAndLoadsAs('json-split', 'array_map');
  itPassesModuleCases('json-split');
});
