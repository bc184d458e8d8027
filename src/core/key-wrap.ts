// Envelope encryption of the private keys certbound stores (CA, TLS, token signing keys):
// AES-256-GCM under a key-encryption key (KEK), bound to the row it belongs to, so that a
// database dump or backup alone never yields a key, and a wrapped key copied into another
// row or purpose does not decrypt.
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { CertboundError } from './certbound-error.ts';

/** What a stored private key is for; part of its associated data. */
export type KeyPurpose = 'ca' | 'signing' | 'tls';

/** The row a wrapped key belongs to: a purpose and the row's id (CA id, kid, credential name). */
export interface KeySlot {
  readonly purpose: KeyPurpose;
  readonly id: string;
}

/** Length of a KEK: 32 bytes, AES-256. */
export const KEK_LENGTH = 32;

// Layout: "CBKW" | version 1 | KEK id (8) | IV (12) | ciphertext | GCM tag (16).
// A PKCS#8 key starts with 0x30 (a DER SEQUENCE), never with "C": the two cannot be confused.
const MAGIC = Buffer.from('CBKW', 'latin1');
const VERSION = 1;
const KEK_ID_LENGTH = 8;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = MAGIC.length + 1 + KEK_ID_LENGTH;

/**
 * A key-encryption key. The raw bytes are kept in a KeyObject and never exposed; `id` names
 * it (a one-way derivation) so that errors and operators can tell KEKs apart.
 */
export class KeyEncryptionKey {
  /** 16 hex digits derived from the KEK; safe to print. */
  readonly id: string;
  readonly #idBytes: Buffer;
  readonly #wrapping: KeyObject;

  private constructor(bytes: Uint8Array) {
    // Separate keys for naming and for wrapping, derived from the one secret.
    const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), info, length));
    this.#idBytes = derive('certbound kek id v1', KEK_ID_LENGTH);
    this.#wrapping = createSecretKey(derive('certbound key wrap v1', 32));
    this.id = this.#idBytes.toString('hex');
  }

  /** A KEK from its 32 raw bytes. */
  static fromBytes(bytes: Uint8Array): KeyEncryptionKey {
    if (bytes.byteLength !== KEK_LENGTH) throw new KekInvalid(`a key-encryption key is ${KEK_LENGTH} bytes, not ${bytes.byteLength}`);
    return new KeyEncryptionKey(bytes);
  }

  /** A KEK from its text form: 32 bytes in base64 (or base64url), surrounding whitespace ignored. */
  static fromBase64(text: string, source: string): KeyEncryptionKey {
    const trimmed = text.trim();
    // The text is not echoed: it is (or is close to) the secret.
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) throw new KekInvalid(`${source} is not base64: give 32 random bytes in base64 (openssl rand -base64 32)`);
    const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (bytes.byteLength !== KEK_LENGTH) throw new KekInvalid(`${source} holds ${bytes.byteLength} bytes, not ${KEK_LENGTH}: give 32 random bytes in base64 (openssl rand -base64 32)`);
    return new KeyEncryptionKey(bytes);
  }

  /** A new random KEK and its text form (for a KEK file). */
  static generate(): { kek: KeyEncryptionKey; base64: string } {
    const bytes = randomBytes(KEK_LENGTH);
    return { kek: new KeyEncryptionKey(bytes), base64: bytes.toString('base64') };
  }

  /** Encrypts a private key (PKCS#8 DER) for the row `slot`. */
  wrap(plaintext: Uint8Array, slot: KeySlot): Uint8Array {
    const header = Buffer.concat([MAGIC, Buffer.of(VERSION), this.#idBytes]);
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.#wrapping, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(associatedData(header, slot));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([header, iv, body, cipher.getAuthTag()]));
  }

  /**
   * Decrypts a key wrapped for `slot`. Throws KeyUnwrapError (code ERR_CERTBOUND_KEK_MISMATCH)
   * when another KEK wrapped it, or (ERR_CERTBOUND_KEY_UNWRAP) when it does not authenticate:
   * altered, or moved from another row or purpose.
   */
  unwrap(wrapped: Uint8Array, slot: KeySlot): Uint8Array {
    const kekId = wrappedKekId(wrapped);
    if (kekId === null) throw new KeyUnwrapError('ERR_CERTBOUND_KEY_UNWRAP', `the stored private key of ${describe(slot)} is not wrapped under a key-encryption key`);
    if (kekId !== this.id) {
      throw new KeyUnwrapError(
        'ERR_CERTBOUND_KEK_MISMATCH',
        `the stored private key of ${describe(slot)} was wrapped under KEK ${kekId}, not under the KEK given (${this.id}): ` +
          'give the KEK this database was written with (--kek-file FILE or CERTBOUND_KEK)',
      );
    }
    const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
    const iv = bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH);
    const body = bytes.subarray(HEADER_LENGTH + IV_LENGTH, bytes.length - TAG_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.#wrapping, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(associatedData(bytes.subarray(0, HEADER_LENGTH), slot));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH));
    try {
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      throw new KeyUnwrapError('ERR_CERTBOUND_KEY_UNWRAP', `the stored private key of ${describe(slot)} does not decrypt: it was altered, or belongs to another row`);
    }
  }

  /** Never the key: a KEK printed or logged shows only its id. */
  toJSON(): string {
    return `KeyEncryptionKey(${this.id})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

/** The id of the KEK that wrapped `stored`, or null when it is not a wrapped key (a plaintext PKCS#8, say). */
export function wrappedKekId(stored: Uint8Array): string | null {
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (bytes.length < HEADER_LENGTH + IV_LENGTH + TAG_LENGTH || !bytes.subarray(0, MAGIC.length).equals(MAGIC) || bytes[MAGIC.length] !== VERSION) return null;
  return bytes.subarray(MAGIC.length + 1, HEADER_LENGTH).toString('hex');
}

function associatedData(header: Buffer, slot: KeySlot): Buffer {
  // Length-prefixed fields: no two (purpose, id) pairs share an encoding.
  const field = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([header, field(slot.purpose), field(slot.id)]);
}

function describe(slot: KeySlot): string {
  return `${slot.purpose} '${slot.id}'`;
}

/** A stored private key could not be unwrapped: another KEK, or it was altered or moved. No key material in the message. */
export class KeyUnwrapError extends CertboundError {
  constructor(code: 'ERR_CERTBOUND_KEK_MISMATCH' | 'ERR_CERTBOUND_KEY_UNWRAP', message: string) {
    super(code, message);
    this.name = 'KeyUnwrapError';
  }
}

/** A KEK that is not 32 bytes of base64; the message never echoes what was given. */
export class KekInvalid extends CertboundError {
  constructor(message: string) {
    super('ERR_CERTBOUND_KEK_INVALID', message);
    this.name = 'KekInvalid';
  }
}
