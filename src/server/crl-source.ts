/**
 * Reading a CRL from where an imported CA publishes it: a file path or an http(s) URL.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.13
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { CertboundError } from '../core/certbound-error.ts';

/** Limits on one read. */
export interface CrlReadLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Aborts the read early (the cache closing). */
  readonly signal?: AbortSignal;
}

/** A CRL larger than this is refused: no CA's CRL of a partner ecosystem comes near it. */
export const MAX_CRL_BYTES = 10 * 1024 * 1024;

const isUrl = (source: string) => source.startsWith('http://') || source.startsWith('https://');

/**
 * The bytes a CRL source holds now. Throws ERR_CERTBOUND_CRL_UNAVAILABLE (never naming the
 * full source) when it cannot be read within the limits.
 */
export async function readCrlSource(source: string, limits: CrlReadLimits): Promise<Uint8Array> {
  return isUrl(source) ? fetchCrl(source, limits) : readCrlFile(source, limits);
}

/** How a source is named in a log line: a URL without userinfo, query or fragment; a file by its base name. */
export function describeCrlSource(source: string): string {
  if (!isUrl(source)) return `file ${basename(source)}`;
  if (!URL.canParse(source)) return 'a malformed URL';
  const url = new URL(source);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function deadline({ timeoutMs, signal }: CrlReadLimits): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([timeout, signal]) : timeout;
}

async function readCrlFile(path: string, limits: CrlReadLimits): Promise<Uint8Array> {
  const { maxBytes } = limits;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw unavailable(`cannot open the file (${codeOf(cause)})`, cause);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw unavailable('not a regular file');
    if (stats.size > maxBytes) throw unavailable(`larger than ${maxBytes} bytes`);
    const bytes = await handle.readFile({ signal: deadline(limits) });
    // The file may have grown between stat and read.
    if (bytes.byteLength > maxBytes) throw unavailable(`larger than ${maxBytes} bytes`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (err) {
    if (err instanceof CertboundError) throw err;
    throw unavailable(`cannot read the file (${codeOf(err)})`, err);
  } finally {
    await handle.close();
  }
}

async function fetchCrl(url: string, limits: CrlReadLimits): Promise<Uint8Array> {
  const { timeoutMs, maxBytes } = limits;
  const signal = deadline(limits);
  let response: Response;
  try {
    // No redirects: one could lead from https to http, or to a host the operator never named.
    response = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/pkix-crl, application/x-pem-file;q=0.5, */*;q=0.1' } });
  } catch (cause) {
    throw unavailable(signal.aborted ? `no answer within ${timeoutMs} ms` : `request failed (${codeOf(cause)})`, cause);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw unavailable(`answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw unavailable(`larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body ?? []) {
      total += chunk.byteLength;
      // Stop reading as soon as the limit is passed (leaving the loop cancels the body): no unbounded buffering.
      if (total > maxBytes) break;
      chunks.push(chunk);
    }
  } catch (cause) {
    throw unavailable(signal.aborted ? `no complete answer within ${timeoutMs} ms` : `reading the answer failed (${codeOf(cause)})`, cause);
  }
  if (total > maxBytes) throw unavailable(`larger than ${maxBytes} bytes`);
  return new Uint8Array(Buffer.concat(chunks));
}

/** A system error code (ENOENT, ECONNREFUSED, …) from an error or its cause; never its message, which may hold a path or address. */
function codeOf(err: unknown): string {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code: unknown = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.name : 'unknown error';
}

function unavailable(reason: string, cause?: unknown): CertboundError {
  return new CertboundError('ERR_CERTBOUND_CRL_UNAVAILABLE', `CRL source unavailable: ${reason}`, cause === undefined ? undefined : { cause });
}
