/**
 * Bad arguments are programming errors of the caller, raised the way Node raises its own:
 * a TypeError or RangeError carrying a Node-style `code` (listed in docs/errors.md).
 */

/** A TypeError with `code` `ERR_INVALID_ARG_VALUE`: an argument or option has a value that is not allowed. */
export function invalidArgValue(message: string, cause?: unknown): TypeError & { readonly code: 'ERR_INVALID_ARG_VALUE' } {
  return Object.assign(new TypeError(message, cause === undefined ? undefined : { cause }), { code: 'ERR_INVALID_ARG_VALUE' as const });
}

/** A RangeError with `code` `ERR_OUT_OF_RANGE`: a number (a duration, a size, a count) is outside its range. */
export function outOfRange(message: string): RangeError & { readonly code: 'ERR_OUT_OF_RANGE' } {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' as const });
}
