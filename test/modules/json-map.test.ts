import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-map', () => {
  itBuildsAndLoadsAs('json-map', 'map');
  itPassesModuleCases('json-map');
});
