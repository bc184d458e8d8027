import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { SigningKey } from '../core/model.ts';
import type { NewSigningKey } from '../storage/store.ts';

/** A signing key ready to use: the private key for signing, the public JWK for the JWKS. */
export interface LoadedSigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
  /** When it starts signing; published (and verifying) before that. */
  readonly activatesAt: Date;
}

/**
 * Generates an ES256 (P-256) signing key whose `kid` is the RFC 7638 thumbprint of its public JWK;
 * it signs from `activatesAt` (from when it is stored, when absent).
 * @see https://www.rfc-editor.org/rfc/rfc7638
 */
export async function generateSigningKey(activatesAt?: Date): Promise<NewSigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
  const keyPkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  return { kid, alg: 'ES256', keyPkcs8, active: true, ...(activatesAt === undefined ? {} : { activatesAt }) };
}

/** Turns a stored signing key into key objects and its public JWK. */
export async function loadSigningKey(key: SigningKey): Promise<LoadedSigningKey> {
  if (key.alg !== 'ES256') throw new TypeError(`unsupported signing algorithm ${key.alg}`);
  const privateKey = createPrivateKey({ key: Buffer.from(key.keyPkcs8), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: key.kid, alg: 'ES256', use: 'sig' };
  return { kid: key.kid, alg: 'ES256', privateKey, publicKey, jwk, activatesAt: key.activatesAt };
}
