/**
 * The `sluice` import namespace offered to every guest (sdk/ABI.md, "Imports"): log only.
 * Messages are cut at GUEST_LOG_MESSAGE_MAX_BYTES and calls capped per batch by the caller.
 */
import { GUEST_LOG_MESSAGE_MAX_BYTES } from './constants.js';

export type GuestLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type GuestLogHandler = (level: GuestLogLevel, message: string) => void;

const LEVELS: readonly GuestLogLevel[] = ['debug', 'info', 'warn', 'error'];
const utf8 = new TextDecoder();

/**
 * Imports for one instance. `log` receives (level, ptr, len) and needs the instance's
 * memory, which exists only after instantiation: `memory` is asked for at call time.
 */
export function guestImports(
  memory: () => WebAssembly.Memory | undefined,
  onLog?: (level: GuestLogLevel, message: string) => void,
): WebAssembly.Imports {
  return {
    sluice: {
      log(level: number, ptr: number, len: number): void {
        const mem = memory();
        if (!onLog || !mem) return;
        const start = ptr >>> 0;
        const n = Math.min(len >>> 0, GUEST_LOG_MESSAGE_MAX_BYTES);
        const buf = new Uint8Array(mem.buffer);
        if (start + n > buf.length) return;
        onLog(LEVELS[level] ?? 'info', utf8.decode(buf.subarray(start, start + n)));
      },
    },
  };
}
