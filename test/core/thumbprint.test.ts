import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isThumbprint, x5tS256 } from '../../src/core/thumbprint.ts';

// RFC 8705 Appendix A, Figure 6: the example client certificate.
const RFC8705_CERT = `-----BEGIN CERTIFICATE-----
MIIBBjCBrAIBAjAKBggqhkjOPQQDAjAPMQ0wCwYDVQQDDARtdGxzMB4XDTE4MTAx
ODEyMzcwOVoXDTIyMDUwMjEyMzcwOVowDzENMAsGA1UEAwwEbXRsczBZMBMGByqG
SM49AgEGCCqGSM49AwEHA0IABNcnyxwqV6hY8QnhxxzFQ03C7HKW9OylMbnQZjjJ
/Au08/coZwxS7LfA4vOLS9WuneIXhbGGWvsDSb0tH6IxLm8wCgYIKoZIzj0EAwID
SQAwRgIhAP0RC1E+vwJD/D1AGHGzuri+hlV/PpQEKTWUVeORWz83AiEA5x2eXZOV
bUlJSGQgjwD5vaUaKlLR50Q2DmFfQj1L+SY=
-----END CERTIFICATE-----`;
// RFC 8705 Appendix A, Figure 5: its x5t#S256.
const RFC8705_X5T = 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0';

/** The DER inside a PEM, decoded here without certbound's helpers. */
function der(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('x5tS256', () => {
  test('RFC 8705 Appendix A: the example certificate has x5t#S256 A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0', () => {
    assert.equal(x5tS256(der(RFC8705_CERT)), RFC8705_X5T);
  });

  test('RFC 8705 §3.1: the thumbprint is base64url without padding of SHA-256 over the DER bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const t = x5tS256(bytes);
        assert.equal(t.length, 43);
        assert.deepEqual(Buffer.from(t, 'base64url'), createHash('sha256').update(bytes).digest());
        assert.ok(isThumbprint(t));
      }),
    );
  });
});

describe('isThumbprint', () => {
  test('accepts the RFC 8705 Appendix A thumbprint', () => {
    assert.equal(isThumbprint(RFC8705_X5T), true);
  });

  test('refuses padding, whitespace, standard base64 characters, wrong lengths and non-strings', () => {
    const bad: unknown[] = [
      `${RFC8705_X5T}=`,
      ` ${RFC8705_X5T}`,
      `${RFC8705_X5T}\n`,
      `${RFC8705_X5T.slice(0, 20)} ${RFC8705_X5T.slice(21)}`,
      RFC8705_X5T.slice(0, 42),
      `${RFC8705_X5T}A`,
      `+${RFC8705_X5T.slice(1)}`,
      `/${RFC8705_X5T.slice(1)}`,
      '',
      undefined,
      null,
      43,
      Buffer.from(RFC8705_X5T),
      [RFC8705_X5T],
      { toString: () => RFC8705_X5T },
    ];
    for (const value of bad) assert.equal(isThumbprint(value), false, String(value));
  });

  test('refuses a non-canonical encoding whose spare bits are set, though it decodes to the same 32 bytes', () => {
    const sloppy = `${RFC8705_X5T.slice(0, 42)}1`;
    assert.deepEqual(Buffer.from(sloppy, 'base64url'), Buffer.from(RFC8705_X5T, 'base64url'));
    assert.equal(isThumbprint(sloppy), false);
  });

  test('accepts exactly the 43-character strings that are the canonical base64url of 32 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...B64URL), minLength: 43, maxLength: 43 }), (s) => {
        const canonical = Buffer.from(s, 'base64url').toString('base64url') === s;
        assert.equal(isThumbprint(s), canonical, s);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        assert.equal(isThumbprint(Buffer.from(bytes).toString('base64url')), true);
      }),
    );
  });

  test('refuses any string that is not 43 characters long', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 100 }).filter((s) => s.length !== 43), (s) => {
        assert.equal(isThumbprint(s), false);
      }),
    );
  });
});
