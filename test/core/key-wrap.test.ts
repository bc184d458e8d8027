import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { KekInvalid, KeyEncryptionKey, KeyUnwrapError, wrappedKekId, type KeySlot } from '../../src/core/key-wrap.ts';

const pkcs8 = () => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' }));
const ca: KeySlot = { purpose: 'ca', id: 'platform' };

/** Asserts a KeyUnwrapError with `code` whose message carries no key material. */
function unwrapError(code: string, secret: Uint8Array) {
  return (err: unknown) => {
    assert.ok(err instanceof KeyUnwrapError, String(err));
    assert.equal(err.code, code);
    assert.ok(!err.message.includes('BEGIN'), err.message);
    assert.ok(!err.message.includes(Buffer.from(secret).toString('base64').slice(0, 16)), err.message);
    assert.ok(!err.message.includes(Buffer.from(secret).toString('hex').slice(0, 16)), err.message);
    return true;
  };
}

describe('key wrap: private keys encrypted at rest under a KEK', () => {
  test('a wrapped key round-trips, and is neither PKCS#8 DER nor PEM nor parseable by createPrivateKey', () => {
    const { kek } = KeyEncryptionKey.generate();
    const key = pkcs8();
    const wrapped = kek.wrap(key, ca);
    assert.equal(wrapped[0], 0x43, 'starts with the envelope magic, not a DER SEQUENCE');
    assert.ok(!Buffer.from(wrapped).includes(Buffer.from(key)), 'the plaintext key is not inside');
    assert.ok(!Buffer.from(wrapped).toString('latin1').includes('-----BEGIN PRIVATE KEY'));
    assert.throws(() => createPrivateKey({ key: Buffer.from(wrapped), format: 'der', type: 'pkcs8' }));
    assert.deepEqual(Buffer.from(kek.unwrap(wrapped, ca)), Buffer.from(key));
    assert.equal(wrappedKekId(wrapped), kek.id);
    assert.equal(wrappedKekId(key), null, 'a plaintext PKCS#8 key is recognised as not wrapped');
  });

  test('two wraps of one key differ (a fresh IV each time)', () => {
    const { kek } = KeyEncryptionKey.generate();
    const key = pkcs8();
    assert.notDeepEqual(Buffer.from(kek.wrap(key, ca)), Buffer.from(kek.wrap(key, ca)));
  });

  test('the wrong KEK fails with ERR_CERTBOUND_KEK_MISMATCH naming both KEK ids and no key material', () => {
    const { kek } = KeyEncryptionKey.generate();
    const { kek: other } = KeyEncryptionKey.generate();
    const key = pkcs8();
    const wrapped = kek.wrap(key, ca);
    assert.throws(() => other.unwrap(wrapped, ca), unwrapError('ERR_CERTBOUND_KEK_MISMATCH', key));
    assert.throws(() => other.unwrap(wrapped, ca), new RegExp(`${kek.id}.*${other.id}`));
  });

  test('AAD: a wrapped key moved to another row or purpose does not decrypt (ERR_CERTBOUND_KEY_UNWRAP)', () => {
    const { kek } = KeyEncryptionKey.generate();
    const key = pkcs8();
    const wrapped = kek.wrap(key, { purpose: 'ca', id: 'partner:acme' });
    assert.throws(() => kek.unwrap(wrapped, { purpose: 'ca', id: 'partner:globex' }), unwrapError('ERR_CERTBOUND_KEY_UNWRAP', key));
    assert.throws(() => kek.unwrap(wrapped, { purpose: 'signing', id: 'partner:acme' }), unwrapError('ERR_CERTBOUND_KEY_UNWRAP', key));
    // No ambiguity in how purpose and id are joined.
    const a = kek.wrap(key, { purpose: 'tls', id: 'x' });
    assert.throws(() => kek.unwrap(a, { purpose: 'tls', id: 'x\u0000' }), unwrapError('ERR_CERTBOUND_KEY_UNWRAP', key));
  });

  test('an altered byte anywhere (header, IV, ciphertext, tag) fails to unwrap', () => {
    const { kek } = KeyEncryptionKey.generate();
    const key = pkcs8();
    const wrapped = kek.wrap(key, ca);
    for (const at of [4, 13, 20, 40, wrapped.length - 1]) {
      const bad = Uint8Array.from(wrapped);
      bad[at]! ^= 0x01;
      assert.throws(() => kek.unwrap(bad, ca), (err: unknown) => err instanceof KeyUnwrapError, `byte ${at}`);
    }
    assert.throws(() => kek.unwrap(wrapped.subarray(0, 20), ca), unwrapError('ERR_CERTBOUND_KEY_UNWRAP', key));
  });

  test('a plaintext PKCS#8 key is refused on unwrap: a key planted unwrapped in the database is never used', () => {
    const { kek } = KeyEncryptionKey.generate();
    const key = pkcs8();
    assert.throws(() => kek.unwrap(key, ca), unwrapError('ERR_CERTBOUND_KEY_UNWRAP', key));
  });

  test('a KEK is 32 bytes of base64; anything else is ERR_CERTBOUND_KEK_INVALID without echoing it', () => {
    const bytes = randomBytes(32);
    assert.equal(KeyEncryptionKey.fromBase64(`${bytes.toString('base64')}\n`, 'x').id, KeyEncryptionKey.fromBytes(bytes).id);
    assert.equal(KeyEncryptionKey.fromBase64(bytes.toString('base64url'), 'x').id, KeyEncryptionKey.fromBytes(bytes).id);
    for (const text of ['', 'not base64 at all!', randomBytes(16).toString('base64'), randomBytes(33).toString('base64')]) {
      assert.throws(() => KeyEncryptionKey.fromBase64(text, 'CERTBOUND_KEK'), (err: unknown) => {
        assert.ok(err instanceof KekInvalid);
        assert.equal(err.code, 'ERR_CERTBOUND_KEK_INVALID');
        assert.match(err.message, /^CERTBOUND_KEK /);
        if (text.length > 4) assert.ok(!err.message.includes(text.trim()), err.message);
        return true;
      });
    }
  });

  test('a KEK never shows its bytes when printed or serialised, only its id', () => {
    const bytes = randomBytes(32);
    const kek = KeyEncryptionKey.fromBytes(bytes);
    assert.match(kek.id, /^[0-9a-f]{16}$/);
    for (const shown of [inspect(kek), JSON.stringify({ kek }), String(Object.values(kek))]) {
      assert.ok(!shown.includes(bytes.toString('base64')) && !shown.includes(bytes.toString('hex')), shown);
    }
  });
});
