import type { KindRules } from './kind.js';

/** array_map: any number of output records per input record; only the output byte bound applies. */
export const arrayMapKind: KindRules = {
  kind: 'array_map',
  code: 4,
  usesState: false,
  checkOutputCount: () => null,
};
