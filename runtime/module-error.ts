/** A guest call that failed; `code` is the negative ABI v1 code (runtime/abi/error-codes.ts). */
export type ModuleErrorKind = 'trap' | 'guest-error' | 'output-too-large' | 'memory-limit';

export class ModuleError extends Error {
  readonly code: number;
  readonly kind: ModuleErrorKind;
  constructor(code: number, message: string, kind: ModuleErrorKind, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModuleError';
    this.code = code;
    this.kind = kind;
  }
}
