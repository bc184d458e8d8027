// Bare signature rates of node:crypto on the server's core (run as a child pinned like the
// servers): ES256 and EdDSA (Ed25519) sign and verify over a JWT-sized input. They bound what a
// token service (sign) and a guard seeing new tokens (verify) can reach: 1/(1/floor + 1/op).
// Prints one JSON line: { es256Sign, es256Verify, ed25519Sign, ed25519Verify } per second.
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** Signature operations per second, from the child's JSON line. */
export interface CryptoRates {
  readonly es256Sign: number;
  readonly es256Verify: number;
  readonly ed25519Sign: number;
  readonly ed25519Verify: number;
}

function rate(op: () => unknown, seconds: number): number {
  for (let i = 0; i < 200; i++) op(); // JIT and key caches warm
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  // Check the clock every 64 operations: reading it is not free.
  while (performance.now() < end) for (let i = 0; i < 64; i++, count++) op();
  return count / ((performance.now() - start) / 1000);
}

function measure(algorithm: string | null, keys: { privateKey: KeyObject; publicKey: KeyObject }, seconds: number, input: Buffer) {
  const options = (key: KeyObject) => (algorithm ? { key, dsaEncoding: 'ieee-p1363' as const } : key);
  const signature = sign(algorithm, input, options(keys.privateKey));
  return {
    sign: rate(() => sign(algorithm, input, options(keys.privateKey)), seconds),
    verify: rate(() => verify(algorithm, input, options(keys.publicKey), signature), seconds),
  };
}

if (import.meta.main) {
  const seconds = Number(process.argv[2] ?? 1);
  // The size of a certbound access token's signing input (header.payload, base64url).
  const input = Buffer.alloc(420, 'e');
  const es = measure('sha256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), seconds, input);
  const ed = measure(null, generateKeyPairSync('ed25519'), seconds, input);
  const rates: CryptoRates = { es256Sign: es.sign, es256Verify: es.verify, ed25519Sign: ed.sign, ed25519Verify: ed.verify };
  process.stdout.write(`READY ${JSON.stringify(rates)}\n`);
}
