// What lies under an error a command reports: "fetch failed" or "metadata is unavailable" alone
// cannot tell a stopped service from a wrong key or an unknown CA, which need different fixes.

/** How a known low-level cause reads to a person, by its code. */
const HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens there: is the service running, on that port?',
  ENOTFOUND: 'the host name does not resolve',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: 'the key does not belong to the certificate (--key and --cert do not match)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not from the CA given (--ca)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not from the CA given (--ca)",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not from the CA given (--ca)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not the CA given (--ca)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name the host in the URL",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
};

/**
 * Codes of network and TLS failures, the only causes shown: their messages name hosts, ports and
 * certificate problems. Other causes (a database driver's, say) may quote SQL or data, so they
 * stay out of what a command prints.
 */
const SHOWN = /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_(TLS|SSL|OSSL)_[A-Z0-9_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|SELF_SIGNED_[A-Z_]+|DEPTH_ZERO_[A-Z_]+|HOSTNAME_MISMATCH)$/;

/** The chain of causes under `err` (itself excluded), an AggregateError's first error standing for it. */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 8; depth++) {
    let next: unknown = current instanceof Error ? current.cause : undefined;
    if (next === undefined && current instanceof AggregateError) next = current.errors[0];
    if (next === undefined || next === null) break;
    chain.push(next);
    current = next;
  }
  return chain;
}

/**
 * The deepest network or TLS cause under `err`, in a few words, or '' when it has none: its
 * code with a hint where one is known, else its message. Node's and undici's messages for these
 * name hosts, ports and certificate problems, never key material, so they can be shown.
 */
export function describeCause(err: unknown): string {
  const chain = causes(err);
  for (const cause of chain.reverse()) {
    if (!(cause instanceof Error)) continue;
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !SHOWN.test(code)) continue;
    const hint = HINTS[code];
    if (hint !== undefined) return `${code}: ${hint}`;
    return cause.message === '' || cause.message.includes(code) ? cause.message || code : `${code}: ${cause.message}`;
  }
  return '';
}
