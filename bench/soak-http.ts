// The soak's wire: undici keep-alive agents (one per certificate, and one presenting none), a
// request that reduces an answer to an Outcome, a raw TLS write of bytes that are not HTTP, and
// the attacker's forged certificates. Everything goes to 127.0.0.1.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { Agent, request } from 'undici';
import { createRootCa } from '../src/pki/ca.ts';
import { issueCertificate, type SubjectAltName } from '../src/pki/issue.ts';
import { pkcs8ToPem } from '../src/pki/keys.ts';
import { createSelfSignedCertificate } from '../src/pki/self-signed.ts';
import type { SoakClient } from './soak-protocol.ts';
import type { Outcome } from './soak-stats.ts';

/** How long one request may take before it counts as a failure (and its loop moves on). */
const REQUEST_TIMEOUT_MS = 15_000;

/** A keep-alive agent presenting `identity` (or no certificate), trusting the platform CA. */
export function agentFor(ca: string, identity?: { readonly chain: string; readonly key: string }): Agent {
  return new Agent({
    connections: 4,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
    connect: { ca, ...(identity ? { cert: identity.chain, key: identity.key } : {}), timeout: REQUEST_TIMEOUT_MS },
  });
}

/** An answer reduced to what expectations compare, with its JSON body for further checks. */
export interface Answer extends Outcome {
  readonly json: Record<string, unknown> | null;
}

/** A request: a form (POST) or a GET with headers. */
export interface Call {
  readonly method?: 'GET' | 'POST';
  readonly form?: Record<string, string>;
  /** A raw body with its content type; overrides `form`. */
  readonly raw?: { readonly type: string; readonly body: string };
  readonly headers?: Record<string, string>;
}

/** Sends one request on `agent` and reads the whole answer. */
export async function call(agent: Agent, url: string, c: Call = {}): Promise<Answer> {
  const body = c.raw?.body ?? (c.form ? new URLSearchParams(c.form).toString() : undefined);
  const type = c.raw?.type ?? (c.form ? 'application/x-www-form-urlencoded' : undefined);
  const res = await request(url, {
    method: c.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(type ? { 'content-type': type } : {}), ...c.headers },
    ...(body === undefined ? {} : { body }),
    dispatcher: agent,
  });
  const text = await res.body.text();
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    json = null;
  }
  const header = res.headers['www-authenticate'];
  const challenge = typeof header === 'string' ? (header.split(' ')[0] ?? null) : null;
  return { status: res.statusCode, error: typeof json?.['error'] === 'string' ? json['error'] : null, challenge, json };
}

/**
 * Writes `bytes` on a new TLS connection without a client certificate and reads the status line
 * of whatever comes back. Only the status is compared: the body of a parse error is the
 * listener's to shape.
 */
export function rawExchange(url: string, ca: string, bytes: Buffer): Promise<Outcome> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), ca });
    let received = '';
    const done = (outcome: Outcome | Error) => {
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => done(new Error('timeout')));
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const line = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (line) done({ status: Number(line[1]), error: null, challenge: null });
    });
    socket.on('error', (err) => done(err));
    socket.on('end', () => done(new Error('closed without an answer')));
  });
}

/** An attacker's certificate claiming to be `victim`. */
export interface Forgery {
  readonly victim: SoakClient;
  /** `impostor-ca`: a self-made CA named like the victim's partner CA; `self-signed`: the leaf alone. */
  readonly how: 'impostor-ca' | 'self-signed';
  readonly chain: string;
  readonly key: string;
}

function pems(chain: string): string[] {
  return chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/**
 * Certificates an attacker makes for `victim`: the victim's subject and URI SANs, signed by a
 * CA of the attacker's own that carries the same name as the victim's partner CA, and
 * self-signed. Neither chains to a key the token service trusts.
 */
export async function forge(victim: SoakClient): Promise<Forgery[]> {
  const [leafPem, caPem] = pems(victim.chain);
  const leaf = new X509Certificate(leafPem!);
  const sans: SubjectAltName[] = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => ({ type: 'uri', value: entry.slice(4) }));
  const caName = /CN=([^\n]+)/.exec(new X509Certificate(caPem!).subject)?.[1] ?? 'certbound partner CA';
  const impostor = await createRootCa({ commonName: caName });
  const viaCa = await issueCertificate(impostor, { subject: victim.subject, sans, usage: 'client' });
  const self = await createSelfSignedCertificate({ subject: victim.subject, sans });
  return [
    { victim, how: 'impostor-ca', chain: viaCa.certPem + impostor.certPem, key: pkcs8ToPem(viaCa.keyPkcs8!) },
    { victim, how: 'self-signed', chain: self.certPem, key: pkcs8ToPem(self.keyPkcs8) },
  ];
}
