import type { Store } from '../storage/store.ts';
import type { KeySet } from './access-tokens.ts';

/** What readiness is judged on; each failing check is named in the 503 answer. */
export type ReadinessCheck = 'store' | 'signing_key' | 'tls_certificate';

/** What a readiness probe looks at. */
export interface ReadinessInput {
  readonly store: Pick<Store, 'getSetting'>;
  readonly keys: KeySet;
  /** The validity of the certificate the listener serves now. */
  readonly certificate: { readonly notBefore: Date; readonly notAfter: Date };
  readonly now: Date;
  /** How long the store may take to answer (ms). */
  readonly timeoutMs: number;
}

/** A store probe that gives up after `timeoutMs`: a hung database is as unready as a dead one. */
async function storeAnswers(store: Pick<Store, 'getSetting'>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([store.getSetting('schema').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the instance should receive traffic (`/readyz`): the store answers a cheap query in
 * bounded time, a signing key is loaded that signs now, and the served TLS certificate is within
 * its validity. Returns the failing checks, none when ready.
 */
export async function readiness(input: ReadinessInput): Promise<ReadinessCheck[]> {
  const failing: ReadinessCheck[] = [];
  if (!(await storeAnswers(input.store, input.timeoutMs))) failing.push('store');
  if (!input.keys.hasSigningKey(input.now)) failing.push('signing_key');
  const t = input.now.getTime();
  if (t < input.certificate.notBefore.getTime() || t > input.certificate.notAfter.getTime()) failing.push('tls_certificate');
  return failing;
}
