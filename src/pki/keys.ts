/**
 * ECDSA P-256 key pairs, held as PKCS#8 DER and moved as PEM.
 * @see https://www.rfc-editor.org/rfc/rfc5915
 * @see https://www.rfc-editor.org/rfc/rfc7468
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { invalidArgValue } from '../core/argument-error.ts';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A WebCrypto key pair (Node's types have no global `CryptoKeyPair` without the DOM lib). */
export interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/** Generates an extractable ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<KeyPair> {
  return crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

/** Exports a private key as PKCS#8 DER, the form certbound stores keys in. @see https://www.rfc-editor.org/rfc/rfc5958 */
export async function exportPkcs8(privateKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
}

/** Imports a PKCS#8 DER ECDSA P-256 private key and derives its public key, both extractable. */
export async function importPkcs8(der: Uint8Array): Promise<KeyPair> {
  let keyObject;
  try {
    keyObject = createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw invalidArgValue('The key is not a PKCS#8 private key', cause);
  }
  // Every certbound key is P-256; anything else is a mix-up, not a key to sign with.
  if (keyObject.asymmetricKeyType !== 'ec' || keyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw invalidArgValue('The key is not an ECDSA P-256 key');
  }
  const spki = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey('pkcs8', new Uint8Array(der), EC_P256, true, ['sign']),
    crypto.subtle.importKey('spki', spki, EC_P256, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/** Encodes PKCS#8 DER as a `PRIVATE KEY` PEM block. @see https://www.rfc-editor.org/rfc/rfc7468#section-10 */
export function pkcs8ToPem(der: Uint8Array): string {
  return derToPem(der, 'PRIVATE KEY');
}

/** Encodes DER as a PEM block with the given label, base64 in 64-character lines. @see https://www.rfc-editor.org/rfc/rfc7468#section-2 */
export function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const PEM = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]*?)-----END ([A-Z0-9 ]+)-----\s*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes exactly one PEM block with the expected label (strict: no text around it,
 * canonical base64 only). Errors never echo the input, which may be a key.
 * @see https://www.rfc-editor.org/rfc/rfc7468#section-3
 */
export function pemToDer(pem: string, label: string): Uint8Array {
  const match = PEM.exec(pem);
  if (!match) throw invalidArgValue(`Expected one PEM block labelled ${label}`);
  const [, begin, body = '', end] = match;
  if (begin !== label || end !== label) throw invalidArgValue(`Expected one PEM block labelled ${label}`);
  const base64 = body.replace(/\s/g, '');
  if (base64 === '' || !BASE64.test(base64)) throw invalidArgValue(`The ${label} PEM block is not valid base64`);
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

