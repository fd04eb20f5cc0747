import { describe, expect, it } from 'vitest';
import { KIND_RULES, kindRulesForCode, checkStateLength, MODULE_KINDS } from '../../../runtime/kinds/index.js';

describe('kind rules', () => {
  it('maps the ABI kind codes 1..5 and nothing else', () => {
    expect([1, 2, 3, 4, 5].map((c) => kindRulesForCode(c)?.kind)).toEqual(['filter', 'map', 'filter_map', 'array_map', 'aggregate']);
    expect(kindRulesForCode(0)).toBeUndefined();
    expect(kindRulesForCode(6)).toBeUndefined();
    expect(MODULE_KINDS).toEqual(['filter', 'map', 'filter_map', 'array_map', 'aggregate']);
  });

  it('checks output counts per kind', () => {
    expect(KIND_RULES.filter.checkOutputCount(3, 3)).toBeNull();
    expect(KIND_RULES.filter.checkOutputCount(3, 4)).toBe('filter returned 4 records for 3');
    expect(KIND_RULES.map.checkOutputCount(3, 2)).toBe('map returned 2 records for 3');
    expect(KIND_RULES.map.checkOutputCount(3, 3)).toBeNull();
    expect(KIND_RULES.filter_map.checkOutputCount(3, 0)).toBeNull();
    expect(KIND_RULES.filter_map.checkOutputCount(0, 1)).toBe('filter_map returned 1 records for 0');
    expect(KIND_RULES.array_map.checkOutputCount(1, 1000)).toBeNull();
    expect(KIND_RULES.aggregate.checkOutputCount(2, 3)).toBe('aggregate returned 3 records for 2');
  });

  it('only aggregate uses state, bounded', () => {
    expect(Object.values(KIND_RULES).filter((r) => r.usesState).map((r) => r.kind)).toEqual(['aggregate']);
    expect(checkStateLength(0)).toBeNull();
    expect(checkStateLength(-1)).toBe('aggregate returned no state (length -1)');
    expect(checkStateLength(4 * 1024 * 1024 + 1)).toMatch(/exceeds 4194304/);
  });
});
