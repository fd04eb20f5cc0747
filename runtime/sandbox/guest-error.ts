import { ABI_ERROR } from '../abi/error-codes.js';
import { ModuleError } from '../module-error.js';
import type { GuestErrorKind } from './errors.js';

/** Kind, code and message of a failed guest call; 'bad-input' for host-side refusals (oversized batch). */
export function guestErrorOf(err: unknown): { kind: GuestErrorKind | 'bad-input'; code: number; message: string } {
  if (err instanceof ModuleError) return { kind: err.kind, code: err.code, message: err.message };
  return { kind: 'bad-input', code: 0, message: err instanceof Error ? err.message : String(err) };
}

/** A converter's failure on a module's output (InputConverter.convertOutput): the module's bad output. */
export function badOutputOf(err: unknown): { kind: 'guest-error'; code: number; message: string } {
  return { kind: 'guest-error', code: ABI_ERROR.BAD_OUTPUT, message: err instanceof Error ? err.message : String(err) };
}
