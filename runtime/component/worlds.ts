/**
 * The WIT package components implement (sdk/wit/smartmodule.wit): one world per module kind,
 * what each exports, and the imports a component may have.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI_ERROR } from '../abi/error-codes.js';
import type { ModuleKind } from '../kinds/index.js';

export const WIT_PACKAGE = 'sluice:smartmodule@1.0.0';
const PACKAGE_NAME = 'sluice:smartmodule';
const PACKAGE_VERSION = '1.0.0';

export interface WorldInfo {
  /** The world's name in the package. */
  world: string;
  kind: ModuleKind;
  /** The batch function the world exports (a core export of the same name). */
  exportName: string;
}

export const WORLDS: readonly WorldInfo[] = [
  { world: 'filter', kind: 'filter', exportName: 'filter' },
  { world: 'map', kind: 'map', exportName: 'map' },
  { world: 'filter-map', kind: 'filter_map', exportName: 'filter-map' },
  { world: 'array-map', kind: 'array_map', exportName: 'array-map' },
  { world: 'aggregate', kind: 'aggregate', exportName: 'aggregate' },
];

/** Every world exports init besides its batch function. */
export const INIT_EXPORT = 'init';

/** `sluice:smartmodule/filter@1.0.0` */
export const qualifiedWorld = (w: WorldInfo): string => `${PACKAGE_NAME}/${w.world}@${PACKAGE_VERSION}`;

export function worldByName(name: string): WorldInfo | undefined {
  return WORLDS.find((w) => w.world === name);
}

/** What a component may import: the package's types (type-only) and its log function. */
export const TYPES_INTERFACE = `${PACKAGE_NAME}/types@${PACKAGE_VERSION}`;
export const LOG_INTERFACE = `${PACKAGE_NAME}/log@${PACKAGE_VERSION}`;
export const ALLOWED_IMPORTS: ReadonlySet<string> = new Set([TYPES_INTERFACE, LOG_INTERFACE]);

/** The error-code enum of the package, by case index, as ABI v1 codes. */
export const ERROR_CODES: readonly number[] = [ABI_ERROR.GUEST, ABI_ERROR.BAD_PARAMS, ABI_ERROR.BAD_STATE, ABI_ERROR.OUTPUT_TOO_LARGE];

export const WIT_FILE = 'smartmodule.wit';

/** The package's directory (sdk/wit, found above this file): what `jco embed` and componentize read, and what components are checked against. */
export function witDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(d, 'sdk', 'wit', WIT_FILE))) return join(d, 'sdk', 'wit');
    const up = dirname(d);
    if (up === d) throw new Error(`cannot find sdk/wit/${WIT_FILE} above ${fileURLToPath(import.meta.url)}`);
    d = up;
  }
}
