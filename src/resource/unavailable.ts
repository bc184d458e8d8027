import { TemporarilyUnavailable } from '../core/errors.ts';

/**
 * The token service (its keys or its introspection) cannot be used now: 503
 * `temporarily_unavailable`, with the seconds after which asking again makes sense.
 */
export class BackendUnavailable extends TemporarilyUnavailable {
  /** Whole seconds for `Retry-After`, at least 1. */
  readonly retryAfter: number;
  constructor(description: string, retryInMs: number, options?: ErrorOptions) {
    super(description, options);
    this.name = 'BackendUnavailable';
    this.retryAfter = Number.isFinite(retryInMs) ? Math.max(1, Math.ceil(retryInMs / 1000)) : 1;
  }
}
