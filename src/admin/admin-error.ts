/**
 * A refused administrative change (bad id, unknown partner, conflicting options), with a
 * stable `code` and a message meant for the operator.
 */
export class AdminError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AdminError';
    this.code = code;
  }
}
