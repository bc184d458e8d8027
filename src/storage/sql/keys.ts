import type { KeyEncryptionKey } from '../../core/key-wrap.ts';
import type { SigningKey, TlsCredential } from '../../core/model.ts';
import type { NewSigningKey, Store } from '../store.ts';
import { rewrapStoredKeys } from '../wrapped-keys.ts';
import type { SqlContext } from './context.ts';

/** The Store's signing-key, TLS-credential and key re-wrapping operations. */
export type KeysOperations = Pick<Store, 'listSigningKeys' | 'addSigningKey' | 'retireSigningKey' | 'getTlsCredential' | 'putTlsCredential' | 'rewrapKeys'>;

/** Token signing keys and the listeners' TLS credentials, wrapped under the KEK; re-wrapping under a new one. */
export function keysOperations(sql: SqlContext): KeysOperations {
  return {
    async listSigningKeys(): Promise<SigningKey[]> {
      const rows = await sql.rows<{ kid: string; alg: string; key_pkcs8: Uint8Array; active: boolean; created_at: Date; activates_at: Date | null; retired_at: Date | null }>(
        'SELECT * FROM signing_keys ORDER BY created_at, kid',
      );
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        keyPkcs8: sql.kek.unwrap(r.key_pkcs8, { purpose: 'signing', id: r.kid }),
        active: r.active,
        createdAt: r.created_at,
        activatesAt: r.activates_at ?? r.created_at,
        retiredAt: r.retired_at,
      }));
    },

    async addSigningKey(key: NewSigningKey): Promise<void> {
      await sql.rows('INSERT INTO signing_keys (kid, alg, key_pkcs8, active, activates_at) VALUES ($1, $2, $3, $4, $5)', [
        key.kid,
        key.alg,
        sql.kek.wrap(key.keyPkcs8, { purpose: 'signing', id: key.kid }),
        key.active,
        key.activatesAt ?? null,
      ]);
    },

    async retireSigningKey(kid: string, at: Date): Promise<boolean> {
      return (await sql.rows('UPDATE signing_keys SET active = false, retired_at = $2 WHERE kid = $1 AND active RETURNING kid', [kid, at])).length > 0;
    },

    async getTlsCredential(name: string): Promise<TlsCredential | null> {
      const [row] = await sql.rows<{ name: string; cert_pem: string; key_pkcs8: Uint8Array; created_at: Date }>(
        'SELECT * FROM tls_credentials WHERE name = $1',
        [name],
      );
      return row
        ? { name: row.name, certPem: row.cert_pem, keyPkcs8: sql.kek.unwrap(row.key_pkcs8, { purpose: 'tls', id: row.name }), createdAt: row.created_at }
        : null;
    },

    async putTlsCredential(c: Omit<TlsCredential, 'createdAt'>): Promise<void> {
      await sql.rows(
        `INSERT INTO tls_credentials (name, cert_pem, key_pkcs8) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET cert_pem = EXCLUDED.cert_pem, key_pkcs8 = EXCLUDED.key_pkcs8, created_at = now()`,
        [c.name, c.certPem, sql.kek.wrap(c.keyPkcs8, { purpose: 'tls', id: c.name })],
      );
    },

    async rewrapKeys(next: KeyEncryptionKey): Promise<number> {
      return sql.transaction((tx) => rewrapStoredKeys(tx.q, sql.kek, next));
    },
  };
}
