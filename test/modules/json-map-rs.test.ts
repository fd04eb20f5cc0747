import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-map-rs', () => {
  itBuildsAndLoadsAs('json-map-rs', 'map');
  itPassesModuleCases('json-map-rs', 'json-map');
});
