/**
 * `GET /pki/crl/<fingerprint>`: the DER CRL of a partner CA certbound holds, for anyone who
 * checks that partner's certificates (no client certificate needed). The URL names the CA by
 * the SHA-256 fingerprint of its certificate, not the partner: partner ids are not public, and
 * a 200/404 per guessed id would list them.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5
 * @see https://www.rfc-editor.org/rfc/rfc2585#section-4.2
 */
import type { Server as HttpsServer } from 'node:https';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../storage/store.ts';
import { createCrlPublisher } from './crl-publisher.ts';
import type { Registry } from './registry.ts';

/** What the route reads: the store (on a cache miss), the live registry, the clock. */
export interface CrlRouteDeps {
  readonly store: Store;
  readonly state: { readonly registry: Registry };
  readonly now?: () => Date;
}

/** Path of a partner CA's CRL: the CA certificate's SHA-256 fingerprint, lowercase hex. */
export const CRL_PATH = '/pki/crl/:fingerprint';

/** The path where the CRL of the certbound-held CA with this fingerprint is published. */
export function crlPathOf(fingerprint: string): string {
  return `/pki/crl/${fingerprint}`;
}

const FINGERPRINT = /^[0-9a-f]{64}$/;

/** Per registry: fingerprint of each active partner's certbound-held CA → the partner. */
const heldCas = new WeakMap<Registry, ReadonlyMap<string, string>>();

function partnerOfCa(registry: Registry, fingerprint: string): string | undefined {
  let map = heldCas.get(registry);
  if (!map) {
    // The CA certbound holds for a partner has the authority id `partner:<id>`; imported ones carry their fingerprint too.
    map = new Map([...registry.anchors].flatMap(([partnerId, list]) => list.filter((a) => a.authorityId === `partner:${partnerId}`).map((a) => [a.fingerprint, partnerId] as const)));
    heldCas.set(registry, map);
  }
  return map.get(fingerprint);
}

/** Caches may keep a CRL this long (seconds), never past its nextUpdate: revocations show within it. */
const MAX_AGE_S = 300;
const NOT_FOUND = { error: 'not_found', error_description: 'no such endpoint' } as const;

/**
 * Registers `GET /pki/crl/<fingerprint>` (`application/pkix-crl`). An unknown fingerprint, a
 * disabled partner's CA, or a CA certbound does not hold is 404 like any unknown path; so is
 * the former `/pki/<partner>/crl`, which is not served any more.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5
 */
export function registerCrlRoute(app: FastifyInstance<HttpsServer>, deps: CrlRouteDeps): void {
  const now = deps.now ?? (() => new Date());
  const publisher = createCrlPublisher({ store: deps.store, now });
  app.get<{ Params: { fingerprint: string } }>(CRL_PATH, async (request, reply) => {
    const { registry } = deps.state;
    const fingerprint = request.params.fingerprint;
    const partnerId = FINGERPRINT.test(fingerprint) ? partnerOfCa(registry, fingerprint) : undefined;
    const crl = partnerId === undefined ? null : await publisher.crlFor(partnerId, registry);
    if (!crl) return reply.code(404).send(NOT_FOUND);
    const left = Math.floor((crl.nextUpdate.getTime() - now().getTime()) / 1000);
    return reply
      .header('cache-control', `max-age=${Math.max(0, Math.min(MAX_AGE_S, left))}`)
      .header('last-modified', crl.thisUpdate.toUTCString())
      .type('application/pkix-crl')
      .send(Buffer.from(crl.der.buffer, crl.der.byteOffset, crl.der.byteLength));
  });
}
