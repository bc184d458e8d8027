import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Guard, VerifiedToken } from '../guard.ts';
import { errorResponse } from '../response.ts';

/** An Express request after the guard: the verified token is on `req.auth`. */
export type AuthenticatedRequest = IncomingMessage & { auth?: VerifiedToken; body?: unknown };

/**
 * Express middleware: verifies the request's certificate-bound token (with the scopes given)
 * and puts it on `req.auth`, or answers per RFC 6750 without calling `next`. Written against
 * node:http types, so it needs no Express types at run time.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function guardMiddleware(guard: Guard, required: { readonly scopes?: readonly string[] } = {}) {
  return (request: AuthenticatedRequest, response: ServerResponse, next: (err?: unknown) => void): void => {
    guard.verify(request, required).then(
      (auth) => {
        request.auth = auth;
        next();
      },
      (err: unknown) => {
        const answer = errorResponse(err, guard.realm);
        response.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      },
    );
  };
}
