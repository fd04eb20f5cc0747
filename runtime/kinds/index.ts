import type { KindRules, ModuleKind } from './kind.js';
import { filterKind } from './filter.js';
import { mapKind } from './map.js';
import { filterMapKind } from './filter-map.js';
import { arrayMapKind } from './array-map.js';
import { aggregateKind } from './aggregate.js';

export type { KindRules, ModuleKind } from './kind.js';
export { checkStateLength } from './aggregate.js';

export const KIND_RULES: Readonly<Record<ModuleKind, KindRules>> = {
  filter: filterKind,
  map: mapKind,
  filter_map: filterMapKind,
  array_map: arrayMapKind,
  aggregate: aggregateKind,
};

const BY_CODE = new Map<number, KindRules>(Object.values(KIND_RULES).map((r) => [r.code, r]));

/** The rules for a sluice_kind() code, or undefined for an unknown code. */
export function kindRulesForCode(code: number): KindRules | undefined {
  return BY_CODE.get(code);
}

export const MODULE_KINDS: readonly ModuleKind[] = Object.keys(KIND_RULES) as ModuleKind[];
