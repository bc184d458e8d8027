/**
 * `GET /pki/<partner>/crl`: the DER CRL of a partner CA certbound holds, for anyone who
 * checks that partner's certificates (no client certificate needed).
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

/** Path of a partner's CRL. */
export const CRL_PATH = '/pki/:partner/crl';

/** Caches may keep a CRL this long (seconds), never past its nextUpdate: revocations show within it. */
const MAX_AGE_S = 300;
const NOT_FOUND = { error: 'not_found', error_description: 'no such endpoint' } as const;

/**
 * Registers `GET /pki/<partner>/crl` (`application/pkix-crl`). An unknown or disabled
 * partner, or one whose CA certbound does not hold, is 404 like any unknown path.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5
 */
export function registerCrlRoute(app: FastifyInstance<HttpsServer>, deps: CrlRouteDeps): void {
  const now = deps.now ?? (() => new Date());
  const publisher = createCrlPublisher({ store: deps.store, now });
  app.get<{ Params: { partner: string } }>(CRL_PATH, async (request, reply) => {
    const crl = await publisher.crlFor(request.params.partner, deps.state.registry);
    if (!crl) return reply.code(404).send(NOT_FOUND);
    const left = Math.floor((crl.nextUpdate.getTime() - now().getTime()) / 1000);
    return reply
      .header('cache-control', `max-age=${Math.max(0, Math.min(MAX_AGE_S, left))}`)
      .header('last-modified', crl.thisUpdate.toUTCString())
      .type('application/pkix-crl')
      .send(Buffer.from(crl.der.buffer, crl.der.byteOffset, crl.der.byteLength));
  });
}
