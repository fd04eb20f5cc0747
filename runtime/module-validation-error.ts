/** A module or component that cannot run here; the message names the export, import, world or limit at fault. */
export class ModuleValidationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModuleValidationError';
  }
}
