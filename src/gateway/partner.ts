/**
 * Which partner a client certificate belongs to: the partner whose issuing CA signed it. Access
 * tokens name the client, not its partner, and the partner's CA is the one fact the gateway can
 * check for itself (each partner has its own CA, RFC 8705 §7.4).
 */
import { X509Certificate } from 'node:crypto';
import type { Thumbprint } from '../core/thumbprint.ts';

/** Names the partner of a certificate, or null; answers are kept per thumbprint. */
export type PartnerResolver = (thumbprint: Thumbprint, der: () => Uint8Array | null) => string | null;

/**
 * A resolver over `partner name → CA certificate (PEM)`: a leaf directly issued and signed by
 * exactly that CA names it. An empty map resolves nothing.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-7.4
 */
export function partnerResolver(cas: ReadonlyMap<string, string>): PartnerResolver {
  const anchors = [...cas].map(([name, pem]) => ({ name, ca: new X509Certificate(pem) }));
  const known = new Map<Thumbprint, string | null>();
  const LIMIT = 10_000;
  return (thumbprint, der) => {
    if (anchors.length === 0) return null;
    const hit = known.get(thumbprint);
    if (hit !== undefined) return hit;
    const raw = der();
    let partner: string | null = null;
    if (raw !== null) {
      const leaf = new X509Certificate(raw);
      // checkIssued compares names only; the signature check is what makes it the partner's.
      partner = anchors.find(({ ca }) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))?.name ?? null;
    }
    if (known.size >= LIMIT) known.delete(known.keys().next().value!);
    known.set(thumbprint, partner);
    return partner;
  };
}
