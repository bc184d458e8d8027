import type { ErrorCode } from '../core/error-codes.ts';

/**
 * A refused administrative change (bad id, unknown partner, conflicting options), with a
 * stable `code` and a message meant for the operator.
 */
export class AdminError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AdminError';
    this.code = code;
  }
}
