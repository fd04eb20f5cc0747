/**
 * A module source directory: `assembly/index.ts` plus `sluice.yaml` naming it:
 *
 *   name: json-filter          # defaults to the directory name
 *   kind: filter               # optional; checked against the built module
 *   description: ...
 *   params: { field: "..." }   # documentation only
 *   build:
 *     maximumMemoryPages: 16   # optional, ≤ 1024 (asc --maximumMemory)
 *     ascArgs: []              # optional extra asc arguments
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { MODULE_MEMORY_MAX_BYTES, MODULE_NAME_MAX_CHARS, WASM_PAGE_BYTES } from '../constants.js';
import { MODULE_KINDS } from '../kinds/index.js';

export const MODULE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

const manifestSchema = z
  .object({
    name: z.string().max(MODULE_NAME_MAX_CHARS).regex(MODULE_NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-"').optional(),
    kind: z.enum(MODULE_KINDS as [string, ...string[]]).optional(),
    description: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    build: z
      .object({
        maximumMemoryPages: z.number().int().min(1).max(MODULE_MEMORY_MAX_BYTES / WASM_PAGE_BYTES).optional(),
        ascArgs: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface ModuleManifest {
  dir: string;
  name: string;
  kind?: string;
  description?: string;
  entry: string;
  maximumMemoryPages: number;
  ascArgs: string[];
}

export const MANIFEST_FILE = 'sluice.yaml';

/** Reads `<dir>/sluice.yaml` (optional) and finds the entry file; throws with one line naming the problem. */
export function readModuleManifest(dir: string): ModuleManifest {
  const entry = join(dir, 'assembly', 'index.ts');
  if (!existsSync(entry)) throw new Error(`${dir}: no assembly/index.ts`);
  const file = join(dir, MANIFEST_FILE);
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const m = parsed.data;
  const name = m.name ?? basename(dir);
  if (!MODULE_NAME_PATTERN.test(name)) throw new Error(`${dir}: module name "${name}" must match ${MODULE_NAME_PATTERN}`);
  const out: ModuleManifest = {
    dir,
    name,
    entry,
    maximumMemoryPages: m.build?.maximumMemoryPages ?? MODULE_MEMORY_MAX_BYTES / WASM_PAGE_BYTES,
    ascArgs: m.build?.ascArgs ?? [],
  };
  if (m.kind !== undefined) out.kind = m.kind;
  if (m.description !== undefined) out.description = m.description;
  return out;
}

/** Where `sluice module build` writes a module dir's binary. */
export function moduleOutputPath(manifest: ModuleManifest): string {
  return join(manifest.dir, 'build', `${manifest.name}.wasm`);
}
