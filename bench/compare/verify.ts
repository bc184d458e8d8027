// Before anything is timed, each server proves it does the work: a token server returns an
// ES256 access token whose cnf.x5t#S256 is the thumbprint of the client certificate of the
// request (RFC 8705 §3.1), the guard lets a bound token through, the floor answers.
import { request } from 'node:https';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Target } from './load.ts';

/** What one server answered to the check. */
export interface Verdict {
  readonly status: number;
  /** For token servers: the token's header alg, and whether its cnf is the client's thumbprint. */
  readonly alg?: string;
  readonly cnfMatches?: boolean;
  readonly ok: boolean;
}

/** POSTs once to `target` over mTLS and returns the status and JSON body. */
export function post(target: Target, authorization?: string): Promise<{ status: number; json: Record<string, unknown> | null }> {
  return new Promise((resolve, reject) => {
    const headers = { ...target.headers, host: `localhost:${target.port}`, ...(authorization ? { authorization } : {}) };
    const req = request(
      { host: '127.0.0.1', port: target.port, servername: 'localhost', method: target.method, path: target.path, headers, cert: target.cert, key: target.key, ca: target.ca, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: Record<string, unknown> | null = null;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = null; // not JSON: the caller sees null and fails the check
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.once('error', reject);
    req.end(target.body);
  });
}

/** Checks that a token server issues a token bound to the client certificate. */
export async function verifyTokenServer(target: Target, thumbprint: string): Promise<Verdict & { token: string }> {
  const { status, json } = await post(target);
  const token = typeof json?.['access_token'] === 'string' ? json['access_token'] : '';
  if (status !== 200 || !token) return { status, ok: false, token: '' };
  const alg = String(decodeProtectedHeader(token).alg);
  const cnf = decodeJwt(token)['cnf'] as Record<string, unknown> | undefined;
  const cnfMatches = cnf?.['x5t#S256'] === thumbprint;
  return { status, alg, cnfMatches, ok: cnfMatches && alg === 'ES256', token };
}

/** Checks that a server answers 200 (with `authorization` when given). */
export async function verifyAnswers(target: Target, authorization?: string): Promise<Verdict> {
  const { status } = await post(target, authorization);
  return { status, ok: status === 200 };
}
