/**
 * Reading a CRL from where an imported CA publishes it: a regular file or an https URL.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.13
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, isAbsolute } from 'node:path';
import { rootCertificates } from 'node:tls';
import { CertboundError } from '../core/certbound-error.ts';

/** Limits on one read. */
export interface CrlReadLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Aborts the read early (the cache closing). */
  readonly signal?: AbortSignal;
  /** CA certificates (PEM) trusted for https sources besides Node's bundled roots, e.g. a partner's private CA. */
  readonly ca?: readonly string[];
}

/** A CRL larger than this is refused: no CA's CRL of a partner ecosystem comes near it. */
export const MAX_CRL_BYTES = 10 * 1024 * 1024;

/** How long one CRL read may take by default: a source that does not answer is given up on, never waited for. */
export const CRL_FETCH_TIMEOUT_MS = 5_000;

const isUrl = (source: string) => /^[a-z][a-z0-9+.-]*:/i.test(source) && !isAbsolute(source);
const isHttpsUrl = (source: string) => source.startsWith('https://') && URL.canParse(source);

/**
 * Checks a CRL source when it is configured: an https URL without credentials, or the absolute
 * path of a regular file that exists now. Anything else (http, a FIFO, a device, a directory)
 * is refused with ERR_CERTBOUND_INVALID_INPUT: a FIFO would block its reader forever, and a
 * plain-http source lets anyone on the path withhold the CRL.
 */
export async function checkCrlSource(source: string): Promise<void> {
  const refuse = (why: string) => new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `CRL source '${describeCrlSource(source)}' ${why}: give an https URL or the absolute path of a regular file`);
  if (isHttpsUrl(source)) {
    const url = new URL(source);
    if (url.username !== '' || url.password !== '') throw refuse('carries credentials');
    return;
  }
  if (isUrl(source) || !isAbsolute(source)) throw refuse(isUrl(source) ? 'is not an https URL' : 'is not an absolute path');
  let stats;
  try {
    // stat follows a symbolic link: what counts is what a read would open.
    stats = await stat(source);
  } catch (cause) {
    throw refuse(`cannot be read (${codeOf(cause)})`);
  }
  if (!stats.isFile()) throw refuse('is not a regular file');
}

/**
 * The bytes a CRL source holds now. Throws ERR_CERTBOUND_CRL_UNAVAILABLE (never naming the
 * full source) when it cannot be read within the limits. Sources configured before
 * `checkCrlSource` existed are held to the same rules here: an http URL or a non-regular file
 * is unavailable (fail closed).
 */
export async function readCrlSource(source: string, limits: CrlReadLimits): Promise<Uint8Array> {
  if (isHttpsUrl(source)) return fetchCrl(source, limits);
  if (isUrl(source) || !isAbsolute(source)) throw unavailable('not an https URL or an absolute file path');
  return readCrlFile(source, limits);
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

/**
 * Reads a file within the deadline. The race matters beyond the FIFO case: an open or a read on
 * a hung network mount blocks a thread-pool thread, and the cache must not wait with it.
 */
function readCrlFile(path: string, limits: CrlReadLimits): Promise<Uint8Array> {
  const signal = deadline(limits);
  const reading = readFileWithin(path, limits, signal);
  const late = new Promise<never>((_resolve, reject) => {
    const fail = () => reject(unavailable(`no answer within ${limits.timeoutMs} ms`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  // Whichever loses is settled later with nobody waiting: not an unhandled rejection.
  reading.catch(() => {});
  late.catch(() => {});
  return Promise.race([reading, late]);
}

async function readFileWithin(path: string, limits: CrlReadLimits, signal: AbortSignal): Promise<Uint8Array> {
  const { maxBytes } = limits;
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait (in the thread pool, beyond
    // any deadline) for a writer; with it, the open returns and fstat below refuses the FIFO.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw unavailable(`cannot open the file (${codeOf(cause)})`, cause);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw unavailable('not a regular file');
    if (stats.size > maxBytes) throw unavailable(`larger than ${maxBytes} bytes`);
    const bytes = await handle.readFile({ signal });
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
  const late = (what: string, cause: unknown) => unavailable(signal.aborted ? `no ${what} within ${timeoutMs} ms` : `request failed (${codeOf(cause)})`, cause);
  // node:https follows no redirects: one could lead to http, or to a host the operator never named.
  const request = httpsRequest(url, {
    signal,
    agent: false,
    headers: { accept: 'application/pkix-crl, application/x-pem-file;q=0.5, */*;q=0.1' },
    ...(limits.ca === undefined ? {} : { ca: [...rootCertificates, ...limits.ca] }),
  });
  request.end();
  let response: IncomingMessage;
  try {
    [response] = (await once(request, 'response')) as [IncomingMessage];
  } catch (cause) {
    throw late('answer', cause);
  }
  try {
    if (response.statusCode !== 200) throw unavailable(`answered HTTP ${response.statusCode ?? 0}`);
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > maxBytes) throw unavailable(`larger than ${maxBytes} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        total += chunk.byteLength;
        // Stop reading as soon as the limit is passed: no unbounded buffering.
        if (total > maxBytes) throw unavailable(`larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (cause) {
      if (cause instanceof CertboundError) throw cause;
      throw signal.aborted ? unavailable(`no complete answer within ${timeoutMs} ms`, cause) : unavailable(`reading the answer failed (${codeOf(cause)})`, cause);
    }
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    // Whatever is left unread is not wanted; the connection is not reused (agent: false).
    request.destroy();
  }
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
