/**
 * Hop-by-hop fields: those meant for one connection only, which a proxy consumes and never
 * forwards — the fixed set, plus every field the message's `Connection` header names.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */

/** Fields that are hop-by-hop whatever `Connection` says (RFC 9110 §7.6.1, RFC 9112 §9.6, RFC 7230's list). */
const ALWAYS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  // Each connection negotiates its own 100-continue (undici refuses to send it).
  'expect',
  // HTTP/2 pseudo-header style names never belong on an HTTP/1.1 hop.
  'http2-settings',
]);

/** Adds the field names listed in one `Connection` value, lower-cased. */
function addListed(names: Set<string>, value: string): void {
  for (const option of value.split(',')) {
    const name = option.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
}

/**
 * The names of the fields hop-by-hop in one message: the fixed set plus those listed in its
 * `Connection` header(s), lower-cased. (The fixed set itself, unchanged, when there is no
 * `Connection` header: the common case allocates nothing.)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
export function hopByHopNames(rawHeaders: readonly string[]): ReadonlySet<string> {
  let names: Set<string> | null = null;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 10 || rawHeaders[i]!.toLowerCase() !== 'connection') continue;
    names ??= new Set(ALWAYS);
    addListed(names, rawHeaders[i + 1]!);
  }
  return names ?? ALWAYS;
}

/** The same for a header object (an undici response's headers). */
export function hopByHopNamesOf(headers: Readonly<Record<string, string | string[] | undefined>>): ReadonlySet<string> {
  const connection = headers['connection'];
  if (connection === undefined) return ALWAYS;
  const names = new Set(ALWAYS);
  for (const value of Array.isArray(connection) ? connection : [connection]) addListed(names, value);
  return names;
}
