import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Guard, VerifiedToken } from '../guard.ts';
import { errorResponse } from '../response.ts';

/** A node:http handler that receives the verified token as a third argument. */
export type GuardedHandler = (request: IncomingMessage, response: ServerResponse, auth: VerifiedToken) => unknown;

/**
 * Wraps a `node:http`/`node:https` request handler: the handler runs only for a request whose
 * certificate-bound token the guard accepts (with the scopes given); every other request is
 * answered per RFC 6750.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function withGuard(guard: Guard, handler: GuardedHandler, required: { readonly scopes?: readonly string[] } = {}) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let auth: VerifiedToken;
    try {
      auth = await guard.verify(request, required);
    } catch (err) {
      const answer = errorResponse(err, guard.realm);
      response.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      return;
    }
    try {
      await handler(request, response, auth);
    } catch (err) {
      // An unhandled rejection would take the whole server down: answer 500, without detail.
      if (!response.headersSent) {
        const answer = errorResponse(err, guard.realm);
        response.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      } else response.destroy();
    }
  };
}
