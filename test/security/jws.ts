// Hand-made JWS for hostile-token tests: any header (crit, jwk, jku, zip…) and any payload,
// signed with node:crypto directly so no JOSE library refuses to produce the attack.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** An ES256 (P-256) or RS256 key pair with its public JWK under `kid`. */
export interface TestKey {
  readonly privateKey: KeyObject;
  readonly jwk: JWK;
}

/** A fresh signing key for `alg` ('ES256' or 'RS256'), published as `kid`. */
export function testKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): TestKey {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey, jwk: { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' } };
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS of `header` and `payload` (a JSON value or raw text) signed by `key` with the alg the header names. */
export function compactJws(header: Record<string, unknown>, payload: unknown, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = String(header['alg']);
  const signature = alg.startsWith('ES')
    ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}
