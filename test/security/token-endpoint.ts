// Shared by the token-endpoint catalogue tests: requests to a running service and the exact
// answers the catalogue expects of it.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { jwtPayload, send, type RequestOptions, type Response } from '../helpers/https.ts';

export const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';

/** A client_credentials form with `extra` parameters. */
export const cc = (extra: Record<string, string | readonly string[]> = {}) => ({ grant_type: 'client_credentials', ...extra });
/** An RFC 7617 Basic credential. */
export const basic = (id: string, pass: string) => `Basic ${Buffer.from(`${id}:${pass}`).toString('base64')}`;
/** `x5t#S256` of a PEM certificate, computed here rather than by certbound. */
export const x5t = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');

/** Requests to the service at `issuer()` trusting `ca()`, and assertions on its answers (read lazily: set in before()). */
export function endpoint(issuer: () => string, ca: () => string) {
  return {
    post: (path: string, options: Omit<RequestOptions, 'ca'>) => send(`${issuer()}${path}`, { ca: ca(), ...options }),
    /** 401 invalid_client, the same body whatever the cause, with the Basic challenge (design contract). */
    assertInvalidClient(res: Response, what = ''): void {
      assert.equal(res.status, 401, `${what}: ${res.text}`);
      assert.equal(res.text, INVALID_CLIENT_BODY, what);
      assert.equal(res.headers['www-authenticate'], `Basic realm="${issuer()}"`, what);
      assert.equal(res.headers['cache-control'], 'no-store');
    },
    /** An error answer with exactly this status and OAuth error code, and no token. */
    assertError(res: Response, status: number, error: string, what = ''): void {
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.equal(res.json?.['error'], error, what);
      assert.equal(res.json?.['access_token'], undefined);
      assert.equal(res.headers['cache-control'], 'no-store');
    },
    /** A 200 with an access token; returns its claims. */
    assertIssued(res: Response, what = ''): Record<string, unknown> {
      assert.equal(res.status, 200, `${what}: ${res.text}`);
      return jwtPayload(String(res.json?.['access_token']));
    },
  };
}
