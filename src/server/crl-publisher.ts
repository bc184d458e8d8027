/**
 * The CRL of each partner CA certbound holds, generated from the store's revocation records
 * and kept until the registry changes, so that serving it costs no signature or query.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5
 */
import { BACKDATE_MS } from '../pki/ca.ts';
import { createCrl } from '../pki/crl.ts';
import type { Store } from '../storage/store.ts';
import type { Registry } from './registry.ts';

/** A generated CRL. */
export interface PublishedCrl {
  readonly der: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

/** Hands out the current CRL of a partner's certbound-held CA. */
export interface CrlPublisher {
  /** The CRL of `partnerId`'s CA, or null when the partner is unknown, disabled, or its CA is imported. */
  crlFor(partnerId: string, registry: Registry): Promise<PublishedCrl | null>;
}

/** How long a published CRL is valid: its nextUpdate is this long after its thisUpdate. */
export const CRL_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** A CRL is signed again at least this often, so a cached one is always far from its nextUpdate. */
const REISSUE_MS = 60 * 60 * 1000;

interface Cached {
  /** The registry it was generated for: a reload (e.g. after a revocation) makes it stale. */
  readonly registry: Registry;
  readonly promise: Promise<PublishedCrl | null>;
  settled?: PublishedCrl | null;
}

/** Creates the publisher; `now` is the clock. */
export function createCrlPublisher(deps: { readonly store: Store; readonly now: () => Date }): CrlPublisher {
  const { store, now } = deps;
  const cache = new Map<string, Cached>();
  const lastNumber = new Map<string, number>();

  const generate = async (partnerId: string, at: Date): Promise<PublishedCrl | null> => {
    const ca = await store.getAuthority(`partner:${partnerId}`);
    // Only a CA whose key certbound holds can sign a CRL; an imported CA publishes its own.
    if (!ca || ca.keyPkcs8 === null || ca.partnerId !== partnerId) return null;
    const revoked = (await store.listRevokedCertificates()).filter((r) => r.issuerId === ca.id && r.serial !== null);
    // RFC 5280 §5.2.3: the cRLNumber grows with every CRL; seconds of issue, kept past the last one issued here.
    const crlNumber = Math.max((lastNumber.get(partnerId) ?? 0) + 1, Math.floor(at.getTime() / 1000));
    lastNumber.set(partnerId, crlNumber);
    // Set back a minute, as certificates are, so a relying party whose clock lags still accepts it.
    const thisUpdate = new Date(at.getTime() - BACKDATE_MS);
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_MS);
    const der = await createCrl(
      { certPem: ca.certPem, keyPkcs8: ca.keyPkcs8 },
      revoked.map((r) => ({ serial: r.serial!, revokedAt: r.revokedAt, reason: r.reason })),
      { thisUpdate, nextUpdate, crlNumber },
    );
    return { der, thisUpdate, nextUpdate };
  };

  return {
    async crlFor(partnerId, registry) {
      // Unknown and disabled partners are answered from memory: no query for a made-up id.
      if (registry.partners.get(partnerId)?.status !== 'active') return null;
      // CRL times have whole seconds; keep the same ones for max-age.
      const at = new Date(Math.floor(now().getTime() / 1000) * 1000);
      const cached = cache.get(partnerId);
      if (cached && cached.registry === registry) {
        const crl = cached.settled;
        if (crl === undefined || crl === null || at.getTime() < crl.thisUpdate.getTime() + REISSUE_MS) return cached.promise;
      }
      const entry: Cached = { registry, promise: generate(partnerId, at) };
      cache.set(partnerId, entry);
      try {
        entry.settled = await entry.promise;
        return entry.settled;
      } catch (err) {
        if (cache.get(partnerId) === entry) cache.delete(partnerId);
        // The database may be down: a CRL already signed serves until its nextUpdate.
        const previous = cached?.settled;
        if (cached && previous && at.getTime() < previous.nextUpdate.getTime()) {
          cache.set(partnerId, cached);
          return previous;
        }
        throw err;
      }
    },
  };
}
