import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import type { Guard, VerifiedToken } from '../guard.ts';
import { errorResponse } from '../response.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token, set by the certbound guard. */
    auth?: VerifiedToken;
  }
  interface FastifyContextConfig {
    /** certbound: the scopes this route requires, or false to leave the route unguarded. */
    certbound?: { readonly scopes?: readonly string[] } | false;
  }
}

/** Options of the Fastify plugin. */
export interface GuardPluginOptions {
  readonly guard: Guard;
  /** Scopes every guarded route requires unless it names its own (default none). */
  readonly scopes?: readonly string[];
}

/**
 * Fastify plugin: every route is guarded unless its `config.certbound` is false; a route's
 * `config.certbound.scopes` names the scopes it requires; the verified token is on
 * `request.auth`. Failures are answered per RFC 6750.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export const certboundGuard: FastifyPluginCallback<GuardPluginOptions> = fp<GuardPluginOptions>(
  async (app, options) => {
    app.decorateRequest('auth', undefined);
    app.addHook('preHandler', async (request, reply) => {
      const config = request.routeOptions.config.certbound;
      if (config === false) return;
      try {
        // preHandler runs after body parsing, so a token misplaced in a form body is seen and refused.
        request.auth = await options.guard.verify(
          { headers: request.headers, rawHeaders: request.raw.rawHeaders, socket: request.raw.socket, url: request.url, body: request.body },
          { scopes: config?.scopes ?? options.scopes ?? [] },
        );
      } catch (err) {
        const answer = errorResponse(err, options.guard.realm);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      }
    });
  },
  { name: 'certbound-guard', fastify: '5.x' },
);
