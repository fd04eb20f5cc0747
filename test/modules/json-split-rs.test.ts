import { describe } from 'vitest';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

describe('modules/json-split-rs', () => {
  itBuildsAndLoadsAs('json-split-rs', 'array_map');
  itPassesModuleCases('json-split-rs', 'json-split');
});
