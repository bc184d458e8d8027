import type { ErrorCode } from './error-codes.ts';

/**
 * A library error that is not an OAuth wire error — a refused administrative change, a
 * data directory in use, a service that cannot start — with a stable `code` from the
 * catalogue and a message meant for the operator.
 */
export class CertboundError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CertboundError';
    this.code = code;
  }
}
