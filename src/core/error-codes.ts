/**
 * The catalogue of library error codes (errors that are not OAuth wire errors): each code
 * with what it means. `docs/errors.md` documents every one; a test keeps the two in step.
 */
export const ERROR_CODES = {
  ERR_CERTBOUND_USAGE: 'A command was called with a missing, unknown or malformed option or argument.',
  ERR_CERTBOUND_CONFIG: 'A configuration file or a CERTBOUND_* environment variable holds an unknown key or a value of the wrong type.',
  ERR_CERTBOUND_DIR_BUSY: 'certbound serve is running on the data directory; the embedded database has a single writer.',
  ERR_CERTBOUND_INVALID_ID: 'A partner, client or certificate name has characters or a length that is not allowed.',
  ERR_CERTBOUND_INVALID_SAN: 'A subjectAltName argument is not dns:<hostname> or ip:<address>.',
  ERR_CERTBOUND_EXISTS: 'A partner, client, resource, anchor or certificate with that id already exists.',
  ERR_CERTBOUND_NOT_FOUND: 'The partner, client, resource, certificate or grant named does not exist.',
  ERR_CERTBOUND_FORBIDDEN: "The change would cross partners (e.g. granting another partner's resource).",
  ERR_CERTBOUND_NOT_INITIALISED: 'The data directory lacks what the command needs (CA, TLS certificate, signing key): run certbound init.',
  ERR_CERTBOUND_NO_CA_KEY: "certbound does not hold the private key of the partner's CA, so it cannot issue from it.",
  ERR_CERTBOUND_INVALID_INPUT: 'An admin operation got a missing or malformed field.',
  ERR_CERTBOUND_INVALID_CERTIFICATE: 'A certificate, CA or CSR given to certbound is malformed, expired, not a CA where one is needed, or its signature does not verify.',
  ERR_CERTBOUND_CONFLICT: "The change conflicts with the current state: deleting a partner that still has clients, retiring a client's last active certificate, a trust anchor already held by another partner.",
  ERR_CERTBOUND_PARTNER_ANCHOR_CONFLICT: "A CA to import has the same subject as a CA already trusted for another partner or the platform (a look-alike anchor).",
  ERR_CERTBOUND_DATABASE_UNAVAILABLE: 'The PostgreSQL server could not be reached or refused the connection (address, credentials, TLS).',
  ERR_CERTBOUND_INVALID_CRL: 'A CRL is malformed, not issued and signed by the CA it is configured for, not valid yet, past its nextUpdate, or has a critical extension certbound does not process.',
  ERR_CERTBOUND_CRL_UNAVAILABLE: 'A CRL source could not be read: missing file, not a regular file, not an https URL, unreachable server, no answer within 5 s, an answer other than 200, or larger than 10 MiB.',
  ERR_CERTBOUND_ADMIN_REFUSED: 'The admin API refused the certificate: none was presented, it is not a registered administrator certificate, or it is outside its validity period.',
  ERR_CERTBOUND_ADMIN_UNAVAILABLE: 'The admin API could not be reached (connection refused, TLS failure, timeout), did not answer as a certbound admin API, or failed with a server error.',
  ERR_CERTBOUND_KEK_REQUIRED: 'No key-encryption key was given where one is needed: a PostgreSQL store, or an embedded store whose kek file is missing.',
  ERR_CERTBOUND_KEK_INVALID: 'A key-encryption key is not 32 bytes of base64, or its file cannot be read.',
  ERR_CERTBOUND_KEK_MISMATCH: 'The stored private keys were wrapped under another key-encryption key than the one given.',
  ERR_CERTBOUND_KEY_UNWRAP: 'A stored private key does not decrypt under the key-encryption key: it was altered, moved from another row, or is not wrapped.',
  ERR_CERTBOUND_LEGACY_STORE: "The data directory's store is in the embedded PostgreSQL (PGlite) format of earlier versions: run certbound migrate-store.",
  ERR_CERTBOUND_ISSUER_MISMATCH: 'The store is bound to another issuer than the one given: every token-service instance on one database must have the same issuer.',
  ERR_CERTBOUND_INSECURE_PERMISSIONS: 'The data directory (or its kek file) can be read or written by group or others.',
} as const;

/** A stable library error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Node-style codes of bad arguments to library functions (a TypeError or RangeError, as Node
 * raises its own); docs/errors.md documents them beside the library codes.
 */
export const ARGUMENT_ERROR_CODES = {
  ERR_INVALID_ARG_VALUE: 'A library function or option got a value that is not allowed (a malformed URL, DN, IP address, PEM block or certificate, an unknown format). A TypeError.',
  ERR_OUT_OF_RANGE: 'A number given to a library function (a duration, a size, a count, a validity period) is outside its range. A RangeError.',
} as const;

/** A Node-style code of a bad argument. */
export type ArgumentErrorCode = keyof typeof ARGUMENT_ERROR_CODES;
