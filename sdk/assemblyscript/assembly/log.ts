// The one host import ABI v1 allows: sluice.log(level, ptr, len). Imported only when used.
@external("sluice", "log")
declare function hostLog(level: i32, ptr: usize, len: i32): void;

export const LOG_DEBUG: i32 = 0;
export const LOG_INFO: i32 = 1;
export const LOG_WARN: i32 = 2;
export const LOG_ERROR: i32 = 3;

export function log(level: i32, message: string): void {
  const b = String.UTF8.encode(message);
  hostLog(level, changetype<usize>(b), b.byteLength);
}
